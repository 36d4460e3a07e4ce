"""Reads of roadmaps: which a user may see, every key result with its state, and the calendar.

A key result's state is derived, never stored: final results (and any result linked to an indicator)
take it from the latest IndicatorProgress row (read through `latest_progress_by_indicator`); process results from the ProcessEvent rows a
methodologist records, compared with what their deadlines expect by today.
"""

import calendar
import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Count, Max, Q, QuerySet

from roadmap_portal.formatting import format_number
from schools.roles import Access
from schools.selectors import municipalities_visible_to, schools_visible_to

from .models import Activity, Deadline, Direction, Indicator, KeyResult, KeyResultEvidence, PlanRole, ProcessEvent, Roadmap

CALENDAR_DAYS = 90


# --- Recurrences -------------------------------------------------------------------------------


def month_end(year: int, month: int) -> dt.date:
    return dt.date(year, month, calendar.monthrange(year, month)[1])


def _months(start: dt.date, end: dt.date) -> Iterator[tuple[int, int]]:
    year, month = start.year, start.month
    while (year, month) <= (end.year, end.month):
        yield year, month
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)


def recurrence_dates(recurrence: str, period_start: dt.date, period_end: dt.date, within: tuple[dt.date, dt.date] | None = None) -> list[dt.date]:
    """Due dates of a recurrence over a roadmap's period: each month's end; the 15th and the month's
    end for twice a month; each year's end (the period's end in its last year) for yearly ones.
    `within` keeps only the dates of a window (a calendar, the days up to today)."""
    if period_end < period_start:
        return []
    dates: list[dt.date] = []
    if recurrence == Deadline.Recurrence.MONTHLY:
        dates = [month_end(y, m) for y, m in _months(period_start, period_end)]
    elif recurrence == Deadline.Recurrence.TWICE_MONTHLY:
        for y, m in _months(period_start, period_end):
            dates += [dt.date(y, m, 15), month_end(y, m)]
    elif recurrence in (Deadline.Recurrence.YEARLY, Deadline.Recurrence.DURING_YEAR):
        dates = [min(dt.date(y, 12, 31), period_end) for y in range(period_start.year, period_end.year + 1)]
    low, high = within or (period_start, period_end)
    return [d for d in dates if period_start <= d <= period_end and low <= d <= high]


# --- States ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class State:
    code: str
    label: str
    tone: str  # Bootstrap colour: success, warning, danger, primary, secondary

    @property
    def is_problem(self) -> bool:
        return self.tone in ("danger", "warning")


DONE = State("done", "выполнен", "success")
ACHIEVED = State("achieved", "достигнут", "success")
HELD = State("held", "проведено", "success")
ON_SCHEDULE = State("on_schedule", "по графику", "success")
BEHIND = State("behind", "отстаёт от графика", "warning")
AT_RISK = State("at_risk", "под угрозой", "warning")
IN_PROGRESS = State("in_progress", "в работе", "primary")
PLANNED = State("planned", "запланирован", "secondary")
OVERDUE = State("overdue", "просрочен", "danger")
MISSED = State("missed", "не достигнут", "danger")
NO_DATA = State("no_data", "нет данных", "secondary")
STATE_ORDER = [DONE, ACHIEVED, HELD, ON_SCHEDULE, IN_PROGRESS, PLANNED, AT_RISK, BEHIND, OVERDUE, MISSED, NO_DATA]


@dataclass
class KeyResultRow:
    """A key result as its pages show it: parsed deadlines, state and the figures behind the state."""

    key_result: KeyResult
    deadlines: list[Deadline]
    state: State
    note: str = ""
    held: int = 0
    expected: int | None = None
    last_event_on: dt.date | None = None
    progress: Any = None  # ratings' IndicatorProgress of the indicator's latest round
    next_due: dt.date | None = None
    evidence: list[KeyResultEvidence] = field(default_factory=list)
    final: "KeyResultRow | None" = None  # the verdict at the roadmap's end, when its period is over

    @property
    def dated(self) -> list[dt.date]:
        return sorted(d.due_date for d in self.deadlines if d.due_date)

    @property
    def recurrences(self) -> list[str]:
        return [d.get_recurrence_display() for d in self.deadlines if d.kind == Deadline.Kind.RECURRING]

    @property
    def tracks_events(self) -> bool:
        return self.key_result.indicator_id is None and not self.key_result.fact

    @property
    def from_portal(self) -> bool:
        return bool(self.key_result.fact)

    @property
    def portal_years(self) -> int:
        return sum(1 for e in self.evidence if e.status == KeyResultEvidence.Status.FULFILLED)

    @property
    def latest_evidence(self) -> KeyResultEvidence | None:
        return self.evidence[0] if self.evidence else None


