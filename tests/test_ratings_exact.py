"""Exact arithmetic: points summed exactly, the score rounded once (half up, one decimal); level, rank and
eligibility follow the score the user sees. The recipe of issue 12, «What is wrong», item 1."""

from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ratings.models import Rating, ScoringScheme, SectionScore, StatusEligibility
from ratings.services import rating_recompute_round

from .factories import DistrictFactory, SchoolFactory, StatusCriteriaFactory, methodologist
from .ratings_world import NO_MARKS, scored_questionnaire, scored_round, submit_answers

pytestmark = pytest.mark.django_db

# Exact points 79.945 of 100: administration «54,9» gives 5 × 54.9 / 100 = 2.745.
RECIPE = {
    "internet_speed": 100,
    "channel_meets_requirements": True,
    "connection_contract_next_year": True,
    "equipment_kit": "standard",
    "kit_workstations": 10,
    "kit_workstations_fast": 10,
    "teachers_ready_share": 60,
    "admin_ready_share": "54.9",
    "platforms_used": "sferum|moya_shkola",
    "ris_content_share": 4,
    "ris_active_users_share": 30,
    "best_practice": "current",
    "ecosystem_member": True,
    "parents_consultation": True,
    "students_count": 800,
    "certification_request": True,
}


def test_a_school_with_exact_points_79_945_scores_79_9_medium_and_not_eligible():
    school = SchoolFactory()
    submission_round = scored_round(schools=[school])
    StatusCriteriaFactory(municipality=submission_round.municipality, year=submission_round.year, min_score=80, min_teacher_share=60)
    submit_answers(submission_round, {school: RECIPE})
    rating_recompute_round(round_id=submission_round.pk)

    rating = Rating.objects.get(round=submission_round, school=school)
    assert rating.score == Decimal("79.9"), rating.score
    assert rating.points == Decimal("79.945")
    assert rating.possible == Decimal(100)
    assert rating.score == Decimal("79.9")
    assert rating.level == Rating.Level.MEDIUM
    eligibility = StatusEligibility.objects.get(round=submission_round, school=school)
    assert not eligibility.ok_score
    assert not eligibility.eligible
    # The sections add up to the total exactly.
    assert sum(SectionScore.objects.filter(round=submission_round, school=school).values_list("points", flat=True)) == Decimal("79.945")


def test_the_card_lines_add_up_to_the_points_it_shows(client, django_user_model):
    school = SchoolFactory()
    submission_round = scored_round(schools=[school])
    submit_answers(submission_round, {school: RECIPE})
    rating_recompute_round(round_id=submission_round.pk)
    user = methodologist(username="metodist-exact", municipality=school.municipality)
    client.force_login(user)

    from ratings.selectors import rating_card
    from schools.roles import Access

    card = rating_card(Access(user), submission_round, school.pk)
    lines = [line.points for section in card.sections for line in section.lines if line.points is not None]
    assert sum(lines) == card.rating.points == Decimal("79.945")
    for section in card.sections:
        if section.score is not None:
            assert sum(line.points for line in section.lines if line.points is not None) == section.score.points
    page = client.get(f"/ratings/rounds/{submission_round.pk}/schools/{school.pk}/").content.decode()
    assert "79,945 из 100" in page
    assert "2,745" in page  # the administration's points, as counted
    assert "79,9" in page and "80,0" not in page


# An independent reference of the scoring rules, in plain Python with exact fractions.


def _half_up(value: Fraction, places: int) -> Decimal:
    scaled = value * 10**places
    whole = int(scaled)
    if scaled - whole >= Fraction(1, 2):
        whole += 1
    return Decimal(whole) / 10**places


def reference_points(kind: str, top: Decimal, floor, full, extra, value) -> Fraction:
    top = Fraction(top)
    if kind == "yes":
        return top if value is True else Fraction(0)
    if kind == "filled":
        return top if value not in (None, "") else Fraction(0)
    if kind == "linear":
        if value is None or Fraction(value) <= Fraction(floor):
            return Fraction(0)
        if Fraction(value) >= Fraction(full):
            return top
        return Fraction(_half_up(top * (Fraction(value) - Fraction(floor)) / (Fraction(full) - Fraction(floor)), 3))
    if kind == "steps":
        reached = [Fraction(points) for threshold, points in sorted(extra.items()) if value is not None and Fraction(threshold) <= Fraction(value)]
        return min(max(reached[-1], Fraction(0)), top) if reached else Fraction(0)
    if kind == "choice":
        chosen = set(str(value or "").split("|")) if "|" in str(value or "") else {str(value or "")}
        total = sum((Fraction(points) for option, points in extra.items() if option in chosen), Fraction(0))
        return min(max(total, Fraction(0)), top)
    raise AssertionError(kind)


