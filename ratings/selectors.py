"""Reads of ratings: rounds with results, a round's rating table, a school's card, the status list of a year,
indicator progress. Every read is scoped by `schools.selectors.schools_visible_to`."""

from dataclasses import dataclass, field
from decimal import Decimal
from functools import cached_property

from django.core.paginator import Page, Paginator
from django.db import connection
from django.db.models import Avg, Count, F, Max, OuterRef, Q, QuerySet, Subquery, Sum
from django.shortcuts import get_object_or_404

from indicators.models import Indicator, Roadmap
from roadmap_portal.formatting import format_number
from schools.models import Municipality
from schools.roles import Access
from schools.selectors import municipalities_visible_to, schools_visible_to
from surveys.models import RESULTS_FINAL, Answer, Question, RoundParticipant, Submission, SubmissionRound
from surveys.selectors import rounds_for

from . import sql
from .models import DistrictSummary, IndicatorProgress, Rating, RatingCorrection, ScoringScheme, SectionScore, StatusAward, StatusCriteria, StatusEligibility

RATING_ORDERS = {
    "rank": ("место", [F("rank").asc(nulls_last=True), "school__full_name"]),
    "name": ("название школы", ["school__full_name"]),
    "district": ("район", ["district__name", F("district_rank").asc(nulls_last=True), "school__full_name"]),
    "change": ("изменение балла", [F("score_delta").desc(nulls_last=True), F("rank").asc(nulls_last=True)]),
}


def _round_rounds_visible(access: Access) -> QuerySet[SubmissionRound]:
    """The rounds the user may see (surveys decides which), drafts left out: they have no results."""
    return rounds_for(access).exclude(state=SubmissionRound.State.DRAFT)


def rounds_with_results(access: Access) -> QuerySet[SubmissionRound]:
    """Opened rounds the user's schools take part in, newest first, with counts over the user's schools."""
    visible = schools_visible_to(access).values("pk")
    mine = Q(ratings__school__in=visible)
    return (
        _round_rounds_visible(access)
        .select_related("municipality", "questionnaire")
        .annotate(
            schools_total=Count("ratings", filter=mine),
            schools_rated=Count("ratings", filter=mine & Q(ratings__score__isnull=False)),
            mean_score=Avg("ratings__score", filter=mine),
        )
        .order_by("-opens_at")
    )


def round_visible(access: Access, round_id: int) -> SubmissionRound:
    return get_object_or_404(_round_rounds_visible(access).select_related("municipality", "questionnaire"), pk=round_id)


def round_rating_rows(access: Access, submission_round: SubmissionRound, *, district_id=None, level=None, order: str = "rank") -> QuerySet[Rating]:
    """The round's rating rows of the schools the user may see, filtered and ordered, with status eligibility."""
    eligibility = StatusEligibility.objects.filter(round_id=OuterRef("round_id"), school_id=OuterRef("school_id"))
    rows = Rating.objects.filter(round=submission_round)
    if not access.sees_city:
        rows = rows.filter(school__in=schools_visible_to(access).values("pk"))
    # A user who sees the whole city sees every row of the rounds `round_visible` lets them open (the schools of the
    # round's municipality, as the district summaries count them): no filter by school, so the rows are read in the
    # order of the (round, rank) index and a page costs the same for 100 and 40,000 schools.
    rows = rows.select_related("school", "district").annotate(
        eligible=Subquery(eligibility.values("eligible")[:1]),
        score_delta=F("score") - F("prev_score"),
        **{name: Subquery(eligibility.values(name)[:1]) for name in StatusEligibility.CRITERIA},
    )
    if district_id:
        rows = rows.filter(district_id=district_id)
    if level:
        rows = rows.filter(level=level)
    return rows.order_by(*RATING_ORDERS.get(order, RATING_ORDERS["rank"])[1])


def failed_criteria(row) -> list[str]:
    """Short names of the status criteria a rating row (annotated by `round_rating_rows`) fails."""
    if row.eligible is None:
        return []
    return StatusEligibility.failed_criteria(row)


