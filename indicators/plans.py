"""Reads of plans people report against — school plans (seed 001) and district roadmaps (seed 004): every line
(a result or an activity) with its dates and texts as the document writes them, who reports it and who confirms it,
its reports, and its state:

- «выполнено» — the executor reported it done and the controlling person confirmed;
- «выполнено, ждёт подтверждения» — reported done, not yet confirmed (not overdue while it waits);
- «просрочено» — not confirmed done and its end date has passed;
- «в работе» — the executor reported progress, or the controlling person returned a report;
- «не начато» — no report yet, end date not passed.

All lines of any number of plans are read with a fixed number of queries (roadmaps, results, deadlines, activities,
reports, roles, curators).
"""

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import QuerySet

from schools.models import Curator
from schools.roles import Access

from .models import Activity, Deadline, Indicator, IndicatorActual, IndicatorTarget, KeyResult, LineReport, PlanRole, Roadmap
from .selectors import State, latest_progress_by_indicator, roadmaps_visible_to
from .targets import VERDICT_LABELS, verdict

NOT_STARTED = State("not_started", "не начато", "secondary")
IN_WORK = State("in_work", "в работе", "primary")
AWAITING = State("awaiting", "выполнено, ждёт подтверждения", "info")
DONE = State("line_done", "выполнено", "success")
OVERDUE = State("line_overdue", "просрочено", "danger")
LINE_STATES = [DONE, AWAITING, IN_WORK, NOT_STARTED, OVERDUE]

ACTIVITY, RESULT = "activity", "result"


@dataclass
class PlanLine:
    roadmap: Roadmap
    kind: str  # ACTIVITY or RESULT
    obj: Activity | KeyResult
    end_date: dt.date | None
    reports: list[LineReport] = field(default_factory=list)
    executor: object = None
    controller: object = None
    state: State = NOT_STARTED
    depth: int = 0

    @property
    def number(self) -> str:
        return self.obj.number

    @property
    def title(self) -> str:
        return self.obj.title if self.kind == ACTIVITY else self.obj.text

    @property
    def dates_text(self) -> str:
        """The dates exactly as the document writes them."""
        if self.kind == RESULT:
            return self.obj.deadline_text
        return " — ".join(t for t in (self.obj.start_text, self.obj.end_text) if t)

    @property
    def responsible_text(self) -> str:
        return self.obj.responsible

    @property
    def document_text(self) -> str:
        return self.obj.document_type if self.kind == ACTIVITY else self.obj.confirming_document

    @property
    def controller_text(self) -> str:
        return "" if self.kind == ACTIVITY else self.obj.controller

    @property
    def latest(self) -> LineReport | None:
        return self.reports[0] if self.reports else None

    @property
    def pending(self) -> LineReport | None:
        latest = self.latest
        return latest if latest and latest.review == LineReport.Review.PENDING else None

    @property
    def key(self) -> str:
        return f"{self.kind}-{self.obj.pk}"

    def may_report(self, user) -> bool:
        return self.executor is not None and self.executor.pk == user.pk and self.state != DONE and self.pending is None

    def may_review(self, user, access: Access) -> bool:
        if self.pending is None:
            return False
        if self.controller is not None:
            return self.controller.pk == user.pk
        return access.is_administrator  # no controlling person named: the administrator confirms


def line_state(end_date: dt.date | None, reports: list[LineReport], today: dt.date) -> State:
    latest = reports[0] if reports else None
    if latest and latest.progress == LineReport.Progress.DONE and latest.review == LineReport.Review.CONFIRMED:
        return DONE
    if latest and latest.review == LineReport.Review.PENDING:
        return AWAITING
    if end_date is not None and end_date < today:
        return OVERDUE
    return IN_WORK if latest else NOT_STARTED


def _last_due(key_result: KeyResult) -> dt.date | None:
    dated = [d.due_date for d in key_result.deadlines.all() if d.kind != Deadline.Kind.RECURRING and d.due_date]
    return max(dated) if dated else None


