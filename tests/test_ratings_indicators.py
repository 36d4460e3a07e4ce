"""Indicator progress after a round: the actual of each aggregation, the target of the nearest deadline, and the verdict."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from indicators.models import Indicator, Roadmap
from ratings.models import IndicatorProgress
from ratings.services import indicator_target_for, rating_recompute_round

from .factories import IndicatorFactory, IndicatorTargetFactory, MunicipalityFactory, RoadmapFactory, SchoolFactory
from .ratings_world import NO_MARKS, scored_questionnaire, scored_round, submit_answers, unanswered

pytestmark = pytest.mark.django_db


def progress_after(answers_by_school: dict, indicator: Indicator, **round_kwargs) -> IndicatorProgress:
    """Each school sends `answers` and, for every other question, an answer worth nothing (NO_MARKS); a question left
    unanswered (None or "") is one this questionnaire does not require."""
    answers_by_school = {school: {**NO_MARKS, **answers} for school, answers in answers_by_school.items()}
    questionnaire = scored_questionnaire(optional=unanswered(*answers_by_school.values()))
    submission_round = scored_round(schools=list(answers_by_school), questionnaire=questionnaire, **round_kwargs)
    submit_answers(submission_round, answers_by_school)
    rating_recompute_round(round_id=submission_round.pk)
    return IndicatorProgress.objects.get(round=submission_round, indicator=indicator)


def city_indicator(**kwargs) -> Indicator:
    indicator = IndicatorFactory(**kwargs)
    IndicatorTargetFactory(indicator=indicator, due_date=timezone.localdate() + dt.timedelta(days=200), value=Decimal(70))
    return indicator


def test_share_of_yes_answers_among_schools_with_data():
    indicator = city_indicator(question_code="parents_consultation", aggregation="share")
    schools = SchoolFactory.create_batch(5)
    row = progress_after(
        {
            schools[0]: {"parents_consultation": True},
            schools[1]: {"parents_consultation": True},
            schools[2]: {"parents_consultation": True},
            schools[3]: {"parents_consultation": False},
            schools[4]: {"parents_consultation": None},
        },
        indicator,
    )
    assert (row.actual, row.schools_with_data, row.schools_meeting, row.target_value, row.verdict) == (Decimal(75), 4, 3, Decimal(70), "achieved")


def test_speed_share_uses_the_rural_threshold_for_rural_schools():
    indicator = city_indicator(question_code="internet_speed", aggregation="share", threshold_urban=100, threshold_rural=50)
    urban_fast, urban_slow = SchoolFactory.create_batch(2, is_urban=True)
    rural_fast, rural_slow = SchoolFactory.create_batch(2, is_urban=False)
    row = progress_after(
        {urban_fast: {"internet_speed": 100}, urban_slow: {"internet_speed": 99}, rural_fast: {"internet_speed": 50}, rural_slow: {"internet_speed": "49.9"}},
        indicator,
    )
    assert (row.actual, row.schools_with_data, row.schools_meeting) == (Decimal(50), 4, 2)


def test_choice_share_counts_the_listed_options():
    indicator = city_indicator(question_code="equipment_kit", aggregation="share", condition_choices=["minimal", "standard"])
    schools = SchoolFactory.create_batch(4)
    row = progress_after(
        {
            schools[0]: {"equipment_kit": "none"},
            schools[1]: {"equipment_kit": "minimal", "kit_workstations": 10},
            schools[2]: {"equipment_kit": "standard", "kit_workstations": 10},
            schools[3]: {"equipment_kit": ""},
        },
        indicator,
    )
    assert (row.actual, row.schools_with_data, row.schools_meeting, row.verdict) == (Decimal("66.67"), 3, 2, "at_risk")


def test_full_share_counts_schools_whose_answer_reaches_the_denominator():
    indicator = city_indicator(question_code="kit_workstations_fast", denominator_code="kit_workstations", aggregation="share_full")
    schools = SchoolFactory.create_batch(4)
    row = progress_after(
        {
            schools[0]: {"kit_workstations": 10, "kit_workstations_fast": 10},
            schools[1]: {"kit_workstations": 10, "kit_workstations_fast": 5},
            schools[2]: {"kit_workstations": 0, "kit_workstations_fast": 0},
            schools[3]: {"kit_workstations": None, "kit_workstations_fast": 3},
        },
        indicator,
    )
    assert (row.actual, row.schools_with_data, row.schools_meeting, row.verdict) == (Decimal("33.33"), 3, 1, "missed")


def test_mean_of_numeric_answers():
    indicator = city_indicator(question_code="teachers_ready_share", aggregation="mean")
    schools = SchoolFactory.create_batch(3)
    row = progress_after({s: {"teachers_ready_share": v} for s, v in zip(schools, (50, 70, "90.5"), strict=True)}, indicator)
    assert (row.actual, row.schools_with_data) == (Decimal("70.17"), 3)


@pytest.mark.parametrize(
    ("higher_is_better", "target", "actual", "verdict"),
    [
        (True, 70, "70", "achieved"),
        (True, 70, "70.01", "achieved"),
        (True, 70, "69.99", "at_risk"),
        (True, 70, "60", "at_risk"),
        (True, 70, "59.99", "missed"),
        (False, 20, "20", "achieved"),
        (False, 20, "5", "achieved"),
        (False, 20, "20.01", "at_risk"),
        (False, 20, "30", "at_risk"),
        (False, 20, "30.01", "missed"),
    ],
)
def test_verdict_at_its_boundaries_and_reversed_when_lower_is_better(higher_is_better, target, actual, verdict):
    indicator = IndicatorFactory(question_code="teachers_ready_share", aggregation="mean", higher_is_better=higher_is_better)
    IndicatorTargetFactory(indicator=indicator, due_date=timezone.localdate() + dt.timedelta(days=30), value=Decimal(target))
    row = progress_after({SchoolFactory(): {"teachers_ready_share": actual}}, indicator)
    assert (row.actual, row.verdict) == (Decimal(actual), verdict)


def test_without_answers_the_verdict_is_no_data_and_without_a_target_no_target():
    unanswered = city_indicator(question_code="not_in_this_questionnaire", aggregation="share")
    untargeted = IndicatorFactory(question_code="teachers_ready_share", aggregation="mean")
    school = SchoolFactory()
    submission_round = scored_round(schools=[school])
    submit_answers(submission_round, {school: {**NO_MARKS, "teachers_ready_share": 80}})
    rating_recompute_round(round_id=submission_round.pk)

    rows = {row.indicator_id: row for row in IndicatorProgress.objects.filter(round=submission_round)}
    assert (rows[unanswered.pk].verdict, rows[unanswered.pk].schools_with_data, rows[unanswered.pk].actual) == ("no_data", 0, None)
    assert (rows[untargeted.pk].verdict, rows[untargeted.pk].actual, rows[untargeted.pk].target_value) == ("no_target", Decimal(80), None)


def test_indicators_not_computed_from_answers_or_of_another_municipality_get_no_progress():
    IndicatorFactory(question_code="teachers_ready_share", aggregation="none")
    IndicatorFactory(question_code="teachers_ready_share", aggregation="mean", roadmap__municipality=MunicipalityFactory(name="Муромский район"))
    school = SchoolFactory()
    submission_round = scored_round(schools=[school])
    submit_answers(submission_round, {school: {**NO_MARKS, "teachers_ready_share": 80}})
    rating_recompute_round(round_id=submission_round.pk)

    assert not IndicatorProgress.objects.exists()


def test_the_target_is_the_nearest_deadline_on_or_after_the_round_closes_else_the_last():
    targets = [(dt.date(2021, 5, 31), 70), (dt.date(2022, 5, 31), 90), (dt.date(2023, 5, 31), 100)]
    assert indicator_target_for(targets, dt.date(2021, 12, 1)) == (dt.date(2022, 5, 31), 90)
    assert indicator_target_for(targets, dt.date(2022, 5, 31)) == (dt.date(2022, 5, 31), 90)
    assert indicator_target_for(targets, dt.date(2020, 1, 1)) == (dt.date(2021, 5, 31), 70)
    assert indicator_target_for(targets, dt.date(2025, 1, 1)) == (dt.date(2023, 5, 31), 100)
    assert indicator_target_for([], dt.date(2025, 1, 1)) is None


def test_the_round_takes_the_target_due_after_it_closes():
    indicator = IndicatorFactory(question_code="teachers_ready_share", aggregation="mean")
    closes = timezone.now() + dt.timedelta(days=7)
    for days, value in ((-30, 10), (60, 50), (400, 90)):
        IndicatorTargetFactory(indicator=indicator, due_date=timezone.localdate(closes) + dt.timedelta(days=days), value=Decimal(value))
    row = progress_after({SchoolFactory(): {"teachers_ready_share": 45}}, indicator, closes_at=closes)
    assert (row.target_value, row.target_due, row.verdict) == (Decimal(50), timezone.localdate(closes) + dt.timedelta(days=60), "at_risk")


def test_a_school_level_indicator_compares_the_school_own_answer_with_its_target():
    school, other = SchoolFactory.create_batch(2)
    plan = RoadmapFactory(kind=Roadmap.Kind.SCHOOL, municipality=None, school=school, title="План школы")
    teachers = IndicatorFactory(roadmap=plan, level="school", question_code="teachers_ready_share", aggregation="mean")
    fast = IndicatorFactory(roadmap=plan, level="school", question_code="kit_workstations_fast", denominator_code="kit_workstations", aggregation="share_full")
    for indicator in (teachers, fast):
        IndicatorTargetFactory(indicator=indicator, due_date=timezone.localdate() + dt.timedelta(days=100), value=Decimal(80))
    submission_round = scored_round(schools=[school, other])
    submit_answers(
        submission_round,
        {
            school: {**NO_MARKS, "teachers_ready_share": 85, "kit_workstations": 8, "kit_workstations_fast": 6},
            other: {**NO_MARKS, "teachers_ready_share": 10, "kit_workstations": 8, "kit_workstations_fast": 8},
        },
    )
    rating_recompute_round(round_id=submission_round.pk)

    rows = {row.indicator_id: row for row in IndicatorProgress.objects.filter(round=submission_round)}
    assert (rows[teachers.pk].school_id, rows[teachers.pk].actual, rows[teachers.pk].verdict) == (school.pk, Decimal(85), "achieved")
    assert (rows[fast.pk].school_id, rows[fast.pk].actual, rows[fast.pk].verdict) == (school.pk, Decimal(75), "at_risk")
