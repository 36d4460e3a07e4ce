"""`make loadtest`: the deadline rush. 300 curators log in, open the form, save a draft and submit
within a few minutes, against gunicorn + a real Celery worker + PostgreSQL + Redis on this machine.

What it does, all on 127.0.0.1, and what it stops afterwards:
  1. drops and creates the database `roadmap_loadtest` (LOADTEST_DATABASE_URL), empties Redis db 14;
  2. migrates, loads the seed and the demo accounts, adds N schools with curators (bulk, one password hash);
  3. opens a round for those schools, starts gunicorn and a Celery worker (no beat), waits for the first recompute;
  4. N simulated curators (threads, stdlib HTTP) each: login page → login → form → save a draft (half
     the answers) → form again → submit (every answer); start times spread over --ramp seconds (default 3 minutes);
  5. waits until the round's results are fresh, then checks every submission and every answer in the
     database and counts recompute runs from the worker's log (exactly one must start after the last submit);
  6. prints the figures and writes them to bench/LOADTEST.md (unless --no-write).

    make loadtest
    .venv/bin/python bench/loadtest.py --curators 50 --ramp 20 --no-write     # a quick look
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.client
import os
import platform
import random
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode, urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/roadmap_loadtest"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/14"
PASSWORD = "Load-test-pass-2026"
HOST = "127.0.0.1"
STEPS = ["login_page", "login", "form", "save_draft", "form_again", "submit"]
CSRF_RE = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
VERSION_RE = re.compile(r'name="version" value="(\d+)"')
TASK_DONE_RE = re.compile(r"^\[(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3}): INFO/[^\]]+\] Task ratings\.tasks\.recompute_round\[[^\]]+\] succeeded in ([\d.]+)s")


def main() -> int:
    parser = argparse.ArgumentParser(description="Load test: N curators submit at once (gunicorn, Celery, PostgreSQL, Redis on 127.0.0.1).")
    parser.add_argument("--curators", type=int, default=300)
    parser.add_argument("--ramp", type=float, default=180.0, help="seconds over which the curators start (default 180)")
    parser.add_argument("--think", type=float, default=2.0, help="mean pause between a curator's steps, seconds (default 2)")
    parser.add_argument("--web-workers", type=int, default=2 * (os.cpu_count() or 1) + 1, help="gunicorn worker processes (default 2×cores+1)")
    parser.add_argument("--worker-concurrency", type=int, default=2)
    parser.add_argument("--recompute-delay", type=int, default=5, help="RECOMPUTE_DELAY_SECONDS: submits closer than this coalesce (default 5)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--keep-db", action="store_true", help="keep the database afterwards for a look")
    parser.add_argument("--no-write", action="store_true", help="print the figures, do not write bench/LOADTEST.md")
    args = parser.parse_args()
    return LoadTest(args).run()


# ---------------------------------------------------------------- environment


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def database_reset(url: str, drop_only: bool = False) -> None:
    import psycopg2

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    admin_url = urlunsplit(parts._replace(path="/postgres"))
    conn = psycopg2.connect(admin_url)
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        if not drop_only:
            cur.execute(f'CREATE DATABASE "{name}"')
    conn.close()


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        mem_kb = int(next(line.split()[1] for line in Path("/proc/meminfo").read_text().splitlines() if line.startswith("MemTotal")))
    except (OSError, StopIteration, ValueError):
        mem_kb = 0
    return f"{cpu}, {os.cpu_count()} cores, {mem_kb / 1024 / 1024:.0f} GB RAM, {platform.system()} {platform.release()}, Python {platform.python_version()}"


def percentile(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    k = (len(ordered) - 1) * p / 100
    low, high = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (k - low)


# ---------------------------------------------------------------- one simulated curator


class Session:
    """A browser-like HTTP session: one keep-alive connection, cookies, no automatic redirects."""

    def __init__(self, port: int):
        self.port = port
        self.cookies: dict[str, str] = {}
        self.conn = http.client.HTTPConnection(HOST, port, timeout=120)

    def request(self, method: str, path: str, form: dict | list | None = None) -> tuple[int, dict[str, str], str]:
        headers = {"Host": f"{HOST}:{self.port}", "User-Agent": "roadmap-loadtest"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if form is not None:
            body = urlencode(form, doseq=True).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            headers["Referer"] = f"http://{HOST}:{self.port}{path}"
        for attempt in (1, 2):
            try:
                self.conn.request(method, path, body=body, headers=headers)
                response = self.conn.getresponse()
                text = response.read().decode("utf-8", "replace")
                break
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                # gunicorn's sync workers close idle keep-alive connections: reconnect once (the request never arrived).
                self.conn.close()
                self.conn = http.client.HTTPConnection(HOST, self.port, timeout=120)
                if attempt == 2:
                    raise
        for key, value in response.getheaders():
            if key.lower() == "set-cookie":
                name, _, rest = value.partition("=")
                self.cookies[name.strip()] = rest.split(";", 1)[0]
        return response.status, {k.lower(): v for k, v in response.getheaders()}, text

    def close(self) -> None:
        self.conn.close()


@dataclass
class Curator:
    username: str
    school_id: int
    draft: dict[str, list[str] | str]
    full: dict[str, list[str] | str]
    timings: dict[str, float] = field(default_factory=dict)
    error: str = ""
    submitted_at: float = 0.0


def csrf_of(text: str) -> str:
    match = CSRF_RE.search(text)
    if not match:
        raise AssertionError("no CSRF token on the page")
    return match.group(1)


def simulate(curator: Curator, *, port: int, form_path: str, start_delay: float, think: float, rng: random.Random) -> None:
    time.sleep(start_delay)
    session = Session(port)

    def step(name: str, method: str, path: str, form=None, expect: int = 200, location: str | None = None) -> str:
        started = time.perf_counter()
        status, headers, text = session.request(method, path, form)
        curator.timings[name] = time.perf_counter() - started
        if status != expect or (location and not headers.get("location", "").endswith(location)):
            snippet = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", text))[:300]
            raise AssertionError(f"{name}: {method} {path} answered {status} {headers.get('location', '')} {snippet}")
        return text

    def pause() -> None:
        time.sleep(rng.expovariate(1 / think) if think > 0 else 0)

    try:
        page = step("login_page", "GET", "/accounts/login/")
        step("login", "POST", "/accounts/login/", {"csrfmiddlewaretoken": csrf_of(page), "username": curator.username, "password": PASSWORD}, expect=302)
        pause()
        page = step("form", "GET", form_path)
        version = VERSION_RE.search(page).group(1)
        pause()
        step("save_draft", "POST", form_path, {"csrfmiddlewaretoken": csrf_of(page), "version": version, **curator.draft}, expect=302, location=form_path)
        page = step("form_again", "GET", form_path)
        if "Черновик сохранён" not in page:
            raise AssertionError("form_again: no «Черновик сохранён» message after the draft")
        version = VERSION_RE.search(page).group(1)
        pause()
        data = {"csrfmiddlewaretoken": csrf_of(page), "version": version, "submit": "1", **curator.full}
        step("submit", "POST", form_path, data, expect=302, location="/rounds/my-school/")
        curator.submitted_at = time.time()
    except Exception as exc:  # noqa: BLE001 - every failure is a counted error with its reason
        curator.error = f"{curator.username}: {exc}"
    finally:
        session.close()


# ---------------------------------------------------------------- the run


class RoundWatcher(threading.Thread):
    """Samples the round's computed_at every 50 ms: each new value is one recompute that wrote results."""

    def __init__(self, round_id: int):
        super().__init__(daemon=True)
        self.round_id = round_id
        self.computations: list[tuple[float, int]] = []  # (seen at, computed_seq)
        self._stop_event = threading.Event()

    def run(self) -> None:
        from django.db import connection

        from surveys.models import SubmissionRound

        last = SubmissionRound.objects.values_list("computed_at", flat=True).get(pk=self.round_id)
        while not self._stop_event.wait(0.05):
            computed_at, seq = SubmissionRound.objects.values_list("computed_at", "computed_seq").get(pk=self.round_id)
            if computed_at != last:
                self.computations.append((computed_at.timestamp(), seq))
                last = computed_at
        connection.close()

    def stop(self) -> None:
        self._stop_event.set()
        self.join()


