"""Running a round (the round pages of methodologists and administrators), and the recompute's state for the operator."""

import datetime as dt
from dataclasses import dataclass

from django.db.models import F, OuterRef, Q, QuerySet, Subquery

from schools.models import School
from schools.roles import Access

from ..models import (
    Questionnaire,
    RoundEvent,
    RoundExtension,
    RoundParticipant,
    Submission,
    SubmissionRound,
)
from .completeness import DistrictCompleteness, completeness_by_district, round_school_rows


def rounds_managed_by(access: Access) -> QuerySet[SubmissionRound]:
    """Rounds a methodologist or administrator runs from the round pages, drafts included, of their municipality
    (the regional role: of every one); nobody else runs any."""
    if not access.sees_city:
        return SubmissionRound.objects.none()
    rounds = SubmissionRound.objects.select_related("questionnaire", "municipality")
    return rounds if access.sees_region else rounds.filter(municipality_id=access.municipality_id)


def questionnaires_current() -> list[Questionnaire]:
    """The latest version of each questionnaire (what a new round is offered by default)."""
    latest: dict[str, Questionnaire] = {}
    for questionnaire in Questionnaire.objects.order_by("title", "-version"):
        latest.setdefault(questionnaire.title, questionnaire)
    return list(latest.values())


def round_events(*, submission_round: SubmissionRound, limit: int = 200) -> list[RoundEvent]:
    return list(RoundEvent.objects.filter(round=submission_round).order_by("-created_at", "-pk")[:limit])


@dataclass
class RoundSummary:
    """What closing a round means: counts per state and the schools that have not got to «принята»."""

    total: DistrictCompleteness
    unfinished: list[School]

    @property
    def waiting(self) -> int:
        return self.total.counts["submitted"]


def round_summary(*, submission_round: SubmissionRound, access: Access, limit: int = 500) -> RoundSummary:
    _, total = completeness_by_district(submission_round=submission_round, access=access)
    rows = round_school_rows(submission_round=submission_round, access=access).filter(
        Q(submission_state__isnull=True) | ~Q(submission_state=Submission.State.ACCEPTED)  # a NULL state (not started) is unfinished too
    )
    return RoundSummary(total=total, unfinished=list(rows[:limit]))


def schools_matching(schools: QuerySet[School], *, district_id: int | None = None, search: str = "") -> QuerySet[School]:
    """A round page's filter: one district and/or part of the name or the school's number."""
    if district_id:
        schools = schools.filter(district_id=district_id)
    search = search.strip()[:100]
    if search:
        by_name = Q(full_name__icontains=search)
        if search.lstrip("№ ").isdigit() and len(search.lstrip("№ ")) < 10:
            by_name |= Q(number=int(search.lstrip("№ ")))
        schools = schools.filter(by_name)
    return schools


def round_participants(*, submission_round: SubmissionRound, district_id: int | None = None, search: str = "") -> QuerySet[School]:
    """Participating schools with their submission state and own deadline (extension), in district order;
    optionally of one district and/or matching a name or number."""
    mine = Submission.objects.filter(round=submission_round, school=OuterRef("pk"))
    latest_extension = RoundExtension.objects.filter(round=submission_round, school=OuterRef("pk")).order_by("-closes_at")
    return (
        schools_matching(submission_round.schools.select_related("district"), district_id=district_id, search=search)
        .annotate(submission_state=Subquery(mine.values("state")[:1]), extended_to=Subquery(latest_extension.values("closes_at")[:1]))
        .order_by("district__name", "number", "full_name", "pk")
    )


def round_joinable_schools(*, submission_round: SubmissionRound, district_id: int | None = None, search: str = "") -> QuerySet[School]:
    """Active schools of the round's municipality that do not take part in it (new, imported or reactivated ones);
    optionally of one district and/or matching a name or number."""
    return (
        schools_matching(School.objects.all(), district_id=district_id, search=search)
        .filter(municipality_id=submission_round.municipality_id, is_active=True)
        .exclude(pk__in=RoundParticipant.objects.filter(round_id=submission_round.pk).values("school_id"))
        .select_related("district")
        .order_by("district__name", "number", "full_name", "pk")
    )


def open_rounds_with_joinable_schools(*, access: Access) -> list[tuple[SubmissionRound, int]]:
    """Each open round the user runs and how many active schools of its municipality are not in it yet."""
    result = []
    for submission_round in rounds_managed_by(access).filter(state=SubmissionRound.State.OPEN).order_by("-opens_at"):
        count = round_joinable_schools(submission_round=submission_round).count()
        if count:
            result.append((submission_round, count))
    return result


@dataclass(frozen=True)
class RecomputeSummary:
    """For the operator: when results were last recomputed and which rounds wait for a recompute."""

    last_computed_at: dt.datetime | None
    last_round_title: str
    stale_rounds: list[SubmissionRound]


def recompute_summary() -> RecomputeSummary:
    last = SubmissionRound.objects.filter(computed_at__isnull=False).order_by("-computed_at").only("title", "computed_at").first()
    stale = list(SubmissionRound.objects.filter(computed_seq__lt=F("changes_seq")).only("title", "recompute_queued_at").order_by("pk"))
    return RecomputeSummary(last.computed_at if last else None, last.title if last else "", stale)
