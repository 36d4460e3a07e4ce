"""The set-based SQL of a round's recompute. Each statement runs once per round, whatever the number of schools.

Written for both SQLite (the embedded default) and PostgreSQL: no GREATEST/LEAST, no FILTER, no boolean
aggregates; divisions multiply by 1.0 first (SQLite divides integers as integers). Table names are literal;
every value is a parameter. `%%` is a literal percent sign (LIKE patterns).

The answers are read once per recompute: `create_round_answers` copies the round's counted answers, each with its
points, into a temporary table (ROUND_ANSWERS_TABLE), and the section scores, the status eligibility and the
indicator aggregates read that table. Each upsert first joins the stored rows and passes on only new or changed ones.
"""

# The statements are joined from constant fragments only (never from input), which S608 cannot tell.
# ruff: noqa: S608

from indicators.models import Indicator
from surveys.models import Question, Submission

from .models import Rating, ScoringRule

# Every choice value the recompute's SQL compares with, passed as parameters (never spelled in the SQL).
CHOICES = {
    "state_submitted": Submission.State.SUBMITTED.value,
    "state_accepted": Submission.State.ACCEPTED.value,
    **{f"kind_{kind.value}": kind.value for kind in ScoringRule.Kind},
    "level_high": Rating.Level.HIGH.value,
    "level_medium": Rating.Level.MEDIUM.value,
    "level_low": Rating.Level.LOW.value,
    "level_none": Rating.Level.NO_DATA.value,
    "type_yes_no": Question.Type.YES_NO.value,
    "type_single": Question.Type.SINGLE_CHOICE.value,
    "type_multiple": Question.Type.MULTIPLE_CHOICE.value,
    "aggregation_share_full": Indicator.Aggregation.SHARE_FULL_RATIO.value,
    "aggregation_none": Indicator.Aggregation.NONE.value,
    "level_city": Indicator.Level.CITY.value,
    "level_school": Indicator.Level.SCHOOL.value,
    "active": True,  # a participant active in the round
}

# Only the submission in one of these states counts: (submitted, accepted).
COUNTED_STATES_SQL = "(%(state_submitted)s, %(state_accepted)s)"

# The round's participants that count (surveys.participants: active in the round), with the facts the round keeps
# of each — district, urban/rural — which every figure reads instead of the school's current row.
ACTIVE_PARTICIPANT = "rp.submissionround_id = %(round_id)s AND rp.is_active = %(active)s"

# The submissions that count: sent or accepted, of an active participant.
COUNTED_SUBMISSIONS = (
    """surveys_submission sub
    JOIN surveys_submissionround_schools rp ON rp.school_id = sub.school_id AND """
    + ACTIVE_PARTICIPANT
    + """"""
)
COUNTED_WHERE = "sub.round_id = %(round_id)s AND sub.state IN " + COUNTED_STATES_SQL

# Exact arithmetic on both databases (SQLite keeps decimals as floating point): every figure is an integer of a
# fixed scale before it is added or compared. Points are integer thousandths («milli»); answers, bounds and
# thresholds (4 decimals in the model) integer ten-thousandths; scores integer tenths. CAST(ROUND(x * 10^k)) only
# re-reads a stored decimal of at most k places, it never rounds a value away.
MILLI = "CAST(ROUND({} * 1000) AS BIGINT)"
TENK = "CAST(ROUND({} * 10000) AS BIGINT)"

# The rules of the round's scheme with their figures as integers (see the scales above).
RULES_SELECT = (
    """
    SELECT r.id, r.question_id, r.kind, q.section_id,
           """
    + MILLI.format("r.max_points")
    + """ AS max_milli,
           """
    + TENK.format("r.floor_value")
    + """ AS floor_tenk,
           """
    + TENK.format("r.full_value")
    + """ AS full_tenk
    FROM ratings_scoringrule r
    JOIN surveys_question q ON q.id = r.question_id
    WHERE r.scheme_id = %(scheme_id)s
"""
)
RULES_CTE = "\nrules AS (" + RULES_SELECT + ")"

