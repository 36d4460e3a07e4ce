"""Celery tasks of operations: thin wrappers around services, safe to run twice."""

from celery import shared_task


@shared_task(ignore_result=True)
def record_beat_heartbeat() -> None:
    """Scheduled by beat every minute: its row's age says whether the scheduler (reminders, stale recomputes) runs."""
    from .services import BEAT, heartbeat_record

    heartbeat_record(name=BEAT)


@shared_task(ignore_result=True)
def sweep_uploads(orphans: bool = True) -> int:
    """Beat: files kept between two requests, hourly (orphans=False); with files no row owns, daily."""
    from .services import uploads_sweep

    return len(uploads_sweep(orphans=orphans).removed)
