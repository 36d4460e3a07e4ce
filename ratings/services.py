"""Writes of ratings: invalidating a round's results, recomputing them, scoring rules and status awards."""

import logging
import math
import time
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Case, F, OuterRef, PositiveIntegerField, Q, Subquery, Value, When
from django.utils import timezone

from indicators.models import Indicator, IndicatorTarget
from indicators.targets import verdict
from surveys.models import RESULTS_FINAL, Answer, Question, Questionnaire, Submission, SubmissionRound
from surveys.participants import participants_facts_refresh, rounds_with_drifted_facts
from surveys.selectors import previous_round_of
from surveys.services.results import round_results_invalidate, rounds_results_invalidate

from . import sql
from .models import (
    ChoicePoints,
    IndicatorProgress,
    Rating,
    RatingCorrection,
    ScoringRule,
    ScoringScheme,
    ScoringStep,
    StatusAward,
    StatusCriteria,
    StatusEligibility,
)
from .selectors import round_indicators
from .summaries import district_summaries_write

logger = logging.getLogger(__name__)

# A queued recompute not started after this long is taken as lost (broker restarted, worker died).
QUEUED_RECOMPUTE_TIMEOUT = timezone.timedelta(minutes=10)

# The questions the status «Цифровая школа» is decided on (codes are stable across questionnaire versions).
STATUS_QUESTION_CODES = {
    "code_speed": "internet_speed",
    "code_kit": "equipment_kit",
    "code_contract": "connection_contract_next_year",
    "code_teachers": "teachers_ready_share",
    "code_certification": "certification_request",
}

# First key of PostgreSQL's two-key advisory lock that serializes recomputes of one round (the second is its id).
RECOMPUTE_LOCK_NAMESPACE = 5_005_001
# PostgreSQL settings of the recompute's transaction (see _serialize_recomputes); the benchmark's SQL baseline runs
# under the same ones, so the two are compared on equal terms.
RECOMPUTE_PG_SETTINGS = {"jit": "off", "work_mem": "64MB", "synchronous_commit": "off"}
RECOMPUTE_PG_SETTINGS_SQL = ", ".join(f"set_config('{name}', '{value}', true)" for name, value in RECOMPUTE_PG_SETTINGS.items())

# «Под угрозой»: below the target by at most this many points (percentage points for a share).


def round_recompute_enqueue(*, round_id: int) -> bool:
    """Queue a recompute unless one is already waiting. Returns whether a task was queued."""
    from .tasks import recompute_round

    now = timezone.now()
    claimed = SubmissionRound.objects.filter(
        Q(recompute_queued_at__isnull=True) | Q(recompute_queued_at__lt=now - QUEUED_RECOMPUTE_TIMEOUT), pk=round_id
    ).update(recompute_queued_at=now)
    if claimed != 1:
        return False
    try:
        recompute_round.apply_async(args=[round_id], countdown=settings.RECOMPUTE_DELAY_SECONDS)
    except Exception:
        # The broker is down: the submit still succeeds, the round stays stale, and the
        # periodic `recompute_stale_rounds` task picks it up when the worker is back.
        logger.warning("Could not queue a recompute of round %s; it stays marked stale", round_id, exc_info=True)
        SubmissionRound.objects.filter(pk=round_id, recompute_queued_at=now).update(recompute_queued_at=None)
        return False
    return True


# The recompute


@dataclass(frozen=True)
class RecomputeResult:
    round_id: int
    computed: bool  # False: the results already reflected every change, or they are final; nothing was written
    seen_seq: int
    # Rows inserted or changed in each table (unchanged rows are not rewritten).
    ratings: int = 0
    section_scores: int = 0
    eligibility: int = 0
    indicator_progress: int = 0
    seconds: float = 0.0
    final: bool = False  # refused: the round's results are fixed (see `round_correction_apply`)


