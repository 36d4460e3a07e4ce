"""A school's card in a round: each answer's points and the rule that gave them, section totals, the status criteria one by one."""

from decimal import Decimal

import pytest
from django.urls import reverse

from ratings.models import Rating
from ratings.services import rating_recompute_round

from .factories import CuratorFactory, SchoolFactory, StatusCriteriaFactory, district_officer, methodologist
from .ratings_world import FULL_MARKS, rated_round, scored_round, submit_answers

pytestmark = pytest.mark.django_db


def card_url(submission_round, school) -> str:
    return reverse("ratings:school-round", args=[submission_round.pk, school.pk])


def lines_by_code(response) -> dict:
    return {line.question.code: line for section in response.context["card"].sections for line in section.lines}


def test_the_card_shows_each_answer_with_its_points_and_rule_so_the_score_can_be_recomputed_by_hand(client):
    school = SchoolFactory(is_urban=False)
    submission_round = scored_round(schools=[school])
    answers = {**FULL_MARKS, "internet_speed": 45, "platforms_used": "sferum|resh", "ris_active_users_share": 85, "equipment_kit": "minimal"}
    submit_answers(submission_round, {school: answers})
    rating_recompute_round(round_id=submission_round.pk)
    client.force_login(methodologist())

    response = client.get(card_url(submission_round, school))

    lines = lines_by_code(response)
    assert lines["internet_speed"].points == Decimal(9)
    assert lines["platforms_used"].points == Decimal("2.5")
    assert lines["ris_active_users_share"].points == Decimal(4)
    assert lines["equipment_kit"].points == Decimal(10)
    assert lines["kit_workstations"].rule is None
    by_hand = sum(line.points for line in lines.values() if line.rule is not None)
    rating = Rating.objects.get(round=submission_round, school=school)
    assert by_hand == rating.points == Decimal("75.5")
    page = response.content.decode()
    assert "0 при значении не выше 0 Мбит/с, 20 при значении не ниже 100 Мбит/с" in page
    assert "от 50 % — 2; от 80 % — 4; от 95 % — 5" in page
    assert "сумма за отмеченные варианты, не больше 5" in page
    assert "75,5 / 100 × 100 = 75,5" in page


def test_the_card_names_each_failed_status_criterion_with_the_school_answer(client):
    school = SchoolFactory(is_urban=True)
    submission_round = scored_round(schools=[school])
    submit_answers(submission_round, {school: {**FULL_MARKS, "internet_speed": 60, "certification_request": False}})
    StatusCriteriaFactory(municipality=school.municipality, year=submission_round.year)
    rating_recompute_round(round_id=submission_round.pk)
    client.force_login(CuratorFactory(school=school).user)

    response = client.get(card_url(submission_round, school))

    failed = [(check.label, check.actual) for check in response.context["card"].failed_checks]
    assert failed == [
        ("Скорость Интернета не ниже 100 Мбит/с (городская школа)", "60 Мбит/с"),
        ("Школа подала заявку на добровольную сертификацию", "нет"),
    ]
    assert "Не выполнено критериев: 2" in response.content.decode()


def test_a_school_without_a_counted_submission_has_a_card_that_says_so(client):
    submission_round, schools = rated_round(3)
    client.force_login(methodologist())

    page = client.get(card_url(submission_round, schools[2])).content.decode()

    assert "рейтинг не рассчитан" in page
    assert "Баллы по разделам анкеты" not in page


def test_curators_and_district_officers_open_only_cards_of_schools_they_see(client):
    submission_round, schools = rated_round(4)  # schools 0 and 2 in one district, 1 and 3 in the other
    client.force_login(CuratorFactory(school=schools[0]).user)
    assert client.get(card_url(submission_round, schools[0])).status_code == 200
    assert client.get(card_url(submission_round, schools[2])).status_code == 404

    client.force_login(district_officer(schools[1].district))
    assert client.get(card_url(submission_round, schools[3])).status_code == 200
    assert client.get(card_url(submission_round, schools[0])).status_code == 404


@pytest.mark.parametrize("n_schools", [10, 200])
def test_the_card_runs_the_same_queries_whatever_the_number_of_schools(client, n_schools, django_assert_max_num_queries):
    submission_round, schools = rated_round(n_schools)
    client.force_login(methodologist())

    # session, user, profile, groups, round, rating, questions with rules, steps, option points, answers,
    # points of each answer, section scores, eligibility, criteria, award; deficits: the library's activities of the worst
    # sections, the school's plan (and its activities added from deficits, when it has a plan)
    with django_assert_max_num_queries(18):
        response = client.get(card_url(submission_round, schools[0]))

    assert response.status_code == 200
