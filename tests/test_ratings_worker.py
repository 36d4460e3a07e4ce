"""End to end with a real Celery worker process: submits committed through the service layer are rated by the worker.

Runs in CI (PostgreSQL + Redis, REQUIRE_WORKER=1); elsewhere it skips and says why.
"""

import os
import subprocess
import sys
import time
from urllib.parse import quote

import pytest
from django.conf import settings
from django.db import connection

from ratings.models import Rating, StatusEligibility
from roadmap_portal.celery import app as celery_app
from surveys.models import SubmissionRound

from .conftest import require_or_skip
from .factories import SchoolFactory, StatusCriteriaFactory
from .ratings_world import FULL_MARKS, scored_round, submit_answers

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

WAIT_SECONDS = 60


def test_database_url() -> str:
    """The URL of the database this test runs in (pytest-django's test database), for the worker process."""
    db = settings.DATABASES["default"]
    credentials = ""
    if db.get("USER"):
        credentials = quote(db["USER"]) + (f":{quote(db['PASSWORD'])}" if db.get("PASSWORD") else "") + "@"
    return f"postgres://{credentials}{db.get('HOST') or '127.0.0.1'}:{db.get('PORT') or 5432}/{db['NAME']}"


test_database_url.__test__ = False  # a helper, not a test


@pytest.fixture
def worker(tmp_path):
    """A `celery -A roadmap_portal worker` process on the test database; tasks of this process go to Redis."""
    if not settings.REDIS_URL:
        require_or_skip("REQUIRE_WORKER", "REDIS_URL is not set: the real-worker test needs Redis (and PostgreSQL)")
    if connection.vendor != "postgresql":
        require_or_skip("REQUIRE_WORKER", "DATABASE_URL is not PostgreSQL: the worker process cannot reach an in-memory test database")
    log = tmp_path / "worker.log"
    env = {
        **os.environ,
        "DATABASE_URL": test_database_url(),
        "REDIS_URL": settings.REDIS_URL,
        "RECOMPUTE_DELAY_SECONDS": "0",
        "DB_CONN_MAX_AGE": "0",
    }
    command = [sys.executable, "-m", "celery", "-A", "roadmap_portal", "worker", "--pool=solo", "--loglevel=INFO"]
    command += ["--without-gossip", "--without-mingle", "--without-heartbeat", "-n", f"ratings-test-{os.getpid()}@%h"]
    with log.open("w") as output:
        process = subprocess.Popen(command, cwd=settings.BASE_DIR, env=env, stdout=output, stderr=subprocess.STDOUT)
    celery_app.conf.CELERY_TASK_ALWAYS_EAGER = False  # restored by conftest's `_celery_in_process`
    process.log = log
    yield process
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def wait_for(condition, worker) -> None:
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        if condition():
            return
        if worker.poll() is not None:
            pytest.fail(f"The worker exited with code {worker.returncode}:\n{worker.log.read_text()}")
        time.sleep(0.3)
    pytest.fail(f"No results after {WAIT_SECONDS} s. Worker log:\n{worker.log.read_text()}")


def test_a_real_worker_rates_the_schools_after_their_submits_commit(worker):
    leader, runner_up, silent = SchoolFactory.create_batch(3)
    submission_round = scored_round(schools=[leader, runner_up, silent])
    StatusCriteriaFactory(municipality=leader.municipality, year=submission_round.year)

    # Each curator's submit commits its answers with the invalidation in one transaction; the task is queued on commit.
    submit_answers(submission_round, {leader: FULL_MARKS, runner_up: {**FULL_MARKS, "internet_speed": 50}})

    wait_for(lambda: not SubmissionRound.objects.get(pk=submission_round.pk).results_stale, worker)
    ratings = {r.school_id: r for r in Rating.objects.filter(round=submission_round)}
    assert (ratings[leader.pk].rank, ratings[leader.pk].score) == (1, 100)
    assert (ratings[runner_up.pk].rank, ratings[runner_up.pk].score) == (2, 90)
    assert ratings[silent.pk].level == Rating.Level.NO_DATA
    assert StatusEligibility.objects.get(round=submission_round, school=leader).eligible
    assert SubmissionRound.objects.get(pk=submission_round.pk).recompute_queued_at is None

    # A later submit is picked up by the same worker.
    submit_answers(submission_round, {silent: {**FULL_MARKS, "parents_consultation": False}})
    wait_for(lambda: Rating.objects.filter(round=submission_round, school=silent, rank=2).exists(), worker)
    assert Rating.objects.get(round=submission_round, school=runner_up).rank == 3
