"""Faults: a worker killed in the middle of a recompute, Redis down during submits, PostgreSQL connections dropped.

The worker and PostgreSQL checks start real processes (a Celery worker, gunicorn) against the test database;
they need PostgreSQL and REDIS_URL and are skipped without them (a failure in CI, where REQUIRE_WORKER=1).
"""

import datetime as dt
import os
import re
import signal
import socket
import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path

import psycopg2
import pytest
from django.conf import global_settings, settings
from django.core.management import call_command
from django.db import connection
from django.test import override_settings
from django.utils import timezone

from ratings.models import Rating, StatusEligibility
from ratings.services import rating_recompute_round, rounds_recompute_stale
from roadmap_portal.celery import app as celery_app
from schools.models import School
from surveys.models import Question, Questionnaire, Submission, SubmissionRound
from surveys.services import round_create, round_open, submission_return, submission_save_draft, submission_submit
from tests.conftest import require_or_skip
from tests.factories import PASSWORD, CuratorFactory, UserFactory

ROOT = Path(__file__).resolve().parent.parent

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


# ---------------------------------------------------------------- helpers


def typed_answer(question: Question, n: int):
    """A valid answer of the default questionnaire for a service call (None for the optional file)."""
    kind = question.type
    if kind == Question.Type.YES_NO:
        return True
    if kind == Question.Type.INTEGER:
        return 10 if question.code.endswith("_fast") else 20 + n
    if kind in (Question.Type.DECIMAL, Question.Type.PERCENT):
        return Decimal(30 + n)
    if kind == Question.Type.SINGLE_CHOICE:
        return question.choices[-1][0]
    if kind == Question.Type.MULTIPLE_CHOICE:
        return [v for v, _label in question.choices[:2]]
    if kind == Question.Type.DATE:
        return dt.date(2026, 3, 1)
    if kind == Question.Type.TEXT:
        return "Проверка отказов"
    return None


def seeded_round(schools: int) -> tuple[SubmissionRound, list[School]]:
    """The seed (default questionnaire, scoring, criteria, Rostov's schools) and an open round of `schools` of them."""
    call_command("load_seed_data", verbosity=0)
    chosen = list(School.objects.filter(municipality__name="Ростов-на-Дону").order_by("pk")[:schools])
    questionnaire = Questionnaire.objects.get(version=1, title__startswith="Фактическая готовность")
    now = timezone.now()
    submission_round = round_create(
        title="Мониторинг: проверка отказов",
        municipality=chosen[0].municipality,
        questionnaire=questionnaire,
        year=now.year,
        opens_at=now - dt.timedelta(days=1),
        closes_at=now + dt.timedelta(days=7),
        schools=chosen,
    )
    return round_open(submission_round=submission_round), chosen


def submit(submission_round: SubmissionRound, school: School, n: int) -> Submission:
    user = UserFactory()
    questions = Question.objects.filter(questionnaire=submission_round.questionnaire)
    answers = {q.code: typed_answer(q, n) for q in questions if q.type != Question.Type.FILE}
    saved = submission_save_draft(submission_round=submission_round, school=school, user=user, answers=answers, expected_version=0)
    return submission_submit(submission_round=submission_round, school=school, user=user, expected_version=saved.submission.version)


def database_url_of_tests() -> str:
    s = connection.settings_dict
    password = f":{s['PASSWORD']}" if s.get("PASSWORD") else ""
    return f"postgres://{s['USER']}{password}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


def require_postgresql() -> None:
    if connection.vendor != "postgresql":
        require_or_skip("REQUIRE_WORKER", "needs PostgreSQL (DATABASE_URL=postgres://...)")


def require_worker_services() -> None:
    require_postgresql()
    if not settings.REDIS_URL:
        require_or_skip("REQUIRE_WORKER", "needs Redis (REDIS_URL=redis://...)")


def child_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in {"DJANGO_SETTINGS_MODULE", "DJANGO_ALLOW_ASYNC_UNSAFE"}}
    # As in tests/conftest.py: the personal-data notice at first sign-in stays out of the way of these checks.
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "roadmap_portal.settings",
            "DATABASE_URL": database_url_of_tests(),
            "PORTAL_ENV": "development",
            "PERSONAL_DATA_NOTICE_VERSION": "",
        },
        **extra,
    )
    return env