@dataclass
class RatingSummary:
    total: int = 0
    rated: int = 0
    mean: Decimal | None = None
    by_level: dict = field(default_factory=dict)
    eligible: int = 0
    listed: int | None = None  # rows under the list's filters, when the district summaries give it (else the list counts them)

    @property
    def no_data(self) -> int:
        return self.total - self.rated


# The summary column of each level (`DistrictSummary`).
SUMMARY_LEVEL_COLUMNS = {Rating.Level.HIGH: "high", Rating.Level.MEDIUM: "medium", Rating.Level.LOW: "low", Rating.Level.NO_DATA: "no_data"}


def round_rating_summary(access: Access, submission_round: SubmissionRound, *, district_id=None, level=None) -> RatingSummary:
    """How many of the user's schools are rated, at each level, eligible for the status; with `listed`, how many rows
    the list shows under its filters (a district, a level).

    A user who sees the whole city: one query summing the round's district summaries (`ratings.summaries`, written
    by the recompute in the transaction that writes the ratings, so they always agree with the rows listed), a few
    hundred rows for a region of 800 districts. Anyone else, or a round computed before the summaries existed:
    counted from the ratings of the schools they see (a district at most)."""
    if access.sees_city:
        listed_column = SUMMARY_LEVEL_COLUMNS.get(level, "schools")
        figures = DistrictSummary.objects.filter(round=submission_round).aggregate(
            rows=Count("pk"),
            total=Sum("schools"),
            rated=Sum("rated"),
            score_sum=Sum("score_sum"),
            eligible=Sum("eligible"),
            listed=Sum(listed_column, filter=Q(district_id=district_id) if district_id else Q()),
            **{level_: Sum(column) for level_, column in SUMMARY_LEVEL_COLUMNS.items()},
        )
        if figures["rows"]:
            rated = figures["rated"] or 0
            return RatingSummary(
                total=figures["total"] or 0,
                rated=rated,
                mean=figures["score_sum"] / rated if rated else None,
                eligible=figures["eligible"] or 0,
                by_level={level_: figures[level_] or 0 for level_ in Rating.Level.values},
                listed=figures["listed"] or 0,
            )
    visible = schools_visible_to(access).values("pk")
    figures = Rating.objects.filter(round=submission_round, school__in=visible).aggregate(
        total=Count("pk"),
        rated=Count("pk", filter=Q(score__isnull=False)),
        mean=Avg("score"),
        **{level_: Count("pk", filter=Q(level=level_)) for level_ in Rating.Level.values},
    )
    return RatingSummary(
        total=figures["total"],
        rated=figures["rated"],
        mean=figures["mean"],
        eligible=StatusEligibility.objects.filter(round=submission_round, school__in=visible, eligible=True).count(),
        by_level={level_: figures[level_] for level_ in Rating.Level.values},
    )


class _RankPaginator(Paginator):
    """Pages of a round's rating whose count is known (the summaries) and, for the whole round by rank, found by rank
    instead of by skipping rows: ranks are given with ties (1, 2, 2, 4), so exactly r - 1 rows come before the first
    row of rank r, and the row at position p belongs to the largest rank r <= p. A page then reads from the
    (round, rank) index at that rank, whatever its number; the schools without a rank (no data) follow by name."""

    def __init__(self, rows: QuerySet[Rating], per_page: int, *, round_id: int, count: int | None, ranked: int | None):
        super().__init__(rows, per_page)
        self._round_id, self._count, self._ranked = round_id, count, ranked

    @cached_property
    def count(self) -> int:
        return self._count if self._count is not None else super().count

    def page(self, number):
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        top = min(bottom + self.per_page, self.count)
        return self._get_page(self._rows(bottom, top), number, self)

    def _rows(self, bottom: int, top: int):
        rows, ranked = self.object_list, self._ranked
        if ranked is None or bottom == 0:
            return rows[bottom:top]
        if bottom >= ranked:  # only schools without a rank: by name
            return rows.filter(rank__isnull=True)[bottom - ranked : top - ranked]
        first = Rating.objects.filter(round_id=self._round_id, rank__lte=bottom + 1).order_by("-rank").values_list("rank", flat=True).first()
        if first is None:
            return rows[bottom:top]
        skip = bottom - (first - 1)
        found = rows.filter(rank__gte=first) if top <= ranked else rows.filter(Q(rank__gte=first) | Q(rank__isnull=True))
        return found[skip : skip + top - bottom]


