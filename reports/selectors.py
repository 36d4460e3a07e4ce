"""Reads of the reports: export jobs a user may see; the school card (ratings, answers against the city, awards, eligibility)."""

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce

from ratings.models import Rating, SectionScore, StatusAward, StatusEligibility
from schools.models import Curator, School
from schools.roles import Access
from schools.selectors import active_curators
from surveys.models import Answer, Question, Submission, SubmissionRound
from surveys.selectors import city_medians, city_yes_shares

from .models import ExportJob


def export_jobs_visible_to(access: Access) -> QuerySet[ExportJob]:
    """The one answer to \"which export jobs may this user see\": their own, newest first (a file holds what its author saw)."""
    return ExportJob.objects.filter(user_id=access.user.pk).order_by("-created_at")


# --- The school card ---------------------------------------------------------------------------


@dataclass
class RoundHistory:
    round: SubmissionRound
    rating: Rating
    rated_in_round: int
    sections: list[tuple[Decimal | None, Decimal | None]]  # (points, possible) in the order of `section_titles`


@dataclass
class AnswerComparison:
    question: Question
    display: str
    value: Decimal | None = None
    city: Decimal | None = None  # the median of a number, the share of «да» for a yes/no question
    city_label: str = ""

    @property
    def versus_city(self) -> str:
        """above / below / equal when the answer can be compared with the city, else ""."""
        if self.value is None or self.city is None:
            return ""
        return "above" if self.value > self.city else "below" if self.value < self.city else "equal"


@dataclass
class EligibilityRow:
    round: SubmissionRound
    eligible: bool
    failed: list[str]


@dataclass
class SchoolCard:
    school: School
    curator: Curator | None
    section_titles: list[str]
    history: list[RoundHistory]
    answers_round: SubmissionRound | None
    answers: list[AnswerComparison]
    awards: list
    eligibility: list[EligibilityRow]
    submission_state: str = ""
    min_schools: int = 1  # city figures over fewer answering schools are not shown to this user

    @property
    def latest(self) -> RoundHistory | None:
        """The latest round in which the school got a score."""
        scored = [h for h in self.history if h.rating.score is not None]
        return scored[-1] if scored else None

    @property
    def section_rows(self) -> list[tuple[str, list[tuple[Decimal | None, Decimal | None]]]]:
        """Sections down, rounds across: (title, [(points, possible) per round])."""
        return [(title, [h.sections[i] for h in self.history]) for i, title in enumerate(self.section_titles)]


def school_card(school: School, *, min_schools: int = 1) -> SchoolCard:
    """Everything the card shows, in a fixed number of queries whatever the number of rounds and schools:
    curator, ratings with their rounds' rated counts, section scores, latest submission, its answers, city medians,
    city «да» shares, awards, eligibility. City figures over fewer than `min_schools` answering schools are left out
    (`Access.aggregate_min_schools`)."""
    curator = active_curators().filter(school=school).first()
    # Each of the school's ratings with how many schools its round rated (a count per round, in the same query).
    rated_in_round = Rating.objects.filter(round_id=OuterRef("round_id"), rank__isnull=False).order_by().values("round_id").annotate(n=Count("pk")).values("n")
    ratings = list(
        Rating.objects.filter(school=school)
        .select_related("round")
        .annotate(rated_in_round=Coalesce(Subquery(rated_in_round), 0))
        .order_by("round__opens_at", "round_id")
    )
    round_ids = [r.round_id for r in ratings]
    scores: dict[tuple[int, str], SectionScore] = {}
    titles: dict[str, tuple[int, str]] = {}
    for score in SectionScore.objects.filter(school=school, round_id__in=round_ids).select_related("section"):
        scores[(score.round_id, score.section.title)] = score
        titles.setdefault(score.section.title, (score.section.order, score.section.title))
    section_titles = [title for _order, title in sorted(titles.values())]
    history = []
    for rating in ratings:
        cells = [scores.get((rating.round_id, title)) for title in section_titles]
        history.append(RoundHistory(rating.round, rating, rating.rated_in_round, [(c.points, c.possible) if c else (None, None) for c in cells]))

    submission = (
        Submission.objects.filter(school=school, state__in=Submission.COUNTED_STATES)
        .exclude(round__state="draft")
        .select_related("round")
        .order_by("-round__opens_at", "-pk")
        .first()
    )
    answers: list[AnswerComparison] = []
    if submission is not None:
        medians = city_medians(submission.round_id, min_schools=min_schools)
        shares = city_yes_shares(submission.round_id, min_schools=min_schools)
        rows = Answer.objects.filter(submission=submission).select_related("question__section").order_by("question__section__order", "question__order")
        for answer in rows:
            question = answer.question
            row = AnswerComparison(question=question, display=answer.display_value or "—")
            if question.type in Question.NUMERIC_TYPES:
                row.value, row.city, row.city_label = answer.value_number, medians.get(question.pk), "медиана по городу"
            elif question.type == Question.Type.YES_NO and answer.value_bool is not None:
                row.value, row.city, row.city_label = Decimal(100 if answer.value_bool else 0), shares.get(question.pk), "доля «да» по городу, %"
            answers.append(row)

    awards = list(StatusAward.objects.filter(school=school).order_by("-year"))
    eligibility = []
    for row in StatusEligibility.objects.filter(school=school).select_related("round").order_by("-round__opens_at"):
        eligibility.append(EligibilityRow(row.round, row.eligible, StatusEligibility.failed_criteria(row)))
    return SchoolCard(
        school=school,
        curator=curator,
        section_titles=section_titles,
        history=history,
        answers_round=submission.round if submission else None,
        answers=answers,
        awards=awards,
        eligibility=eligibility,
        submission_state=submission.get_state_display() if submission else "",
        min_schools=min_schools,
    )
