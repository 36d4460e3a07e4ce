"""Load the demo data made from the seed documents; safe to run any number of times."""

from django.core.management.base import BaseCommand
from django.db import transaction

from demo.seed import indicators, ratings, schools, surveys
from demo.seed.schools import SeedTally


class Command(BaseCommand):
    help = (
        "Загружает демонстрационные данные из документов (fixtures/): муниципалитеты, районы и школы Ростова-на-Дону, "
        "три дорожные карты, опросную форму по умолчанию, правила рейтинга, критерии и статусы «Цифровая школа» 2022 года. "
        "Повторный запуск ничего не дублирует; настройки, изменённые администратором (анкета, баллы, критерии), не перезаписываются."
    )

    def handle(self, *args, **options):
        sections = [
            ("Школы", schools.load),
            ("Дорожные карты", indicators.load),
            ("Опросная форма", surveys.load),
            ("Рейтинг и статус «Цифровая школа»", ratings.load),
        ]
        tallies = []
        with transaction.atomic():
            for title, load in sections:
                tally = SeedTally()
                load(tally)
                tallies.append((title, tally))

        created = sum(tally.created_total for _, tally in tallies)
        self.stdout.write(
            self.style.SUCCESS(
                "Демонстрационные данные загружены."
                if created
                else "Демонстрационные данные уже были загружены: новых записей нет, существующие сверены с документами."
            )
        )
        for title, tally in tallies:
            self.stdout.write(f"  {title}: " + ", ".join(tally.lines()))