def rating_page(
    access: Access, submission_round: SubmissionRound, *, district_id=None, level=None, order: str = "rank", number=None, per_page: int = 100
) -> tuple[Page, RatingSummary]:
    """A page of the round's rating under the filters, and the round's summary (`round_rating_summary`). For a user who
    sees the whole city the number of rows comes from the summary; by rank without filters a page is found by rank."""
    rows = round_rating_rows(access, submission_round, district_id=district_id, level=level, order=order)
    summary = round_rating_summary(access, submission_round, district_id=district_id, level=level)
    by_rank = order not in RATING_ORDERS or order == "rank"
    seek = summary.listed is not None and by_rank and not district_id and not level
    paginator = _RankPaginator(rows, per_page, round_id=submission_round.pk, count=summary.listed, ranked=summary.rated if seek else None)
    return paginator.get_page(number), summary


# A school's card in a round


@dataclass
class AnswerLine:
    question: Question
    answer: Answer | None
    points: Decimal | None
    rule: object | None

    @property
    def display(self) -> str:
        return self.answer.display_value if self.answer is not None else ""


@dataclass
class SectionLines:
    score: SectionScore | None
    title: str
    lines: list[AnswerLine]

    @property
    def percent(self) -> int:
        if self.score is None or not self.score.possible:
            return 0
        return round(self.score.points * 100 / self.score.possible)


@dataclass
class StatusCheck:
    label: str
    ok: bool
    actual: str


@dataclass
class RatingCard:
    rating: Rating
    sections: list[SectionLines]
    eligibility: StatusEligibility | None
    criteria: StatusCriteria | None
    checks: list[StatusCheck]
    award: StatusAward | None

    @property
    def failed_checks(self) -> list[StatusCheck]:
        return [check for check in self.checks if not check.ok]


def _answer_points(submission_id: int | None, scheme_id: int | None) -> dict[int, Decimal]:
    """Each answer's points exactly as the recompute counts them (thousandths), so the card's lines add up to its total."""
    if submission_id is None or scheme_id is None:
        return {}
    with connection.cursor() as cursor:
        cursor.execute(sql.ANSWER_POINTS_OF_SUBMISSION, {"submission_id": submission_id, "scheme_id": scheme_id, **sql.CHOICES})
        return {question_id: Decimal(int(points_milli)).scaleb(-3) for question_id, points_milli in cursor.fetchall()}


# The participant row of a rating's school in its round.
ROUND_PARTICIPANT = RoundParticipant.objects.filter(round_id=OuterRef("round_id"), school_id=OuterRef("school_id"))


def rating_card(access: Access, submission_round: SubmissionRound, school_id: int) -> RatingCard:
    """The school's rating in the round with each answer's points and rule, and its status criteria one by one."""
    rating = get_object_or_404(
        Rating.objects.filter(round=submission_round, school__in=schools_visible_to(access).values("pk"))
        .select_related("school__district", "school__municipality", "submission", "district")
        # Town or country as the round keeps it (surveys.participants): the speed criterion was checked by it.
        .annotate(
            round_is_urban=Subquery(RoundParticipant.objects.filter(round_id=OuterRef("round_id"), school_id=OuterRef("school_id")).values("is_urban")[:1])
        ),
        school_id=school_id,
    )
    questions = list(
        Question.objects.filter(questionnaire_id=submission_round.questionnaire_id)
        .select_related("section", "scoring_rule__question")
        .prefetch_related("scoring_rule__steps", "scoring_rule__choice_points")
        .order_by("section__order", "order", "pk")
    )
    answers = {a.question_id: a for a in Answer.objects.filter(submission_id=rating.submission_id).select_related("question")} if rating.submission_id else {}
    scheme_id = next((question.scoring_rule.scheme_id for question in questions if hasattr(question, "scoring_rule")), None)
    points = _answer_points(rating.submission_id, scheme_id)
    scores = {s.section_id: s for s in SectionScore.objects.filter(round=submission_round, school_id=school_id)}
    sections: dict[int, SectionLines] = {}
    for question in questions:
        rule = getattr(question, "scoring_rule", None)
        section = sections.setdefault(question.section_id, SectionLines(score=scores.get(question.section_id), title=question.section.title, lines=[]))
        answer = answers.get(question.pk)
        line_points = points.get(question.pk, Decimal(0) if rule is not None and rating.submission_id else None)
        section.lines.append(AnswerLine(question=question, answer=answer, points=line_points, rule=rule))
    eligibility = StatusEligibility.objects.filter(round=submission_round, school_id=school_id).first()
    criteria = StatusCriteria.objects.filter(municipality_id=submission_round.municipality_id, year=submission_round.year).first()
    by_code = {a.question.code: a for a in answers.values()}
    checks = status_checks(criteria, eligibility, rating, by_code) if criteria and eligibility else []
    award = StatusAward.objects.filter(school_id=school_id, year=submission_round.year).first()
    return RatingCard(rating=rating, sections=list(sections.values()), eligibility=eligibility, criteria=criteria, checks=checks, award=award)