def _reached(actual: Decimal, target: Decimal, higher_is_better: bool) -> bool:
    return actual >= target if higher_is_better else actual <= target


def _expected(deadlines: Iterable[Deadline], roadmap: Roadmap, today: dt.date) -> tuple[int, bool]:
    """Events expected by today and whether any of them come from a recurrence."""
    expected, recurring = 0, False
    for deadline in deadlines:
        if deadline.kind == Deadline.Kind.RECURRING:
            recurring = True
            expected += len(recurrence_dates(deadline.recurrence, roadmap.period_start, roadmap.period_end, within=(roadmap.period_start, today)))
        elif deadline.due_date and deadline.due_date <= today:
            expected += 1
    return expected, recurring


def _indicator_state(row: KeyResultRow, today: dt.date) -> None:
    kr, progress = row.key_result, row.progress
    last_due = row.dated[-1] if row.dated else None
    past_due = last_due is not None and last_due < today
    if progress is None or progress.actual is None:
        row.state = NO_DATA if past_due else IN_PROGRESS
        row.note = "раунд мониторинга ещё не дал значения показателя"
        return
    target = kr.target_value if kr.target_value is not None else progress.target_value
    unit = kr.indicator.get_unit_display()
    row.note = f"факт {format_number(progress.actual)} {unit}" + (f" при цели {format_number(target)} {unit}" if target is not None else "")
    row.note += f" · {progress.round.title}"
    if target is None:
        row.state = {"achieved": ACHIEVED, "at_risk": AT_RISK, "missed": MISSED}.get(progress.verdict, NO_DATA)
    elif _reached(progress.actual, target, kr.indicator.higher_is_better):
        row.state = ACHIEVED
    elif past_due:
        row.state = MISSED
    else:
        row.state = AT_RISK if progress.verdict == "at_risk" else IN_PROGRESS


def _event_state(row: KeyResultRow, roadmap: Roadmap, today: dt.date) -> None:
    expected, recurring = _expected(row.deadlines, roadmap, today)
    row.expected = expected
    target = row.key_result.target_value
    row.note = f"проведено {row.held}" + (f" из {expected} по графику на сегодня" if expected else "")
    if target is not None:
        row.note += f"; цель — {format_number(target)} {row.key_result.target_unit}".rstrip()
    if expected == 0:
        row.state = HELD if row.held else PLANNED
    elif row.held >= expected:
        row.state = ON_SCHEDULE if recurring else HELD
    else:
        row.state = BEHIND if recurring else OVERDUE


EVIDENCE_STATES = {
    KeyResultEvidence.Status.FULFILLED: DONE,
    KeyResultEvidence.Status.PENDING: IN_PROGRESS,
    KeyResultEvidence.Status.MISSED: MISSED,
    KeyResultEvidence.Status.NO_DATA: NO_DATA,
}


def _evidence_state(row: KeyResultRow, today: dt.date, *, at_end: bool = False) -> None:
    """A fact-linked result takes the state of its latest year's evidence; a recurring one also counts the years
    fulfilled as events held (portal facts count as events, beside those a methodologist records)."""
    latest = row.latest_evidence
    if latest is None and at_end:
        row.state, row.note = NO_DATA, "за период дорожной карты данных портала нет: мониторингов в портале тогда не было"
        return
    if latest is None:
        row.state = PLANNED
        row.note = "данных портала ещё нет: они появятся с первым раундом мониторинга"
        return
    row.state = EVIDENCE_STATES[latest.status]
    row.note = f"{latest.year}: {latest.get_status_display()} — {latest.summary}"
    fulfilled = sum(1 for e in row.evidence if e.status == KeyResultEvidence.Status.FULFILLED)
    if any(d.kind == Deadline.Kind.RECURRING for d in row.deadlines):
        row.held += fulfilled
        row.note += f"; выполнено по данным портала за {fulfilled} г." if fulfilled else ""


