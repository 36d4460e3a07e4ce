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
