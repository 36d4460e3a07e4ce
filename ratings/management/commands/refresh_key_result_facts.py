from django.core.management.base import BaseCommand

from ratings.services import key_result_facts_refresh


class Command(BaseCommand):
    help = "Пересчитывает подтверждения ключевых результатов по данным портала (раунды, рейтинг, статус, кураторы)."

    def handle(self, *args, **options):
        written = key_result_facts_refresh()
        self.stdout.write(f"Подтверждений ключевых результатов по данным портала: {written}.")
