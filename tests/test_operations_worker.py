"""With a real Celery worker process: /health/ sees it, and its log lines carry the id of the request that queued the task.

Runs in CI (PostgreSQL + Redis, REQUIRE_WORKER=1); elsewhere it skips and says why.
"""

import json
import time

import pytest

from operations.models import Heartbeat
from operations.services import BEAT
from roadmap_portal.logs import request_id_var

from .test_ratings_worker import wait_for, worker  # noqa: F401 - the fixture that starts the worker process

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _json_logs(monkeypatch):
    """Autouse fixtures come first: the worker process starts with JSON logs."""
    monkeypatch.setenv("LOG_FORMAT", "json")


@pytest.mark.usefixtures("worker")
def test_health_answers_200_once_the_worker_answers_its_ping(client):
    deadline = time.monotonic() + 60
    response = client.get("/health/")
    while response.status_code != 200 and time.monotonic() < deadline:
        time.sleep(0.5)
        response = client.get("/health/")

    body = json.loads(response.content)
    assert response.status_code == 200, body
    assert body["checks"]["worker"]["status"] == "ok"
    assert body["checks"]["redis"]["status"] == "ok"


def test_the_worker_logs_a_task_with_the_id_of_the_request_that_queued_it(worker):  # noqa: F811
    from operations.tasks import record_beat_heartbeat

    token = request_id_var.set("feedc0de" * 4)
    try:
        record_beat_heartbeat.delay()
    finally:
        request_id_var.reset(token)

    wait_for(lambda: Heartbeat.objects.filter(name=BEAT).exists(), worker)
    wait_for(lambda: "feedc0de" * 4 in worker.log.read_text(), worker)
    lines = [json.loads(line) for line in worker.log.read_text().splitlines() if line.startswith("{") and "feedc0de" * 4 in line]
    assert any(line.get("task") == "operations.tasks.record_beat_heartbeat" for line in lines), lines
