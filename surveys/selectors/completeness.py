"""A round's schools with their submission, and how complete the round is: per district and state, in total, in the
order of the last recompute; the schools that have not sent their form, and the reminders sent to them."""

import datetime as dt
from collections import OrderedDict
from dataclasses import dataclass, field

from django.db import connection
from django.db.models import Case, Count, Exists, F, FilteredRelation, FloatField, OuterRef, Prefetch, Q, QuerySet, Subquery, Sum, Value, When, Window
from django.db.models.functions import Cast

from schools.models import Curator, School
from schools.roles import Access
from schools.selectors import districts_visible_to, schools_visible_to

from ..models import (
    Reminder,
    RoundDistrictCount,
    RoundParticipant,
    Submission,
    SubmissionRound,
)
from ..participants import active_participants
from .states import NOT_STARTED, STATE_ORDER


def round_schools(*, submission_round: SubmissionRound, schools: QuerySet[School]) -> QuerySet[School]:
    """The one definition of "a round's schools with their submission": the participants among `schools` that the round
    counts, each with its submission's id, state, sending and last change (None for a school that has not started)."""
    # One LEFT JOIN to the school's submission of the round (unique per round and school), not a subquery per column:
    # the planner then hashes the round's submissions once instead of probing them for every school.
    return (
        # The round's active participants (surveys.participants), in the district the round keeps for each.
        schools.filter(round_participations__round=submission_round, round_participations__is_active=True)
        .annotate(this_round=FilteredRelation("submissions", condition=Q(submissions__round=submission_round)))
        .annotate(
            round_district_id=F("round_participations__district_id"),
            round_district_name=F("round_participations__district__name"),
            submission_id=F("this_round__pk"),
            submission_state=F("this_round__state"),
            submitted_at=F("this_round__submitted_at"),
            submission_updated_at=F("this_round__updated_at"),
        )
    )


def _round_schools(*, submission_round: SubmissionRound, access: Access) -> QuerySet[School]:
    return round_schools(submission_round=submission_round, schools=schools_visible_to(access))


def round_school_rows(*, submission_round: SubmissionRound, access: Access, district_id: int | None = None, state: str | None = None) -> QuerySet[School]:
    """Participating schools the user may see, each with its submission's id, state and last change, and its active curators;
    filtered in SQL so that a page of them costs the same for 100 or 40,000 schools."""
    rows = _round_schools(submission_round=submission_round, access=access)
    if district_id:
        rows = rows.filter(round_district_id=district_id)
    if state == NOT_STARTED:
        rows = rows.filter(submission_id__isnull=True)
    elif state:
        rows = rows.filter(submission_state=state)
    curators = Curator.objects.filter(is_active=True).select_related("user").order_by("pk")
    rows = rows.prefetch_related(Prefetch("curators", queryset=curators, to_attr="active_curators"))
    # The rows of one district share its name: ordered by what follows it, PostgreSQL walks the schools' list-order
    # index (`school_list_order`) and stops at the page's last row, where sorting the district would read all of it.
    return rows.order_by("number", "full_name", "pk") if district_id else rows.order_by("round_district_name", "number", "full_name", "pk")


class RoundSchoolList:
    """`round_school_rows` as a paginator's list: a page's rows by slicing the rows, how many there are by counting the
    round's active participants that pass the same filters (without the joins of the rows to their districts, their
    forms and, unless a state is chosen, to anything but the visible schools)."""

    def __init__(self, *, submission_round: SubmissionRound, access: Access, district_id: int | None = None, state: str | None = None):
        self.rows = round_school_rows(submission_round=submission_round, access=access, district_id=district_id, state=state)
        participants = active_participants(submission_round)
        if not access.sees_region:  # the regional role sees every school: no condition to join
            participants = participants.filter(school__in=schools_visible_to(access).values("pk"))
        if district_id:
            participants = participants.filter(district_id=district_id)
        if state:
            form = Submission.objects.filter(round_id=submission_round.pk, school_id=OuterRef("school_id"))
            participants = participants.exclude(Exists(form)) if state == NOT_STARTED else participants.filter(Exists(form.filter(state=state)))
        self.participants = participants
        self.ordered = True  # Paginator's check

    def count(self) -> int:
        return self.participants.count()

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, index):
        return self.rows[index]


