"""/health/ for the operator and the administrators' health page: what each answers when a part is up or down."""

import json

import pytest
from django.conf import settings

from operations.models import Heartbeat
from operations.services import BEAT
from roadmap_portal.celery import app as celery_app
from surveys.models import SubmissionRound

from .conftest import require_or_skip
from .security_world import build_world

CLOSED_PORT_REDIS = "redis://127.0.0.1:1/0"  # nothing listens on port 1: connection refused at once


def checks_of(response) -> dict:
    return {name: check["status"] for name, check in json.loads(response.content)["checks"].items()}


@pytest.fixture
def separate_worker():
    """Tasks go to a broker (as in production), not run in-process; conftest's `_celery_in_process` restores it."""
    celery_app.conf.CELERY_TASK_ALWAYS_EAGER = False


@pytest.mark.django_db
def test_health_answers_200_when_every_part_answers_in_the_embedded_default(client, django_assert_max_num_queries):
    with django_assert_max_num_queries(3):  # SELECT 1; on the first poll of a process: migrations table exists, applied migrations
        response = client.get("/health/")

    assert response.status_code == 200
    body = json.loads(response.content)
    assert body["status"] == "ok" and body["failing"] == []
    checks = checks_of(response)
    assert checks["database"] == checks["storage"] == checks["migrations"] == "ok"
    assert checks["worker"] == "skipped"  # tasks run in-process: there is no worker to ask
    assert checks["redis"] == ("ok" if settings.REDIS_URL else "skipped")
    assert response["Cache-Control"].startswith("max-age=0")


@pytest.mark.django_db
def test_health_answers_503_naming_redis_when_redis_is_unreachable(client, settings, separate_worker):
    settings.REDIS_URL = CLOSED_PORT_REDIS

    response = client.get("/health/")

    assert response.status_code == 503
    body = json.loads(response.content)
    assert body["status"] == "fail"
    assert body["failing"] == ["redis"]
    assert checks_of(response)["worker"] == "skipped"  # nothing reaches a worker without its broker; redis is the cause
    assert checks_of(response)["database"] == "ok"


@pytest.mark.django_db
def test_health_answers_503_naming_storage_when_files_cannot_be_written(client, settings, tmp_path):
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("a file where the media directory should be")
    settings.MEDIA_ROOT = blocker

    response = client.get("/health/")

    assert response.status_code == 503
    assert json.loads(response.content)["failing"] == ["storage"]


@pytest.mark.django_db
def test_health_answers_503_naming_the_worker_when_no_worker_answers(client, settings, separate_worker):
    if not settings.REDIS_URL:
        require_or_skip("REQUIRE_WORKER", "REDIS_URL is not set: asking a worker needs Redis")
    settings.HEALTH_WORKER_TIMEOUT_SECONDS = 1

    response = client.get("/health/")

    assert response.status_code == 503
    assert json.loads(response.content)["failing"] == ["worker"]
    assert checks_of(response)["redis"] == "ok"


@pytest.mark.django_db
def test_health_refuses_writes(client):
    assert client.post("/health/").status_code == 405


@pytest.mark.django_db
def test_every_response_carries_a_request_id_and_keeps_a_sane_one_from_the_proxy(client):
    given = "0123456789abcdef0123456789abcdef"  # nginx's $request_id

    assert client.get("/health/", HTTP_X_REQUEST_ID=given)["X-Request-ID"] == given
    generated = client.get("/health/", HTTP_X_REQUEST_ID="<script>")["X-Request-ID"]
    assert generated != "<script>" and len(generated) == 32


@pytest.mark.django_db
def test_administrator_sees_the_checks_the_scheduler_and_the_last_recompute(client):
    world = build_world()
    SubmissionRound.objects.filter(pk=world.round.pk).update(changes_seq=5, computed_seq=3)
    client.force_login(world.users["administrator"])

    response = client.get("/operations/health/")

    assert response.status_code == 200
    text = response.content.decode()
    for label in ("База данных", "Хранилище файлов", "Миграции базы данных", "Воркер Celery"):
        assert label in text
    assert "Все части портала отвечают" in text
    assert "Ждут пересчёта" in text and world.round.title in text


@pytest.mark.django_db
def test_the_page_says_the_scheduler_is_down_when_its_heartbeat_is_old(client, separate_worker):
    from datetime import timedelta

    from django.utils import timezone

    world = build_world()
    Heartbeat.objects.create(name=BEAT, at=timezone.now() - timedelta(minutes=10))
    client.force_login(world.users["administrator"])

    text = client.get("/operations/health/").content.decode()

    assert "не работает" in text and "--beat" in text


@pytest.mark.django_db
def test_the_beat_task_records_its_heartbeat():
    from operations.tasks import record_beat_heartbeat

    record_beat_heartbeat.delay()
    record_beat_heartbeat.delay()  # safe to run twice: one row, the newer time

    assert Heartbeat.objects.filter(name=BEAT).count() == 1


@pytest.mark.django_db
def test_only_administrators_open_the_health_page(client):
    world = build_world()
    for role in ("curator", "district_officer", "methodologist"):
        client.force_login(world.users[role])
        assert client.get("/operations/health/").status_code == 403