# The rule's steps as intervals of the answer, [threshold, next threshold), each with its points clamped to
# [0, max], and the options of its choices with their points and the LIKE pattern that finds one option in a
# multiple choice stored as "a|b|c" (the option's %, _ and the escape character ! escaped). Made once per
# statement from a few dozen rows, so an answer meets its step or option by a join, not by a subquery per answer.
SCORING_CTES = (
    RULES_CTE
    + """,
steps AS (
    SELECT st.rule_id, """
    + TENK.format("st.threshold")
    + """ AS low_tenk,
           LEAD("""
    + TENK.format("st.threshold")
    + """) OVER (PARTITION BY st.rule_id ORDER BY st.threshold) AS high_tenk,
           CASE WHEN """
    + MILLI.format("st.points")
    + """ > r.max_milli THEN r.max_milli WHEN st.points < 0 THEN 0 ELSE """
    + MILLI.format("st.points")
    + """ END AS points_milli
    FROM ratings_scoringstep st
    JOIN rules r ON r.id = st.rule_id
),
choices AS (
    SELECT cp.rule_id, cp.value, """
    + MILLI.format("cp.points")
    + """ AS points_milli,
           '%%|' || REPLACE(REPLACE(REPLACE(cp.value, '!', '!!'), '%%', '!%%'), '_', '!_') || '|%%' AS pattern
    FROM ratings_choicepoints cp
    JOIN rules r ON r.id = cp.rule_id
)"""
)

# The joins that give an answer `a` its rule `r`, the step `sv` its number reaches and the option `ce` equal to
# its text (NULL where there is none); used with SCORING_CTES and ANSWER_POINTS_SQL.
SCORING_JOINS = (
    """
    LEFT JOIN rules r ON r.question_id = a.question_id
    LEFT JOIN steps sv ON sv.rule_id = r.id AND sv.low_tenk <= """
    + TENK.format("a.value_number")
    + """
                       AND (sv.high_tenk IS NULL OR """
    + TENK.format("a.value_number")
    + """ < sv.high_tenk)
    LEFT JOIN choices ce ON ce.rule_id = r.id AND ce.value = a.value_text"""
)

# Points of one answer `a` under its rule `r` (SCORING_JOINS), in thousandths, within [0, max]:
#  yes: max for «да»; linear: 0 at or below floor, max at or above full, straight line between, rounded half up to
#  0.001 (the only rounding before the score; integer division of non-negative numbers is floor on both databases);
#  steps: the points of the highest threshold the value reaches; choice: the sum of the chosen options' points
#  (a multiple choice is stored as "a|b|c": its options found with LIKE; one value: the option equal to it);
#  filled: max for any non-empty answer. Each branch clamps on its own: an outer CASE over this expression would
#  make PostgreSQL evaluate the subquery once per reference. Rule kinds come in as parameters (%(kind_yes)s …),
#  like the submission states.
ANSWER_POINTS_SQL = (
    """
    CASE r.kind
        WHEN %(kind_yes)s THEN CASE WHEN a.value_bool THEN r.max_milli ELSE 0 END
        WHEN %(kind_linear)s THEN CASE
            WHEN a.value_number IS NULL OR """
    + TENK.format("a.value_number")
    + """ <= r.floor_tenk THEN 0
            WHEN """
    + TENK.format("a.value_number")
    + """ >= r.full_tenk THEN r.max_milli
            ELSE (2 * r.max_milli * ("""
    + TENK.format("a.value_number")
    + """ - r.floor_tenk) + (r.full_tenk - r.floor_tenk)) / (2 * (r.full_tenk - r.floor_tenk))
        END
        WHEN %(kind_steps)s THEN COALESCE(sv.points_milli, 0)
        WHEN %(kind_choice)s THEN CASE
            WHEN a.value_text LIKE '%%|%%' THEN COALESCE((
                SELECT CASE WHEN SUM(ch.points_milli) > r.max_milli THEN r.max_milli
                            WHEN SUM(ch.points_milli) < 0 THEN 0 ELSE SUM(ch.points_milli) END
                FROM choices ch
                WHERE ch.rule_id = r.id AND ('|' || a.value_text || '|') LIKE ch.pattern ESCAPE '!'
            ), 0)
            WHEN ce.points_milli > r.max_milli THEN r.max_milli
            WHEN ce.points_milli < 0 THEN 0
            ELSE COALESCE(ce.points_milli, 0)
        END
        WHEN %(kind_filled)s THEN CASE
            WHEN a.value_bool IS NOT NULL OR a.value_number IS NOT NULL OR a.value_date IS NOT NULL OR a.value_text <> '' OR a.file <> ''
            THEN r.max_milli ELSE 0
        END
        ELSE 0
    END
"""
)


