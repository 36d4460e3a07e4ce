"""Celery tasks of schools: thin wrappers around services, safe to run twice."""

from celery import shared_task


@shared_task(ignore_result=True)
def anonymise_expired_people() -> int:
    """Daily: personal data of people inactive longer than PERSONAL_DATA_RETENTION_DAYS are anonymised, each with an act."""
    from .services import people_anonymise_expired

    return len(people_anonymise_expired())