def rating_recompute_round(*, round_id: int, force: bool = False, correction: bool = False) -> RecomputeResult | None:
    """Recompute the round's ratings, ranks, levels, status eligibility and indicator progress.

    A fixed number of SQL statements whatever the number of schools, all in one transaction, so a recompute
    killed half-way leaves the previous results intact. Safe to run twice (same rows). The counts returned are
    rows written (inserted or changed). Returns None when the round no longer exists.
    """
    started = time.perf_counter()
    # Cleared first and committed: a change made from now on queues a new recompute instead of relying on this one.
    SubmissionRound.objects.filter(pk=round_id, recompute_queued_at__isnull=False).update(recompute_queued_at=None)
    with transaction.atomic():
        _serialize_recomputes(round_id)
        submission_round = _round_with_rules(round_id)
        if submission_round is None:
            return None
        # Read before the answers: a change committed after this point leaves the round stale and queues another recompute.
        seen_seq = submission_round.changes_seq
        if submission_round.results_final and not correction:
            # Fixed means fixed: not the task, not the command, not `force` — only an explicit, logged correction.
            return RecomputeResult(round_id=round_id, computed=False, seen_seq=seen_seq, final=True)
        if submission_round.computed_seq >= seen_seq and not force:
            return RecomputeResult(round_id=round_id, computed=False, seen_seq=seen_seq)
        # While the results are not fixed, the round's facts of its schools follow the schools (frozen afterwards).
        participants_facts_refresh(submission_round=submission_round)
        scheme_id = submission_round.scheme_pk
        params = _round_params(submission_round, scheme_id)

        # The round's answers are read once, into a temporary table with each answer's points (sql.ROUND_ANSWERS_SELECT):
        # the section scores, the status eligibility and the indicator aggregates read that table, not the answers.
        _execute(sql.create_round_answers(connection.vendor), params)
        # Each table: rows no longer due are deleted, the others inserted or updated where a value changed
        # (unchanged rows are not written, so a recompute after one submit rewrites little).
        _execute(sql.DELETE_STALE_SECTION_SCORES, params)
        section_scores = _execute(sql.INSERT_SECTION_SCORES, params) if scheme_id else 0
        _execute(sql.DELETE_STALE_RATINGS, params)
        ratings = _execute(sql.INSERT_RATINGS, params)
        if submission_round.criteria_pk:
            _execute(sql.DELETE_STALE_ELIGIBILITY, params)
            eligibility = _execute(sql.INSERT_ELIGIBILITY, {**params, **_criteria_params(submission_round)})
        else:
            StatusEligibility.objects.filter(round_id=round_id).delete()
            eligibility = 0
        district_summaries_write(round_id=round_id)
        IndicatorProgress.objects.filter(round_id=round_id).delete()
        progress = _indicator_progress_write(submission_round, params)
        _execute(sql.DROP_ROUND_ANSWERS, None)

        SubmissionRound.objects.filter(pk=round_id).update(
            computed_seq=Case(When(computed_seq__lt=seen_seq, then=Value(seen_seq)), default=F("computed_seq"), output_field=PositiveIntegerField()),
            computed_at=timezone.now(),
        )
    return RecomputeResult(
        round_id=round_id,
        computed=True,
        seen_seq=seen_seq,
        ratings=ratings,
        section_scores=section_scores,
        eligibility=eligibility,
        indicator_progress=progress,
        seconds=time.perf_counter() - started,
    )


def rounds_recompute_stale() -> list[int]:
    """Queue a recompute of every round whose results lag its changes and that has no live queued task.

    Run by beat every few minutes: it catches up after the broker or the worker was down.
    """
    now = timezone.now()
    # A school changed by a path that did not say so (a shell, a bulk update): its open rounds are stale too.
    for round_id in rounds_with_drifted_facts().filter(computed_seq__gte=F("changes_seq")).values_list("pk", flat=True):
        with transaction.atomic():
            round_results_invalidate(round_id=round_id)
    stale = (
        SubmissionRound.objects.filter(computed_seq__lt=F("changes_seq"))
        .exclude(RESULTS_FINAL)
        .filter(Q(recompute_queued_at__isnull=True) | Q(recompute_queued_at__lt=now - QUEUED_RECOMPUTE_TIMEOUT))
    )
    queued = []
    for round_id in stale.values_list("pk", flat=True):
        if round_recompute_enqueue(round_id=round_id):
            queued.append(round_id)
    return queued


