"""The round's ratings folded per district, legal form and town/country (`DistrictSummary`).

Written by the recompute, inside its transaction, right after the ratings and the status eligibility: a page
that reads these rows costs the same for 100 and 40,000 schools, and the rows can never disagree with the
ratings they fold. Two statements whatever the number of schools: delete the round's rows, insert them anew
(a few hundred rows even for a region of 800 districts, so rewriting them whole is cheaper than comparing).
"""

# ruff: noqa: S608 - the statement's names come from the model and constants; its values are parameters

from django.db import connection

from surveys.district_counts import round_district_counts_write

from .models import SUMMARY_BINS, DistrictSummary, Rating

# Bins of 10 points; the last one holds 100 (as the dashboard's histogram has always counted).
_BINS = ",\n    ".join(
    f"SUM(CASE WHEN r.score >= {10 * i} AND r.score {'<' if i < SUMMARY_BINS - 1 else '<='} {10 * (i + 1)} THEN 1 ELSE 0 END)" for i in range(SUMMARY_BINS)
)

INSERT_SUMMARIES = f"""
INSERT INTO {DistrictSummary._meta.db_table} (
    round_id, district_id, legal_form, is_urban, schools, rated, score_sum, high, medium, low, no_data, eligible,
    {", ".join(f"bin_{i}" for i in range(SUMMARY_BINS))}
)
SELECT r.round_id, r.district_id, s.legal_form, rp.is_urban,
    COUNT(*),
    SUM(CASE WHEN r.score IS NOT NULL THEN 1 ELSE 0 END),
    COALESCE(SUM(r.score), 0),
    SUM(CASE WHEN r.level = %(high)s THEN 1 ELSE 0 END),
    SUM(CASE WHEN r.level = %(medium)s THEN 1 ELSE 0 END),
    SUM(CASE WHEN r.level = %(low)s THEN 1 ELSE 0 END),
    SUM(CASE WHEN r.level = %(no_data)s THEN 1 ELSE 0 END),
    SUM(CASE WHEN e.eligible THEN 1 ELSE 0 END),
    {_BINS}
FROM ratings_rating r
JOIN schools_school s ON s.id = r.school_id
-- Town or country as the round keeps it (surveys.participants); ratings exist only for the round's active participants.
JOIN surveys_submissionround_schools rp ON rp.submissionround_id = r.round_id AND rp.school_id = r.school_id
LEFT JOIN ratings_statuseligibility e ON e.round_id = r.round_id AND e.school_id = r.school_id
WHERE r.round_id = %(round_id)s
GROUP BY r.round_id, r.district_id, s.legal_form, rp.is_urban
"""

LEVELS = {"high": Rating.Level.HIGH.value, "medium": Rating.Level.MEDIUM.value, "low": Rating.Level.LOW.value, "no_data": Rating.Level.NO_DATA.value}


def district_summaries_write(*, round_id: int) -> int:
    """Rewrite the round's summary rows from its ratings and eligibility, and its districts' participants and sent
    forms (`surveys.district_counts`). Call inside the recompute's transaction, after the ratings and the eligibility
    are written. Returns the number of rating summary rows written."""
    round_district_counts_write(round_id=round_id)
    DistrictSummary.objects.filter(round_id=round_id).delete()
    with connection.cursor() as cursor:
        cursor.execute(INSERT_SUMMARIES, {"round_id": round_id, **LEVELS})
        return max(cursor.rowcount, 0)
