from django.conf import settings
from django.db import models


class ExportJob(models.Model):
    """A large Excel export built by the worker; the page polls its progress."""

    class State(models.TextChoices):
        QUEUED = "queued", "в очереди"
        RUNNING = "running", "формируется"
        DONE = "done", "готов"
        FAILED = "failed", "ошибка"

    kind = models.CharField("вид", max_length=30)
    params = models.JSONField("параметры", default=dict)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name="кто заказал")
    state = models.CharField("состояние", max_length=10, choices=State.choices, default=State.QUEUED)
    done_rows = models.PositiveIntegerField("готово строк", default=0)
    total_rows = models.PositiveIntegerField("всего строк", default=0)
    file = models.FileField("файл", upload_to="exports/%Y/%m/", blank=True)
    error = models.TextField("ошибка", blank=True)
    created_at = models.DateTimeField("заказан", auto_now_add=True)
    finished_at = models.DateTimeField("готов", null=True, blank=True)

    class Meta:
        verbose_name = "выгрузка Excel"
        verbose_name_plural = "выгрузки Excel"
        ordering = ["-created_at"]

    @property
    def percent(self) -> int:
        """How far the file is: 100 only when it is ready (the last rows are written before the file is saved)."""
        if self.state == self.State.DONE:
            return 100
        return min(99, 100 * self.done_rows // self.total_rows) if self.total_rows else 0


class DocumentTemplate(models.Model):
    """The department's own Word template of a document the portal writes (else the built-in one, reports/documents.py)."""

    class Kind(models.TextChoices):
        STATUS_ORDER = "status_order", "проект приказа о статусе «Цифровая школа» (с приложением)"
        STATUS_ANNEX = "status_annex", "приложение к приказу: список школ со статусом"

    kind = models.CharField("документ", max_length=30, choices=Kind.choices, unique=True)
    file = models.FileField(
        "шаблон Word (.docx)",
        upload_to="document_templates/",
        help_text="Файл .docx с полями в фигурных скобках, например {{ status_title }}; строки таблицы по районам — "
        "между {%tr for district in districts %} и {%tr endfor %}. Возьмите за основу шаблон по умолчанию (ссылка выше).",
    )
    updated_at = models.DateTimeField("загружен", auto_now=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name="загрузил")

    class Meta:
        verbose_name = "шаблон документа"
        verbose_name_plural = "шаблоны документов"

    def __str__(self) -> str:
        return self.get_kind_display()