# The round's answers, read once per recompute: every answer of a counted submission of an active participant to a
# question of the round's questionnaire, with the participant's town/country as the round keeps it and the answer's
# points under its rule in thousandths (section_id NULL: the question is not scored). One row per school and question
# (a school has one form per round): the question's code and type are read from the questions by whoever needs them,
# not carried on every row, which keeps the rows narrow (the table is written once and read three times).
# The one place answers are scored and the one read of the answers: the section scores, the status eligibility and
# the indicator aggregates all read these rows (the recompute keeps them in a temporary table, ROUND_ANSWERS_TABLE;
# the school's passport reads the same SELECT for one school, ROUND_ANSWERS_OF_SCHOOL).
def _round_answers_select(*, scored: bool) -> str:
    points = (
        "r.section_id, CAST(" + ANSWER_POINTS_SQL + " AS BIGINT) AS points_milli,"
        if scored
        else "NULL AS section_id, NULL AS points_milli,"  # the passport's indicator values need no points
    )
    with_ctes = "\n    WITH " + SCORING_CTES if scored else ""
    rules = SCORING_JOINS if scored else ""
    # The recompute keeps only the answers something reads: scored, a status criterion, an indicator's question or
    # denominator. A property of the question, so the questions are filtered (a few dozen rows), not the answers.
    needed = (
        """
                              AND (q.id IN (SELECT nr.question_id FROM rules nr)
                                   OR q.code IN (%(code_speed)s, %(code_kit)s, %(code_contract)s, %(code_teachers)s, %(code_certification)s)
                                   OR q.code IN (SELECT ni.question_code FROM indicators_indicator ni)
                                   OR q.code IN (SELECT ni.denominator_code FROM indicators_indicator ni))"""
        if scored
        else ""
    )
    return (
        with_ctes
        + """
    SELECT sub.school_id, rp.is_urban, a.question_id,
           """
        + points
        + """
           a.value_bool, """
        + TENK.format("a.value_number")
        + """ AS value_tenk, a.value_text
    FROM """
        + COUNTED_SUBMISSIONS
        + """
    JOIN surveys_answer a ON a.submission_id = sub.id
    JOIN surveys_question q ON q.id = a.question_id AND q.questionnaire_id = %(questionnaire_id)s"""
        + needed
        + rules
        + """
    WHERE """
        + COUNTED_WHERE
    )


ROUND_ANSWERS_SELECT = _round_answers_select(scored=True)
ROUND_ANSWERS_OF_SCHOOL = "(" + _round_answers_select(scored=False) + " AND sub.school_id = %(school_id)s)"

# A temporary table: private to the recompute's connection, never logged, dropped by the recompute before it commits
# (a rolled-back recompute takes it along). PostgreSQL also drops it at commit, whatever happens.
ROUND_ANSWERS_TABLE = "recompute_round_answers"
DROP_ROUND_ANSWERS = "DROP TABLE " + ROUND_ANSWERS_TABLE


def create_round_answers(vendor: str) -> str:
    """The statement that fills the temporary table (PostgreSQL: dropped at commit too; SQLite has no such clause)."""
    on_commit = " ON COMMIT DROP" if vendor == "postgresql" else ""
    return "CREATE TEMPORARY TABLE " + ROUND_ANSWERS_TABLE + on_commit + " AS" + ROUND_ANSWERS_SELECT


# The round's counted submissions of active participants (one row per school).
COUNTED_CTE = (
    """
counted AS (
    SELECT sub.id AS submission_id, sub.school_id
    FROM """
    + COUNTED_SUBMISSIONS
    + """
    WHERE """
    + COUNTED_WHERE
    + """
)"""
)

