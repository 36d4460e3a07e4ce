"""Measurements of one region size, run inside a child process of bench/run.py (Django set up on the bench database).

Each measurement returns a dict; one whose code is not there yet returns {"skipped": "..."}, one that
fails returns {"error": "..."}, so a run always ends with a table.
"""

from __future__ import annotations

import statistics
import tempfile
import time
import traceback
import tracemalloc
from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path

from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

NOT_AVAILABLE = "not available yet"
RECOMPUTE_REPEAT = 3


STEPS = ("recompute", "pages", "exports", "submit")


def measure_size(*, schools: int, rounds: int, repeat: int, seed: int, districts: int | None, extra_sql: list[str], only: tuple[str, ...] = STEPS) -> dict:
    """Every measurement of one size; `only` names the ones to take (the others are marked skipped). Without "recompute"
    each round is still recomputed once, untimed, since the pages and exports read its ratings."""
    from demo.synthetic import region_generate

    log(f"N={schools:,}: generating {rounds} round(s)")
    report = region_generate(schools=schools, rounds=rounds, seed=seed, districts=districts)
    result = {
        "schools": schools,
        "rounds": rounds,
        "districts": report.districts,
        "generate": {
            "seconds": report.seconds,
            "first_round_seconds": report.timings["schools"] + report.timings["round 1"],
            "timings": report.timings,
            "submissions": report.submissions,
            "answers": report.answers,
        },
    }
    log(f"  generated in {report.seconds:.1f} s ({report.answers:,} answers)")
    analyze()
    with connection.cursor() as cursor:
        for sql in extra_sql:
            log(f"  extra SQL: {sql}")
            cursor.execute(sql.replace("{db}", connection.ops.quote_name(connection.settings_dict["NAME"])))
    # A new session, so that settings changed with ALTER DATABASE ... SET apply to what is measured.
    connection.close()
    round_id = report.round_ids[-1]
    not_asked = {"skipped": f"not asked for (--only {','.join(only)})"}
    if "recompute" not in only:
        log("  recompute (untimed)")
        for rated in report.round_ids:
            _recompute_function()(round_id=rated)
        analyze()
        result["recompute"] = result["baseline"] = not_asked
    else:
        _measure_recompute_and_baseline(result, report.round_ids)
    steps: list[tuple[str, Callable[[], dict]]] = [
        ("pages", lambda: measure_pages(round_id, repeat)),
        ("exports", lambda: measure_exports(round_id)),
        ("submit", lambda: measure_submit(round_id, repeat)),
    ]
    for name, step in steps:
        if name not in only:
            result[name] = not_asked
            continue
        log(f"  {name}")
        result[name] = _guarded(step)
    return result


def _measure_recompute_and_baseline(result: dict, round_ids: list[int]) -> None:
    round_id = round_ids[-1]
    log("  recompute and SQL baseline")
    try:
        result["recompute"], result["baseline"] = measure_recompute(round_ids)
    except NotAvailable as missing:
        result["recompute"] = {"skipped": f"{NOT_AVAILABLE}: {missing}"}
        result["baseline"] = _guarded(lambda: {"seconds": statistics.median(_timed(lambda: run_baseline(round_id))[0] for _ in range(RECOMPUTE_REPEAT))})
    except Exception as error:  # noqa: BLE001 - reported in the table
        traceback.print_exc()
        result["recompute"] = result["baseline"] = {"error": f"{type(error).__name__}: {error}"[:300]}


def analyze() -> None:
    """Fresh planner statistics, as autovacuum would gather them (it may be off on a test server, as on ours)."""
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def log(message: str) -> None:
    print(message, flush=True)


def _guarded(step: Callable[[], dict]) -> dict:
    try:
        return step()
    except NotAvailable as missing:
        return {"skipped": f"{NOT_AVAILABLE}: {missing}"}
    except Exception as error:  # noqa: BLE001 - a failed measurement must not hide the others
        traceback.print_exc()
        return {"error": f"{type(error).__name__}: {error}"[:300]}


class NotAvailable(Exception):
    pass


def _timed(function: Callable[[], object]) -> tuple[float, object]:
    started = time.perf_counter()
    value = function()
    return time.perf_counter() - started, value


