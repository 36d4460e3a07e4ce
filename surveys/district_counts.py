"""`RoundDistrictCount`: each district's participants, sent forms and forms by state in a round, as of the round's
last recompute.

Written by the ratings recompute (in its transaction, beside the ratings' district summaries) and read by the
completeness page and the dashboard to choose and order the districts a folded table shows (the figures in the
table are counted live for those districts), and, for a user who sees the whole round, for the round's totals.
A module of its own because `surveys.services` imports the ratings services, which call this.
"""

# ruff: noqa: S608 - the statement's names come from the models; its values are parameters

from django.db import connection

from .models import RoundDistrictCount, RoundParticipant, Submission

_COUNTED = ", ".join(f"'{state}'" for state in Submission.COUNTED_STATES)
# Every stored state of a form, each a column of its own (a participant without a form has not started).
_STATES = [state.value for state in Submission.State]
_BY_STATE = ",\n    ".join(f"SUM(CASE WHEN sub.state = '{state}' THEN 1 ELSE 0 END)" for state in _STATES)

INSERT_COUNTS = f"""
INSERT INTO {RoundDistrictCount._meta.db_table} (round_id, district_id, participants, sent, {", ".join(_STATES)})
SELECT rs.submissionround_id, rs.district_id, COUNT(*), SUM(CASE WHEN sub.state IN ({_COUNTED}) THEN 1 ELSE 0 END),
    {_BY_STATE}
FROM {RoundParticipant._meta.db_table} rs
LEFT JOIN {Submission._meta.db_table} sub ON sub.round_id = rs.submissionround_id AND sub.school_id = rs.school_id
-- The round's active participants in the district the round keeps for each (surveys.participants).
WHERE rs.submissionround_id = %s AND rs.is_active = %s
GROUP BY rs.submissionround_id, rs.district_id
"""


def round_district_counts_write(*, round_id: int) -> int:
    """Rewrite the round's rows (two statements whatever the number of schools)."""
    RoundDistrictCount.objects.filter(round_id=round_id).delete()
    with connection.cursor() as cursor:
        cursor.execute(INSERT_COUNTS, [round_id, True])
        return max(cursor.rowcount, 0)
