import os

from celery import Celery, signals

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "roadmap_portal.settings")

app = Celery("roadmap_portal")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@signals.setup_logging.connect
def _use_django_logging(**_) -> None:
    """The worker logs like the web process (JSON lines with the request id), not in Celery's own format."""
    import logging.config

    from django.conf import settings

    logging.config.dictConfig(settings.LOGGING)


def _connect_request_id_signals() -> None:
    from .logs import forget_request_id_after_task, put_request_id_in_task_headers, restore_request_id_in_task

    signals.before_task_publish.connect(put_request_id_in_task_headers, weak=False)
    signals.task_prerun.connect(restore_request_id_in_task, weak=False)
    signals.task_postrun.connect(forget_request_id_after_task, weak=False)


_connect_request_id_signals()