@dataclass
class DistrictCompleteness:
    district_id: int | None
    name: str
    total: int = 0
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(STATE_ORDER, 0))
    # Set when the figures are those of the round's last recompute (`RoundDistrictCount`), not counted now.
    as_of: dt.datetime | None = None

    @property
    def submitted(self) -> int:
        return self.counts["submitted"] + self.counts["accepted"]

    @property
    def awaiting(self) -> int:
        return self.total - self.submitted

    @property
    def submitted_percent(self) -> int:
        return round(100 * self.submitted / self.total) if self.total else 0

    def weakest_first(self) -> tuple:
        """The order of a folded table: the smallest share of sent forms first (as `DistrictOrder.weakest_first`)."""
        return (self.submitted / self.total if self.total else 1, self.name)

    # The words of the dashboard and the export for the same figures.
    district = property(lambda self: self.name)
    done = property(lambda self: self.submitted)
    percent = property(lambda self: self.submitted_percent)


def in_districts(district_ids: list[int | None], field: str = "district_id") -> Q:
    """Schools (or rows) of the given districts; None stands for schools without a district."""
    known = [pk for pk in district_ids if pk is not None]
    condition = Q(**{f"{field}__in": known})
    return condition | Q(**{f"{field}__isnull": True}) if None in district_ids else condition


def completeness_by_district(
    *,
    submission_round: SubmissionRound,
    access: Access | None = None,
    schools: QuerySet[School] | None = None,
    district_ids: list[int | None] | None = None,
) -> tuple[list[DistrictCompleteness], DistrictCompleteness]:
    """Counts per district and state of the participating schools (the user's, or `schools` narrowed further by a page's
    filters), and their total: one grouped query. With `district_ids`, of those districts only (the total is then
    theirs, not the round's: see `completeness_total`). For a user who sees the whole city, given `district_ids`: as of
    the round's last recompute where it counted the forms by state (`as_of` of every row and the total says when).
    The completeness page, the dashboard and the export all use it."""
    as_of = None
    if district_ids is not None and schools is None and access.sees_city:
        grouped = _recomputed_district_rows(submission_round, district_ids)
        if grouped is None:
            grouped = _district_counts_of_round(submission_round, district_ids)
        else:
            as_of = submission_round.computed_at
    else:
        schools = round_schools(submission_round=submission_round, schools=schools if schools is not None else schools_visible_to(access))
        if district_ids is not None:
            schools = schools.filter(in_districts(district_ids, "round_district_id"))
        grouped = schools.values("round_district_id", "round_district_name", "submission_state").annotate(n=Count("pk")).order_by("round_district_name")
    districts: OrderedDict[int | None, DistrictCompleteness] = OrderedDict()
    total = DistrictCompleteness(district_id=None, name="Всего", as_of=as_of)
    for row in grouped:
        key = row["round_district_id"]
        if key not in districts:
            districts[key] = DistrictCompleteness(district_id=key, name=row["round_district_name"] or "Без района", as_of=as_of)
        state = row["submission_state"] or NOT_STARTED
        for bucket in (districts[key], total):
            bucket.total += row["n"]
            bucket.counts[state] += row["n"]
    return list(districts.values()), total


def _district_counts_of_round(submission_round: SubmissionRound, district_ids: list[int | None]):
    """`completeness_by_district`'s grouped rows for a user who sees every school of the round, of the given districts
    only, where the round's last recompute did not count them (`_recomputed_district_rows` does, one query whatever the
    districts' size; the page says as of when, as for the totals): rows written before they counted the forms by state.
    The round's participants of those districts (an index on the district), each with its form's state found by the
    unique (round, school) index."""
    state = Submission.objects.filter(round_id=submission_round.pk, school_id=OuterRef("school_id")).values("state")[:1]
    return (
        active_participants(submission_round)
        .filter(in_districts(district_ids))
        .annotate(round_district_id=F("district_id"), round_district_name=F("district__name"), submission_state=Subquery(state))
        .values("round_district_id", "round_district_name", "submission_state")
        .annotate(n=Count("pk"))
        .order_by("round_district_name")
    )


_STORED_STATES = [state.value for state in Submission.State]


