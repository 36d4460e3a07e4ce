"""What the operator needs to know about the running portal itself (not about schools)."""

from django.db import models


class Heartbeat(models.Model):
    """The last time a periodic process showed it is alive (the Celery beat scheduler writes «beat» every minute)."""

    name = models.CharField("процесс", max_length=50, unique=True)
    at = models.DateTimeField("последний сигнал")

    class Meta:
        verbose_name = "сигнал работы процесса"
        verbose_name_plural = "сигналы работы процессов"

    def __str__(self) -> str:
        return f"{self.name}: {self.at:%d.%m.%Y %H:%M:%S}"