# --- recompute -----------------------------------------------------------------------------------


def _recompute_function():
    try:
        from ratings.services import rating_recompute_round
    except ImportError as error:
        raise NotAvailable("ratings.services.rating_recompute_round") from error
    return rating_recompute_round


def measure_recompute(round_ids: list[int]) -> tuple[dict, dict]:
    """The open round's full recompute (the first run, rows absent, then forced repeats) and, interleaved
    with the repeats so that a busy machine weighs on both alike, the SQL baseline."""
    recompute = _recompute_function()
    for earlier in round_ids[:-1]:
        recompute(round_id=earlier)
    round_id = round_ids[-1]
    with CaptureQueriesContext(connection) as queries:
        first, _ = _timed(lambda: recompute(round_id=round_id))
        count = len(queries.captured_queries)
    slowest = sorted(queries.captured_queries, key=lambda q: -float(q["time"]))[:5]
    analyze()  # the recompute just wrote the derived tables
    runs, baseline_runs, rows = [], [], []
    for _ in range(RECOMPUTE_REPEAT):
        # Nothing changed since: force makes each repeat do the whole work again.
        runs.append(_timed(lambda: recompute(round_id=round_id, force=True))[0])
        seconds, rows = _timed(lambda: run_baseline(round_id))
        baseline_runs.append(seconds)
    recomputed = {
        "first_seconds": first,
        "seconds": statistics.median(runs),
        "runs": runs,
        "queries": count,
        "slowest_queries": [{"time": float(q["time"]), "sql": q["sql"][:400]} for q in slowest],
    }
    return recomputed, {"seconds": statistics.median(baseline_runs), "runs": baseline_runs, **baseline_check(round_id, rows)}


# --- SQL baseline --------------------------------------------------------------------------------

BASELINE_SQL = """
SELECT s.school_id,
       SUM(LEAST(r.max_points, CASE r.kind
           WHEN 'yes' THEN CASE WHEN a.value_bool THEN r.max_points ELSE 0 END
           WHEN 'linear' THEN r.max_points * GREATEST(0, LEAST(1, (a.value_number - r.floor_value) / (r.full_value - r.floor_value)))
           WHEN 'steps' THEN COALESCE((SELECT MAX(st.points) FROM {step} st WHERE st.rule_id = r.id AND st.threshold <= a.value_number), 0)
           WHEN 'choice' THEN COALESCE((SELECT SUM(cp.points) FROM {choice} cp
                                        WHERE cp.rule_id = r.id AND cp.value = ANY(string_to_array(a.value_text, '|'))), 0)
           WHEN 'filled' THEN CASE WHEN a.value_bool IS NOT NULL OR a.value_number IS NOT NULL OR a.value_text <> ''
                                     OR a.value_date IS NOT NULL OR a.file <> '' THEN r.max_points ELSE 0 END
           ELSE 0 END)) AS points
FROM {answer} a
JOIN {submission} s ON s.id = a.submission_id
JOIN {rule} r ON r.question_id = a.question_id
WHERE s.round_id = %s AND s.state IN ('submitted', 'accepted')
GROUP BY s.school_id
"""


def baseline_sql() -> str:
    from ratings.models import ChoicePoints, ScoringRule, ScoringStep
    from surveys.models import Answer, Submission

    return BASELINE_SQL.format(
        step=ScoringStep._meta.db_table,
        choice=ChoicePoints._meta.db_table,
        answer=Answer._meta.db_table,
        submission=Submission._meta.db_table,
        rule=ScoringRule._meta.db_table,
    )


def run_baseline(round_id: int) -> list[tuple]:
    """One hand-written query that only sums the points of every school's answers, in a transaction with the
    recompute's own PostgreSQL settings (work_mem, JIT): the two are compared on equal terms."""
    from ratings.services import RECOMPUTE_PG_SETTINGS_SQL

    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT " + RECOMPUTE_PG_SETTINGS_SQL)
        cursor.execute(baseline_sql(), [round_id])
        return cursor.fetchall()