# Points per section of every school with a counted submission, summed exactly; a section's possible points are
# the sum of the maxima of its scored questions, so an unanswered question counts 0 of its points.
# Only new or changed rows reach the upsert: the stored rows are joined first (an upsert locks, so writes, every
# row it meets, even one its WHERE leaves alone); its own WHERE stays for a row written meanwhile.
INSERT_SECTION_SCORES = (
    """
INSERT INTO ratings_sectionscore (round_id, school_id, section_id, points, possible)
WITH """
    + RULES_CTE
    + ","
    + COUNTED_CTE
    + """,
section_points AS (
    SELECT school_id, section_id, SUM(points_milli) AS points_milli
    FROM """
    + ROUND_ANSWERS_TABLE
    + """
    WHERE section_id IS NOT NULL
    GROUP BY school_id, section_id
),
section_possible AS (
    SELECT section_id, SUM(max_milli) AS possible_milli FROM rules GROUP BY section_id
),
computed AS (
    SELECT c.school_id, sp.section_id, COALESCE(pts.points_milli, 0) / 1000.0 AS points, sp.possible_milli / 1000.0 AS possible
    FROM counted c
    CROSS JOIN section_possible sp
    LEFT JOIN section_points pts ON pts.school_id = c.school_id AND pts.section_id = sp.section_id
)
SELECT %(round_id)s, n.school_id, n.section_id, n.points, n.possible
FROM computed n
LEFT JOIN ratings_sectionscore o ON o.round_id = %(round_id)s AND o.school_id = n.school_id AND o.section_id = n.section_id
WHERE o.id IS NULL OR o.points <> n.points OR o.possible <> n.possible
ON CONFLICT (round_id, school_id, section_id) DO UPDATE SET points = excluded.points, possible = excluded.possible
WHERE ratings_sectionscore.points <> excluded.points OR ratings_sectionscore.possible <> excluded.possible
"""
)

DELETE_STALE_SECTION_SCORES = (
    """
DELETE FROM ratings_sectionscore
WHERE round_id = %(round_id)s
  AND (school_id NOT IN (SELECT sub.school_id FROM """
    + COUNTED_SUBMISSIONS
    + " WHERE "
    + COUNTED_WHERE
    + """)
       OR section_id NOT IN (SELECT q.section_id FROM ratings_scoringrule r JOIN surveys_question q ON q.id = r.question_id
                             WHERE r.scheme_id = %(scheme_id)s))
"""
)

# The rating's figures compared to tell a changed row (nullable: compared through COALESCE(…, -1)); and its level.
RATING_COLUMNS = ("district_id", "submission_id", "points", "possible", "score", "rank", "district_rank", "prev_score", "prev_rank")

