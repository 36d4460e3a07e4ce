"""The round's participants: the one definition of which schools take part in a round and of the facts the round
keeps of each (district, urban/rural, active). Every figure of a round reads these rows, never the school's current row.

Recorded when a school joins; refreshed from the school while the round's results are not fixed (the recompute and
the close do it); frozen once they are. The rule for inactive schools: a participant inactive in the round takes no
part in its results — no rating or rank, no status check, not in the indicators, completeness, reminders or exports.
"""

from collections.abc import Iterable

from django.db.models import F, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone

from schools.models import School

from .models import RoundParticipant, SubmissionRound

# A participant whose recorded facts differ from its school's current row (null districts compared as values).
FACTS_DRIFT = (
    ~Q(district_id=F("school__district_id"))
    | Q(district__isnull=True, school__district__isnull=False)
    | Q(district__isnull=False, school__district__isnull=True)
    | ~Q(is_urban=F("school__is_urban"))
    | ~Q(is_active=F("school__is_active"))
)


def active_participants(submission_round: SubmissionRound | int) -> QuerySet[RoundParticipant]:
    """The round's participants that count: active in the round (the one place that rule is applied)."""
    round_id = submission_round if isinstance(submission_round, int) else submission_round.pk
    return RoundParticipant.objects.filter(round_id=round_id, is_active=True)


def is_active_participant(*, submission_round: SubmissionRound | int, school_id: int) -> bool:
    """Whether the school takes part in the round and counts in it: only such a school's form may be written."""
    return active_participants(submission_round).filter(school_id=school_id).exists()


# What a school outside the round (never in it, or inactive in it) is told when it tries to write its form.
NOT_A_PARTICIPANT = (
    "Школа не участвует в раунде «{title}» (не включена в него или выведена из него как недействующая): изменения не сохранены. "
    "Если школа должна сдавать анкету в этом раунде, обратитесь к администратору портала — он включит её в число участников."
)


def participants_record(*, submission_round: SubmissionRound, schools: Iterable[School]) -> list[RoundParticipant]:
    """New participant rows with each school's facts as they are now (schools already in the round are skipped)."""
    present = set(RoundParticipant.objects.filter(round=submission_round).values_list("school_id", flat=True))
    now = timezone.now()
    rows = [
        RoundParticipant(
            round=submission_round, school=school, district_id=school.district_id, is_urban=school.is_urban, is_active=school.is_active, joined_at=now
        )
        for school in schools
        if school.pk not in present
    ]
    return RoundParticipant.objects.bulk_create(rows)


def participants_facts_refresh(*, submission_round: SubmissionRound) -> int:
    """Copy the schools' current facts into the round's participants, unless the round's results are fixed.

    Returns rows changed.
    """
    if submission_round.results_fixed_at is not None:
        return 0
    school = School.objects.filter(pk=OuterRef("school_id"))
    # One UPDATE whatever the number of schools (a constant number of queries for the recompute).
    return RoundParticipant.objects.filter(FACTS_DRIFT, round_id=submission_round.pk).update(
        district_id=Subquery(school.values("district_id")[:1]),
        is_urban=Subquery(school.values("is_urban")[:1]),
        is_active=Subquery(school.values("is_active")[:1]),
    )


def rounds_with_drifted_facts() -> QuerySet[SubmissionRound]:
    """Rounds whose results are not fixed and one of whose schools changed district, urban/rural flag or active state."""
    drifted = RoundParticipant.objects.filter(FACTS_DRIFT).values("round_id")
    return SubmissionRound.objects.filter(results_fixed_at__isnull=True, pk__in=drifted).exclude(state=SubmissionRound.State.DRAFT)