def baseline_check(round_id: int, rows: list[tuple]) -> dict:
    """The baseline's sums against the stored Rating.points: a recompute that is fast but wrong would show here."""
    from ratings.models import Rating

    stored = dict(Rating.objects.filter(round_id=round_id, points__isnull=False).values_list("school_id", "points"))
    mismatched = sum(1 for school_id, points in rows if school_id not in stored or abs(stored[school_id] - Decimal(points)) > Decimal("0.01"))
    return {"schools": len(rows), "rated": len(stored), "mismatched": mismatched if stored else None}


# --- pages ---------------------------------------------------------------------------------------

# (label, URL names to try in order, kwargs builders) — the first name that resolves is measured.
PAGES = [
    ("rating", ["ratings:round-rating", "ratings:rating", "ratings:round-detail"]),
    ("dashboard", ["reports:dashboard"]),
    ("completeness", ["surveys:round-completeness"]),
]


def _page_url(names: list[str], round_id: int) -> str:
    from django.urls import NoReverseMatch, reverse

    for name in names:
        for kwargs in ({"round_id": round_id}, {"pk": round_id}, {}):
            try:
                url = reverse(name, kwargs=kwargs)
            except NoReverseMatch:
                continue
            return url if kwargs else f"{url}?round={round_id}"
    raise NotAvailable(" / ".join(names))


def _methodologist(round_id: int | None = None):
    """A methodologist of the measured round's municipality (methodologists see their municipality only; no round: the latest)."""
    from django.contrib.auth.models import Group, User

    from schools.models import UserProfile
    from schools.roles import METHODOLOGIST_GROUP
    from surveys.models import SubmissionRound

    user, _ = User.objects.get_or_create(username="bench-metodist", defaults={"first_name": "Методист", "last_name": "Замеров"})
    user.groups.add(Group.objects.get_or_create(name=METHODOLOGIST_GROUP)[0])
    rounds = SubmissionRound.objects.order_by("-opens_at", "-pk")
    municipality_id = (rounds.filter(pk=round_id) if round_id else rounds).values_list("municipality_id", flat=True).first()
    UserProfile.objects.update_or_create(user=user, defaults={"municipality_id": municipality_id})
    # The personal-data notice stands before every page until it is accepted, once, as a real methodologist does.
    from django.conf import settings

    from schools.services import personal_data_notice_accept

    if settings.PERSONAL_DATA_NOTICE_VERSION:
        personal_data_notice_accept(user=user, version=settings.PERSONAL_DATA_NOTICE_VERSION)
    return user


def measure_pages(round_id: int, repeat: int) -> dict:
    from django.test import Client

    client = Client()
    client.force_login(_methodologist(round_id))
    pages = {}
    for label, names in PAGES:
        pages[label] = _guarded(lambda names=names: _measure_page(client, _page_url(names, round_id), repeat))
    return pages


SLOW_PAGE_SECONDS = 5
SLOW_PAGE_REPEAT = 3


def _measure_page(client, url: str, repeat: int) -> dict:
    first, response = _timed(lambda: client.get(url))
    if first > SLOW_PAGE_SECONDS:
        # A page this slow has already missed its target; fewer requests keep the run within reason.
        repeat = min(repeat, SLOW_PAGE_REPEAT)
    if response.status_code != 200 or getattr(response, "url", None):
        location = f" → {response['Location']}" if response.has_header("Location") else ""
        if response.status_code in (301, 302) and "/rounds/" not in location and "/ratings/" not in location:
            raise NotAvailable(f"{url} redirects{location} (placeholder)")
        return {"error": f"GET {url}: HTTP {response.status_code}{location}", "url": url}
    with CaptureQueriesContext(connection) as queries:
        client.get(url)
    # Read the count now: the next request's request_started signal empties the connection's query log.
    count = len(queries.captured_queries)
    times = [_timed(lambda: client.get(url))[0] for _ in range(repeat)]
    return {"url": url, "median_ms": 1000 * statistics.median(times), "requests": len(times), "queries": count, "bytes": len(response.content)}


# --- exports -------------------------------------------------------------------------------------


EXPORT_KINDS = ("rating", "answers")