def _recomputed_district_rows(submission_round: SubmissionRound, district_ids: list[int | None]) -> list[dict] | None:
    """The districts' rows of the round's last recompute (`RoundDistrictCount`, forms by state) as grouped counts;
    None before the first recompute or when a row was written before the forms were counted by state."""
    rows = list(
        RoundDistrictCount.objects.filter(round=submission_round)
        .filter(in_districts(district_ids))
        .values_list("district_id", "district__name", "participants", *_STORED_STATES)
        .order_by("district__name")
    )
    if not rows or any(None in row[3:] for row in rows):
        return None
    grouped = []
    for district_id, name, participants, *forms in rows:
        for state, n in _recomputed_counts(participants, forms).items():
            if n:
                grouped.append({"round_district_id": district_id, "round_district_name": name, "submission_state": state, "n": n})
    return grouped


def _recomputed_counts(participants: int, forms) -> dict[str, int]:
    """A district's forms by state as the recompute wrote them (`RoundDistrictCount`, `_STORED_STATES`' order), with
    the participants that have no form yet: the one place «not started = participants − forms» is derived."""
    counts = dict(zip(_STORED_STATES, forms, strict=True))
    counts[NOT_STARTED] = participants - sum(forms)
    return counts


_TOTAL_SQL = f"""
SELECT sub.state, COUNT(*)
FROM {RoundParticipant._meta.db_table} p
LEFT JOIN {Submission._meta.db_table} sub ON sub.round_id = p.submissionround_id AND sub.school_id = p.school_id
WHERE p.submissionround_id = %s AND p.is_active = %s
GROUP BY sub.state
"""  # noqa: S608 - the names come from the models, the values are parameters


def _recomputed_total(submission_round: SubmissionRound, order: list["DistrictOrder"]) -> DistrictCompleteness | None:
    """The round's totals as of its last recompute: the sums of its districts' rows already read for the table's order
    (a few hundred in a region, no further query); None when a row was written before the forms were counted by state."""
    if any(d.forms is None for d in order):
        return None
    total = DistrictCompleteness(district_id=None, name="Всего", as_of=submission_round.computed_at)
    for district in order:
        total.total += district.participants
        for state, n in _recomputed_counts(district.participants, district.forms).items():
            total.counts[state] += n
    return total


def completeness_total(*, submission_round: SubmissionRound, access: Access, order: list["DistrictOrder"] | None = None) -> DistrictCompleteness:
    """The user's participating schools by the state of their form, all districts together. For a user who sees the
    whole city, given the round's `order` (`round_district_order`): the sums of the districts' rows written by the
    round's last recompute (`as_of` says when; the recompute follows every submit, return and acceptance within
    seconds, a new draft at the next one). Otherwise, or for rows written before they counted the forms by state:
    one grouped count of the round's active participants joined to their forms (surveys.participants)."""
    if not access.sees_city:
        return completeness_by_district(submission_round=submission_round, access=access)[1]
    recomputed = _recomputed_total(submission_round, order) if order is not None else None
    if recomputed is not None:
        return recomputed
    total = DistrictCompleteness(district_id=None, name="Всего")
    with connection.cursor() as cursor:
        cursor.execute(_TOTAL_SQL, [submission_round.pk, True])
        for state, n in cursor.fetchall():
            total.total += n
            total.counts[state or NOT_STARTED] += n
    return total


def round_completeness(
    *, submission_round: SubmissionRound, access: Access, district_ids: list[int | None] | None = None
) -> tuple[list[DistrictCompleteness], DistrictCompleteness]:
    """The figures the round's completeness page shows the user, every district at once (the page folds them): the
    districts of the last recompute (`round_district_order`) counted by `completeness_by_district` and the round's total
    by `completeness_total`, so as of that recompute for a user who sees the whole city (`as_of` says when), counted now
    otherwise and before the first recompute. With `district_ids`, those districts and their total. The export writes
    these, so an administrator's file says what the page says."""
    if district_ids is not None:
        return completeness_by_district(submission_round=submission_round, access=access, district_ids=district_ids)
    order = round_district_order(submission_round=submission_round, access=access)
    if order is None:  # never recomputed yet: every district counted now
        return completeness_by_district(submission_round=submission_round, access=access)
    districts, _ = completeness_by_district(submission_round=submission_round, access=access, district_ids=[d.district_id for d in order])
    return districts, completeness_total(submission_round=submission_round, access=access, order=order)


@dataclass(frozen=True)
class DistrictOrder:
    """A district of a round with its participants and sent forms as of the last recompute (`RoundDistrictCount`)."""

    district_id: int | None
    name: str
    participants: int
    sent: int
    # Forms in each stored state (`_STORED_STATES`' order); None in a row written before the recompute counted them.
    forms: tuple[int, ...] | None = None

    def weakest_first(self) -> tuple:
        return (self.sent / self.participants if self.participants else 1, self.name)