def key_result_rows(key_results: Iterable[KeyResult], progress_by_indicator: dict, today: dt.date, *, at_end: bool = False) -> list[KeyResultRow]:
    """Rows for key results fetched by `key_results_for` (deadlines prefetched, events counted).

    `at_end`: the final verdict at the roadmap's end (`today` is then its last day): portal evidence of later years is left out."""
    rows = []
    for kr in key_results:
        row = KeyResultRow(
            key_result=kr,
            deadlines=list(kr.deadlines.all()),
            state=PLANNED,
            held=kr.held_count,
            last_event_on=kr.last_event_on,
            progress=progress_by_indicator.get(kr.indicator_id),
            evidence=[e for e in kr.evidence.all() if not at_end or e.year <= today.year],
        )
        if kr.fact:
            _evidence_state(row, today, at_end=at_end)
        elif kr.completed_on and at_end and kr.completed_on > today:
            _event_state(row, kr.roadmap, today)  # marked done after the period ended: not done at its end
        elif kr.completed_on:
            row.state, row.note = DONE, f"отмечен выполненным {kr.completed_on:%d.%m.%Y}"
        elif kr.indicator_id:
            _indicator_state(row, today)
        else:
            _event_state(row, kr.roadmap, today)
        if at_end:
            row.note = row.note.replace("на сегодня", "на конец периода")
        rows.append(row)
    return rows


def key_results_for(roadmaps: QuerySet[Roadmap]) -> QuerySet[KeyResult]:
    """Key results of the roadmaps with what their state needs, in 3 queries (results, deadlines, evidence)."""
    return (
        KeyResult.objects.filter(roadmap__in=roadmaps)
        .select_related("roadmap", "direction", "indicator")
        .prefetch_related("deadlines", "evidence")
        .annotate(held_count=Count("events"), last_event_on=Max("events__date"))
        .order_by("roadmap_id", "direction__number", "order", "id")
    )


# The latest actual of each indicator is written by the ratings recompute, an app above this one. ratings hands
# its reader over at startup (`RatingsConfig.ready`), so indicators states key results without importing ratings.
# Why this one hook stays (the only upward edge at run time; the import contract has no exceptions): the pages of this
# app ask for data only ratings has, they are not told of an event. `ratings.IndicatorProgress` cannot move down here
# (each row belongs to a round of surveys, an app above), and a copy of the latest row kept in indicators would be a
# second truth to keep in step with every recompute, correction and removed round. Without ratings the reader answers
# {} and the pages say «нет данных».
ProgressReader = Callable[[QuerySet[Roadmap]], dict[int, Any]]
_progress_reader: ProgressReader = lambda roadmaps: {}  # noqa: E731  (no ratings installed: no indicator data)


def progress_reader_register(reader: ProgressReader) -> None:
    global _progress_reader
    _progress_reader = reader


def latest_progress_by_indicator(roadmaps: QuerySet[Roadmap]) -> dict[int, Any]:
    """The latest round's progress row (ratings' IndicatorProgress) of every indicator of the roadmaps."""
    return _progress_reader(roadmaps)


# --- Visibility --------------------------------------------------------------------------------


def roadmaps_visible_to(access: Access) -> QuerySet[Roadmap]:
    """The roadmaps of the municipalities the user works in (the regional role: all), the plans of schools they see,
    and the roadmaps where they act for a role (a district's executor or controlling person)."""
    roadmaps = Roadmap.objects.select_related("municipality", "school")
    if access.sees_region:
        return roadmaps
    schools = schools_visible_to(access)
    acting = PlanRole.objects.filter(user_id=access.user.pk).values("roadmap_id")
    return roadmaps.filter(Q(school__in=schools.values("pk")) | Q(municipality__in=municipalities_visible_to(access).values("pk")) | Q(pk__in=acting))


def key_results_visible_to(access: Access) -> QuerySet[KeyResult]:
    return KeyResult.objects.filter(roadmap__in=roadmaps_visible_to(access)).select_related("roadmap", "direction", "indicator")


def events_visible_to(access: Access) -> QuerySet[ProcessEvent]:
    return ProcessEvent.objects.filter(key_result__roadmap__in=roadmaps_visible_to(access)).select_related("key_result__roadmap", "recorded_by")


# --- Pages -------------------------------------------------------------------------------------


@dataclass
class RoadmapSummary:
    roadmap: Roadmap
    total: int = 0
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def segments(self) -> list[tuple[State, int, int]]:
        """(state, count, width in percent) for a stacked bar, in a fixed order."""
        return [(s, self.counts[s.code], round(100 * self.counts[s.code] / self.total)) for s in STATE_ORDER if self.counts.get(s.code)]

    @property
    def problems(self) -> int:
        return sum(n for s, n, _w in self.segments if s.is_problem)