def _serialize_recomputes(round_id: int) -> None:
    """Make concurrent recomputes of one round wait for each other, without blocking submits.

    PostgreSQL: a transaction-scoped advisory lock (a lock on the round row would make every submit wait
    for the whole recompute, since submits update that row). SQLite: taking the write lock first does it.
    """
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # For this transaction only: JIT compiling these few big statements costs seconds and saves nothing; the
            # grouping by school fits in memory; and the commit need not wait for the disk — if the server dies just
            # after it, the results and the round's computed_seq are lost together, the round stays stale and is recomputed.
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s), " + RECOMPUTE_PG_SETTINGS_SQL, [RECOMPUTE_LOCK_NAMESPACE, round_id])
        else:
            cursor.execute("UPDATE surveys_submissionround SET computed_seq = computed_seq WHERE id = %s", [round_id])


def _execute(statement: str, params: dict | None) -> int:
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        return max(cursor.rowcount, 0)


def _round_params(submission_round: SubmissionRound, scheme_id: int | None) -> dict:
    return {
        "round_id": submission_round.pk,
        "questionnaire_id": submission_round.questionnaire_id,
        "municipality_id": submission_round.municipality_id,
        "scheme_id": scheme_id,
        "previous_round_id": submission_round.previous_id or _previous_round_id(submission_round),
        **STATUS_QUESTION_CODES,
        **sql.CHOICES,
    }


def _previous_round_id(submission_round: SubmissionRound) -> int | None:
    previous = previous_round_of(submission_round)
    return previous.pk if previous else None


def kit_values_at_least(choices: list, minimum: str) -> list[str] | None:
    """The equipment kit options that meet «не ниже `minimum`», in the question's order; None: any answer will do."""
    values = [str(value) for value, _label in choices]
    if not minimum or (values and values[0] == minimum):
        return None
    if minimum not in values:
        return [minimum]
    return values[values.index(minimum) :]


def _round_with_rules(round_id: int) -> SubmissionRound | None:
    """The round with what its recompute is computed by, in one query: its scoring scheme's id, its year's status
    criteria (id and minimum kit) and the options of its kit question."""
    criteria = StatusCriteria.objects.filter(municipality_id=OuterRef("municipality_id"), year=OuterRef("year"))
    kit_question = Question.objects.filter(questionnaire_id=OuterRef("questionnaire_id"), code=STATUS_QUESTION_CODES["code_kit"]).order_by()
    return (
        SubmissionRound.objects.filter(pk=round_id)
        .annotate(
            scheme_pk=Subquery(ScoringScheme.objects.filter(questionnaire_id=OuterRef("questionnaire_id")).values("pk")[:1]),
            criteria_pk=Subquery(criteria.values("pk")[:1]),
            criteria_min_kit=Subquery(criteria.values("min_kit")[:1]),
            kit_choices=Subquery(kit_question.values("choices")[:1]),
        )
        .first()
    )


def _criteria_params(submission_round: SubmissionRound) -> dict:
    """`submission_round` as `_round_with_rules` reads it, with status criteria."""
    kit_values = kit_values_at_least(submission_round.kit_choices or [], submission_round.criteria_min_kit)
    return {
        **STATUS_QUESTION_CODES,
        "criteria_id": submission_round.criteria_pk,
        "kit_any": kit_values is None,
        "kit_values": "|".join(kit_values or []),
    }


# Indicator progress


def indicator_target_for(targets: list[tuple], on_date) -> tuple | None:
    """The (due_date, value) of the nearest deadline on or after `on_date`, else the last one; `targets` sorted by date."""
    for target in targets:
        if target[0] >= on_date:
            return target
    return targets[-1] if targets else None


