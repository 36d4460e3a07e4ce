"""Writes of roadmaps: events held for process key results, and marking a key result done."""

import datetime as dt

from django.db import transaction
from django.utils import timezone

from .deadlines import parse_deadline
from .models import Activity, Deadline, Direction, Indicator, IndicatorActual, KeyResult, KeyResultEvidence, LineReport, ProcessEvent, Roadmap


@transaction.atomic
def process_event_record(
    *,
    key_result: KeyResult,
    recorded_by,
    date: dt.date,
    title: str,
    format: str,
    schools_count: int = 0,
    participants_count: int = 0,
    link: str = "",
    document=None,
) -> ProcessEvent:
    event = ProcessEvent(
        key_result=key_result,
        recorded_by=recorded_by,
        date=date,
        title=title.strip(),
        format=format,
        schools_count=schools_count,
        participants_count=participants_count,
        link=link,
    )
    if document:
        event.document = document
    event.full_clean()
    event.save()
    return event


@transaction.atomic
def process_event_delete(*, event: ProcessEvent) -> None:
    if event.document:
        document = event.document
        transaction.on_commit(lambda: document.delete(save=False))
    event.delete()


@transaction.atomic
def key_result_set_completed(*, key_result: KeyResult, completed_on: dt.date | None) -> KeyResult:
    """Mark a key result done on a date (or clear the mark); its state then reads «выполнен»."""
    key_result.completed_on = completed_on
    key_result.full_clean()
    key_result.save(update_fields=["completed_on"])
    return key_result


def sync_deadlines(key_result: KeyResult, *, existing: list[Deadline] | None = None) -> tuple[int, int, int]:
    """Make the Deadline rows match the parsed `deadline_text`, keeping the rows (and ids) that already match.

    `existing` are the key result's rows if already read. Returns (created, total, deleted).
    Raises DeadlineParseError for an unknown wording.
    """
    existing = list(key_result.deadlines.all()) if existing is None else existing
    kept: list[Deadline] = []
    created = 0
    for parsed in parse_deadline(key_result.deadline_text) if key_result.deadline_text.strip() else []:
        row = next((d for d in existing if d not in kept and (d.kind, d.due_date, d.recurrence) == (parsed.kind, parsed.due_date, parsed.recurrence)), None)
        if row is None:
            row = Deadline(key_result=key_result, kind=parsed.kind, due_date=parsed.due_date, recurrence=parsed.recurrence)
            created += 1
        if row.pk is None or row.times_per_month != parsed.times_per_month:
            row.times_per_month = parsed.times_per_month
            row.save()
        kept.append(row)
    stale = [row.pk for row in existing if row not in kept]
    if stale:
        Deadline.objects.filter(pk__in=stale).delete()
    return created, len(kept), len(stale)


@transaction.atomic
def key_result_evidence_sync(*, key_result_ids: list[int], evidence: list[KeyResultEvidence]) -> int:
    """Make the evidence of these key results exactly `evidence` (one row per key result and year); returns rows written.

    Called by the app that owns the facts (ratings): indicators stores what it is told and derives the state from it.
    """
    for row in evidence:
        row.full_clean(exclude=["key_result"], validate_unique=False, validate_constraints=False)
    KeyResultEvidence.objects.filter(key_result_id__in=key_result_ids).delete()
    return len(KeyResultEvidence.objects.bulk_create(evidence))


# Plans people report against (school plans, district roadmaps)


class PlanReportError(Exception):
    """A report or its review cannot be taken now; the message says why and what to do."""


@transaction.atomic
def line_report_create(
    *, roadmap: Roadmap, activity: Activity | None = None, key_result: KeyResult | None = None, user, progress: str, comment: str, document=None
) -> LineReport:
    """The executor reports a line in progress or done (done waits for the controlling person's confirmation)."""
    line = activity or key_result
    if LineReport.objects.select_for_update().filter(activity=activity, key_result=key_result, review=LineReport.Review.PENDING).exists():
        raise PlanReportError(f"Отчёт по строке {line.number} уже ждёт подтверждения: дождитесь ответа контролирующего лица.")
    report = LineReport(
        roadmap=roadmap,
        activity=activity,
        key_result=key_result,
        progress=progress,
        comment=comment.strip(),
        reported_by=user,
        review=LineReport.Review.PENDING if progress == LineReport.Progress.DONE else LineReport.Review.NOT_NEEDED,
    )
    if document:
        report.document = document
    report.full_clean(exclude=["reported_by"])
    report.save()
    return report


