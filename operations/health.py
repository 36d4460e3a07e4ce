"""The operator's checks: is every part the portal needs there and answering?

Each check returns quickly (short timeouts) and never raises: a monitoring poll must get an answer
even when the part it asks about hangs. `/health/` answers 200 when none fails and 503 naming the
parts that fail; the administrators' page shows the same checks with their details.
"""

import logging
import shutil
import time
import uuid
from dataclasses import dataclass
from enum import StrEnum

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection

logger = logging.getLogger(__name__)


class Status(StrEnum):
    OK = "ok"
    FAIL = "fail"
    SKIPPED = "skipped"  # not part of this installation (e.g. no separate worker in the embedded default)


@dataclass(frozen=True)
class CheckResult:
    name: str
    label: str
    status: Status
    detail: str
    milliseconds: int

    @property
    def failed(self) -> bool:
        return self.status == Status.FAIL


LABELS = {
    "database": "База данных",
    "redis": "Redis (очередь задач)",
    "worker": "Воркер Celery",
    "storage": "Хранилище файлов",
    "migrations": "Миграции базы данных",
}


def check_database() -> tuple[Status, str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return Status.OK, f"{connection.vendor}, запрос выполнен"


def _redis_client():
    import redis

    timeout = settings.HEALTH_TIMEOUT_SECONDS
    return redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=timeout, socket_timeout=timeout)


def check_redis() -> tuple[Status, str]:
    if not settings.REDIS_URL:
        return Status.SKIPPED, "не настроен (REDIS_URL пуст): задачи выполняются в процессе веб-сервера"
    _redis_client().ping()
    return Status.OK, "отвечает на PING"


def tasks_run_in_process() -> bool:
    from roadmap_portal.celery import app

    return bool(app.conf.task_always_eager)


def check_worker() -> tuple[Status, str]:
    from kombu import Connection

    from roadmap_portal.celery import app

    if tasks_run_in_process():
        return Status.SKIPPED, "не нужен: задачи Celery выполняются в процессе веб-сервера (встроенный режим)"
    timeout = settings.HEALTH_WORKER_TIMEOUT_SECONDS
    with Connection(settings.REDIS_URL, connect_timeout=settings.HEALTH_TIMEOUT_SECONDS, transport_options={"max_retries": 0}) as broker:
        replies = app.control.ping(timeout=timeout, connection=broker)
    if not replies:
        return Status.FAIL, f"ни один воркер не ответил за {timeout:g} с — запустите воркер (`make worker` или службу worker)"
    names = sorted(name for reply in replies for name in reply)
    return Status.OK, f"ответили: {', '.join(names)}"


def check_storage() -> tuple[Status, str]:
    """Evidence files land here: write, read back and delete a small file."""
    name = default_storage.save(f"health/{uuid.uuid4().hex}.txt", ContentFile(b"ok"))
    try:
        with default_storage.open(name) as stored:
            if stored.read() != b"ok":
                return Status.FAIL, "записанный файл читается с другим содержимым"
    finally:
        default_storage.delete(name)
    free = shutil.disk_usage(settings.MEDIA_ROOT).free
    return Status.OK, f"{settings.MEDIA_ROOT}: запись и чтение работают, свободно {free / 1024**3:.1f} ГБ"


_migrations_applied = False  # once true in a process it stays true: migrations are unapplied only by deploying new code


def check_migrations() -> tuple[Status, str]:
    global _migrations_applied
    if _migrations_applied:
        return Status.OK, "все применены"
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    if plan:
        names = ", ".join(f"{migration.app_label}.{migration.name}" for migration, _ in plan[:5])
        more = f" и ещё {len(plan) - 5}" if len(plan) > 5 else ""
        return Status.FAIL, f"не применено {len(plan)}: {names}{more} — выполните `manage.py migrate`"
    _migrations_applied = True
    return Status.OK, "все применены"


CHECKS = {
    "database": check_database,
    "redis": check_redis,
    "worker": check_worker,
    "storage": check_storage,
    "migrations": check_migrations,
}


def run_checks() -> list[CheckResult]:
    results = []
    for name, check in CHECKS.items():
        started = time.monotonic()
        if name == "worker" and any(r.name == "redis" and r.failed for r in results):
            status, detail = Status.SKIPPED, "не проверялся: Redis недоступен, воркер не может получить задачу"
        else:
            try:
                status, detail = check()
            except Exception as exc:  # noqa: BLE001 - a failing part is the answer, not an error of the check
                status, detail = Status.FAIL, f"{type(exc).__name__}: {exc}"
        if status == Status.FAIL:
            logger.warning("health check %s failed: %s", name, detail)
        results.append(CheckResult(name, LABELS[name], status, detail, round((time.monotonic() - started) * 1000)))
    return results
