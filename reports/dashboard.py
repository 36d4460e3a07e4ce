"""Reads of the city dashboard. The rating figures are sums of the round's district summaries (written by the
recompute with the ratings), the completeness one grouped count of the round's submissions, the rest reads of
precomputed rows: the number of queries is the same for 10 and 40,000 schools, and per-district tables are
folded to the weakest districts in a region of hundreds.
"""

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django import forms
from django.db.models import Avg, Count, DecimalField, ExpressionWrapper, F, Min, Q, QuerySet, Sum, Window
from django.db.models.functions import NullIf, RowNumber
from django.http import QueryDict
from django.utils import timezone

from indicators.models import Indicator, IndicatorTarget, Roadmap
from indicators.selectors import KeyResultRow, current_roadmaps, key_results_due
from ratings.models import SUMMARY_BINS, DistrictSummary, IndicatorProgress, Rating, StatusAward, StatusEligibility
from roadmap_portal.folding import FOLDED_DISTRICTS, DistrictTable, chosen_district_table, district_table, district_table_live, unfolded
from schools.forms import DistrictSearchField
from schools.models import Municipality, School
from schools.roles import Access
from schools.selectors import districts_visible_to, municipalities_visible_to, schools_visible_to
from surveys.models import SubmissionRound
from surveys.selectors import (
    PLURAL_STATE_LABELS,
    STATE_ORDER,
    TIMELINESS_RULE,
    DistrictCompleteness,
    Timeliness,
    completeness_by_district,
    completeness_total,
    round_district_order,
    round_weakest_districts,
    rounds_for,
    timeliness_by_district,
    timeliness_weakest,
    timeliness_weakest_first,
)

HISTOGRAM_BINS = 10
TOP_SCHOOLS = 5
DUE_DAYS = 30
OVERDUE_SHOWN = 12

# Completeness columns, accepted first: the states' plural words come from `Submission.STATE_LOOKS`.
SUBMISSION_STATES = [(state, PLURAL_STATE_LABELS[state]) for state in reversed(STATE_ORDER)]
LEVELS = [(Rating.Level.HIGH, "высокий"), (Rating.Level.MEDIUM, "средний"), (Rating.Level.LOW, "низкий"), (Rating.Level.NO_DATA, "нет данных")]


# --- Filters -----------------------------------------------------------------------------------


class DashboardFilterForm(forms.Form):
    """GET filters of the dashboard; every field may be empty (no filter)."""

    year = forms.TypedChoiceField(label="Год", required=False, coerce=int, empty_value=None)
    district = DistrictSearchField()
    legal_form = forms.ChoiceField(label="Форма", required=False, choices=[("", "Все формы"), *School.LegalForm.choices])
    area = forms.ChoiceField(label="Местность", required=False, choices=[("", "Город и село"), ("urban", "городские"), ("rural", "сельские")])
    level = forms.ChoiceField(label="Уровень", required=False, choices=[("", "Все уровни"), *((v, label) for v, label in LEVELS)])

    def __init__(self, *args, access: Access, years: list[int], municipality_id: int | None = None, **kwargs):
        """`municipality_id`: the municipality of the round the dashboard will show: its districts are suggested first and
        win over namesakes of other municipalities."""
        super().__init__(*args, **kwargs)
        for field_ in self.fields.values():
            field_.widget.attrs["class"] = "form-select form-select-sm"
        district = self.fields["district"]
        district.widget.attrs["class"] = "form-control form-control-sm"
        district.queryset = districts_visible_to(access).order_by("name")
        if municipality_id:
            district.municipality_id = municipality_id
            district.widget.attrs["data-municipality"] = municipality_id
        self.fields["year"].choices = [("", "Последний раунд"), *((y, str(y)) for y in years)]

    def filters(self) -> dict:
        if not self.is_valid():
            return {}
        return {k: v for k, v in self.cleaned_data.items() if v not in (None, "")}


def filtered_schools(access: Access, filters: dict) -> QuerySet[School]:
    # Who is active is the round's fact (surveys.participants: every round figure reads only its active participants).
    schools = schools_visible_to(access)
    if filters.get("district"):
        schools = schools.filter(district=filters["district"])
    if filters.get("legal_form"):
        schools = schools.filter(legal_form=filters["legal_form"])
    if filters.get("area"):
        schools = schools.filter(is_urban=filters["area"] == "urban")
    return schools