@transaction.atomic
def line_report_review(*, report: LineReport, user, confirm: bool, comment: str = "") -> LineReport:
    """The controlling person confirms a report of a done line, or returns it with a comment; once only."""
    comment = comment.strip()
    if not confirm and not comment:
        raise PlanReportError("Напишите, что исправить: без комментария отчёт не возвращается.")
    review = LineReport.Review.CONFIRMED if confirm else LineReport.Review.RETURNED
    now = timezone.now()
    # A conditional update: two controllers answering at once cannot both win.
    updated = LineReport.objects.filter(pk=report.pk, review=LineReport.Review.PENDING).update(
        review=review, review_comment=comment, reviewed_by=user, reviewed_at=now
    )
    if updated != 1:
        raise PlanReportError("Этот отчёт уже проверен: обновите страницу.")
    report.refresh_from_db()
    return report


# Periods of a roadmap


@transaction.atomic
def roadmap_next_period_create(*, roadmap: Roadmap, title: str, period_start: dt.date, period_end: dt.date) -> Roadmap:
    """The next period of an ended roadmap: its directions, indicators and results copied (texts, kinds, executors,
    links to portal facts), their deadlines and targets left for the administrator to set; the old period stays as it ended.
    From then on the municipality's indicators are computed against the new period's targets (ratings.selectors.round_indicators)."""
    if roadmap.next_periods.exists():
        raise PlanReportError(f"Следующий период у «{roadmap.title}» уже создан.")
    if period_start <= roadmap.period_start or period_end < period_start:
        raise PlanReportError("Новый период должен начинаться после начала прежнего и заканчиваться не раньше, чем начинается.")
    new = Roadmap(
        kind=roadmap.kind,
        municipality=roadmap.municipality,
        school=roadmap.school,
        title=title.strip(),
        goal=roadmap.goal,
        period_start=period_start,
        period_end=period_end,
        source=f"следующий период после «{roadmap.title}»"[:200],
        tracks_reports=roadmap.tracks_reports,
        previous=roadmap,
    )
    new.full_clean()
    new.save()
    directions = {d.pk: Direction.objects.create(roadmap=new, number=d.number, title=d.title) for d in roadmap.directions.all()}
    indicators: dict[int, Indicator] = {}
    for indicator in roadmap.indicators.order_by("parent_id", "order", "pk"):  # parents (parent_id NULL) first
        old_pk, parent_id = indicator.pk, indicator.parent_id
        indicator.pk, indicator.id, indicator.roadmap = None, None, new
        indicator.parent = indicators.get(parent_id)
        indicator.save()
        indicators[old_pk] = indicator
    for kr in roadmap.key_results.order_by("order", "pk"):
        KeyResult.objects.create(
            roadmap=new,
            direction=directions.get(kr.direction_id),
            number=kr.number,
            order=kr.order,
            kind=kr.kind,
            text=kr.text,
            target_unit=kr.target_unit,
            responsible=kr.responsible,
            confirming_document=kr.confirming_document,
            controller=kr.controller,
            characteristic=kr.characteristic,
            indicator=indicators.get(kr.indicator_id),
            fact=kr.fact,
            fact_share=kr.fact_share,
        )
    for role in roadmap.plan_roles.all():
        role.pk, role.id, role.roadmap = None, None, new
        role.save()
    return new


@transaction.atomic
def indicator_actual_record(*, indicator: Indicator, year: int, value, absolute_value=None, comment: str = "", user) -> IndicatorActual:
    """The school's actual of a plan indicator for a year (a new row; the latest of a year is shown)."""
    actual = IndicatorActual(indicator=indicator, year=year, value=value, absolute_value=absolute_value, comment=comment.strip(), reported_by=user)
    actual.full_clean(exclude=["reported_by"])
    actual.save()
    return actual


@transaction.atomic
def plan_activity_add(
    *,
    roadmap: Roadmap,
    title: str,
    start_date: dt.date,
    end_date: dt.date,
    responsible: str = "",
    document_type: str = "",
    expected_result: str = "",
    **deficit,
) -> Activity:
    """A new top-level activity at the end of a plan (numbered after the last one), e.g. one chosen against a deficit."""
    numbers = [int(n.rstrip(".")) for n in roadmap.activities.filter(parent__isnull=True).values_list("number", flat=True) if n.rstrip(".").isdigit()]
    last_order = roadmap.activities.order_by("-order").values_list("order", flat=True).first() or 0
    activity = Activity(
        roadmap=roadmap,
        number=str(max(numbers, default=0) + 1),
        order=last_order + 1,
        title=title.strip(),
        start_text=f"{start_date:%d.%m.%Y}",
        end_text=f"{end_date:%d.%m.%Y}",
        start_date=start_date,
        end_date=end_date,
        responsible=responsible,
        document_type=document_type,
        expected_result=expected_result,
        **deficit,
    )
    activity.full_clean()
    activity.save()
    return activity