# One row per active participant of the round (surveys.participants), in the district the round keeps for it.
# Score = points / possible × 100, rounded once, half up, to one decimal; ranks with ties (1, 2, 2, 4) among rated schools only;
# schools without a counted submission get level 'none' («нет данных») and no rank.
INSERT_RATINGS = (
    """
INSERT INTO ratings_rating (
    round_id, school_id, district_id, submission_id, points, possible, score, rank, district_rank, level, prev_score, prev_rank
)
WITH participants AS (
    SELECT rp.school_id, rp.district_id FROM surveys_submissionround_schools rp WHERE """
    + ACTIVE_PARTICIPANT
    + """
),"""
    + COUNTED_CTE
    + """,
totals AS (
    -- SUM of integers is numeric on PostgreSQL: cast back, so the division below is an integer one on both databases.
    SELECT ss.school_id, CAST(SUM(CAST(ROUND(ss.points * 1000) AS BIGINT)) AS BIGINT) AS points_milli,
           CAST(SUM(CAST(ROUND(ss.possible * 1000) AS BIGINT)) AS BIGINT) AS possible_milli
    FROM ratings_sectionscore ss
    WHERE ss.round_id = %(round_id)s
    GROUP BY ss.school_id
),
-- The score in tenths, rounded once, half up: floor(points / possible × 1000 + ½) with integers only.
scored AS (
    SELECT p.school_id, p.district_id, c.submission_id, t.points_milli, t.possible_milli,
           CASE WHEN c.submission_id IS NOT NULL AND t.possible_milli > 0
                THEN (2000 * t.points_milli + t.possible_milli) / (2 * t.possible_milli) END AS score_tenths
    FROM participants p
    LEFT JOIN counted c ON c.school_id = p.school_id
    LEFT JOIN totals t ON t.school_id = p.school_id
),
-- Ranks, levels and the status criterion compare the score as shown: ties are schools shown with equal scores.
ranked AS (
    SELECT sc.school_id, sc.district_id, sc.submission_id, sc.points_milli, sc.possible_milli, sc.score_tenths,
           CASE WHEN sc.score_tenths IS NOT NULL THEN
               RANK() OVER (PARTITION BY CASE WHEN sc.score_tenths IS NULL THEN 0 ELSE 1 END ORDER BY sc.score_tenths DESC)
           END AS city_rank,
           CASE WHEN sc.score_tenths IS NOT NULL AND sc.district_id IS NOT NULL THEN
               RANK() OVER (PARTITION BY sc.district_id, CASE WHEN sc.score_tenths IS NULL THEN 0 ELSE 1 END ORDER BY sc.score_tenths DESC)
           END AS district_rank
    FROM scored sc
),
computed AS (
    SELECT k.school_id, k.district_id, k.submission_id, k.points_milli / 1000.0 AS points, k.possible_milli / 1000.0 AS possible,
           k.score_tenths / 10.0 AS score, k.city_rank AS rank, k.district_rank,
           CASE
               WHEN k.score_tenths IS NULL THEN %(level_none)s
               WHEN k.score_tenths >= CAST(ROUND(sch.level_high * 10) AS BIGINT) THEN %(level_high)s
               WHEN k.score_tenths >= CAST(ROUND(sch.level_medium * 10) AS BIGINT) THEN %(level_medium)s
               ELSE %(level_low)s
           END AS level,
           pr.score AS prev_score, pr.rank AS prev_rank
    FROM ranked k
    LEFT JOIN ratings_scoringscheme sch ON sch.id = %(scheme_id)s
    LEFT JOIN ratings_rating pr ON pr.round_id = %(previous_round_id)s AND pr.school_id = k.school_id
)
-- Only new or changed rows reach the upsert (see INSERT_SECTION_SCORES).
SELECT %(round_id)s, n.school_id, n.district_id, n.submission_id, n.points, n.possible, n.score, n.rank, n.district_rank, n.level,
       n.prev_score, n.prev_rank
FROM computed n
LEFT JOIN ratings_rating o ON o.round_id = %(round_id)s AND o.school_id = n.school_id
WHERE o.id IS NULL OR """
    + " OR ".join(f"COALESCE(o.{column}, -1) <> COALESCE(n.{column}, -1)" for column in RATING_COLUMNS)
    + """ OR o.level <> n.level
ON CONFLICT (round_id, school_id) DO UPDATE SET
    district_id = excluded.district_id, submission_id = excluded.submission_id, points = excluded.points,
    possible = excluded.possible, score = excluded.score, rank = excluded.rank, district_rank = excluded.district_rank,
    level = excluded.level, prev_score = excluded.prev_score, prev_rank = excluded.prev_rank
WHERE """
    + " OR ".join(f"COALESCE(ratings_rating.{column}, -1) <> COALESCE(excluded.{column}, -1)" for column in RATING_COLUMNS)
    + """ OR ratings_rating.level <> excluded.level
"""
)

DELETE_STALE_RATINGS = (
    """
DELETE FROM ratings_rating
WHERE round_id = %(round_id)s
  AND school_id NOT IN (SELECT rp.school_id FROM surveys_submissionround_schools rp WHERE """
    + ACTIVE_PARTICIPANT
    + """)
"""
)

ELIGIBILITY_COLUMNS = ("eligible", "ok_score", "ok_speed", "ok_kit", "ok_contract", "ok_teachers", "ok_certification")

