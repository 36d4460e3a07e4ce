"""Log lines that tie a user's action to the Celery tasks it queued.

A request gets an id (the proxy's X-Request-ID if it sent a sane one, else a new one); it lives in a
contextvar for the request, travels in the headers of every task the request queues, and the worker
restores it while the task runs. Every log line carries it: grep one id and see the whole action.
"""

import json
import logging
import re
import uuid
from contextvars import ContextVar
from datetime import UTC, datetime

request_id_var: ContextVar[str] = ContextVar("request_id", default="")

REQUEST_ID_HEADER = "X-Request-ID"
TASK_HEADER = "request_id"
# What a proxy may hand us: nginx's $request_id is 32 hex digits; anything else is replaced, never logged as given.
_SANE_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")


def new_request_id() -> str:
    return uuid.uuid4().hex


def sane_request_id(value: str | None) -> str:
    return value if value and _SANE_ID.match(value) else new_request_id()


def current_request_id() -> str:
    return request_id_var.get()


class RequestIdFilter(logging.Filter):
    """Puts the request id, and inside a Celery task its id and name, on every record."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id_var.get()
        task_id = task_name = ""
        try:
            from celery import current_task

            if current_task and current_task.request.id:
                task_id, task_name = current_task.request.id, current_task.name
        except Exception:  # noqa: BLE001, S110 - logging must never fail because Celery is half set up
            pass
        record.task_id, record.task_name = task_id, task_name
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line: what a log shipper (Loki, ELK, journald) reads without parsing rules."""

    def format(self, record: logging.LogRecord) -> str:
        line = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", ""),
        }
        if getattr(record, "task_id", ""):
            line["task_id"] = record.task_id
            line["task"] = record.task_name
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False)


class TextFormatter(logging.Formatter):
    """The same facts for a person reading a terminal (`make run`)."""

    def __init__(self):
        super().__init__("%(asctime)s %(levelname)s %(name)s [%(request_id)s%(task_suffix)s] %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        record.request_id = getattr(record, "request_id", "") or "-"
        record.task_suffix = f" task {record.task_id}" if getattr(record, "task_id", "") else ""
        return super().format(record)


def logging_config(*, log_format: str, level: str, eager_tasks: bool) -> dict:
    """Django's LOGGING; the Celery worker applies the same (see roadmap_portal/celery.py)."""
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"request_id": {"()": "roadmap_portal.logs.RequestIdFilter"}},
        "formatters": {"json": {"()": "roadmap_portal.logs.JsonFormatter"}, "text": {"()": "roadmap_portal.logs.TextFormatter"}},
        "handlers": {"console": {"class": "logging.StreamHandler", "formatter": log_format, "filters": ["request_id"]}},
        "root": {"handlers": ["console"], "level": level},
        "loggers": {
            "django.db.backends": {"level": "WARNING"},
            # In-process (eager) tasks would print a line per task into `make run`'s console.
            "celery.app.trace": {"level": "WARNING" if eager_tasks else "INFO"},
        },
    }


class RequestIdMiddleware:
    """Gives each request its id (in the contextvar while it runs, and in the response's X-Request-ID)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request_id = sane_request_id(request.headers.get(REQUEST_ID_HEADER))
        request.request_id = request_id
        token = request_id_var.set(request_id)
        try:
            response = self.get_response(request)
        finally:
            request_id_var.reset(token)
        response[REQUEST_ID_HEADER] = request_id
        return response


def put_request_id_in_task_headers(headers: dict | None = None, **_) -> None:
    """Celery's before_task_publish: the task carries the id of the request (or task) that queued it."""
    request_id = request_id_var.get()
    if headers is not None and request_id and TASK_HEADER not in headers:
        headers[TASK_HEADER] = request_id


def restore_request_id_in_task(task=None, **_) -> None:
    """Celery's task_prerun: the worker takes the id from the headers; a task queued by no request gets its own."""
    if task is None:
        return
    given = getattr(task.request, TASK_HEADER, None)
    if task.request.is_eager:
        return  # runs inside the caller: the caller's id is already set
    task.request._request_id_token = request_id_var.set(sane_request_id(given) if given else f"task-{task.request.id}")


def forget_request_id_after_task(task=None, **_) -> None:
    token = getattr(getattr(task, "request", None), "_request_id_token", None)
    if token is not None:
        request_id_var.reset(token)