def indicator_verdict(*, actual: Decimal | None, target: Decimal | None, higher_is_better: bool) -> str:
    """достигнут / под угрозой (short by at most 10 points) / не достигнут; reversed when lower is better.

    One rule with the schools' plan indicators: `indicators.targets.verdict`."""
    return IndicatorProgress.Verdict(verdict(actual=actual, target=target, higher_is_better=higher_is_better))


def half_up(value: Fraction, places: int) -> Decimal:
    """An exact fraction rounded once, half up, to `places` decimals (every figure here is non-negative)."""
    return Decimal(math.floor(value * 10**places + Fraction(1, 2))).scaleb(-places)


def _indicator_actual(aggregation: str, level: str, with_data: int, meeting: int, sum_tenk, numerator_tenk, denominator_tenk) -> Decimal | None:
    """The actual of an indicator from exact integer sums (answers in ten-thousandths), rounded once to 0.01."""
    if with_data == 0:
        return None
    if aggregation == Indicator.Aggregation.MEAN:
        return half_up(Fraction(int(sum_tenk), 10000 * with_data), 2) if sum_tenk is not None else None
    if aggregation == Indicator.Aggregation.SHARE_FULL_RATIO and level == Indicator.Level.SCHOOL and denominator_tenk:
        # One school: its own share (e.g. fast workstations of all workstations), not a 0/100 yes-no.
        return half_up(Fraction(int(numerator_tenk) * 100, int(denominator_tenk)), 2)
    return half_up(Fraction(meeting * 100, with_data), 2)


def _indicator_progress_write(submission_round: SubmissionRound, params: dict) -> int:
    """The indicators, one grouped query of their answers, one query of their targets, one bulk insert."""
    indicators = list(round_indicators(submission_round).values_list("pk", "level", "aggregation", "higher_is_better", "roadmap__school_id"))
    if not indicators:
        return 0
    with connection.cursor() as cursor:
        cursor.execute(sql.INDICATOR_AGGREGATES, params)
        aggregates = {row[0]: row[1:] for row in cursor.fetchall()}
    targets: dict[int, list[tuple]] = {}
    for indicator_id, due_date, value in IndicatorTarget.objects.filter(indicator_id__in=[row[0] for row in indicators]).values_list(
        "indicator_id", "due_date", "value"
    ):
        targets.setdefault(indicator_id, []).append((due_date, value))
    close_date = timezone.localdate(submission_round.closes_at)
    rows = []
    for indicator_id, level, aggregation, higher_is_better, own_school_id in indicators:
        with_data, meeting, sum_tenk, numerator_tenk, denominator_tenk = aggregates.get(indicator_id, (0, 0, None, None, None))
        with_data, meeting = int(with_data), int(meeting or 0)
        actual = _indicator_actual(aggregation, level, with_data, meeting, sum_tenk, numerator_tenk, denominator_tenk)
        target = indicator_target_for(sorted(targets.get(indicator_id, [])), close_date)
        rows.append(
            IndicatorProgress(
                round_id=submission_round.pk,
                indicator_id=indicator_id,
                school_id=own_school_id if level == Indicator.Level.SCHOOL else None,
                actual=actual,
                schools_with_data=with_data,
                schools_meeting=meeting,
                target_value=target[1] if target else None,
                target_due=target[0] if target else None,
                verdict=indicator_verdict(actual=actual, target=target[1] if target else None, higher_is_better=higher_is_better),
            )
        )
    IndicatorProgress.objects.bulk_create(rows)
    return len(rows)


# Scoring rules


