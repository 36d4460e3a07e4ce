"""Celery tasks of surveys: thin wrappers around services, safe to run twice."""

from celery import shared_task


@shared_task
def send_deadline_reminders() -> int:
    """Hourly (beat): reminders 3 days and 1 day before each open round's deadline, each kind once per school."""
    from .services import reminders_send_due

    return reminders_send_due()