def round_district_order(*, submission_round: SubmissionRound, access: Access) -> list[DistrictOrder] | None:
    """The round's districts the user may see, by name, from the last recompute (with their forms by state, from which
    `completeness_total` sums the round's totals for a user who sees them all); None before the first one."""
    rows = RoundDistrictCount.objects.filter(round=submission_round)
    if not access.sees_city:
        rows = rows.filter(in_districts(list(districts_visible_to(access).values_list("pk", flat=True))))
    found = [
        DistrictOrder(district_id, name or "Без района", participants, sent, None if None in forms else tuple(forms))
        for district_id, name, participants, sent, *forms in rows.values_list("district_id", "district__name", "participants", "sent", *_STORED_STATES)
    ]
    if not found and not RoundDistrictCount.objects.filter(round=submission_round).exists():
        return None
    return sorted(found, key=lambda d: (d.name, d.district_id or 0))


@dataclass
class WeakestDistricts:
    """`round_weakest_districts`: the districts a folded table shows, the number of districts in it, and the round's
    totals as of the last recompute (None when a row was written before the forms were counted by state)."""

    rows: list[DistrictOrder]  # the `limit` weakest, weakest first; every district by name when there are no more
    count: int
    total: DistrictCompleteness | None


def round_weakest_districts(*, submission_round: SubmissionRound, access: Access, limit: int) -> WeakestDistricts | None:
    """What `round_district_order` gives a folded table, chosen by the database: the `limit` districts with the smallest
    share of sent forms (`DistrictOrder.weakest_first`), the number of the user's districts and, summed over them all,
    the round's totals (`completeness_total`), in one query whose rows do not grow with the districts (800 in a region).
    None before the first recompute."""
    rows = RoundDistrictCount.objects.filter(round=submission_round)
    if not access.sees_city:
        rows = rows.filter(in_districts(list(districts_visible_to(access).values_list("pk", flat=True))))
    whole = {"n_districts": Window(Count("pk")), "n_counted": Window(Count(_STORED_STATES[0]))}  # rows with their forms counted
    whole |= {f"all_{name}": Window(Sum(name)) for name in ("participants", *_STORED_STATES)}
    share = Case(When(participants=0, then=Value(1.0)), default=Cast("sent", FloatField()) / Cast("participants", FloatField()), output_field=FloatField())
    found = list(
        rows.annotate(**whole)
        .values_list("district_id", "district__name", "participants", "sent", *_STORED_STATES, *whole)
        .order_by(share, "district__name", "district_id")[:limit]
    )
    if not found:
        return None if not RoundDistrictCount.objects.filter(round=submission_round).exists() else WeakestDistricts([], 0, None)
    width = 4 + len(_STORED_STATES)
    districts = [DistrictOrder(d, name or "Без района", p, s, None if None in forms else tuple(forms)) for d, name, p, s, *forms in (r[:width] for r in found)]
    n_districts, n_counted, participants, *forms = found[0][width:]
    total = None
    if n_counted == n_districts and all(d.forms is not None for d in districts):
        total = DistrictCompleteness(district_id=None, name="Всего", as_of=submission_round.computed_at, total=participants)
        for state, n in _recomputed_counts(participants, forms).items():
            total.counts[state] += n
    if n_districts <= limit:  # every district: the table is not folded, by name as `round_district_order` gives them
        districts.sort(key=lambda d: (d.name, d.district_id or 0))
    else:  # the same order as Python's sort of every district (the database's collation only chose among equals)
        districts.sort(key=DistrictOrder.weakest_first)
    return WeakestDistricts(districts, n_districts, total)


def round_reminders(*, submission_round: SubmissionRound, access: Access, limit: int = 100) -> QuerySet[Reminder]:
    return (
        Reminder.objects.filter(round=submission_round, school__in=schools_visible_to(access))
        .select_related("school", "recipient", "sent_by")
        .order_by("-sent_at", "-pk")[:limit]
    )


def schools_awaiting_submission(*, submission_round: SubmissionRound) -> QuerySet[School]:
    """Active participants of the round that have not sent their form (no submission, draft or returned)."""
    counted = Submission.objects.filter(round=submission_round, state__in=Submission.COUNTED_STATES).values("school_id")
    return School.objects.filter(pk__in=active_participants(submission_round).values("school_id")).exclude(pk__in=counted)
