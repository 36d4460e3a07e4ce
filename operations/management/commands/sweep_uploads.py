"""manage.py sweep_uploads [--dry-run] [--waiting-only]: delete uploaded files no row owns (operations.services.uploads_sweep)."""

from django.core.management.base import BaseCommand

from operations.services import uploads_sweep


class Command(BaseCommand):
    help = "Удалить загруженные файлы, которыми не владеет ни одна запись (ожидающие — после своего срока, прочие — через сутки)."

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="только показать, что было бы удалено")
        parser.add_argument("--waiting-only", action="store_true", help="только ожидающие файлы (импорт, одноразовые пароли, отклонённые сохранения)")

    def handle(self, *args, dry_run=False, waiting_only=False, **options):
        summary = uploads_sweep(orphans=not waiting_only, dry_run=dry_run)
        for name in summary.removed:
            self.stdout.write(name)
        verb = "Было бы удалено" if dry_run else "Удалено"
        self.stdout.write(self.style.SUCCESS(f"{verb} файлов: {len(summary.removed)}, {summary.freed_bytes / 1024**2:.1f} МБ."))