def _shown(answer: Answer | None) -> str:
    text = answer.display_value if answer is not None else ""
    return text or "нет ответа"


def status_checks(criteria: StatusCriteria, eligibility: StatusEligibility, rating: Rating, answers: dict[str, Answer]) -> list[StatusCheck]:
    """Each criterion of the year in words, whether the school meets it, and what the school answered."""
    is_urban = getattr(rating, "round_is_urban", rating.school.is_urban)
    speed = criteria.speed_urban if is_urban else criteria.speed_rural
    kit = answers.get("equipment_kit")
    kit_label = kit.question.choice_labels.get(criteria.min_kit, criteria.min_kit) if kit is not None else criteria.min_kit
    checks = [
        StatusCheck(f"Рейтинг не ниже {format_number(criteria.min_score)}", eligibility.ok_score, format_number(rating.score)),
        StatusCheck(
            f"Скорость Интернета не ниже {format_number(speed)} Мбит/с ({'городская' if is_urban else 'сельская'} школа)",
            eligibility.ok_speed,
            _shown(answers.get("internet_speed")),
        ),
        StatusCheck(f"Комплект средств обучения ЦОС не ниже «{kit_label}»", eligibility.ok_kit, _shown(kit)),
    ]
    if criteria.require_contract:
        checks.append(
            StatusCheck("Заключён договор на подключение на следующий год", eligibility.ok_contract, _shown(answers.get("connection_contract_next_year")))
        )
    checks.append(
        StatusCheck(
            f"Готовы работать в ЦОС не меньше {format_number(criteria.min_teacher_share)} % педагогов",
            eligibility.ok_teachers,
            _shown(answers.get("teachers_ready_share")),
        )
    )
    if criteria.require_certification_request:
        checks.append(
            StatusCheck("Школа подала заявку на добровольную сертификацию", eligibility.ok_certification, _shown(answers.get("certification_request")))
        )
    return checks


# Status «Цифровая школа» of a year


def status_round_for_year(*, municipality_id: int, year: int) -> SubmissionRound | None:
    """The round whose results decide the status of the year: the municipality's latest opened round of that year."""
    return (
        SubmissionRound.objects.filter(municipality_id=municipality_id, year=year)
        .exclude(state=SubmissionRound.State.DRAFT)
        .order_by("-closes_at", "-pk")
        .first()
    )


def status_municipalities(access: Access) -> QuerySet[Municipality]:
    """Municipalities of the user's schools, the one with the latest monitoring first."""
    return municipalities_visible_to(access).annotate(latest_round=Max("rounds__opens_at")).order_by(F("latest_round").desc(nulls_last=True), "name")


def status_years(municipality: Municipality) -> list[int]:
    years = set(StatusAward.objects.filter(municipality=municipality).values_list("year", flat=True))
    years |= set(StatusCriteria.objects.filter(municipality=municipality).values_list("year", flat=True))
    years |= set(SubmissionRound.objects.filter(municipality=municipality).exclude(state=SubmissionRound.State.DRAFT).values_list("year", flat=True))
    return sorted(years, reverse=True)