def measure_exports(round_id: int) -> dict:
    """The rating and all-answers exports as an administrator downloads them, against bare openpyxl writing the same rows."""
    try:
        from reports.exports import export_request_for
    except ImportError as error:
        raise NotAvailable("reports.exports.export_request_for") from error
    from schools.roles import Access

    access = Access(_methodologist(round_id))
    results = {}
    for kind in EXPORT_KINDS:
        request = export_request_for(access, kind, round_id=round_id)
        bare = BARE_WRITERS[kind]
        results[kind] = _guarded(lambda request=request, bare=bare: _measure_export(request, bare, round_id))
    return results


EXPORT_REPEAT = 3


def _measure_export(request, bare: Callable[[str, int], int], round_id: int) -> dict:
    """Export and bare writer take turns, three times each (medians); peak memory of each in one more run."""
    from django.utils import timezone

    times, bare_times = [], []
    with temp_xlsx() as out, temp_xlsx() as bare_out:
        for _ in range(EXPORT_REPEAT):
            seconds, rows = _timed(lambda: request.write(out.name, timezone.now()))
            times.append(seconds)
            seconds, bare_rows = _timed(lambda: bare(bare_out.name, round_id))
            bare_times.append(seconds)
        size = Path(out.name).stat().st_size
        peak = peak_memory(lambda: request.write(out.name, timezone.now()))
        bare_peak = peak_memory(lambda: bare(bare_out.name, round_id))
    return {
        "seconds": statistics.median(times),
        "runs": times,
        "rows": rows,
        "bytes": size,
        "peak_bytes": peak,
        "baseline_seconds": statistics.median(bare_times),
        "baseline_runs": bare_times,
        "baseline_rows": bare_rows,
        "baseline_peak_bytes": bare_peak,
    }


def _stream(sql: str, params: list) -> Iterator[tuple]:
    """Rows of one query through a server-side cursor, so the baseline never holds them all."""
    connection.ensure_connection()
    with transaction.atomic(), connection.connection.cursor(name="bench_bare") as cursor:
        cursor.itersize = 2000
        cursor.execute(sql, params)
        yield from cursor


def _bare_write(path: str, title: str, header: list[str], rows: Iterator[tuple]) -> int:
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Лист")
    sheet.append([title])
    sheet.append(header)
    count = 0
    for row in rows:
        sheet.append(row)
        count += 1
    workbook.save(path)
    return count


def bare_rating(path: str, round_id: int) -> int:
    """The rating's rows and columns (ranks, school, district, score, level, points per section, change, status) by one query."""
    from surveys.models import Section

    sections = list(Section.objects.filter(questionnaire__rounds=round_id).order_by("order", "pk").values_list("pk", flat=True))
    per_section = ", ".join(f"MAX(CASE WHEN ss.section_id = {int(pk)} THEN ss.points END)" for pk in sections)
    sql = f"""
        SELECT r.rank, r.district_rank, s.full_name, d.name, s.legal_form, r.score, r.points, r.possible, r.level, {per_section},
               r.score - r.prev_score, r.prev_rank - r.rank, e.eligible,
               CONCAT_WS(', ', CASE WHEN NOT e.ok_score THEN 'рейтинг' END, CASE WHEN NOT e.ok_speed THEN 'скорость' END,
                         CASE WHEN NOT e.ok_kit THEN 'комплект' END, CASE WHEN NOT e.ok_contract THEN 'договор' END,
                         CASE WHEN NOT e.ok_teachers THEN 'педагоги' END, CASE WHEN NOT e.ok_certification THEN 'заявка' END)
        FROM ratings_rating r
        JOIN schools_school s ON s.id = r.school_id
        LEFT JOIN schools_district d ON d.id = s.district_id
        LEFT JOIN ratings_sectionscore ss ON ss.round_id = r.round_id AND ss.school_id = r.school_id
        LEFT JOIN ratings_statuseligibility e ON e.round_id = r.round_id AND e.school_id = r.school_id
        WHERE r.round_id = %s
        GROUP BY r.id, s.id, d.id, e.id
        ORDER BY r.rank NULLS LAST, d.name, s.full_name, r.id
    """
    header = ["Место", "Место в районе", "Школа", "Район", "Форма", "Рейтинг", "Баллы", "Из возможных", "Уровень", *[f"Раздел {pk}" for pk in sections]]
    return _bare_write(path, "Рейтинг", header + ["Изменение", "Изменение места", "Статус", "Не выполнены"], _stream(sql, [round_id]))