def _role_user(roles: dict, roadmap_id: int, kind: str, title: str):
    return roles.get((roadmap_id, kind, title.strip())) or roles.get((roadmap_id, kind, ""))


def plan_lines(roadmaps: list[Roadmap], today: dt.date, *, only: tuple[str, int] | None = None) -> list[PlanLine]:
    """Every line of the roadmaps (results first, then activities in the document's order), with state and people."""
    if not roadmaps:
        return []
    by_id = {r.pk: r for r in roadmaps}
    results = KeyResult.objects.filter(roadmap_id__in=by_id).prefetch_related("deadlines").order_by("roadmap_id", "order", "pk")
    activities = Activity.objects.filter(roadmap_id__in=by_id).order_by("roadmap_id", "order", "pk")
    reports = LineReport.objects.filter(roadmap_id__in=by_id).select_related("reported_by", "reviewed_by")
    if only:
        kind, pk = only
        results = results.filter(pk=pk) if kind == RESULT else results.none()
        activities = activities.filter(pk=pk) if kind == ACTIVITY else activities.none()
        reports = reports.filter(**{"key_result_id" if kind == RESULT else "activity_id": pk})
    by_line: dict[tuple[str, int], list[LineReport]] = defaultdict(list)
    for report in reports:  # newest first (Meta.ordering)
        by_line[(RESULT, report.key_result_id) if report.key_result_id else (ACTIVITY, report.activity_id)].append(report)
    roles = {(r.roadmap_id, r.kind, r.title.strip()): r.user for r in PlanRole.objects.filter(roadmap_id__in=by_id).select_related("user")}
    school_ids = {r.school_id for r in roadmaps if r.school_id}
    curators = {c.school_id: c.user for c in Curator.objects.filter(school_id__in=school_ids, is_active=True).select_related("user")} if school_ids else {}

    lines = []
    for kind, rows in ((RESULT, results), (ACTIVITY, activities)):
        for obj in rows:
            roadmap = by_id[obj.roadmap_id]
            end = _last_due(obj) if kind == RESULT else obj.end_date
            line = PlanLine(roadmap=roadmap, kind=kind, obj=obj, end_date=end, reports=by_line.get((kind, obj.pk), []))
            line.depth = 1 if kind == ACTIVITY and obj.parent_id else 0
            line.executor = curators.get(roadmap.school_id) if roadmap.school_id else _role_user(roles, roadmap.pk, PlanRole.Kind.EXECUTOR, obj.responsible)
            line.controller = _role_user(roles, roadmap.pk, PlanRole.Kind.CONTROLLER, "" if kind == ACTIVITY else obj.controller)
            line.state = line_state(end, line.reports, today)
            lines.append(line)
    return lines


def plan_line(roadmap: Roadmap, kind: str, pk: int, today: dt.date) -> PlanLine | None:
    lines = plan_lines([roadmap], today, only=(kind, pk))
    return lines[0] if lines else None


def plans_visible_to(access: Access) -> QuerySet[Roadmap]:
    """Roadmaps reported line by line that the user may open: those they see, and those where they act for a role."""
    return roadmaps_visible_to(access).filter(tracks_reports=True)


@dataclass
class PlanSummary:
    counts: dict[str, int]
    total: int

    @property
    def segments(self) -> list[tuple[State, int]]:
        return [(s, self.counts[s.code]) for s in LINE_STATES if self.counts.get(s.code)]


def summarize(lines: list[PlanLine]) -> PlanSummary:
    counts: dict[str, int] = defaultdict(int)
    for line in lines:
        counts[line.state.code] += 1
    return PlanSummary(dict(counts), len(lines))