@dataclass
class DistrictGroup:
    name: str
    schools: list = field(default_factory=list)

    @property
    def names(self) -> str:
        return ", ".join(str(item.school) for item in self.schools)


def _by_district(rows) -> list[DistrictGroup]:
    groups: dict[str, DistrictGroup] = {}
    for row in rows:
        name = row.school.district.name if row.school.district_id else "Район не указан"
        groups.setdefault(name, DistrictGroup(name)).schools.append(row)
    return sorted(groups.values(), key=lambda group: group.name)


@dataclass
class StatusYear:
    municipality: Municipality
    year: int
    criteria: StatusCriteria | None
    deciding_round: SubmissionRound | None
    awards: list[DistrictGroup]
    eligible: list[DistrictGroup]
    awards_count: int
    eligible_count: int
    pending_count: int
    checked_count: int
    failures: dict[str, int]

    @property
    def unreviewed(self) -> list:
        """Eligible schools whose answers are not accepted yet: each blocks the confirmation."""
        return [row for group in self.eligible for row in group.schools if not row.awarded and row.submission_state != Submission.State.ACCEPTED]

    @property
    def can_confirm(self) -> bool:
        r = self.deciding_round
        return r is not None and r.state == SubmissionRound.State.CLOSED and not r.results_stale and self.pending_count > 0 and not self.unreviewed

    @property
    def title(self) -> str:
        return f"«Цифровая школа {self.municipality.name_genitive or self.municipality.name} {self.year}»"


def status_year(access: Access, municipality: Municipality, year: int) -> StatusYear:
    """Confirmed awards and the eligible schools of the deciding round, grouped by district as in the order's annex."""
    visible = schools_visible_to(access).values("pk")
    awards = list(
        StatusAward.objects.filter(municipality=municipality, year=year, school__in=visible)
        .select_related("school__district", "confirmed_by")
        .order_by("school__district__name", "school__number", "school__full_name")
    )
    awarded = {award.school_id for award in awards}
    deciding = status_round_for_year(municipality_id=municipality.pk, year=year)
    eligible, failures, checked = [], {}, 0
    if deciding is not None:
        rows = StatusEligibility.objects.filter(round=deciding, school__in=visible)
        eligible = list(
            rows.filter(eligible=True)
            .select_related("school__district")
            .annotate(
                score=Subquery(Rating.objects.filter(round=deciding, school_id=OuterRef("school_id")).values("score")[:1]),
                # Whether the answers behind the eligibility were reviewed: the award is made only from accepted ones.
                submission_id=Subquery(Submission.objects.filter(round=deciding, school_id=OuterRef("school_id")).values("pk")[:1]),
                submission_state=Subquery(Submission.objects.filter(round=deciding, school_id=OuterRef("school_id")).values("state")[:1]),
            )
            .order_by("school__district__name", "school__number", "school__full_name")
        )
        figures = rows.aggregate(checked=Count("pk"), **{name: Count("pk", filter=Q(**{name: False})) for name in StatusEligibility.CRITERIA})
        checked = figures.pop("checked")
        failures = {StatusEligibility.CRITERIA[name]: count for name, count in figures.items()}
        states = dict(Submission.State.choices)
        for row in eligible:
            row.awarded = row.school_id in awarded
            row.accepted = row.submission_state == Submission.State.ACCEPTED
            row.review_label = states.get(row.submission_state, "анкеты нет")
    return StatusYear(
        municipality=municipality,
        year=year,
        criteria=StatusCriteria.objects.filter(municipality=municipality, year=year).first(),
        deciding_round=deciding,
        awards=_by_district(awards),
        eligible=_by_district(eligible),
        awards_count=len(awards),
        eligible_count=len(eligible),
        pending_count=sum(1 for row in eligible if not row.awarded),
        checked_count=checked,
        failures=failures,
    )


# Indicator progress