def roadmap_summaries(access: Access, today: dt.date) -> list[RoadmapSummary]:
    """Every visible roadmap with its key results counted by state. Queries: roadmaps, key results,
    deadlines, indicator progress — the same four for any number of roadmaps and results."""
    roadmaps = roadmaps_visible_to(access).annotate(directions_count=Count("directions", distinct=True), indicators_count=Count("indicators", distinct=True))
    summaries = {r.pk: RoadmapSummary(roadmap=r) for r in roadmaps}
    visible = roadmaps_visible_to(access)
    for row in key_result_rows(key_results_for(visible), latest_progress_by_indicator(visible), today):
        summary = summaries[row.key_result.roadmap_id]
        summary.total += 1
        summary.counts[row.state.code] = summary.counts.get(row.state.code, 0) + 1
    return list(summaries.values())


@dataclass
class DirectionBlock:
    direction: Direction | None
    rows: list[KeyResultRow]


@dataclass
class RoadmapDetail:
    roadmap: Roadmap
    directions: list[DirectionBlock]
    indicators: list[Indicator]
    activities: list[Activity]
    summary: RoadmapSummary
    ended: bool = False
    final_summary: RoadmapSummary | None = None  # states at the roadmap's end, when its period is over
    next_periods: list[Roadmap] = field(default_factory=list)


def roadmap_detail(roadmap: Roadmap, today: dt.date) -> RoadmapDetail:
    """Directions with their key results and states, the indicators with targets, the plan's activities;
    for an ended roadmap, each result's final verdict at the end of its period (`row.final`)."""
    one = Roadmap.objects.filter(pk=roadmap.pk)
    progress = latest_progress_by_indicator(one)
    key_results = list(key_results_for(one))
    rows = key_result_rows(key_results, progress, today)
    ended = roadmap.ended(today)
    final_summary = None
    if ended:
        final_summary = RoadmapSummary(roadmap=roadmap)
        for row, final in zip(rows, key_result_rows(key_results, progress, roadmap.period_end, at_end=True), strict=True):
            row.final = final
            final_summary.total += 1
            final_summary.counts[final.state.code] = final_summary.counts.get(final.state.code, 0) + 1
    blocks: dict[int | None, DirectionBlock] = {d.pk: DirectionBlock(d, []) for d in roadmap.directions.all()}
    summary = RoadmapSummary(roadmap=roadmap)
    for row in rows:
        blocks.setdefault(row.key_result.direction_id, DirectionBlock(None, [])).rows.append(row)
        summary.total += 1
        summary.counts[row.state.code] = summary.counts.get(row.state.code, 0) + 1
    indicators = list(roadmap.indicators.prefetch_related("targets").order_by("order", "code"))
    for indicator in indicators:
        indicator.latest_progress = progress.get(indicator.pk)
    activities = list(roadmap.activities.order_by("order"))
    next_periods = list(roadmap.next_periods.order_by("period_start")) if ended else []
    return RoadmapDetail(roadmap, [b for b in blocks.values() if b.rows], indicators, activities, summary, ended, final_summary, next_periods)


def current_roadmaps(roadmaps: QuerySet[Roadmap]) -> QuerySet[Roadmap]:
    """The latest period of each roadmap: those no next period continues."""
    return roadmaps.filter(next_periods__isnull=True)


def ended_roadmaps(roadmaps: QuerySet[Roadmap], today: dt.date) -> QuerySet[Roadmap]:
    """Latest periods whose end has passed: pages and the dashboard say so until the next period is created."""
    return current_roadmaps(roadmaps).filter(period_end__lt=today)


def key_result_detail(key_result: KeyResult, today: dt.date) -> KeyResultRow:
    one = Roadmap.objects.filter(pk=key_result.roadmap_id)
    results = key_results_for(one).filter(pk=key_result.pk)
    return key_result_rows(results, latest_progress_by_indicator(one), today)[0]


def key_results_due(roadmaps: QuerySet[Roadmap], today: dt.date, days: int = 30) -> tuple[list[KeyResultRow], list[KeyResultRow]]:
    """Key results not yet done that are due within `days`, and those overdue (missed, behind, late)."""
    rows = key_result_rows(key_results_for(roadmaps), latest_progress_by_indicator(roadmaps), today)
    horizon = today + dt.timedelta(days=days)
    due, overdue = [], []
    for row in rows:
        if row.state in (DONE, ACHIEVED):
            continue
        upcoming = [d for d in row.dated if today <= d <= horizon]
        for deadline in row.deadlines:
            if deadline.kind == Deadline.Kind.RECURRING:
                r = row.key_result.roadmap
                upcoming += recurrence_dates(deadline.recurrence, r.period_start, r.period_end, within=(today, horizon))
        if upcoming:
            row.next_due = min(upcoming)
            due.append(row)
        if row.state in (OVERDUE, MISSED, BEHIND):
            overdue.append(row)
    due.sort(key=lambda r: r.next_due)
    overdue.sort(key=lambda r: (r.dated[-1] if r.dated else today, r.key_result.number))
    return due, overdue


