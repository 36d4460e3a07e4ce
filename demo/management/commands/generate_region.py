"""Generate a synthetic region for load tests: `manage.py generate_region --schools 10000 --rounds 2 --seed 1`."""

import time

from django.core.management.base import BaseCommand, CommandError

from demo.synthetic import SyntheticRegionError, region_generate


class Command(BaseCommand):
    help = (
        "Создаёт синтетический регион «Синтетический регион S=<seed>»: районы, городские и сельские школы, кураторов "
        "и раунды мониторинга с ответами по опросной форме по умолчанию (последний раунд открыт). "
        "Одинаковые параметры дают одинаковые данные. После создания пересчитывает рейтинги каждого раунда."
    )

    def add_arguments(self, parser):
        parser.add_argument("--schools", type=int, default=100, help="Сколько школ (по умолчанию 100)")
        parser.add_argument("--rounds", type=int, default=2, help="Сколько раундов: закрытые и последний открытый (по умолчанию 2)")
        parser.add_argument("--seed", type=int, default=1, help="Зерно случайных чисел; входит в название региона (по умолчанию 1)")
        parser.add_argument("--districts", type=int, default=None, help="Сколько районов (по умолчанию один на ~50 школ, не меньше 3)")
        parser.add_argument("--replace", action="store_true", help="Удалить регион с тем же зерном, если он уже есть, и создать заново")
        parser.add_argument("--password", default=None, help="Пароль всех кураторов региона (по умолчанию войти под ними нельзя)")
        parser.add_argument("--no-recompute", action="store_true", help="Не пересчитывать рейтинги после создания")

    def handle(self, *args, schools, rounds, seed, districts, replace, password, no_recompute, **options):
        try:
            report = region_generate(schools=schools, rounds=rounds, seed=seed, districts=districts, replace=replace, password=password, log=self.stdout.write)
        except SyntheticRegionError as error:
            raise CommandError(str(error)) from error
        states = ", ".join(f"{state}: {count}" for state, count in sorted(report.states.items()))
        self.stdout.write(
            self.style.SUCCESS(
                f"Готово за {report.seconds:.1f} с: школ {report.schools}, раундов {len(report.round_ids)}, "
                f"анкет {report.submissions} ({states}), ответов {report.answers}."
            )
        )
        if no_recompute:
            self.stdout.write("Рейтинги не пересчитаны (--no-recompute): раунды отмечены как требующие пересчёта.")
            return
        try:
            from ratings.services import rating_recompute_round
        except ImportError:
            self.stdout.write(self.style.WARNING("Пересчёт рейтингов ещё недоступен: раунды отмечены как требующие пересчёта."))
            return
        # Oldest first: each round's ratings compare with the previous round's.
        for round_id in report.round_ids:
            started = time.perf_counter()
            rating_recompute_round(round_id=round_id)
            self.stdout.write(f"Рейтинги раунда {round_id} пересчитаны за {time.perf_counter() - started:.1f} с")