# Status «Цифровая школа»: one row per rated school with each criterion checked. The five answers are
# pivoted from the round's answers (ROUND_ANSWERS_TABLE) by question code; a missing answer fails its criterion.
INSERT_ELIGIBILITY = (
    """
INSERT INTO ratings_statuseligibility (
    round_id, school_id, eligible, ok_score, ok_speed, ok_kit, ok_contract, ok_teachers, ok_certification
)
WITH criterion_answers AS (
    SELECT a.school_id, q.code, a.value_tenk, a.value_text, CASE WHEN a.value_bool THEN 1 ELSE 0 END AS yes
    FROM """
    + ROUND_ANSWERS_TABLE
    + """ a
    JOIN surveys_question q ON q.id = a.question_id
    WHERE q.questionnaire_id = %(questionnaire_id)s
      AND q.code IN (%(code_speed)s, %(code_kit)s, %(code_contract)s, %(code_teachers)s, %(code_certification)s)
),
pivot AS (
    SELECT school_id,
           MAX(CASE WHEN code = %(code_speed)s THEN value_tenk END) AS speed_tenk,
           MAX(CASE WHEN code = %(code_kit)s THEN value_text END) AS kit,
           MAX(CASE WHEN code = %(code_contract)s THEN yes ELSE 0 END) AS contract,
           MAX(CASE WHEN code = %(code_teachers)s THEN value_tenk END) AS teachers_tenk,
           MAX(CASE WHEN code = %(code_certification)s THEN yes ELSE 0 END) AS certification
    FROM criterion_answers
    GROUP BY school_id
),
checks AS (
    SELECT r.school_id,
           CASE WHEN CAST(ROUND(r.score * 10) AS BIGINT) >= CAST(ROUND(c.min_score * 10) AS BIGINT) THEN 1 ELSE 0 END AS ok_score,
           CASE WHEN p.speed_tenk
                     >= CAST(ROUND((CASE WHEN rp.is_urban THEN c.speed_urban ELSE c.speed_rural END) * 10000) AS BIGINT) THEN 1 ELSE 0 END AS ok_speed,
           CASE WHEN %(kit_any)s
                  OR ('|' || %(kit_values)s || '|') LIKE ('%%|' || REPLACE(REPLACE(REPLACE(p.kit, '!', '!!'), '%%', '!%%'), '_', '!_') || '|%%') ESCAPE '!'
                THEN 1 ELSE 0 END AS ok_kit,
           CASE WHEN NOT c.require_contract OR p.contract = 1 THEN 1 ELSE 0 END AS ok_contract,
           CASE WHEN p.teachers_tenk >= CAST(ROUND(c.min_teacher_share * 10000) AS BIGINT) THEN 1 ELSE 0 END AS ok_teachers,
           CASE WHEN NOT c.require_certification_request OR p.certification = 1 THEN 1 ELSE 0 END AS ok_certification
    FROM ratings_rating r
    JOIN surveys_submissionround_schools rp ON rp.school_id = r.school_id AND """
    + ACTIVE_PARTICIPANT
    + """
    JOIN ratings_statuscriteria c ON c.id = %(criteria_id)s
    LEFT JOIN pivot p ON p.school_id = r.school_id
    WHERE r.round_id = %(round_id)s AND r.score IS NOT NULL
),
computed AS (
    SELECT school_id,
           CASE WHEN ok_score + ok_speed + ok_kit + ok_contract + ok_teachers + ok_certification = 6 THEN 1 ELSE 0 END AS eligible,
           ok_score, ok_speed, ok_kit, ok_contract, ok_teachers, ok_certification
    FROM checks
)
-- Only new or changed rows reach the upsert (see INSERT_SECTION_SCORES); flags compared as 0/1 on both databases.
SELECT %(round_id)s, n.school_id,
       n.eligible = 1, n.ok_score = 1, n.ok_speed = 1, n.ok_kit = 1, n.ok_contract = 1, n.ok_teachers = 1, n.ok_certification = 1
FROM computed n
LEFT JOIN ratings_statuseligibility o ON o.round_id = %(round_id)s AND o.school_id = n.school_id
WHERE o.id IS NULL OR """
    + " OR ".join(f"CASE WHEN o.{column} THEN 1 ELSE 0 END <> n.{column}" for column in ELIGIBILITY_COLUMNS)
    + """
ON CONFLICT (round_id, school_id) DO UPDATE SET
    eligible = excluded.eligible, ok_score = excluded.ok_score, ok_speed = excluded.ok_speed, ok_kit = excluded.ok_kit,
    ok_contract = excluded.ok_contract, ok_teachers = excluded.ok_teachers, ok_certification = excluded.ok_certification
WHERE """
    + " OR ".join(f"ratings_statuseligibility.{column} <> excluded.{column}" for column in ELIGIBILITY_COLUMNS)
    + """
"""
)

DELETE_STALE_ELIGIBILITY = """
DELETE FROM ratings_statuseligibility
WHERE round_id = %(round_id)s
  AND school_id NOT IN (SELECT r.school_id FROM ratings_rating r WHERE r.round_id = %(round_id)s AND r.score IS NOT NULL)
"""


