"""Points of every question type at and around its bounds, computed by the recompute's SQL on the real database."""

from decimal import Decimal

import pytest

from ratings.models import Rating, SectionScore
from ratings.services import rating_recompute_round

from .factories import SchoolFactory
from .ratings_world import DEFAULT_RULES, FULL_MARKS, NO_MARKS, scored_questionnaire, scored_round, submit_answers, unanswered

pytestmark = pytest.mark.django_db


def points_for(answers: dict, *, rules: dict | None = None, extra_choices: dict | None = None) -> Decimal:
    """The points of a form with `answers` and, for every other question, an answer worth nothing (NO_MARKS).
    A question left unanswered (None or "") is one the questionnaire does not require: a required one cannot be sent empty."""
    answers = {**NO_MARKS, **answers}
    school = SchoolFactory()
    questionnaire = scored_questionnaire(rules=rules, optional=unanswered(answers), extra_choices=extra_choices)
    submission_round = scored_round(schools=[school], questionnaire=questionnaire)
    submit_answers(submission_round, {school: answers})
    rating_recompute_round(round_id=submission_round.pk)
    return Rating.objects.get(round=submission_round, school=school).points


@pytest.mark.parametrize(
    ("speed", "points"),
    [(None, "0"), (0, "0"), ("0.5", "0.1"), (50, "10"), ("99.9", "19.98"), (100, "20"), (150, "20"), (10000, "20")],
)
def test_linear_rule_gives_nothing_at_the_floor_full_points_at_the_top_and_a_straight_line_between(speed, points):
    assert points_for({"internet_speed": speed}) == Decimal(points)


@pytest.mark.parametrize(("answer", "points"), [(True, "5"), (False, "0"), (None, "0")])
def test_yes_rule_gives_points_only_for_yes(answer, points):
    assert points_for({"channel_meets_requirements": answer}) == Decimal(points)


@pytest.mark.parametrize(("kit", "points"), [("none", "0"), ("minimal", "10"), ("standard", "20"), ("", "0")])
def test_single_choice_gives_the_points_of_the_chosen_option(kit, points):
    # A kit has its workstations (the form requires a number above zero with a kit); they earn no points.
    assert points_for({"equipment_kit": kit, "kit_workstations": 10}) == Decimal(points)


@pytest.mark.parametrize(
    ("platforms", "points"),
    [
        ("sferum", "2.5"),
        ("sferum|moya_shkola", "5"),
        ("moya_shkola|resh|sferum", "5"),
        ("sferum|resh", "2.5"),
        ("resh|uchi", "0"),
        ("", "0"),
    ],
)
def test_multiple_choice_sums_the_points_of_the_chosen_options(platforms, points):
    assert points_for({"platforms_used": platforms}) == Decimal(points)


def test_an_option_without_points_earns_nothing_even_when_spelled_like_a_scored_one():
    # Options an administrator added to the questionnaire and did not score: the option's value is matched exactly,
    # not as a prefix, and an underscore in an option is a character, not a LIKE wildcard.
    extra = {"equipment_kit": [["standar", "стандартный (без проектора)"]], "platforms_used": [["moyaXshkola", "Моя школа (старая версия)"]]}
    assert points_for({"equipment_kit": "standar", "kit_workstations": 10}, extra_choices=extra) == Decimal(0)
    assert points_for({"platforms_used": "moyaXshkola"}, extra_choices=extra) == Decimal(0)


def test_multiple_choice_never_gives_more_than_its_maximum():
    rules = {"platforms_used": ("choice", 5, None, None, {"sferum": 3, "moya_shkola": 3, "resh": 3})}
    assert points_for({"platforms_used": "sferum|resh"}, rules=rules) == Decimal(5)
    assert points_for({"platforms_used": "sferum"}, rules=rules) == Decimal(3)


@pytest.mark.parametrize(
    ("share", "points"),
    [(None, "0"), (0, "0"), ("49.99", "0"), (50, "2"), ("79.9", "2"), (80, "4"), ("94.99", "4"), (95, "5"), (100, "5")],
)
def test_steps_give_the_points_of_the_highest_threshold_reached(share, points):
    assert points_for({"ris_active_users_share": share}) == Decimal(points)