def scoring_scheme_copy(*, source: Questionnaire, target: Questionnaire, question_map: Mapping[int, Question] | None = None) -> ScoringScheme | None:
    """Give `target` the scoring of `source`: level thresholds and, for each question it shares, the rule with its steps
    and option points. Questions are matched by `question_map` (source question id → target question) or by code.
    Rules of `target` for the matched questions are replaced; running it twice gives the same scheme."""
    scheme = ScoringScheme.objects.filter(questionnaire=source).first()
    if scheme is None:
        return None
    if question_map is None:
        by_code = {question.code: question for question in target.questions.all()}
        question_map = {question.pk: by_code[question.code] for question in source.questions.all() if question.code in by_code}
    with transaction.atomic():
        copy, _created = ScoringScheme.objects.update_or_create(
            questionnaire=target, defaults={"level_high": scheme.level_high, "level_medium": scheme.level_medium}
        )
        rules = list(scheme.rules.prefetch_related("steps", "choice_points"))
        ScoringRule.objects.filter(question__in=[question_map[rule.question_id] for rule in rules if rule.question_id in question_map]).delete()
        for rule in rules:
            question = question_map.get(rule.question_id)
            if question is None:
                continue
            new_rule = ScoringRule.objects.create(
                scheme=copy, question=question, kind=rule.kind, max_points=rule.max_points, floor_value=rule.floor_value, full_value=rule.full_value
            )
            ScoringStep.objects.bulk_create([ScoringStep(rule=new_rule, threshold=step.threshold, points=step.points) for step in rule.steps.all()])
            ChoicePoints.objects.bulk_create([ChoicePoints(rule=new_rule, value=option.value, points=option.points) for option in rule.choice_points.all()])
    return copy


def scoring_results_invalidate(*, questionnaire_id: int) -> list[int]:
    """Scoring rules of a questionnaire changed: every round that uses it and whose results are not final is recomputed."""
    return rounds_results_invalidate(SubmissionRound.objects.filter(questionnaire_id=questionnaire_id))


def criteria_results_invalidate(*, municipality_id: int, year: int) -> list[int]:
    """Status criteria of a year changed: the eligibility of that year's rounds whose results are not final is recomputed."""
    return rounds_results_invalidate(SubmissionRound.objects.filter(municipality_id=municipality_id, year=year))


# Status «Цифровая школа»


class StatusConfirmError(Exception):
    """The status list of a year cannot be confirmed now; the message says why and what to do."""


def status_award_basis(*, deciding: SubmissionRound, school_ids: list[int]) -> dict[int, dict]:
    """What each award is based on, kept with it so it can be explained later: the year's criteria, the school's
    score, ranks, level and criteria checks, and the accepted submission with its version and the criteria answers."""
    criteria = StatusCriteria.objects.filter(municipality_id=deciding.municipality_id, year=deciding.year).values().first() or {}
    criteria = {key: str(value) for key, value in criteria.items() if key not in ("id", "municipality_id")}
    ratings = {row["school_id"]: row for row in Rating.objects.filter(round=deciding, school_id__in=school_ids).values()}
    checks = {row["school_id"]: row for row in StatusEligibility.objects.filter(round=deciding, school_id__in=school_ids).values()}
    submissions = {
        row["school_id"]: row
        for row in Submission.objects.filter(round=deciding, school_id__in=school_ids).values(
            "pk", "school_id", "state", "version", "submitted_at", "reviewed_at", "reviewed_by__username"
        )
    }
    answers: dict[int, dict] = {}
    for school_id, code, updated_at, *values in Answer.objects.filter(
        submission__round=deciding, submission__school_id__in=school_ids, question__code__in=STATUS_QUESTION_CODES.values()
    ).values_list("submission__school_id", "question__code", "updated_at", "value_bool", "value_number", "value_text"):
        answers.setdefault(school_id, {})[code] = {"value": next((str(v) for v in values if v not in (None, "")), ""), "updated_at": updated_at.isoformat()}
    basis = {}
    for school_id in school_ids:
        rating, check, submission = ratings.get(school_id, {}), checks.get(school_id, {}), submissions.get(school_id, {})
        basis[school_id] = {
            "round": {"id": deciding.pk, "title": deciding.title, "computed_at": deciding.computed_at.isoformat() if deciding.computed_at else None},
            "criteria": criteria,
            "rating": {key: None if rating.get(key) is None else str(rating[key]) for key in ("score", "points", "possible", "rank", "district_rank", "level")},
            "checks": {key: check.get(key) for key in ("ok_score", "ok_speed", "ok_kit", "ok_contract", "ok_teachers", "ok_certification")},
            "submission": {
                "id": submission.get("pk"),
                "state": submission.get("state"),
                "version": submission.get("version"),
                "submitted_at": submission["submitted_at"].isoformat() if submission.get("submitted_at") else None,
                "reviewed_at": submission["reviewed_at"].isoformat() if submission.get("reviewed_at") else None,
                "reviewed_by": submission.get("reviewed_by__username"),
            },
            "answers": answers.get(school_id, {}),
        }
    return basis