# Indicator progress: one grouped query over every indicator of the round's municipality (city level) and of its
# schools' own plans (school level; the same indicators as `selectors.round_indicators`). Per indicator: schools with
# data, schools meeting the condition, the sum of the answers and of the answer and denominator (ten-thousandths,
# exact); Python turns these into the actual and the verdict (an indicator without a single answer returns no row:
# «нет данных»).
#  condition: yes/no → «да»; choice → the value is one of condition_choices (a JSON list, matched as text);
#  share_full → answer ≥ denominator answer > 0; number → answer ≥ threshold (rural schools: their own
#  threshold when set), or > 0 when there is no threshold.
def _indicator_answer_values(answers: str) -> str:
    """The statement over `answers`: the recompute's temporary table, or the same SELECT for one school.

    The indicators are read first, with their figures as integers and their choices as text once each (not once per
    answer). An indicator's condition depends on the answer's value and the school's town/country only, so the
    answers to their questions are counted per distinct value first (`answer_values`; a school with an own indicator
    keeps its answers apart) and each condition is checked once per value, weighed by `answers`. A share_full
    indicator compares each answer with its own form's denominator answer, so it meets the answers one by one."""
    return (
        """
    WITH ind AS MATERIALIZED (
        SELECT i.id, nq.id AS question_id, nq.type AS question_type, dq.id AS denominator_id, i.aggregation, i.level,
               rm.school_id AS own_school_id, CAST(i.condition_choices AS TEXT) AS choices_text,
               """
        + TENK.format("i.threshold_urban")
        + """ AS urban_tenk,
               """
        + TENK.format("COALESCE(i.threshold_rural, i.threshold_urban)")
        + """ AS rural_tenk
        FROM indicators_indicator i
        JOIN indicators_roadmap rm ON rm.id = i.roadmap_id
        JOIN surveys_question nq ON nq.questionnaire_id = %(questionnaire_id)s AND nq.code = i.question_code
        LEFT JOIN surveys_question dq ON dq.questionnaire_id = %(questionnaire_id)s AND dq.code = i.denominator_code
        WHERE i.aggregation <> %(aggregation_none)s
          AND ((i.level = %(level_city)s AND rm.municipality_id = %(municipality_id)s) OR i.level = %(level_school)s)
    ),
    answer_values AS (
        SELECT k.question_id, k.is_urban, k.value_bool, k.value_text, k.value_tenk, k.own_school_id, COUNT(*) AS answers
        FROM (
            SELECT a.question_id, a.is_urban, a.value_bool, a.value_text, a.value_tenk,
                   CASE WHEN a.school_id IN (SELECT io.own_school_id FROM ind io WHERE io.level = %(level_school)s)
                        THEN a.school_id END AS own_school_id
            FROM """
        + answers
        + """ a
            WHERE a.question_id IN (SELECT iq.question_id FROM ind iq WHERE iq.aggregation <> %(aggregation_share_full)s)
        ) k
        GROUP BY k.question_id, k.is_urban, k.value_bool, k.value_text, k.value_tenk, k.own_school_id
    ),
    pairs AS (
        SELECT ind.*, v.is_urban, v.value_bool, v.value_text, v.value_tenk, NULL AS denominator_tenk, v.answers
        FROM ind
        JOIN answer_values v ON v.question_id = ind.question_id
        WHERE ind.aggregation <> %(aggregation_share_full)s
          AND (ind.level = %(level_city)s OR (ind.level = %(level_school)s AND v.own_school_id = ind.own_school_id))
        UNION ALL
        SELECT ind.*, f.is_urban, f.value_bool, f.value_text, f.value_tenk, f.denominator_tenk, 1
        FROM ind
        JOIN (
            -- Each form's answer and its denominator answer side by side, from one read of the answers.
            SELECT sf.id AS indicator_id, a.school_id, a.is_urban,
                   MAX(CASE WHEN a.question_id = sf.question_id THEN CASE WHEN a.value_bool THEN 1 ELSE 0 END END) = 1 AS value_bool,
                   MAX(CASE WHEN a.question_id = sf.question_id THEN a.value_text END) AS value_text,
                   MAX(CASE WHEN a.question_id = sf.question_id THEN a.value_tenk END) AS value_tenk,
                   MAX(CASE WHEN a.question_id = sf.denominator_id THEN a.value_tenk END) AS denominator_tenk
            FROM """
        + answers
        + """ a
            JOIN (
                SELECT ni.id, ni.question_id, ni.denominator_id, ni.question_id AS answer_question_id
                FROM ind ni WHERE ni.aggregation = %(aggregation_share_full)s
                UNION ALL
                SELECT di.id, di.question_id, di.denominator_id, di.denominator_id
                FROM ind di WHERE di.aggregation = %(aggregation_share_full)s
            ) sf ON sf.answer_question_id = a.question_id
            GROUP BY sf.id, a.school_id, a.is_urban
        ) f ON f.indicator_id = ind.id
        WHERE ind.level = %(level_city)s OR (ind.level = %(level_school)s AND f.school_id = ind.own_school_id)
    )
    SELECT p.id AS indicator_id, p.answers, p.value_tenk,
           CASE
               WHEN p.question_type = %(type_yes_no)s THEN CASE WHEN p.value_bool THEN 1 ELSE 0 END
               WHEN p.question_type IN (%(type_single)s, %(type_multiple)s) THEN CASE
                   WHEN p.choices_text LIKE ('%%"' || REPLACE(REPLACE(REPLACE(p.value_text, '!', '!!'), '%%', '!%%'), '_', '!_') || '"%%') ESCAPE '!'
                   THEN 1 ELSE 0 END
               WHEN p.aggregation = %(aggregation_share_full)s THEN CASE
                   WHEN p.denominator_tenk > 0 AND p.value_tenk >= p.denominator_tenk THEN 1 ELSE 0 END
               WHEN CASE WHEN p.is_urban THEN p.urban_tenk ELSE p.rural_tenk END IS NULL THEN CASE WHEN p.value_tenk > 0 THEN 1 ELSE 0 END
               WHEN p.value_tenk >= CASE WHEN p.is_urban THEN p.urban_tenk ELSE p.rural_tenk END THEN 1
               ELSE 0
           END AS meets,
           CASE WHEN p.denominator_tenk > 0 THEN p.value_tenk END AS ratio_numerator_tenk,
           CASE WHEN p.denominator_tenk > 0 THEN p.denominator_tenk END AS ratio_denominator_tenk
    FROM pairs p
    WHERE CASE
              WHEN p.question_type = %(type_yes_no)s THEN p.value_bool IS NOT NULL
              WHEN p.question_type IN (%(type_single)s, %(type_multiple)s) THEN p.value_text <> ''
              WHEN p.aggregation = %(aggregation_share_full)s THEN p.value_tenk IS NOT NULL AND p.denominator_tenk IS NOT NULL
              ELSE p.value_tenk IS NOT NULL
          END
"""
    )