def start(argv: list[str], log: Path, **extra_env: str) -> subprocess.Popen:
    return subprocess.Popen(argv, cwd=ROOT, env=child_env(**extra_env), stdout=log.open("w"), stderr=subprocess.STDOUT, start_new_session=True)


def stop(process: subprocess.Popen, sig: int = signal.SIGTERM) -> None:
    if process.poll() is None:
        os.killpg(process.pid, sig)
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def start_worker(log: Path) -> subprocess.Popen:
    # The solo pool runs the task in the worker process itself: SIGKILL of that one pid kills the running recompute.
    worker = start([sys.executable, "-m", "celery", "-A", "roadmap_portal", "worker", "--pool=solo", "--loglevel=info"], log, RECOMPUTE_DELAY_SECONDS="0")
    wait_for(lambda: "ready." in log.read_text(errors="replace"), 60, f"the worker did not start: {log}")
    return worker


def wait_for(condition, timeout: float, message: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(message)


def admin_connection():
    """A connection of our own to the test database, outside Django's (for locks and pg_stat_activity)."""
    conn = psycopg2.connect(database_url_of_tests())
    conn.autocommit = True
    return conn


def backends_waiting_for_a_lock(conn) -> list[int]:
    with conn.cursor() as cur:
        cur.execute("SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()")
        return [row[0] for row in cur.fetchall()]


def tables_written_by(conn, pid: int) -> set[str]:
    with conn.cursor() as cur:
        cur.execute("SELECT relation::regclass::text FROM pg_locks WHERE pid = %s AND mode = 'RowExclusiveLock' AND granted", [pid])
        return {row[0] for row in cur.fetchall()}


def ratings_snapshot(round_id: int) -> dict[int, tuple]:
    return {r.school_id: (r.score, r.rank, r.level) for r in Rating.objects.filter(round_id=round_id)}


def set_eager(value: bool) -> None:
    # With the CELERY_ settings namespace the prefixed key is the one `task_always_eager` reads back: set both.
    celery_app.conf.CELERY_TASK_ALWAYS_EAGER = celery_app.conf.task_always_eager = value


@pytest.fixture
def eager_switch(_celery_in_process):
    """Lets a test send tasks to the broker (set_eager(False)); puts both eager keys back afterwards."""
    previous = celery_app.conf.get("CELERY_TASK_ALWAYS_EAGER"), celery_app.conf.task_always_eager
    set_eager(True)
    yield set_eager
    celery_app.conf.CELERY_TASK_ALWAYS_EAGER, celery_app.conf.task_always_eager = previous


# ---------------------------------------------------------------- the worker killed mid-recompute


def test_worker_killed_mid_recompute_leaves_previous_results_and_the_next_run_completes_them(tmp_path, eager_switch):
    require_worker_services()
    submission_round, schools = seeded_round(4)
    for n, school in enumerate(schools[:3]):
        submit(submission_round, school, n)
    rating_recompute_round(round_id=submission_round.pk)
    before = ratings_snapshot(submission_round.pk)
    eligibility_before = StatusEligibility.objects.filter(round=submission_round).count()
    assert sum(1 for score, _rank, _level in before.values() if score is not None) == 3
    set_eager(False)
    celery_app.control.purge()

    blocker = admin_connection()
    blocker.autocommit = False
    # Holding this lock stops the recompute after it has deleted the old ratings inside its transaction.
    blocker.cursor().execute("LOCK TABLE ratings_indicatorprogress IN ACCESS EXCLUSIVE MODE")
    watcher = admin_connection()
    worker = start_worker(tmp_path / "worker1.log")
    try:
        submit(submission_round, schools[3], 3)  # queues the recompute to the broker on commit
        [stuck] = wait_for(lambda: backends_waiting_for_a_lock(watcher), 60, "the recompute never reached the locked table")
        assert "ratings_rating" in tables_written_by(watcher, stuck), "killed in the middle: the new ratings are written, not committed"
        stop(worker, signal.SIGKILL)
    finally:
        blocker.rollback()
        blocker.close()
    # The killed worker's transaction ends with its connection; PostgreSQL rolls it back.
    wait_for(lambda: stuck not in _pids(watcher), 30, "the killed worker's database session did not end")

    submission_round.refresh_from_db()
    assert ratings_snapshot(submission_round.pk) == before, "the previous results must be intact"
    assert StatusEligibility.objects.filter(round=submission_round).count() == eligibility_before
    assert submission_round.results_stale
    assert submission_round.recompute_queued_at is None

    worker = start_worker(tmp_path / "worker2.log")
    try:
        assert rounds_recompute_stale() == [submission_round.pk]  # what beat runs every few minutes
        wait_for(lambda: not SubmissionRound.objects.get(pk=submission_round.pk).results_stale, 60, "the next run did not complete the results")
    finally:
        stop(worker)
        watcher.close()
    after = ratings_snapshot(submission_round.pk)
    assert after[schools[3].pk][0] is not None, "the school submitted during the failed run is rated now"
    assert sum(1 for score, _rank, _level in after.values() if score is not None) == 4


def _pids(conn) -> list[int]:
    with conn.cursor() as cur:
        cur.execute("SELECT pid FROM pg_stat_activity WHERE datname = current_database()")
        return [row[0] for row in cur.fetchall()]


# ---------------------------------------------------------------- Redis down


@pytest.fixture
def broker_down(eager_switch):
    """The broker points at a closed port, as when Redis is stopped."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        closed_port = sock.getsockname()[1]
    previous = celery_app.conf.broker_write_url
    set_eager(False)
    # Publishing uses the write URL (it defaults to broker_url, which the CELERY_ settings namespace keeps fixed).
    celery_app.conf.broker_write_url = f"redis://127.0.0.1:{closed_port}/0"
    _reset_broker_connections()
    yield previous
    celery_app.conf.broker_write_url = previous
    _reset_broker_connections()


def _reset_broker_connections() -> None:
    celery_app._pool = None
    celery_app.amqp._producer_pool = None


def test_submissions_succeed_with_redis_down_and_the_round_stays_stale_until_recomputed(client, broker_down):
    submission_round, schools = seeded_round(2)
    rating_recompute_round(round_id=submission_round.pk)
    curator = CuratorFactory(school=schools[0])
    client.force_login(curator.user)
    form_url = f"/rounds/{submission_round.pk}/form/"
    questions = Question.objects.filter(questionnaire=submission_round.questionnaire)
    data = {"version": "0", "submit": "1"}
    for q in questions:
        value = typed_answer(q, 1)
        if q.type == Question.Type.YES_NO:
            data[f"q_{q.code}"] = "yes"
        elif q.type == Question.Type.DATE:
            data[f"q_{q.code}"] = value.isoformat()
        elif value is not None:
            data[f"q_{q.code}"] = value if isinstance(value, list) else str(value).replace(".", ",")

    started = time.monotonic()
    response = client.post(form_url, data)
    elapsed = time.monotonic() - started

    assert response.status_code == 302, response.content.decode()[:2000]
    assert response["Location"] == "/rounds/my-school/"
    assert elapsed < 15, f"a dead broker must not hang the submit ({elapsed:.1f} s)"
    assert Submission.objects.get(round=submission_round, school=schools[0]).state == Submission.State.SUBMITTED
    submission_round.refresh_from_db()
    assert submission_round.results_stale
    assert submission_round.recompute_queued_at is None, "no task is pretended to be queued"
    assert not Rating.objects.filter(round=submission_round, school=schools[0], score__isnull=False).exists()

    # Redis is back (tasks run in-process here): the periodic sweep queues the recompute that the submit could not.
    celery_app.conf.broker_write_url = broker_down
    set_eager(True)
    _reset_broker_connections()
    assert rounds_recompute_stale() == [submission_round.pk]
    submission_round.refresh_from_db()
    assert not submission_round.results_stale
    assert Rating.objects.get(round=submission_round, school=schools[0]).score is not None


# ---------------------------------------------------------------- PostgreSQL connections dropped


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Browser:
    """Minimal HTTP client with cookies for talking to the gunicorn process."""

    def __init__(self, port: int):
        import http.client

        self.port, self.cookies, self.http = port, {}, http.client

    def request(self, method: str, path: str, form: dict | None = None) -> tuple[int, str, str]:
        from urllib.parse import urlencode

        conn = self.http.HTTPConnection("127.0.0.1", self.port, timeout=30)
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        body = None
        if form is not None:
            body = urlencode(form, doseq=True)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        conn.request(method, path, body=body, headers=headers)
        response = conn.getresponse()
        text = response.read().decode()
        for key, value in response.getheaders():
            if key.lower() == "set-cookie":
                name, _, rest = value.partition("=")
                self.cookies[name] = rest.split(";", 1)[0]
        conn.close()
        return response.status, response.getheader("Location", ""), text

    def login(self, username: str) -> None:
        status, _loc, page = self.request("GET", "/accounts/login/")
        assert status == 200, page[:1000]
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
        status, location, _ = self.request("POST", "/accounts/login/", {"csrfmiddlewaretoken": token, "username": username, "password": PASSWORD})
        assert status == 302, "login failed"


def terminate_portal_sessions(conn) -> int:
    with conn.cursor() as cur:
        cur.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() AND pid <> %s",
            [_django_backend_pid()],
        )
        return cur.rowcount


def _django_backend_pid() -> int:
    with connection.cursor() as cur:
        cur.execute("SELECT pg_backend_pid()")
        return cur.fetchone()[0]


# The gunicorn child checks passwords with the project's own hashers, not the tests' fast one.
@override_settings(PASSWORD_HASHERS=global_settings.PASSWORD_HASHERS)
def test_portal_recovers_by_itself_after_postgresql_drops_its_connections(tmp_path):
    require_postgresql()
    submission_round, schools = seeded_round(1)
    curator = CuratorFactory(school=schools[0], user=UserFactory(username="kurator-pg"))
    port = _free_port()
    web = start(
        [sys.executable, "-m", "gunicorn", "roadmap_portal.wsgi:application", "--bind", f"127.0.0.1:{port}", "--workers", "1", "--timeout", "60"],
        tmp_path / "gunicorn.log",
        DB_CONN_MAX_AGE="600",
        REDIS_URL="",
    )
    admin = admin_connection()
    try:
        wait_for(lambda: _listening(port), 30, "gunicorn did not start")
        browser = Browser(port)
        browser.login(curator.user.username)
        assert browser.request("GET", "/rounds/my-school/")[0] == 200

        assert terminate_portal_sessions(admin) >= 1, "the portal keeps a persistent connection that this test drops"
        status, _location, page = browser.request("GET", "/rounds/my-school/")
        assert status == 200, page[:500]

        assert terminate_portal_sessions(admin) >= 1
        _status, _location, page = browser.request("GET", f"/rounds/{submission_round.pk}/form/")
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
        terminate_portal_sessions(admin)
        status, location, _ = browser.request(
            "POST", f"/rounds/{submission_round.pk}/form/", {"csrfmiddlewaretoken": token, "version": "0", "q_internet_speed": "150"}
        )
        assert (status, location) == (302, f"/rounds/{submission_round.pk}/form/"), "a draft saved right after the drop"
    finally:
        stop(web)
        admin.close()
    assert Submission.objects.get(round=submission_round, school=schools[0]).answers.get(question__code="internet_speed").value_number == 150
    assert "Internal Server Error" not in (tmp_path / "gunicorn.log").read_text()


def _listening(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


def test_worker_recovers_by_itself_after_postgresql_drops_its_connection(tmp_path, eager_switch):
    require_worker_services()
    submission_round, schools = seeded_round(2)
    submit(submission_round, schools[0], 0)
    rating_recompute_round(round_id=submission_round.pk)
    admin = admin_connection()
    set_eager(False)
    celery_app.control.purge()
    worker = start_worker(tmp_path / "worker.log")
    try:
        submit(submission_round, schools[1], 1)  # the worker recomputes: its connection is now open
        wait_for(lambda: not SubmissionRound.objects.get(pk=submission_round.pk).results_stale, 60, "the first recompute did not run")
        # The task goes on after the results (key-result facts follow them): drop the connection of an idle worker.
        log = tmp_path / "worker.log"
        wait_for(lambda: "succeeded" in log.read_text(errors="replace"), 60, "the first recompute task did not finish")

        assert terminate_portal_sessions(admin) >= 1, "the worker keeps a connection that this test drops"
        submission = Submission.objects.get(round=submission_round, school=schools[1])
        submission_return(submission=submission, user=UserFactory(), comment="Проверьте", question_comments={}, expected_version=submission.version)
        wait_for(lambda: not SubmissionRound.objects.get(pk=submission_round.pk).results_stale, 60, "the worker did not recover after the drop")
    finally:
        stop(worker)
        admin.close()
    assert "Traceback" not in (tmp_path / "worker.log").read_text()