NUMERIC = ["internet_speed", "teachers_ready_share", "admin_ready_share", "ris_content_share", "ris_active_users_share", "students_count"]
PERCENT = {"teachers_ready_share", "admin_ready_share", "ris_content_share", "ris_active_users_share"}
YES_NO = ["channel_meets_requirements", "connection_contract_next_year", "ecosystem_member", "parents_consultation"]
money = st.decimals(min_value=Decimal("0.01"), max_value=Decimal(40), places=2)
number = st.decimals(min_value=Decimal(0), max_value=Decimal(300), places=4)
# What the form accepts: a percent from 0 to 100, a whole number of students.
answer_of = {code: st.decimals(min_value=Decimal(0), max_value=Decimal(100), places=4) for code in PERCENT}
answer_of["students_count"] = st.integers(min_value=0, max_value=300).map(Decimal)


@st.composite
def rule_sets(draw):
    rules = {}
    for code in NUMERIC:
        kind = draw(st.sampled_from(["linear", "steps", "filled"]))
        top = draw(money)
        if kind == "linear":
            floor = draw(st.decimals(min_value=Decimal(0), max_value=Decimal(100), places=4))
            full = floor + draw(st.decimals(min_value=Decimal("0.0001"), max_value=Decimal(200), places=4))
            rules[code] = ("linear", top, floor, full, None)
        elif kind == "steps":
            steps = draw(st.dictionaries(number, money, min_size=0, max_size=4))
            rules[code] = ("steps", top, None, None, steps)
        else:
            rules[code] = ("filled", top, None, None, None)
    for code in YES_NO:
        rules[code] = (draw(st.sampled_from(["yes", "filled"])), draw(money), None, None, None)
    rules["equipment_kit"] = ("choice", draw(money), None, None, draw(st.dictionaries(st.sampled_from(["none", "minimal", "standard"]), money)))
    rules["platforms_used"] = ("choice", draw(money), None, None, draw(st.dictionaries(st.sampled_from(["sferum", "moya_shkola", "resh", "uchi"]), money)))
    return rules


@st.composite
def answer_sets(draw):
    answers = {code: draw(st.none() | answer_of.get(code, number)) for code in NUMERIC}
    answers.update({code: draw(st.none() | st.booleans()) for code in YES_NO})
    answers["equipment_kit"] = draw(st.sampled_from(["", "none", "minimal", "standard"]))
    answers["platforms_used"] = "|".join(draw(st.lists(st.sampled_from(["sferum", "moya_shkola", "resh", "uchi"]), unique=True, max_size=4)))
    return answers


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(rules=rule_sets(), schools_answers=st.lists(answer_sets(), min_size=1, max_size=7), level_high=st.integers(50, 100))
def test_stored_points_scores_levels_and_ranks_match_a_plain_python_reference(rules, schools_answers, level_high):
    districts = [DistrictFactory(), DistrictFactory()]
    schools = [SchoolFactory(district=districts[n % 2]) for n in range(len(schools_answers))]
    # Every scored question may be left unanswered in this questionnaire; the others get answers worth nothing,
    # and workstations, since a kit chosen needs them.
    questionnaire = scored_questionnaire(rules=rules, optional=[*NUMERIC, *YES_NO, "equipment_kit"])
    submission_round = scored_round(schools=schools, questionnaire=questionnaire)
    ScoringScheme.objects.filter(questionnaire_id=submission_round.questionnaire_id).update(level_high=level_high, level_medium=40)
    unscored = {**NO_MARKS, "kit_workstations": 10, "kit_workstations_fast": 10}
    submit_answers(submission_round, {school: {**unscored, **answers} for school, answers in zip(schools, schools_answers, strict=True)})
    rating_recompute_round(round_id=submission_round.pk)

    possible = sum(Fraction(rule[1]) for rule in rules.values())
    expected = {}
    for school, answers in zip(schools, schools_answers, strict=True):
        total = sum(reference_points(*rules[code], answers.get(code)) for code in rules)
        score = _half_up(total / possible * 100, 1)
        level = "high" if score >= level_high else "medium" if score >= 40 else "low"
        expected[school.pk] = (Decimal(total.numerator) / Decimal(total.denominator), score, level, school.district_id)
    stored = {r.school_id: r for r in Rating.objects.filter(round=submission_round)}
    for school_id, (points, score, level, district_id) in expected.items():
        row = stored[school_id]
        assert (row.points, row.possible, row.score, row.level) == (points, Decimal(possible.numerator) / possible.denominator, score, level)
        assert row.rank == 1 + sum(1 for other in expected.values() if other[1] > score)
        assert row.district_rank == 1 + sum(1 for other in expected.values() if other[1] > score and other[3] == district_id)