# Per indicator over the round's answers (the recompute's temporary table), each value weighed by its answers.
INDICATOR_AGGREGATES = (
    """
SELECT indicator_id, SUM(answers), SUM(answers * meets), SUM(answers * value_tenk), SUM(answers * ratio_numerator_tenk),
       SUM(answers * ratio_denominator_tenk)
FROM ("""
    + _indicator_answer_values(ROUND_ANSWERS_TABLE)
    + """) answer_values
GROUP BY indicator_id
"""
)

# One school's rows of the same answer values, from the same SELECT of the round's answers (the recompute's table
# exists only inside the recompute): whether it meets each indicator's condition (for the school's passport).
INDICATOR_VALUES_OF_SCHOOL = (
    """
SELECT indicator_id, meets
FROM ("""
    + _indicator_answer_values(ROUND_ANSWERS_OF_SCHOOL)
    + """) answer_values
"""
)

# The points of each answer of one submission in thousandths, by the same rules as the recompute (for the school's card).
ANSWER_POINTS_OF_SUBMISSION = (
    """
WITH """
    + SCORING_CTES
    + """
SELECT r.question_id, """
    + ANSWER_POINTS_SQL
    + """ AS points_milli
FROM surveys_answer a"""
    + SCORING_JOINS
    + """
WHERE a.submission_id = %(submission_id)s AND r.id IS NOT NULL
"""
)
