"""Large Excel exports built by the Celery worker as ExportJob rows; the page polls their progress.

`export_job_start` records the job and queues the task after commit; the task claims the job with a
conditional UPDATE (queued → running), so running it twice builds the file once.
"""

import logging

from django.contrib.auth import get_user_model
from django.core.files import File
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from schools.roles import Access

from .exports import ExportNotFound, ExportRequest, export_request_for, export_to_tempfile
from .models import ExportJob

logger = logging.getLogger(__name__)
ABANDONED_AFTER = timezone.timedelta(minutes=30)
# Finished files are kept this long for a second download, then removed with their job.
KEEP_FINISHED = timezone.timedelta(days=7)


@transaction.atomic
def export_job_start(*, request: ExportRequest, user, total_rows: int) -> ExportJob:
    export_jobs_prune(older_than=timezone.now() - KEEP_FINISHED)
    job = ExportJob(kind=request.spec.kind, params={**request.params, "filename": request.filename}, user=user, total_rows=total_rows)
    job.full_clean()
    job.save()
    from .tasks import build_export

    transaction.on_commit(lambda: build_export.delay(job.pk))
    return job


def export_jobs_prune(*, older_than) -> int:
    """Delete finished or failed jobs older than the moment, and their files after the commit."""
    old = list(ExportJob.objects.filter(created_at__lt=older_than, state__in=[ExportJob.State.DONE, ExportJob.State.FAILED]))
    for job in old:
        if job.file:
            transaction.on_commit(lambda f=job.file: f.delete(save=False))
    ExportJob.objects.filter(pk__in=[j.pk for j in old]).delete()
    return len(old)


def export_job_run(*, job_id: int) -> bool:
    """Build the file of a queued job. Returns False when another run has claimed it already."""
    # A job left running by a worker that died long ago may be claimed again (the task is redelivered).
    abandoned = Q(state=ExportJob.State.RUNNING, created_at__lt=timezone.now() - ABANDONED_AFTER)
    claimed = ExportJob.objects.filter(Q(state=ExportJob.State.QUEUED) | abandoned, pk=job_id).update(state=ExportJob.State.RUNNING, done_rows=0)
    if claimed != 1:
        return False
    job = ExportJob.objects.get(pk=job_id)
    # A fresh Access: the user's role and schools are read again when the file is built.
    user = get_user_model().objects.get(pk=job.user_id)

    def progress(done: int) -> None:
        ExportJob.objects.filter(pk=job_id).update(done_rows=done)

    try:
        params = job.params
        request = export_request_for(Access(user), job.kind, round_id=params.get("round"), year=params.get("year"), district=params.get("district"))
        with export_to_tempfile(request, progress) as stream:
            job.file.save(f"{job.kind}-{job.pk}.{request.spec.extension}", File(stream), save=False)
    except ExportNotFound:
        _fail(job, "Данные для выгрузки больше недоступны: раунд удалён или у вас нет к нему доступа.")
        return True
    except Exception:
        logger.exception("Export job %s failed", job_id)
        _fail(job, "Не удалось сформировать файл. Попробуйте ещё раз; если ошибка повторится — сообщите администратору.")
        return True
    ExportJob.objects.filter(pk=job_id).update(state=ExportJob.State.DONE, file=job.file.name, finished_at=timezone.now(), done_rows=job.total_rows)
    return True


def _fail(job: ExportJob, message: str) -> None:
    ExportJob.objects.filter(pk=job.pk).update(state=ExportJob.State.FAILED, error=message, finished_at=timezone.now())