def lines_needing_attention(access: Access, today: dt.date) -> dict[str, list[PlanLine]]:
    """Across every plan the user sees: overdue lines, reports waiting for this user's (or any) confirmation,
    and lines this user reports."""
    roadmaps = list(plans_visible_to(access))
    lines = plan_lines(roadmaps, today)
    user = access.user
    return {
        "overdue": [line for line in lines if line.state == OVERDUE],
        "to_confirm": [line for line in lines if line.may_review(user, access) or (access.sees_city and line.pending)],
        "mine": [line for line in lines if line.executor is not None and line.executor.pk == user.pk and line.state != DONE],
    }


def reports_visible_to(access: Access) -> QuerySet[LineReport]:
    return LineReport.objects.filter(roadmap__in=roadmaps_visible_to(access))


# --- Indicators of a plan with actuals per year ------------------------------------------------


@dataclass
class YearCell:
    year: int
    target: IndicatorTarget | None
    actual: IndicatorActual | None = None
    from_questionnaire: object = None  # ratings' IndicatorProgress of the school, when the value comes from its answers
    verdict: str = "no_data"

    @property
    def value(self):
        if self.actual is not None:
            return self.actual.value
        return getattr(self.from_questionnaire, "actual", None)

    @property
    def verdict_label(self) -> str:
        return VERDICT_LABELS[self.verdict]


@dataclass
class IndicatorRow:
    indicator: Indicator
    cells: list[YearCell]
    executor: object = None


def _year_cells(indicator: Indicator, progress) -> list[YearCell]:
    targets = {t.year or t.due_date.year: t for t in indicator.targets.all()}
    actuals: dict[int, IndicatorActual] = {}
    for actual in indicator.actuals.all():  # newest report of a year first
        actuals.setdefault(actual.year, actual)
    cells = {year: YearCell(year, target) for year, target in targets.items()}
    for year, actual in actuals.items():
        cells.setdefault(year, YearCell(year, None)).actual = actual
    round_year = getattr(getattr(progress, "round", None), "year", None)
    if progress is not None and round_year and getattr(progress, "actual", None) is not None and round_year not in actuals:
        cells.setdefault(round_year, YearCell(round_year, None)).from_questionnaire = progress
    for cell in cells.values():
        cell.verdict = verdict(actual=cell.value, target=cell.target.value if cell.target else None, higher_is_better=indicator.higher_is_better)
    return [cells[year] for year in sorted(cells)]


def plan_indicator_rows(roadmap: Roadmap, *, only: int | None = None) -> list[IndicatorRow]:
    """The plan's indicators with target, actual and verdict per year (the same verdict rule as the city's indicators):
    the school's reported actual, or — for an indicator linked to a question — its questionnaire value of that round's year."""
    indicators = roadmap.indicators.prefetch_related("targets", "actuals__reported_by").order_by("order", "code")
    if only is not None:
        indicators = indicators.filter(pk=only)
    indicators = list(indicators)
    progress = latest_progress_by_indicator(Roadmap.objects.filter(pk=roadmap.pk)) if any(i.question_code for i in indicators) else {}
    executor = indicator_executor(roadmap)
    return [IndicatorRow(i, _year_cells(i, progress.get(i.pk)), executor(i)) for i in indicators]


def indicator_executor(roadmap: Roadmap):
    """Who reports a plan's indicators: the school's curator for a school plan; for a district roadmap the executor
    named for the indicator's «ответственный исполнитель» (or for every line)."""
    if roadmap.school_id:
        curator = Curator.objects.filter(school_id=roadmap.school_id, is_active=True).select_related("user").first()
        return lambda indicator: curator.user if curator else None
    roles = {(r.kind, r.title.strip()): r.user for r in PlanRole.objects.filter(roadmap=roadmap, kind=PlanRole.Kind.EXECUTOR).select_related("user")}
    return lambda indicator: roles.get((PlanRole.Kind.EXECUTOR, indicator.responsible.strip())) or roles.get((PlanRole.Kind.EXECUTOR, ""))
