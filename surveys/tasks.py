"""Celery tasks of surveys: thin wrappers around services, safe to run twice."""

from celery import shared_task


@shared_task
def send_deadline_reminders() -> int:
    """Hourly (beat): reminders 3 days and 1 day before each open round's deadline, each kind once per school."""
    from .services import reminders_send_due

    return reminders_send_due()


@shared_task(bind=True)
def send_notice_email(self, notice_id: int) -> bool:
    """E-mail one notice; the claim inside makes a second run (or a retry racing the sweep) send nothing."""
    from .notices import notice_email_send

    outcome = notice_email_send(notice_id=notice_id)
    if outcome is not None and outcome.retry_in is not None and not self.request.is_eager:
        try:
            # A second later than the backoff: the claim takes a notice only once its next attempt is due.
            send_notice_email.apply_async(args=[notice_id], countdown=outcome.retry_in.total_seconds() + 1)
        except Exception:  # the broker is gone too: the beat sweep retries when it is back
            return False
    return bool(outcome and outcome.sent)


@shared_task
def send_due_notices() -> int:
    """Every minute (beat): e-mails due for a retry or never queued."""
    from .notices import notices_send_due

    return notices_send_due()


@shared_task
def send_review_digest() -> int:
    """Daily (beat): methodologists learn how many questionnaires wait for review."""
    from .notices import notices_review_digest

    return notices_review_digest()


@shared_task
def send_document_reminders() -> int:
    """Hourly: curators of schools that have not sent a requested document, 3 days and 1 day before its date (once each)."""
    from .documents import document_reminders_send_due

    return document_reminders_send_due()