# --- The round ---------------------------------------------------------------------------------


def rounds_reported(access: Access) -> QuerySet[SubmissionRound]:
    """The opened rounds the user may see (`surveys.selectors.rounds_for`), newest first: what dashboards and exports offer."""
    return rounds_for(access).exclude(state=SubmissionRound.State.DRAFT).order_by("-opens_at", "-pk")


def dashboard_round(rounds: list[SubmissionRound], year: int | None) -> SubmissionRound | None:
    """The open round (of the year, if one is chosen), else the last one."""
    candidates = [r for r in rounds if year is None or r.year == year]
    open_rounds = [r for r in candidates if r.state == SubmissionRound.State.OPEN]
    return (open_rounds or candidates or [None])[0]


def dashboard_municipality(access: Access, round_: SubmissionRound | None) -> Municipality | None:
    if round_ is not None:
        return round_.municipality
    return municipalities_visible_to(access).annotate(n=Count("schools")).order_by("-n", "name").first()


# --- Completeness ------------------------------------------------------------------------------


# --- Ratings -----------------------------------------------------------------------------------


def _ratings(round_: SubmissionRound, schools: QuerySet[School], filters: dict) -> QuerySet[Rating]:
    ratings = Rating.objects.filter(round=round_, school__in=schools.values("pk"))
    if filters.get("level"):
        ratings = ratings.filter(level=filters["level"])
    return ratings


@dataclass
class RatingStats:
    rated: int
    average: Decimal | None
    by_level: dict[str, int]
    histogram: list[int]
    eligible: int

    @property
    def bins(self) -> list[tuple[str, int]]:
        width = 100 // HISTOGRAM_BINS
        return [(f"{i * width}–{(i + 1) * width}", n) for i, n in enumerate(self.histogram)]


