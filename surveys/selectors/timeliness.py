"""Timeliness: submitted by the school's deadline or late, per district and for one school."""

import datetime as dt
import hashlib
from collections import OrderedDict
from dataclasses import dataclass, field

from django.core.cache import cache
from django.db import connection
from django.db.models import F, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from schools.models import School

from ..models import (
    RoundExtension,
    RoundParticipant,
    Submission,
    SubmissionEvent,
    SubmissionRound,
)

TIMELINESS_RULE = (
    "Вовремя — анкета впервые отправлена не позже срока школы (срока раунда или продлённого для неё срока). "
    "С опозданием — отправлена позже срока или не отправлена, когда срок уже прошёл. "
    "Медиана опоздания — по анкетам, отправленным с опозданием, в сутках. Доли — от всех школ-участников."
)


@dataclass
class Timeliness:
    district_id: int | None
    name: str
    total: int = 0
    on_time: int = 0
    late: int = 0
    pending: int = 0  # not sent yet, the deadline still ahead
    days_late: list[float] = field(default_factory=list)
    counted_median: float | None = None  # the median as the database computed it (PostgreSQL), when days_late is not fetched

    @property
    def on_time_percent(self) -> int:
        return round(100 * self.on_time / self.total) if self.total else 0

    @property
    def late_percent(self) -> int:
        return round(100 * self.late / self.total) if self.total else 0

    @property
    def median_days_late(self) -> float | None:
        values = sorted(self.days_late)
        if not values:
            return self.counted_median
        middle = len(values) // 2
        return values[middle] if len(values) % 2 else (values[middle - 1] + values[middle]) / 2


def timeliness_weakest_first(row: Timeliness) -> tuple:
    """The order of a folded timeliness table: the smallest share on time first."""
    return (row.on_time / row.total if row.total else 1, row.name)


def _first_submitted_and_deadline(submission_round: SubmissionRound, schools: QuerySet[School]) -> QuerySet:
    """Each participating school with the time it first sent its form and its own deadline (extension), in one query."""
    first_event = SubmissionEvent.objects.filter(
        submission__round_id=submission_round.pk, submission__school=OuterRef("pk"), action=SubmissionEvent.Action.SUBMITTED
    ).order_by("created_at")
    sent_at = Submission.objects.filter(round_id=submission_round.pk, school=OuterRef("pk"), submitted_at__isnull=False)
    extension = RoundExtension.objects.filter(round_id=submission_round.pk, school=OuterRef("pk")).order_by("-closes_at")
    return (
        schools.filter(round_participations__round=submission_round, round_participations__is_active=True)
        .annotate(
            first_sent=Coalesce(Subquery(first_event.values("created_at")[:1]), Subquery(sent_at.values("submitted_at")[:1])),
            own_deadline=Subquery(extension.values("closes_at")[:1]),
            round_district_id=F("round_participations__district_id"),
            round_district_name=F("round_participations__district__name"),
        )
        .values_list("pk", "round_district_id", "round_district_name", "first_sent", "own_deadline")
        .order_by("round_district_name", "pk")
    )


def _count_timeliness(bucket: Timeliness, first_sent, deadline, now) -> None:
    bucket.total += 1
    if first_sent is not None and first_sent <= deadline:
        bucket.on_time += 1
    elif first_sent is not None:
        bucket.late += 1
        bucket.days_late.append(round((first_sent - deadline).total_seconds() / 86400, 1))
    elif now > deadline:
        bucket.late += 1
    else:
        bucket.pending += 1


def timeliness_by_district(
    *, submission_round: SubmissionRound, schools: QuerySet[School], now: dt.datetime | None = None
) -> tuple[list[Timeliness], Timeliness]:
    """Per district of the given schools (those taking part in the round): on time, late, median days late (one query).
    On PostgreSQL the database counts (a few hundred rows come back for 40,000 schools) and the figures are kept for a
    minute (see `_timeliness_cached`); elsewhere Python counts."""
    if connection.vendor == "postgresql":
        if now is not None:
            return _timeliness_counted(submission_round, schools, now)
        return _timeliness_cached(submission_round, schools)
    now = now or timezone.now()
    districts: OrderedDict[int | None, Timeliness] = OrderedDict()
    total = Timeliness(district_id=None, name="Всего")
    for _pk, district_id, district_name, first_sent, own_deadline in _first_submitted_and_deadline(submission_round, schools):
        if district_id not in districts:
            districts[district_id] = Timeliness(district_id=district_id, name=district_name or "Без района")
        deadline = max(submission_round.closes_at, own_deadline) if own_deadline else submission_round.closes_at
        for bucket in (districts[district_id], total):
            _count_timeliness(bucket, first_sent, deadline, now)
    return list(districts.values()), total