@pytest.mark.parametrize(
    ("code", "value", "points"),
    [
        ("comment", "", "0"),
        ("comment", "Есть договор с провайдером", "1"),
        ("speed_measured_on", None, "0"),
        ("speed_measured_on", "2026-03-01", "1"),
        ("evidence_file", None, "0"),
        ("evidence_file", "akt.pdf", "1"),
        ("students_count", 0, "1"),
    ],
)
def test_filled_rule_gives_points_for_any_answer_of_text_date_file_or_number(code, value, points):
    if code == "speed_measured_on" and value:
        import datetime as dt

        value = dt.date.fromisoformat(value)
    if code == "evidence_file" and value:
        from django.core.files.uploadedfile import SimpleUploadedFile

        value = SimpleUploadedFile(value, b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n", content_type="application/pdf")
    assert points_for({code: value}, rules={code: ("filled", 1, None, None, None)}) == Decimal(points)


def test_questions_without_a_rule_give_no_points():
    assert points_for({"kit_workstations": 40, "comment": "Текст"}) == Decimal(0)


def test_full_marks_give_a_score_of_100_and_the_high_level():
    school = SchoolFactory()
    submission_round = scored_round(schools=[school])
    submit_answers(submission_round, {school: FULL_MARKS})
    rating_recompute_round(round_id=submission_round.pk)

    rating = Rating.objects.get(round=submission_round, school=school)
    assert (rating.points, rating.possible, rating.score, rating.level) == (Decimal(100), Decimal(100), Decimal("100.0"), "high")


def test_score_is_points_over_possible_times_100_with_one_decimal_and_levels_follow_the_thresholds():
    schools = SchoolFactory.create_batch(4)
    submission_round = scored_round(schools=schools, questionnaire=scored_questionnaire(optional={"parents_consultation"}))
    kit = {"equipment_kit": "minimal", "kit_workstations": 10}
    submit_answers(
        submission_round,
        {
            schools[0]: {**NO_MARKS, "internet_speed": 33},  # 6,6 of 100
            schools[1]: {**FULL_MARKS, "parents_consultation": False, "ris_content_share": 1},  # 100 − 2 − 4,95 = 93,05 → 93,1
            schools[2]: {**NO_MARKS, **kit, "internet_speed": 100, "teachers_ready_share": 100, "parents_consultation": None},  # 50 → medium
            schools[3]: {**NO_MARKS, **kit, "internet_speed": 100, "teachers_ready_share": 100, "parents_consultation": False},
        },
    )
    rating_recompute_round(round_id=submission_round.pk)

    rows = {r.school_id: (r.score, r.level) for r in Rating.objects.filter(round=submission_round)}
    assert rows[schools[0].pk] == (Decimal("6.6"), "low")
    assert rows[schools[1].pk] == (Decimal("93.1"), "high")
    assert rows[schools[2].pk] == (Decimal("50.0"), "medium")
    assert rows[schools[3].pk] == (Decimal("50.0"), "medium")


def test_points_per_section_count_unanswered_questions_as_zero_of_their_points():
    school = SchoolFactory()
    answered = {"internet_speed": 50, "equipment_kit": "minimal", "kit_workstations": 10, "parents_consultation": True}
    # Every other scored question is one this questionnaire does not require, and the school leaves it empty.
    left_empty = set(DEFAULT_RULES) - set(answered)
    submission_round = scored_round(schools=[school], questionnaire=scored_questionnaire(optional=left_empty))
    submit_answers(submission_round, {school: {**NO_MARKS, **dict.fromkeys(left_empty), **answered}})
    rating_recompute_round(round_id=submission_round.pk)

    by_section = {s.section.order: (s.points, s.possible) for s in SectionScore.objects.filter(round=submission_round).select_related("section")}
    assert by_section == {
        1: (Decimal(20), Decimal(50)),
        2: (Decimal(0), Decimal(30)),
        3: (Decimal(0), Decimal(8)),
        4: (Decimal(0), Decimal(10)),
        5: (Decimal(2), Decimal(2)),
    }
