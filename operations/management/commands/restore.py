"""manage.py restore FILE|- [--replace]: an archive of `manage.py backup` onto an empty installation."""

import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from operations.backup import BackupError, backup_restore


class Command(BaseCommand):
    help = "Восстановление из архива manage.py backup в пустую установку; сверяет базу и файлы с описью архива."

    def add_arguments(self, parser):
        parser.add_argument("archive", help="файл архива или «-» (из стандартного ввода)")
        parser.add_argument("--replace", action="store_true", help="заменить данные непустой установки (текущие база и файлы удаляются)")

    def handle(self, *args, archive, replace, **options):
        try:
            if archive == "-":
                summary = backup_restore(source=sys.stdin.buffer, replace=replace)
            else:
                if not Path(archive).is_file():
                    raise CommandError(f"Нет файла {archive}.")
                with open(archive, "rb") as stream:
                    summary = backup_restore(source=stream, replace=replace)
        except BackupError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(
            f"Восстановлено: {summary.tables} таблиц, {summary.rows} строк, {summary.files} файлов — совпадает с описью архива."
            + (" Применены миграции этой версии портала." if summary.migrated else "")
        )
