"""Celery tasks of reports: thin wrappers around services, safe to run twice."""

from celery import shared_task

from .services import export_job_run


@shared_task
def build_export(job_id: int) -> None:
    export_job_run(job_id=job_id)