class LoadTest:
    def __init__(self, args):
        self.args = args
        self.database_url = os.environ.get("LOADTEST_DATABASE_URL", DEFAULT_DATABASE_URL)
        self.redis_url = os.environ.get("LOADTEST_REDIS_URL", DEFAULT_REDIS_URL)
        self.port = free_port()
        self.tmp = Path(tempfile.mkdtemp(prefix="roadmap-loadtest-"))
        self.worker_log = self.tmp / "worker.log"
        self.processes: list[subprocess.Popen] = []
        self.env = {
            **{k: v for k, v in os.environ.items() if k not in {"DJANGO_SETTINGS_MODULE", "DEBUG"}},
            "DJANGO_SETTINGS_MODULE": "roadmap_portal.settings",
            "PORTAL_ENV": "development",
            "DATABASE_URL": self.database_url,
            "REDIS_URL": self.redis_url,
            "RECOMPUTE_DELAY_SECONDS": str(args.recompute_delay),
            "ALLOWED_HOSTS": HOST,
            "MEDIA_ROOT": str(self.tmp / "media"),
            "LOG_LEVEL": "WARNING",
            "TZ": "UTC",
            # The curators of the load test have accepted the personal-data notice (it is a page of its own, not the hour's load).
            "PERSONAL_DATA_NOTICE_VERSION": "",
        }

    def log(self, message: str) -> None:
        print(f"[{dt.datetime.now(dt.UTC):%H:%M:%S}] {message}", flush=True)

    def manage(self, *args: str) -> None:
        subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=self.env, check=True, stdout=subprocess.DEVNULL)

    def start(self, argv: list[str], log_path: Path) -> subprocess.Popen:
        handle = open(log_path, "w")  # noqa: SIM115 - closed with the process
        process = subprocess.Popen(argv, cwd=ROOT, env=self.env, stdout=handle, stderr=subprocess.STDOUT, start_new_session=True)
        self.processes.append(process)
        return process

    def stop_all(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process in self.processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()

    def run(self) -> int:
        os.environ.update(self.env)
        try:
            return self._run()
        finally:
            self.stop_all()
            if not self.args.keep_db:
                from django.db import connections

                connections.close_all()
                database_reset(self.database_url, drop_only=True)
            self.log(f"stopped gunicorn and the worker; logs in {self.tmp}")

    def _run(self) -> int:
        args = self.args
        self.load_before = f"{os.getloadavg()[0]:.1f}"
        self.log(f"database {self.database_url}, Redis {self.redis_url}, port {self.port}, load average {self.load_before}")
        database_reset(self.database_url)
        import redis

        redis.Redis.from_url(self.redis_url).flushdb()
        self.manage("migrate", "--noinput")
        self.manage("load_seed_data")
        self.manage("create_demo_accounts")

        import django

        django.setup()
        round_id, curators = self.prepare(args.curators, random.Random(args.seed))  # noqa: S311
        form_path = f"/rounds/{round_id}/form/"

        self.start([sys.executable, "-m", "celery", "-A", "roadmap_portal", "worker", "-c", str(args.worker_concurrency), "--loglevel=info"], self.worker_log)
        self.start(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "roadmap_portal.wsgi:application",
                "--bind",
                f"{HOST}:{self.port}",
                "--workers",
                str(args.web_workers),
                "--timeout",
                "120",
                "--keep-alive",
                "5",
                "--access-logfile",
                str(self.tmp / "access.log"),
                "--access-logformat",
                "%(m)s %(U)s %(s)s %(D)s",
            ],
            self.tmp / "gunicorn.log",
        )
        self.wait_for_web()
        self.log("waiting for the round opening's recompute")
        self.wait_fresh(round_id, timeout=120)
        runs_before = len(self.recompute_runs())

        self.log(f"{len(curators)} curators start over {args.ramp:.0f} s")
        rng = random.Random(args.seed + 1)  # noqa: S311
        threads = [
            threading.Thread(
                target=simulate,
                args=(c,),
                kwargs={"port": self.port, "form_path": form_path, "start_delay": rng.uniform(0, args.ramp), "think": args.think, "rng": random.Random(i)},  # noqa: S311
            )
            for i, c in enumerate(curators)
        ]
        watcher = RoundWatcher(round_id)
        watcher.start()
        started = time.time()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        finished = time.time()
        last_submit = max((c.submitted_at for c in curators if c.submitted_at), default=finished)
        self.log(f"all curators done in {finished - started:.1f} s; waiting for the results to be fresh")
        settle_start = time.time()
        self.wait_fresh(round_id, timeout=300)
        settled_after = time.time() - settle_start
        time.sleep(args.recompute_delay + 3)  # anything queued late would show up in this pause
        watcher.stop()
        runs = self.recompute_runs()
        figures = self.figures(curators, started, finished, last_submit, settled_after, runs[runs_before:], round_id)
        figures["computations"] = watcher.computations
        # The last submit is the last change: every computation that saw it wrote computed_seq == changes_seq.
        figures["computations_after_last"] = [c for c in watcher.computations if c[1] >= figures["changes_seq"]]
        figures["ok"] = figures["ok"] and len(figures["computations_after_last"]) == 1
        text = self.report(figures)
        print(text)
        if not args.no_write:
            (ROOT / "bench" / "LOADTEST.md").write_text(text)
            self.log("written to bench/LOADTEST.md")
        return 0 if figures["ok"] else 1

    # -------------------------------------------------------------- data

    def prepare(self, count: int, rng: random.Random):
        from django.contrib.auth import get_user_model
        from django.contrib.auth.hashers import make_password
        from django.db import transaction
        from django.utils import timezone

        from schools.models import Curator as CuratorRow
        from schools.models import District, Municipality, School
        from surveys.models import Question, Questionnaire
        from surveys.services import round_create, round_open

        User = get_user_model()
        municipality = Municipality.objects.get(name="Ростов-на-Дону")
        districts = list(District.objects.filter(municipality=municipality).order_by("name"))
        questionnaire = Questionnaire.objects.filter(rounds__isnull=False).order_by("-version").first() or Questionnaire.objects.order_by("-version").first()
        password_hash = make_password(PASSWORD)
        with transaction.atomic():
            schools = School.objects.bulk_create(
                [
                    School(
                        municipality=municipality,
                        district=districts[i % len(districts)],
                        number=5000 + i,
                        full_name=f"МБОУ «Школа № {5000 + i}» (нагрузочный тест)",
                        students_count=600 + i,
                        teachers_count=40,
                    )
                    for i in range(count)
                ]
            )
            users = User.objects.bulk_create(
                [User(username=f"load-kurator-{i:03d}", password=password_hash, first_name="Куратор", last_name=f"№ {i}") for i in range(count)]
            )
            CuratorRow.objects.bulk_create(
                [CuratorRow(user=user, school=school, order_number=f"{i}-нт") for i, (user, school) in enumerate(zip(users, schools, strict=True))]
            )
        now = timezone.now()
        submission_round = round_create(
            title="Нагрузочный тест: сдача в последний час",
            municipality=municipality,
            questionnaire=questionnaire,
            year=now.year,
            opens_at=now - dt.timedelta(hours=1),
            closes_at=now + dt.timedelta(hours=2),
            schools=schools,
        )
        round_open(submission_round=submission_round)
        questions = list(Question.objects.filter(questionnaire=questionnaire).order_by("section__order", "order"))
        self.questions = questions
        curators = []
        for i, (user, school) in enumerate(zip(users, schools, strict=True)):
            full = {f"q_{q.code}": value for q in questions if (value := answer_value(q, i, rng)) is not None}
            draft = dict(list(full.items())[: len(full) // 2])
            curators.append(Curator(username=user.username, school_id=school.pk, draft=draft, full=full))
        self.expected = {c.school_id: c.full for c in curators}
        self.log(f"{count} schools and curators, round {submission_round.pk} open, {len(questions)} questions")
        return submission_round.pk, curators

    def wait_for_web(self) -> None:
        deadline = time.time() + 60
        while time.time() < deadline:
            try:
                with socket.create_connection((HOST, self.port), timeout=1):
                    return
            except OSError:
                time.sleep(0.3)
        raise RuntimeError("gunicorn did not start; see " + str(self.tmp / "gunicorn.log"))

    def wait_fresh(self, round_id: int, timeout: float) -> None:
        from surveys.models import SubmissionRound

        deadline = time.time() + timeout
        while time.time() < deadline:
            r = SubmissionRound.objects.values("changes_seq", "computed_seq", "recompute_queued_at").get(pk=round_id)
            if r["computed_seq"] == r["changes_seq"] and r["recompute_queued_at"] is None:
                return
            time.sleep(0.5)
        raise RuntimeError(f"round {round_id} results still stale after {timeout:.0f} s; see {self.worker_log}")

    def recompute_runs(self) -> list[tuple[float, float]]:
        """(start, duration) of every finished recompute task, from the worker's log (its clock is in TIME_ZONE)."""
        from zoneinfo import ZoneInfo

        from django.conf import settings

        zone = ZoneInfo(settings.TIME_ZONE)
        runs = []
        for line in self.worker_log.read_text(errors="replace").splitlines():
            match = TASK_DONE_RE.match(line)
            if match:
                end = dt.datetime.strptime(match.group(1), "%Y-%m-%d %H:%M:%S,%f").replace(tzinfo=zone).timestamp()
                duration = float(match.group(2))
                runs.append((end - duration, duration))
        return runs

    def server_times(self) -> dict[str, list[float]]:
        """Time gunicorn spent on each request (ms, without the wait in its backlog), by kind of request."""
        kinds: dict[str, list[float]] = {}
        for line in (self.tmp / "access.log").read_text(errors="replace").splitlines():
            parts = line.split()
            if len(parts) != 4:
                continue
            method, path, _status, micros = parts
            kind = f"{method} " + ("/accounts/login/" if path.startswith("/accounts/login/") else re.sub(r"/\d+/", "/<id>/", path))
            kinds.setdefault(kind, []).append(int(micros) / 1000)
        return kinds

    def verify(self, round_id: int) -> tuple[int, int, list[str]]:
        """Every curator's submission is there, submitted, with every answer as sent."""
        from surveys.models import Answer, Submission

        problems = []
        submissions = {s.school_id: s for s in Submission.objects.filter(round_id=round_id)}
        answers: dict[int, dict[str, Answer]] = {}
        for answer in Answer.objects.filter(submission__round_id=round_id).select_related("question", "submission"):
            answers.setdefault(answer.submission.school_id, {})[answer.question.code] = answer
        complete = 0
        for school_id, sent in self.expected.items():
            submission = submissions.get(school_id)
            if submission is None or submission.state != Submission.State.SUBMITTED:
                problems.append(f"school {school_id}: submission {'missing' if submission is None else submission.state}")
                continue
            stored = answers.get(school_id, {})
            missing = [name for name in sent if name.removeprefix("q_") not in stored]
            wrong = [name for name, value in sent.items() if name.removeprefix("q_") in stored and not _same(stored[name.removeprefix("q_")], value)]
            if missing or wrong:
                problems.append(f"school {school_id}: missing {missing}, different {wrong}")
            else:
                complete += 1
        return len(submissions), complete, problems

    def figures(self, curators, started, finished, last_submit, settled_after, runs, round_id) -> dict:
        from surveys.models import SubmissionRound

        errors = [c.error for c in curators if c.error]
        requests = sum(len(c.timings) for c in curators)
        steps = {}
        for step in STEPS:
            values = [c.timings[step] * 1000 for c in curators if step in c.timings]
            steps[step] = {
                "n": len(values),
                "p50": percentile(values, 50),
                "p95": percentile(values, 95),
                "p99": percentile(values, 99),
                "max": max(values, default=float("nan")),
            }
        present, complete, problems = self.verify(round_id)
        r = SubmissionRound.objects.get(pk=round_id)
        after_last = [run for run in runs if run[0] >= last_submit]
        ok = not errors and complete == len(curators) and len(after_last) == 1 and r.computed_seq == r.changes_seq
        return {
            "ok": ok,
            "curators": len(curators),
            "wall": finished - started,
            "requests": requests,
            "rps": requests / (finished - started),
            "steps": steps,
            "errors": errors,
            "present": present,
            "complete": complete,
            "problems": problems,
            "runs": runs,
            "runs_after_last": after_last,
            "settled_after": settled_after,
            "changes_seq": r.changes_seq,
            "computed_seq": r.computed_seq,
            "questions": len(self.questions),
            "answers_sent": len(next(iter(self.expected.values()), {})),
        }

    def report(self, f: dict) -> str:
        from django.db import connection

        args = self.args
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True).stdout.strip()
        shared = float(self.load_before) >= 1.0
        lines = [
            "# Load test: the deadline rush",
            "",
            "Produced by `make loadtest` (bench/loadtest.py); rerun it to refresh these figures.",
            *(
                [
                    "",
                    f"> The machine was busy with other work when this ran (load average {self.load_before} on {os.cpu_count()} cores before the",
                    "> start): the latencies below include that contention and are upper bounds; errors and lost submissions are not affected.",
                ]
                if shared
                else []
            ),
            "",
            f"- Date: {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC, commit {commit}",
            f"- Machine: {machine()}; load average before the run {self.load_before}, after {os.getloadavg()[0]:.1f}",
            f"- Stack, all on 127.0.0.1: gunicorn {args.web_workers} sync workers, Celery worker (concurrency {args.worker_concurrency}, no beat), "
            f"PostgreSQL {connection.pg_version // 10000 if connection.vendor == 'postgresql' else '?'}, Redis db 14; "
            f"RECOMPUTE_DELAY_SECONDS={args.recompute_delay}",
            f"- Scenario: {f['curators']} curators start over {args.ramp:.0f} s (mean pause {args.think:.1f} s between steps): "
            f"login page → login → form → save a draft ({f['answers_sent'] // 2} answers) → form again → submit (all {f['answers_sent']} answers "
            f"of {f['questions']} questions; the optional file is left out)",
            "",
            "## Result",
            "",
            f"- {'PASSED' if f['ok'] else 'FAILED'}: errors {len(f['errors'])}, lost submissions {f['curators'] - f['complete']}",
            f"- Requests: {f['requests']} in {f['wall']:.1f} s = {f['rps']:.1f} requests/s (whole rush, ramp included)",
            f"- Submissions in the database: {f['present']}, complete with every answer as sent: {f['complete']} of {f['curators']}",
            f"- Recompute runs during the rush: {len(f['runs'])} (coalesced from {f['curators']} submits); "
            f"started after the last submit: {len(f['runs_after_last'])} (must be exactly 1)",
            f"- Recomputes that wrote results (computed_at changed): {len(f['computations'])}; of them including the last submit: "
            f"{len(f['computations_after_last'])} (must be exactly 1)",
            f"- Results fresh {f['settled_after']:.1f} s after the last curator finished; changes_seq = {f['changes_seq']}, computed_seq = {f['computed_seq']}",
        ]
        if f["runs"]:
            durations = [d for _, d in f["runs"]]
            lines.append(f"- Recompute duration: median {statistics.median(durations):.2f} s, max {max(durations):.2f} s")
        lines += ["", "## Latency per step (ms)", "", "| step | requests | p50 | p95 | p99 | max |", "|---|---:|---:|---:|---:|---:|"]
        for step, s in f["steps"].items():
            lines.append(f"| {step} | {s['n']} | {s['p50']:.0f} | {s['p95']:.0f} | {s['p99']:.0f} | {s['max']:.0f} |")
        lines += ["", "## Time gunicorn spent per request (ms; the rest of the latency is waiting for a free worker)", ""]
        lines += ["| request | count | p50 | p95 | p99 |", "|---|---:|---:|---:|---:|"]
        for kind, values in sorted(self.server_times().items()):
            if len(values) >= 10:
                lines.append(f"| {kind} | {len(values)} | {percentile(values, 50):.0f} | {percentile(values, 95):.0f} | {percentile(values, 99):.0f} |")
        if f["errors"] or f["problems"]:
            lines += ["", "## Errors", ""] + [f"- {e}" for e in (f["errors"] + f["problems"])[:30]]
        lines += [
            "",
            "## How it is measured",
            "",
            "- Latency per step is what a curator waits: from sending the request to the last byte of the answer, on a keep-alive",
            "  connection from a thread of its own; gunicorn's own time per request comes from its access log (`%(D)s`).",
            "- Logins dominate the CPU: each checks a PBKDF2 password hash (Django's default, about 0.3 s of one core).",
            "- After the rush the script waits until `computed_seq == changes_seq`, then reads every submission and every answer back",
            "  and compares the numbers with what was sent. Recompute runs are counted twice: finished `recompute_round` tasks in the",
            "  worker's log (a run that finds nothing new counts too) and changes of the round's `computed_at` sampled every 50 ms.",
            '  "Including the last submit" counts the computations that wrote `computed_seq` equal to the final `changes_seq`.',
            "- Rerun: `make loadtest` (or `.venv/bin/python bench/loadtest.py --curators 300 --ramp 180`); it drops and creates the",
            "  database `roadmap_loadtest`, empties Redis db 14, and stops gunicorn and the worker it started.",
        ]
        return "\n".join(lines) + "\n"


def _same(answer, sent) -> bool:
    """Whether the stored answer is exactly what the form sent (in the form's own format)."""
    kind = answer.question.type
    if kind == "yes_no":
        return answer.value_bool == (sent == "yes")
    if kind in ("integer", "decimal", "percent"):
        return answer.value_number == _decimal(sent)
    if kind == "multiple":
        return answer.value_text == "|".join(sent)
    if kind == "date":
        return answer.value_date is not None and answer.value_date.isoformat() == sent
    return answer.value_text == sent


def _decimal(value):
    from decimal import Decimal, InvalidOperation

    try:
        return Decimal(str(value).replace(",", "."))
    except InvalidOperation:
        return None


def answer_value(question, i: int, rng: random.Random):
    """A valid answer in the form's own format (q_<code> field), different per school for numbers."""
    kind = question.type
    if kind == "yes_no":
        return "yes" if rng.random() < 0.8 else "no"
    if kind == "integer":
        # kit_workstations_fast ≤ kit_workstations: the "_fast" count is always the smaller one.
        return str(10 + i % 7) if question.code.endswith("_fast") else str(20 + i % 13)
    if kind in ("decimal", "percent"):
        high = float(question.max_value) if question.max_value is not None else 1000.0
        return f"{min(high, 40 + (i * 7) % 60 + 0.5):.1f}".replace(".", ",")
    if kind == "single":
        return str(question.choices[-1][0]) if question.choices else None
    if kind == "multiple":
        return [str(v) for v, _label in question.choices[:2]]
    if kind == "date":
        return "2026-03-01"
    if kind == "text":
        return f"Нагрузочный тест, школа {i}"
    return None  # file: optional, left out


if __name__ == "__main__":
    sys.exit(main())