def bare_answers(path: str, round_id: int) -> int:
    """One row per participating school, one column per question, pivoted by one query."""
    from surveys.models import Question

    questions = list(Question.objects.filter(questionnaire__rounds=round_id).order_by("section__order", "order", "pk"))
    column = {"yes_no": "a.value_bool", "integer": "a.value_number", "decimal": "a.value_number", "percent": "a.value_number / 100", "date": "a.value_date"}
    pivot = ", ".join(
        f"{'BOOL_OR' if q.type == 'yes_no' else 'MAX'}(CASE WHEN a.question_id = {int(q.pk)} THEN {column.get(q.type, 'a.value_text')} END)" for q in questions
    )
    sql = f"""
        SELECT s.full_name, d.name, sub.state, sub.submitted_at, {pivot}
        FROM surveys_submissionround_schools rs
        JOIN schools_school s ON s.id = rs.school_id
        LEFT JOIN schools_district d ON d.id = s.district_id
        LEFT JOIN surveys_submission sub ON sub.round_id = rs.submissionround_id AND sub.school_id = s.id
        LEFT JOIN surveys_answer a ON a.submission_id = sub.id
        WHERE rs.submissionround_id = %s
        GROUP BY s.id, d.id, sub.id
        ORDER BY d.name, s.number, s.full_name, s.id
    """
    header = ["Школа", "Район", "Состояние", "Отправлена", *[q.code for q in questions]]
    rows = ((*row[:3], row[3].replace(tzinfo=None) if row[3] else None, *row[4:]) for row in _stream(sql, [round_id]))
    return _bare_write(path, "Ответы", header, rows)


BARE_WRITERS = {"rating": bare_rating, "answers": bare_answers}


# --- submit --------------------------------------------------------------------------------------


def measure_submit(round_id: int, repeat: int) -> dict:
    """Median latency of a curator's submit of a complete form (one a methodologist has just returned)."""
    try:
        from surveys.services import submission_return, submission_submit
    except ImportError as error:
        raise NotAvailable("surveys.services.submission_submit / submission_return") from error
    from roadmap_portal.celery import app
    from schools.models import Curator
    from surveys.models import Submission, SubmissionRound

    submission_round = SubmissionRound.objects.get(pk=round_id)
    picked = list(Submission.objects.filter(round_id=round_id, state=Submission.State.SUBMITTED).select_related("school").order_by("pk")[:repeat])
    users = {c.school_id: c.user for c in Curator.objects.filter(school__in=[s.school_id for s in picked], is_active=True).select_related("user")}
    reviewer = _methodologist(round_id)
    times, queries = [], []
    # In production a submit only queues the recompute for the worker; here too (memory broker, no worker).
    eager = app.conf.task_always_eager
    _set_eager(app, False)
    try:
        for submission in picked:
            returned = submission_return(
                submission=submission, user=reviewer, comment="Проверьте ответы.", question_comments={}, expected_version=submission.version
            )
            with CaptureQueriesContext(connection) as captured:
                seconds, _ = _timed(
                    lambda s=returned: submission_submit(
                        submission_round=submission_round, school=s.school, user=users[s.school_id], expected_version=s.version
                    )
                )
            times.append(seconds)
            queries.append(len(captured.captured_queries))
    finally:
        _set_eager(app, eager)
    if not times:
        return {"error": "no submitted form to return and submit again"}
    return {"median_ms": 1000 * statistics.median(times), "submits": len(times), "queries": max(queries), "queries_each": queries}


def _set_eager(app, value: bool) -> None:
    # Settings are read with the CELERY_ namespace: the prefixed key is the one `task_always_eager` returns.
    app.conf.CELERY_TASK_ALWAYS_EAGER = value
    app.conf.task_always_eager = value


def peak_memory(function: Callable[[], object]) -> int:
    tracemalloc.start()
    try:
        function()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def temp_xlsx():
    return tempfile.NamedTemporaryFile(suffix=".xlsx")