def indicator_condition(indicator: Indicator, questions: dict[str, tuple[str, dict]]) -> str:
    """How a school counts towards the indicator, in words, naming the questions by their text."""

    def name(code: str) -> str:
        return f"«{questions[code][0]}»" if code in questions else f"вопрос «{code}» (нет в этой анкете)"

    aggregation = indicator.aggregation
    if aggregation == Indicator.Aggregation.MEAN:
        return f"среднее по школам: {name(indicator.question_code)}"
    if aggregation == Indicator.Aggregation.SHARE_FULL_RATIO:
        return f"{name(indicator.question_code)} не меньше, чем {name(indicator.denominator_code)}"
    if indicator.condition_choices:
        labels = questions.get(indicator.question_code, ("", {}))[1]
        return f"{name(indicator.question_code)}: " + " или ".join(f"«{labels.get(str(v), v)}»" for v in indicator.condition_choices)
    if indicator.threshold_urban is not None:
        rural = f", в сельских — от {format_number(indicator.threshold_rural)}" if indicator.threshold_rural is not None else ""
        return f"{name(indicator.question_code)} от {format_number(indicator.threshold_urban)}{rural}"
    return f"{name(indicator.question_code)}: «да»"


def round_indicator_progress(access: Access, submission_round: SubmissionRound) -> tuple[list[IndicatorProgress], list[IndicatorProgress]]:
    """City-level progress of the round, and the school-level progress of the schools the user may see."""
    rows = IndicatorProgress.objects.filter(round=submission_round).select_related("indicator__roadmap", "school")
    city = list(rows.filter(school__isnull=True).order_by("indicator__roadmap__title", "indicator__order", "indicator__code"))
    own = list(rows.filter(school__in=schools_visible_to(access).values("pk")).order_by("school__full_name", "indicator__order", "indicator__code"))
    questions = {
        code: (text, {str(value): label for value, label in choices})
        for code, text, choices in Question.objects.filter(questionnaire_id=submission_round.questionnaire_id).order_by().values_list("code", "text", "choices")
    }
    for row in city + own:
        row.condition = indicator_condition(row.indicator, questions)
    # A city figure over a handful of schools would tell a curator the others' answers (Access.aggregate_min_schools).
    for row in city:
        row.hidden = row.schools_with_data < access.aggregate_min_schools
        if row.hidden:
            row.actual = row.schools_meeting = None
    return city, own


def round_scheme(submission_round: SubmissionRound) -> ScoringScheme | None:
    return ScoringScheme.objects.filter(questionnaire_id=submission_round.questionnaire_id).first()


def latest_progress_by_indicator(roadmaps: QuerySet[Roadmap]) -> dict[int, IndicatorProgress]:
    """The latest round's progress row of every indicator: the city's row, or the owning school's row for a school plan."""
    rows = (
        IndicatorProgress.objects.filter(indicator__roadmap__in=roadmaps)
        .filter(Q(school__isnull=True, indicator__roadmap__school__isnull=True) | Q(school_id=F("indicator__roadmap__school_id")))
        .select_related("round")
        .order_by("indicator_id", "-round__opens_at", "-round_id")
    )
    latest: dict[int, IndicatorProgress] = {}
    for progress in rows:
        latest.setdefault(progress.indicator_id, progress)
    return latest


def round_corrections(submission_round: SubmissionRound) -> QuerySet[RatingCorrection]:
    """The round's corrections of fixed results, newest first."""
    return RatingCorrection.objects.filter(round=submission_round).order_by("-corrected_at")


def questionnaire_fixed_round(questionnaire_id: int | None) -> SubmissionRound | None:
    """A round whose fixed results were computed with this questionnaire's scoring rules (the rules are then frozen)."""
    return SubmissionRound.objects.filter(RESULTS_FINAL, questionnaire_id=questionnaire_id).order_by("-closes_at").first() if questionnaire_id else None


def criteria_fixed_round(municipality_id: int | None, year: int | None) -> SubmissionRound | None:
    """A round whose fixed status eligibility was decided by the criteria of this municipality and year."""
    if not municipality_id or not year:
        return None
    return SubmissionRound.objects.filter(RESULTS_FINAL, municipality_id=municipality_id, year=year).order_by("-closes_at").first()