def status_awards_confirm(*, municipality_id: int, year: int, user, order_reference: str = "") -> list[StatusAward]:
    """Award the status of `year` to every school eligible in the year's deciding round that does not hold it yet.

    Awards are permanent records: confirming again adds newly eligible schools and never removes any. Only from
    reviewed answers: every school to be awarded must have its submission accepted; each award keeps its basis.
    """
    from .selectors import status_round_for_year

    with transaction.atomic():
        deciding = status_round_for_year(municipality_id=municipality_id, year=year)
        if deciding is None:
            raise StatusConfirmError(f"В {year} году не было раунда мониторинга: подтверждать нечего.")
        deciding = SubmissionRound.objects.select_for_update(no_key=True).get(pk=deciding.pk)
        if deciding.state != SubmissionRound.State.CLOSED:
            raise StatusConfirmError(f"Раунд «{deciding.title}» ещё не закрыт: список подтверждается после закрытия раунда, когда итоги зафиксированы.")
        if deciding.results_stale:
            raise StatusConfirmError("Итоги раунда ещё пересчитываются. Обновите страницу через минуту и подтвердите список.")
        awarded = StatusAward.objects.filter(year=year).values("school_id")
        school_ids = list(StatusEligibility.objects.filter(round=deciding, eligible=True).exclude(school_id__in=awarded).values_list("school_id", flat=True))
        if not school_ids:
            raise StatusConfirmError("Новых школ, прошедших по критериям, нет: список уже подтверждён полностью.")
        unreviewed = list(
            Submission.objects.filter(round=deciding, school_id__in=school_ids)
            .exclude(state=Submission.State.ACCEPTED)
            .order_by("school__full_name")
            .values_list("school__full_name", flat=True)
        )
        missing = len(school_ids) - Submission.objects.filter(round=deciding, school_id__in=school_ids).count()
        if unreviewed or missing:
            names = ", ".join(unreviewed[:5]) + (f" и ещё {len(unreviewed) - 5}" if len(unreviewed) > 5 else "")
            raise StatusConfirmError(
                f"Статус присваивается только по принятым анкетам. Не приняты анкеты школ: {names or missing}. "
                "Проверьте и примите их (или верните на доработку), затем подтвердите список."
            )
        basis = status_award_basis(deciding=deciding, school_ids=school_ids)
        awards = [
            StatusAward(
                municipality_id=municipality_id,
                year=year,
                school_id=school_id,
                round=deciding,
                order_reference=order_reference.strip(),
                confirmed_by=user,
                basis=basis[school_id],
            )
            for school_id in school_ids
        ]
        for award in awards:
            award.full_clean(exclude=["school", "municipality", "round", "confirmed_by"], validate_unique=False, validate_constraints=False)
        created = StatusAward.objects.bulk_create(awards)
        transaction.on_commit(lambda: key_result_facts_refresh(municipality_id=municipality_id))
        return created


# Key results fulfilled by the portal's own data