# --- Calendar ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class CalendarEntry:
    date: dt.date
    kind: str  # deadline, expected, event, activity
    title: str
    roadmap: Roadmap
    key_result: KeyResult | None = None
    detail: str = ""

    @property
    def kind_label(self) -> str:
        return {"deadline": "срок", "expected": "по графику", "event": "проведено", "activity": "мероприятие плана"}[self.kind]


@dataclass
class CalendarDay:
    date: dt.date
    entries: list[CalendarEntry]


@dataclass(frozen=True)
class CalendarCell:
    date: dt.date
    count: int
    is_today: bool


@dataclass
class CalendarMonth:
    year: int
    month: int
    weeks: list[list[CalendarCell | None]]

    @property
    def title(self) -> str:
        return f"{MONTHS_NOMINATIVE[self.month - 1]} {self.year}"


MONTHS_NOMINATIVE = ["Январь", "Февраль", "Март", "Апрель", "Май", "Июнь", "Июль", "Август", "Сентябрь", "Октябрь", "Ноябрь", "Декабрь"]


def calendar_entries(access: Access, start: dt.date, days: int = CALENDAR_DAYS) -> list[CalendarEntry]:
    """What falls in [start, start + days): dated deadlines, dates recurring results expect an event on,
    events held, activities of school plans that start or end. Four queries whatever the window holds."""
    end = start + dt.timedelta(days=days - 1)
    roadmaps = roadmaps_visible_to(access)
    entries: list[CalendarEntry] = []
    deadlines = Deadline.objects.filter(key_result__roadmap__in=roadmaps).select_related("key_result__roadmap", "key_result__direction")
    for deadline in deadlines.filter(Q(due_date__range=(start, end)) | Q(kind=Deadline.Kind.RECURRING, key_result__completed_on__isnull=True)).filter(
        Q(key_result__roadmap__period_start__lte=end, key_result__roadmap__period_end__gte=start) | ~Q(kind=Deadline.Kind.RECURRING)
    ):
        kr = deadline.key_result
        if deadline.kind != Deadline.Kind.RECURRING:
            entries.append(CalendarEntry(deadline.due_date, "deadline", kr.text, kr.roadmap, kr, kr.deadline_text))
            continue
        for day in recurrence_dates(deadline.recurrence, kr.roadmap.period_start, kr.roadmap.period_end, within=(start, end)):
            entries.append(CalendarEntry(day, "expected", kr.text, kr.roadmap, kr, deadline.get_recurrence_display()))
    for event in ProcessEvent.objects.filter(key_result__roadmap__in=roadmaps, date__range=(start, end)).select_related("key_result__roadmap"):
        detail = f"{event.get_format_display()}, школ: {event.schools_count}, участников: {event.participants_count}"
        entries.append(CalendarEntry(event.date, "event", event.title, event.key_result.roadmap, event.key_result, detail))
    activities = Activity.objects.filter(roadmap__in=roadmaps).filter(Q(start_date__range=(start, end)) | Q(end_date__range=(start, end)))
    for activity in activities.select_related("roadmap"):
        for day, what in ((activity.start_date, "начало"), (activity.end_date, "окончание")):
            if day and start <= day <= end:
                entries.append(CalendarEntry(day, "activity", activity.title, activity.roadmap, None, f"{what}; {activity.responsible}".rstrip("; ")))
    entries.sort(key=lambda e: (e.date, ["event", "deadline", "expected", "activity"].index(e.kind), e.title))
    return entries


def calendar_days(entries: list[CalendarEntry]) -> list[CalendarDay]:
    days: dict[dt.date, list[CalendarEntry]] = defaultdict(list)
    for entry in entries:
        days[entry.date].append(entry)
    return [CalendarDay(day, items) for day, items in sorted(days.items())]


def calendar_months(start: dt.date, days: int, entries: list[CalendarEntry], today: dt.date) -> list[CalendarMonth]:
    """Month grids (weeks from Monday) covering the window; days outside it are None."""
    end = start + dt.timedelta(days=days - 1)
    counts: dict[dt.date, int] = defaultdict(int)
    for entry in entries:
        counts[entry.date] += 1
    months = []
    for year, month in _months(start, end):
        weeks = [
            [CalendarCell(d, counts.get(d, 0), d == today) if d.month == month and start <= d <= end else None for d in week]
            for week in calendar.Calendar(firstweekday=0).monthdatescalendar(year, month)
        ]
        months.append(CalendarMonth(year, month, weeks))
    return months