@dataclass(frozen=True)
class RuleVersions:
    """Which versions of the scoring rules and the status criteria a round's results were computed with: the latest
    change of each (its number in the admin's history) at the moment of the last recompute."""

    computed_at: object
    rules: object | None  # a historical record: .history_id, .history_date
    criteria: object | None


def round_rule_versions(submission_round: SubmissionRound) -> RuleVersions | None:
    moment = submission_round.computed_at
    if moment is None:
        return None
    from .models import ChoicePoints, ScoringRule, ScoringStep

    scheme_id = ScoringScheme.objects.filter(questionnaire_id=submission_round.questionnaire_id).values_list("pk", flat=True).first()
    changes = []
    if scheme_id is not None:
        rule_ids = ScoringRule.history.filter(scheme_id=scheme_id).values("id")
        for history in (
            ScoringScheme.history.filter(id=scheme_id),
            ScoringRule.history.filter(scheme_id=scheme_id),
            ScoringStep.history.filter(rule_id__in=rule_ids),
            ChoicePoints.history.filter(rule_id__in=rule_ids),
        ):
            latest = history.filter(history_date__lte=moment).order_by("-history_date", "-history_id").first()
            if latest is not None:
                changes.append(latest)
    rules = max(changes, key=lambda record: (record.history_date, record.history_id)) if changes else None
    criteria = (
        StatusCriteria.history.filter(municipality_id=submission_round.municipality_id, year=submission_round.year, history_date__lte=moment)
        .order_by("-history_date", "-history_id")
        .first()
    )
    return RuleVersions(moment, rules, criteria)


def round_indicators(submission_round: SubmissionRound) -> QuerySet[Indicator]:
    """Indicators whose progress the round gives: the municipality's city-level ones and its schools' own plans' —
    of the latest period of each roadmap (once a next period exists, its targets are followed, not the ended one's)."""
    return (
        Indicator.objects.filter(
            Q(level=Indicator.Level.CITY, roadmap__municipality_id=submission_round.municipality_id)
            | Q(level=Indicator.Level.SCHOOL, roadmap__school__municipality_id=submission_round.municipality_id)
        )
        .filter(roadmap__next_periods__isnull=True)
        .exclude(Q(aggregation=Indicator.Aggregation.NONE) | Q(question_code=""))
    )


@dataclass
class SchoolIndicatorRow:
    indicator: Indicator
    condition: str  # how a school counts towards it, in words
    answer: str  # what the school answered to the linked question
    meets: bool | None  # None: the school gave no usable answer


def school_indicator_rows(submission_round: SubmissionRound, school_id: int) -> list[SchoolIndicatorRow]:
    """The city indicators the school's answers in the round count towards (`Indicator.question_code`), its answer and
    whether it meets each one's condition — by the very rows the recompute sums into the city figure
    (sql.INDICATOR_VALUES_OF_SCHOOL, the statement of sql.INDICATOR_AGGREGATES over this school's answers). Four queries."""
    indicators = list(
        round_indicators(submission_round).filter(level=Indicator.Level.CITY).select_related("roadmap").order_by("roadmap__title", "order", "code")
    )
    if not indicators:
        return []
    params = {"round_id": submission_round.pk, "questionnaire_id": submission_round.questionnaire_id, "municipality_id": submission_round.municipality_id}
    with connection.cursor() as cursor:
        cursor.execute(sql.INDICATOR_VALUES_OF_SCHOOL, {**params, **sql.CHOICES, "school_id": school_id})
        meets = {indicator_id: bool(value) for indicator_id, value in cursor.fetchall()}
    questions = {
        code: (text, {str(value): label for value, label in choices})
        for code, text, choices in Question.objects.filter(questionnaire_id=submission_round.questionnaire_id).order_by().values_list("code", "text", "choices")
    }
    answers = {
        answer.question.code: answer.display_value or "—"
        for answer in Answer.objects.filter(
            submission__round=submission_round, submission__school_id=school_id, submission__state__in=Submission.COUNTED_STATES
        ).select_related("question")
    }
    return [SchoolIndicatorRow(i, indicator_condition(i, questions), answers.get(i.question_code, "—"), meets.get(i.pk)) for i in indicators]