# The same rule as `_count_timeliness`, counted by PostgreSQL: per district and, by the empty grouping set, in total.
# Positional parameters, in order: the round's deadline, the round (×3), the «submitted» action, the round, the visible
# schools' own parameters, now (×2).
_TIMELINESS_SQL = """
WITH per_school AS (
    SELECT rs.district_id, COALESCE(fe.first_at, sub.submitted_at) AS first_sent, GREATEST(%s, ext.closes_at) AS deadline
    FROM schools_school s
    -- The round's active participants, in the district the round keeps for each (surveys.participants).
    JOIN {participants} rs ON rs.school_id = s.id AND rs.submissionround_id = %s AND rs.is_active
    LEFT JOIN {submission} sub ON sub.round_id = %s AND sub.school_id = s.id
    LEFT JOIN (
        SELECT e.submission_id, MIN(e.created_at) AS first_at
        FROM {event} e JOIN {submission} x ON x.id = e.submission_id
        WHERE x.round_id = %s AND e.action = %s
        GROUP BY e.submission_id
    ) fe ON fe.submission_id = sub.id
    LEFT JOIN (SELECT school_id, MAX(closes_at) AS closes_at FROM {extension} WHERE round_id = %s GROUP BY school_id) ext ON ext.school_id = s.id
    WHERE s.id IN ({visible})
),
judged AS (
    SELECT district_id,
           CASE WHEN first_sent IS NOT NULL AND first_sent <= deadline THEN 1 ELSE 0 END AS on_time,
           CASE WHEN first_sent > deadline OR (first_sent IS NULL AND %s > deadline) THEN 1 ELSE 0 END AS late,
           CASE WHEN first_sent IS NULL AND %s <= deadline THEN 1 ELSE 0 END AS pending,
           CASE WHEN first_sent > deadline THEN ROUND(CAST(EXTRACT(EPOCH FROM first_sent - deadline) / 86400 AS NUMERIC), 1) END AS days_late
    FROM per_school
)
SELECT GROUPING(j.district_id), j.district_id, MAX(d.name), COUNT(*), SUM(j.on_time), SUM(j.late), SUM(j.pending),
       PERCENTILE_CONT(0.5) WITHIN GROUP (ORDER BY j.days_late)
FROM judged j LEFT JOIN schools_district d ON d.id = j.district_id
GROUP BY GROUPING SETS ((j.district_id), ())
ORDER BY 1, 3, 2
"""


TIMELINESS_CACHE_SECONDS = 60


def _timeliness_cached(submission_round: SubmissionRound, schools: QuerySet[School]) -> tuple[list[Timeliness], Timeliness]:
    """The figures counted over every school of the round (40,000 in a region) once a minute per round and set of
    schools, not on every request. The key holds the round's change counter, which every submit, return, acceptance
    and deadline extension raises: such a change shows at once; only «срок прошёл» of a school that sent nothing waits
    up to a minute."""
    now = timezone.now()
    key = _cache_key(submission_round, schools, now)
    found = cache.get(key)
    if found is None:
        found = _timeliness_counted(submission_round, schools, now)
        cache.set(key, found, TIMELINESS_CACHE_SECONDS)
    return found


def _cache_key(submission_round: SubmissionRound, schools: QuerySet[School], now: dt.datetime) -> str:
    scope = hashlib.sha1(str(schools.order_by().values("pk").query).encode(), usedforsecurity=False).hexdigest()[:16]
    return f"timeliness:{submission_round.pk}:{submission_round.changes_seq}:{scope}:{int(now.timestamp()) // TIMELINESS_CACHE_SECONDS}"


def timeliness_weakest(*, submission_round: SubmissionRound, schools: QuerySet[School], limit: int) -> tuple[list[Timeliness], int, Timeliness]:
    """What a folded timeliness table shows (`roadmap_portal.folding`): the `limit` districts with the smallest share on
    time, weakest first, or every district by name when there are no more; the number of districts; the total. On
    PostgreSQL kept for a minute as `timeliness_by_district` is, so a request reads these few rows, not every district's
    of a region (800)."""

    def fold() -> tuple[list[Timeliness], int, Timeliness]:
        districts, total = timeliness_by_district(submission_round=submission_round, schools=schools)
        shown = sorted(districts, key=timeliness_weakest_first)[:limit] if len(districts) > limit else districts
        return shown, len(districts), total

    if connection.vendor != "postgresql":
        return fold()
    key = f"{_cache_key(submission_round, schools, timezone.now())}:weakest:{limit}"
    found = cache.get(key)
    if found is None:
        found = fold()
        cache.set(key, found, TIMELINESS_CACHE_SECONDS)
    return found


def _timeliness_counted(submission_round: SubmissionRound, schools: QuerySet[School], now: dt.datetime) -> tuple[list[Timeliness], Timeliness]:
    visible, visible_params = schools.order_by().values("pk").query.sql_with_params()
    sql = _TIMELINESS_SQL.format(
        participants=RoundParticipant._meta.db_table,
        submission=Submission._meta.db_table,
        event=SubmissionEvent._meta.db_table,
        extension=RoundExtension._meta.db_table,
        visible=visible,
    )
    round_id = submission_round.pk
    params = [submission_round.closes_at, round_id, round_id, round_id, SubmissionEvent.Action.SUBMITTED.value, round_id, *visible_params, now, now]
    districts: list[Timeliness] = []
    total = Timeliness(district_id=None, name="Всего")
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        for grouping, district_id, name, count, on_time, late, pending, median in cursor.fetchall():
            row = total if grouping else Timeliness(district_id=district_id, name=name or "Без района")
            row.total, row.on_time, row.late, row.pending = count, on_time or 0, late or 0, pending or 0
            row.counted_median = None if median is None else float(median)
            if not grouping:
                districts.append(row)
    return districts, total


@dataclass(frozen=True)
class SchoolTimeliness:
    deadline: dt.datetime
    first_sent: dt.datetime | None
    days_late: float | None  # None: on time or not sent yet

    @property
    def on_time(self) -> bool:
        return self.first_sent is not None and self.first_sent <= self.deadline


def school_timeliness(*, submission_round: SubmissionRound, school_id: int) -> SchoolTimeliness | None:
    """The school's own line: its deadline, when it first sent the form, how many days late (one query)."""
    row = _first_submitted_and_deadline(submission_round, School.objects.filter(pk=school_id)).first()
    if row is None:
        return None
    _pk, _district, _name, first_sent, own_deadline = row
    deadline = max(submission_round.closes_at, own_deadline) if own_deadline else submission_round.closes_at
    late = round((first_sent - deadline).total_seconds() / 86400, 1) if first_sent and first_sent > deadline else None
    return SchoolTimeliness(deadline=deadline, first_sent=first_sent, days_late=late)