def key_result_facts_refresh(*, municipality_id: int | None = None) -> int:
    """Rewrite the evidence of every fact-linked key result (of one municipality, or of all) from the portal's data.

    Safe to run any time and twice: the rows are derived (see ratings/facts.py for the rules). Returns rows written.
    """
    from indicators.models import KeyResult
    from indicators.services import key_result_evidence_sync

    from .facts import key_result_evidence

    municipalities = KeyResult.objects.exclude(fact="").exclude(roadmap__municipality__isnull=True)
    if municipality_id is not None:
        municipalities = municipalities.filter(roadmap__municipality_id=municipality_id)
    written = 0
    today = timezone.localdate()
    for mid in sorted(set(municipalities.values_list("roadmap__municipality_id", flat=True))):
        key_result_ids, rows = key_result_evidence(mid, today)
        written += key_result_evidence_sync(key_result_ids=key_result_ids, evidence=rows)
    return written


# Corrections of fixed results


class CorrectionError(Exception):
    """A correction cannot be made; the message says why and what to do."""


@dataclass(frozen=True)
class CorrectionLine:
    """One school whose figures a correction changes (or would change)."""

    school_id: str
    school: str
    before: dict | None
    after: dict | None

    def changed(self, name: str) -> bool:
        return (self.before or {}).get(name) != (self.after or {}).get(name)


class _PreviewOnly(Exception):
    """Raised to roll the previewed recompute back."""


def round_results_snapshot(*, round_id: int) -> dict[str, dict]:
    """Every school's shown figures in the round: score, ranks, level and status eligibility (two queries)."""
    eligible = dict(StatusEligibility.objects.filter(round_id=round_id).values_list("school_id", "eligible"))
    rows = Rating.objects.filter(round_id=round_id).values_list("school_id", "school__full_name", "score", "rank", "district_rank", "level")
    return {
        str(school_id): {
            "school": name,
            "score": None if score is None else str(score),
            "rank": rank,
            "district_rank": district_rank,
            "level": level,
            "eligible": eligible.get(school_id),
        }
        for school_id, name, score, rank, district_rank, level in rows
    }


def correction_lines(before: dict[str, dict], after: dict[str, dict]) -> list[CorrectionLine]:
    """Schools whose figures differ between two snapshots, by name."""
    lines = [
        CorrectionLine(school_id=key, school=(after.get(key) or before.get(key))["school"], before=before.get(key), after=after.get(key))
        for key in before.keys() | after.keys()
        if before.get(key) != after.get(key)
    ]
    return sorted(lines, key=lambda line: line.school)


def round_correction_preview(*, round_id: int) -> list[CorrectionLine]:
    """What a correction would change now: the recompute runs inside a transaction that is rolled back."""
    before = round_results_snapshot(round_id=round_id)
    after: dict[str, dict] = {}
    try:
        with transaction.atomic():
            rating_recompute_round(round_id=round_id, force=True, correction=True)
            after = round_results_snapshot(round_id=round_id)
            raise _PreviewOnly
    except _PreviewOnly:
        pass
    return correction_lines(before, after)


def round_correction_apply(*, round_id: int, user, reason: str) -> RatingCorrection:
    """Recompute a round whose results are fixed, from today's answers and rules, and log who, when, why, before and after.

    The only way a fixed round's figures change. The log is written in the same transaction as the new figures.
    """
    reason = reason.strip()
    if len(reason) < 10:
        raise CorrectionError("Опишите причину исправления (не короче 10 знаков): она остаётся в журнале навсегда.")
    with transaction.atomic():
        submission_round = SubmissionRound.objects.select_for_update(no_key=True).filter(pk=round_id).first()
        if submission_round is None:
            raise CorrectionError("Раунда нет.")
        if not submission_round.results_final:
            raise CorrectionError("Итоги этого раунда не зафиксированы: они пересчитываются сами, исправлять нечего.")
        before = round_results_snapshot(round_id=round_id)
        rating_recompute_round(round_id=round_id, force=True, correction=True)
        after = round_results_snapshot(round_id=round_id)
        return RatingCorrection.objects.create(
            round=submission_round,
            corrected_by=user,
            corrected_by_name=user.get_full_name() or user.get_username(),
            reason=reason,
            before=before,
            after=after,
            changed_schools=len(correction_lines(before, after)),
        )
