"""manage.py backup [--output FILE|-]: the database and the uploaded files in one archive (see operations/backup.py)."""

import sys
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from operations.backup import BackupError, backup_create


class Command(BaseCommand):
    help = "Резервная копия: база данных и загруженные файлы одним архивом (.tar)."

    def add_arguments(self, parser):
        parser.add_argument("--output", help="файл архива или «-» (в стандартный вывод); по умолчанию backups/portal-<дата-время>.tar")

    def handle(self, *args, output=None, **options):
        to_stdout = output == "-"
        path = None if to_stdout else Path(output or settings.BASE_DIR / "backups" / f"portal-{timezone.localtime():%Y%m%d-%H%M%S}.tar")
        try:
            if to_stdout:
                summary = backup_create(output=sys.stdout.buffer)
            else:
                path.parent.mkdir(parents=True, exist_ok=True)
                with path.open("xb") as stream:
                    summary = backup_create(output=stream)
        except FileExistsError as error:
            raise CommandError(f"Файл {path} уже есть: укажите другое имя.") from error
        except BaseException as error:
            if path is not None and path.exists():
                path.unlink()  # never leave half an archive that looks like a backup
            if isinstance(error, BackupError):
                raise CommandError(str(error)) from error
            raise
        report = (
            f"Архив {'записан в стандартный вывод' if to_stdout else path}: {summary.tables} таблиц, {summary.rows} строк, "
            f"{summary.files} файлов, {summary.bytes / 1024**2:.1f} МБ. Восстановить: manage.py restore <архив>."
        )
        (self.stderr if to_stdout else self.stdout).write(report)