def rating_stats(round_: SubmissionRound, schools: QuerySet[School], filters: dict) -> RatingStats:
    """Average, levels and a histogram of scores in 10-point bins (the last one holds 100). One query
    for the ratings and one for the status eligibility."""
    width = Decimal(100 // HISTOGRAM_BINS)
    bins = {}
    for i in range(HISTOGRAM_BINS):
        upper = Q(score__lt=width * (i + 1)) if i < HISTOGRAM_BINS - 1 else Q(score__lte=100)
        bins[f"bin{i}"] = Count("pk", filter=Q(score__gte=width * i) & upper)
    levels = {f"level_{value}": Count("pk", filter=Q(level=value)) for value, _label in LEVELS}
    row = _ratings(round_, schools, filters).aggregate(rated=Count("pk", filter=Q(score__isnull=False)), average=Avg("score"), **bins, **levels)
    eligible_schools = _ratings(round_, schools, filters).values("school_id")
    eligible = StatusEligibility.objects.filter(round=round_, eligible=True, school_id__in=eligible_schools).count()
    return RatingStats(
        rated=row["rated"],
        average=row["average"],
        by_level={value: row[f"level_{value}"] for value, _label in LEVELS},
        histogram=[row[f"bin{i}"] for i in range(HISTOGRAM_BINS)],
        eligible=eligible,
    )


def _summaries(round_: SubmissionRound, access: Access, filters: dict) -> QuerySet[DistrictSummary]:
    """The round's district summary rows the user may see, under the dashboard's filters (all but the level)."""
    rows = DistrictSummary.objects.filter(round=round_)
    if not access.sees_city:
        rows = rows.filter(district_id__in=districts_visible_to(access).values("pk"))
    if filters.get("district"):
        rows = rows.filter(district=filters["district"])
    if filters.get("legal_form"):
        rows = rows.filter(legal_form=filters["legal_form"])
    if filters.get("area"):
        rows = rows.filter(is_urban=filters["area"] == "urban")
    return rows


_LEVEL_COLUMNS = {Rating.Level.HIGH: "high", Rating.Level.MEDIUM: "medium", Rating.Level.LOW: "low", Rating.Level.NO_DATA: "no_data"}
_SUMMED = ("schools", "rated", "score_sum", "eligible", *_LEVEL_COLUMNS.values())


def rating_stats_summarised(round_: SubmissionRound, access: Access, filters: dict) -> RatingStats:
    """`rating_stats` read from the district summaries: one query summing a few hundred rows at most."""
    row = _summaries(round_, access, filters).aggregate(**{c: Sum(c) for c in _SUMMED}, **{f"bin_{i}": Sum(f"bin_{i}") for i in range(SUMMARY_BINS)})
    rated = row["rated"] or 0
    return RatingStats(
        rated=rated,
        average=row["score_sum"] / rated if rated else None,
        by_level={value: row[_LEVEL_COLUMNS[value]] or 0 for value, _label in LEVELS},
        histogram=[row[f"bin_{i}"] or 0 for i in range(SUMMARY_BINS)],
        eligible=row["eligible"] or 0,
    )


def levels_by_district_summarised(round_: SubmissionRound, access: Access, filters: dict) -> list[dict]:
    """`levels_by_district` read from the district summaries (one query), each district with its average rating."""
    rows = (
        _summaries(round_, access, filters)
        .values("district_id", "district__name")
        .annotate(total=Sum("schools"), rated=Sum("rated"), score_sum=Sum("score_sum"), **{c: Sum(c) for c in _LEVEL_COLUMNS.values()})
        .order_by("district__name", "district_id")
    )
    return [_levels_row(r) for r in rows]


def weakest_levels_summarised(round_: SubmissionRound, access: Access, filters: dict, limit: int) -> tuple[list[dict], int]:
    """What a folded levels table shows, chosen by the database from the district summaries (one query, at most
    `limit` rows whatever the region): the `limit` districts with the lowest average rating (none rated first,
    `_weakest_levels`), or every district by name when there are no more; and the number of districts."""
    rows = list(
        _summaries(round_, access, filters)
        .values("district_id", "district__name")
        .annotate(
            total=Sum("schools"),
            rated=Sum("rated"),
            score_sum=Sum("score_sum"),
            **{c: Sum(c) for c in _LEVEL_COLUMNS.values()},
            n_districts=Window(Count("*")),
            # The natural order (by name); MIN of the grouped columns keeps them out of Django's GROUP BY.
            by_name=Window(RowNumber(), order_by=[Min("district__name").asc(), Min("district_id").asc()]),
        )
        .annotate(average=ExpressionWrapper(F("score_sum") / NullIf(F("rated"), 0), output_field=DecimalField()))
        .order_by(F("average").asc(nulls_first=True), "district__name", "district_id")[:limit]
    )
    count = rows[0]["n_districts"] if rows else 0
    if count <= limit:
        rows.sort(key=lambda r: r["by_name"])
    levels = [_levels_row(r) for r in rows]
    if count > limit:  # the order of Python's sort of every district (the database's collation only chose among equals)
        levels.sort(key=_weakest_levels)
    return levels, count


def _levels_row(r: dict) -> dict:
    return {
        "district": r["district__name"] or "Без района",
        "total": r["total"],
        "levels": [r[_LEVEL_COLUMNS[v]] for v, _l in LEVELS],
        "average": r["score_sum"] / r["rated"] if r["rated"] else None,
    }


def _weakest_levels(row: dict) -> tuple:
    # No rated school at all first, then the lowest average rating.
    return (row.get("average") is not None, row.get("average") or 0, row["district"])


def _completeness(
    round_: SubmissionRound, access: Access, schools: QuerySet[School], filters: dict, get: QueryDict
) -> tuple[DistrictTable, DistrictCompleteness]:
    """The completeness table: which districts and in what order from the last recompute (the weakest first, chosen
    and the round's totals summed by the database unless every district is asked for, a page at a time), their
    counts live; the round's total by one grouped count when a legal form or area narrows the schools."""
    narrowed = bool(filters.get("legal_form") or filters.get("area"))

    def live(district_ids: list) -> list[DistrictCompleteness]:
        # Without a legal form or area chosen, `schools` are the user's: counted from the districts' participants.
        return completeness_by_district(submission_round=round_, access=access, schools=schools if narrowed else None, district_ids=district_ids)[0]

    if not filters.get("district") and not unfolded(get, "completeness"):
        # Folded (or a city's few districts): the database chooses the districts shown and sums the round's totals.
        weakest = round_weakest_districts(submission_round=round_, access=access, limit=FOLDED_DISTRICTS)
        if weakest is not None:
            table = district_table_live(weakest.rows, count=weakest.count, get=get, param="completeness", live=live)
            if narrowed:
                return table, completeness_by_district(submission_round=round_, schools=schools)[1]
            if access.sees_city and weakest.total is not None:
                return table, weakest.total
            return table, completeness_total(submission_round=round_, access=access)
    order = round_district_order(submission_round=round_, access=access)
    if order is None or filters.get("district"):
        rows, total = completeness_by_district(submission_round=round_, schools=schools)
        return district_table(rows, weakest_first=DistrictCompleteness.weakest_first, get=get, param="completeness"), total
    table = district_table_live(order, get=get, param="completeness", live=live)
    if narrowed:
        return table, completeness_by_district(submission_round=round_, schools=schools)[1]
    return table, completeness_total(submission_round=round_, access=access, order=order)


def levels_by_district(round_: SubmissionRound, schools: QuerySet[School], filters: dict) -> list[dict]:
    """Per district: how many rated schools reached each level. One query."""
    levels = {value: Count("pk", filter=Q(level=value)) for value, _label in LEVELS}
    rows = (
        _ratings(round_, schools, filters)
        .values("school__district__name")
        .annotate(total=Count("pk"), average=Avg("score"), **levels)
        .order_by("school__district__name")
    )
    return [
        {"district": r["school__district__name"] or "Без района", "total": r["total"], "levels": [r[v] for v, _l in LEVELS], "average": r["average"]}
        for r in rows
    ]


def top_and_bottom(
    round_: SubmissionRound, schools: QuerySet[School], filters: dict, n: int = TOP_SCHOOLS, *, whole_round: bool = False
) -> tuple[list[Rating], list[Rating]]:
    """The `n` best and worst ranked schools. `whole_round`: the user sees every school of the round and no filter
    narrows the schools, so the ratings are read straight from the (round, rank) index at both ends, not sorted."""
    if whole_round:
        ratings = Rating.objects.filter(round=round_, **({"level": filters["level"]} if filters.get("level") else {}))
    else:
        ratings = _ratings(round_, schools, filters)
    ranked = ratings.filter(rank__isnull=False).select_related("school", "school__district")
    top = list(ranked.order_by("rank", "school__full_name")[:n])
    # With few rated schools the two lists would overlap: a school is shown once, among the best.
    bottom = [r for r in ranked.order_by("-rank", "school__full_name")[:n] if r not in top]
    return top, bottom


# --- Indicators --------------------------------------------------------------------------------


@dataclass
class IndicatorSeries:
    indicator: Indicator
    dates: list[str] = field(default_factory=list)  # ISO dates: the chart's time axis
    labels: list[str] = field(default_factory=list)
    actual: list[float | None] = field(default_factory=list)
    target: list[float | None] = field(default_factory=list)
    points: list[dict] = field(default_factory=list)  # the table under the chart
    latest: IndicatorProgress | None = None

    @property
    def chart(self) -> dict:
        return {"dates": self.dates, "labels": self.labels, "actual": self.actual, "target": self.target, "unit": self.indicator.get_unit_display()}


def _as_float(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


def indicator_series(municipality: Municipality | None) -> list[IndicatorSeries]:
    """Every city-level indicator of the municipality's roadmaps: the actual of each round and the
    targets at their deadlines on one date axis. Three queries: indicators, targets, progress rows."""
    if municipality is None:
        return []
    indicators = list(
        Indicator.objects.filter(
            level=Indicator.Level.CITY, roadmap__municipality=municipality, roadmap__kind=Roadmap.Kind.MUNICIPAL, roadmap__next_periods__isnull=True
        )
        .select_related("roadmap")
        .order_by("roadmap__period_start", "order", "code")
    )
    targets: dict[int, list[IndicatorTarget]] = {}
    for target in IndicatorTarget.objects.filter(indicator__in=indicators).order_by("due_date"):
        targets.setdefault(target.indicator_id, []).append(target)
    progress: dict[int, list[IndicatorProgress]] = {}
    rows = IndicatorProgress.objects.filter(indicator__in=indicators, school__isnull=True).exclude(round__state=SubmissionRound.State.DRAFT)
    for row in rows.select_related("round").order_by("round__closes_at", "round_id"):
        progress.setdefault(row.indicator_id, []).append(row)
    result = []
    for indicator in indicators:
        points: dict[dt.date, dict] = {}
        for target in targets.get(indicator.pk, []):
            points.setdefault(target.due_date, {"date": target.due_date, "round": "", "actual": None, "target": None})["target"] = target.value
        for row in progress.get(indicator.pk, []):
            day = timezone.localtime(row.round.closes_at).date()
            point = points.setdefault(day, {"date": day, "round": "", "actual": None, "target": None})
            point.update(round=row.round.title, actual=row.actual, verdict=row.get_verdict_display())
        series = IndicatorSeries(indicator=indicator, latest=(progress.get(indicator.pk) or [None])[-1])
        for day in sorted(points):
            point = points[day]
            series.dates.append(day.isoformat())
            series.labels.append(f"{day:%d.%m.%Y}")
            series.actual.append(_as_float(point["actual"]))
            series.target.append(_as_float(point["target"]))
            series.points.append(point)
        result.append(series)
    return result


# --- Everything together -----------------------------------------------------------------------


@dataclass
class Dashboard:
    round: SubmissionRound | None
    municipality: Municipality | None
    filters: dict
    completeness: list[DistrictCompleteness] = field(default_factory=list)  # the districts shown (all of a city, the weakest of a region)
    completeness_table: DistrictTable | None = None
    completeness_total: DistrictCompleteness | None = None
    stats: RatingStats | None = None
    levels: list[dict] = field(default_factory=list)  # the districts shown
    levels_table: DistrictTable | None = None
    top: list[Rating] = field(default_factory=list)
    bottom: list[Rating] = field(default_factory=list)
    indicators: list[IndicatorSeries] = field(default_factory=list)
    due: list[KeyResultRow] = field(default_factory=list)
    overdue: list[KeyResultRow] = field(default_factory=list)
    ended_roadmaps: list[Roadmap] = field(default_factory=list)
    timeliness: list[Timeliness] = field(default_factory=list)
    timeliness_total: Timeliness | None = None
    timeliness_table: DistrictTable | None = None
    timeliness_rule: str = TIMELINESS_RULE

    @property
    def overdue_shown(self) -> list[KeyResultRow]:
        return self.overdue[:OVERDUE_SHOWN]

    @property
    def overdue_more(self) -> int:
        return max(0, len(self.overdue) - OVERDUE_SHOWN)

    def charts(self) -> dict:
        """The numbers every chart draws, for `json_script` (the same numbers are in the tables)."""
        charts: dict = {"indicators": {f"indicator-{s.indicator.pk}": s.chart for s in self.indicators}}
        if self.completeness:
            charts["completeness"] = {
                "labels": [r.district for r in self.completeness],
                "series": [{"label": label, "key": name, "data": [r.counts[name] for r in self.completeness]} for name, label in SUBMISSION_STATES],
            }
        if self.stats is not None:
            charts["histogram"] = {"labels": [label for label, _n in self.stats.bins], "data": self.stats.histogram}
            charts["levels"] = {
                "labels": [r["district"] for r in self.levels],
                "series": [{"label": label, "key": value, "data": [r["levels"][i] for r in self.levels]} for i, (value, label) in enumerate(LEVELS)],
            }
        return charts


def dashboard(access: Access, filters: dict, rounds: list[SubmissionRound], today: dt.date, get: QueryDict | None = None) -> Dashboard:
    round_ = dashboard_round(rounds, filters.get("year"))
    municipality = dashboard_municipality(access, round_)
    board = Dashboard(round=round_, municipality=municipality, filters=filters)
    schools = filtered_schools(access, filters)
    get = get if get is not None else QueryDict()
    if round_ is not None:
        board.completeness_table, board.completeness_total = _completeness(round_, access, schools, filters, get)
        board.completeness = board.completeness_table.rows
        if unfolded(get, "timeliness"):
            timeliness, board.timeliness_total = timeliness_by_district(submission_round=round_, schools=schools)
            board.timeliness_table = district_table(timeliness, weakest_first=timeliness_weakest_first, get=get, param="timeliness")
        else:  # the rows shown, kept folded with the figures: not every district of a region per request
            timeliness, count, board.timeliness_total = timeliness_weakest(submission_round=round_, schools=schools, limit=FOLDED_DISTRICTS)
            board.timeliness_table = chosen_district_table(timeliness, count=count, get=get, param="timeliness")
        board.timeliness = board.timeliness_table.rows
        if filters.get("level"):
            # The summaries fold every level together: a chosen level is counted from the ratings themselves.
            board.stats = rating_stats(round_, schools, filters)
            levels = levels_by_district(round_, schools, filters)
            board.levels_table = district_table(levels, weakest_first=_weakest_levels, get=get, param="levels")
        else:
            board.stats = rating_stats_summarised(round_, access, filters)
            if unfolded(get, "levels"):
                levels = levels_by_district_summarised(round_, access, filters)
                board.levels_table = district_table(levels, weakest_first=_weakest_levels, get=get, param="levels")
            else:  # the database chooses the districts shown: the weakest of a region's hundreds
                levels, count = weakest_levels_summarised(round_, access, filters, FOLDED_DISTRICTS)
                board.levels_table = chosen_district_table(levels, count=count, get=get, param="levels")
        board.levels = board.levels_table.rows
        whole_round = access.sees_city and not any(filters.get(name) for name in ("district", "legal_form", "area"))
        board.top, board.bottom = top_and_bottom(round_, schools, filters, whole_round=whole_round)
    board.indicators = indicator_series(municipality)
    if municipality is not None:
        # The latest period of each roadmap; one whose period is over is announced, not counted as overdue line by line.
        current = list(current_roadmaps(Roadmap.objects.filter(municipality=municipality, kind=Roadmap.Kind.MUNICIPAL)))
        board.ended_roadmaps = [r for r in current if r.ended(today)]
        running = Roadmap.objects.filter(pk__in=[r.pk for r in current if not r.ended(today)])
        board.due, board.overdue = key_results_due(running, today, DUE_DAYS)
    return board


# --- What the exports page offers --------------------------------------------------------------


def status_years(access: Access) -> list[tuple[int, bool]]:
    """Years with a status list or a round, newest first, each with whether its awards are confirmed."""
    schools = schools_visible_to(access).values("pk")
    awarded = set(StatusAward.objects.filter(school__in=schools).values_list("year", flat=True).distinct())
    rounds = set(rounds_reported(access).values_list("year", flat=True).distinct())
    return [(year, year in awarded) for year in sorted(awarded | rounds, reverse=True)]


class ExportDistrictForm(forms.Form):
    """The district of one export on the export page, searched as you type among the round's municipality's districts
    (never listed: a region has 800); `export_request_for` finds it by the name typed or by id."""

    district = DistrictSearchField()

    def __init__(self, *args, kind: str, municipality_id: int, **kwargs):
        super().__init__(*args, auto_id=f"{kind}-%s", **kwargs)
        attrs = {"class": "form-control mb-2", "data-municipality": municipality_id, "placeholder": "Все районы"}
        if kind == "passports":  # made district by district: there is no «all districts»
            attrs |= {"required": True, "placeholder": "Введите название района"}
        self.fields["district"].widget.attrs.update(attrs)


class ExportChoiceForm(forms.Form):
    round = forms.TypedChoiceField(label="Раунд мониторинга", coerce=int, required=False)
    year = forms.TypedChoiceField(label="Год статуса", coerce=int, required=False)

    def __init__(self, *args, rounds: list[SubmissionRound], years: list[tuple[int, bool]], **kwargs):
        super().__init__(*args, **kwargs)
        self.rounds = {r.pk: r for r in rounds}
        self.awarded_years = [y for y, awarded in years if awarded]
        self.fields["round"].choices = [(r.pk, f"{r.title} ({r.get_state_display()})") for r in rounds]
        self.fields["year"].choices = [(y, str(y) if awarded else f"{y} — статусы ещё не подтверждены") for y, awarded in years]
        for field_ in self.fields.values():
            field_.widget.attrs["class"] = "form-select"

    def defaults(self) -> dict:
        round_ = dashboard_round(list(self.rounds.values()), None)
        years = self.awarded_years or [y for y, _label in self.fields["year"].choices]
        return {"round": round_, "year": years[0] if years else None}

    def chosen(self) -> dict:
        chosen = self.defaults()
        if self.is_valid():
            if self.cleaned_data.get("round"):
                chosen["round"] = self.rounds.get(self.cleaned_data["round"], chosen["round"])
            if self.cleaned_data.get("year"):
                chosen["year"] = self.cleaned_data["year"]
        return chosen
