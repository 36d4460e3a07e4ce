"""The school card: history over rounds, latest answers against the city, status history, curator."""

from decimal import Decimal

import pytest
from django.urls import reverse

from surveys.models import Submission
from surveys.selectors import city_medians, city_yes_shares
from tests.factories import AnswerFactory, CuratorFactory, StatusAwardFactory, SubmissionFactory, UserFactory, district_officer, methodologist
from tests.reports_world import many_schools, small_round

pytestmark = pytest.mark.django_db


def card_url(school) -> str:
    return reverse("reports:school-card", args=[school.pk])


def test_card_shows_history_with_ranks_sections_and_changes(client):
    world = small_round()
    CuratorFactory(school=world.s10, user=UserFactory(first_name="Ирина", last_name="Соколова"), position="заместитель директора")
    client.force_login(methodologist())
    response = client.get(card_url(world.s10))
    assert response.status_code == 200
    card = response.context["card"]
    assert [(h.round.title, h.rating.score, h.rating.rank, h.rated_in_round) for h in card.history] == [
        ("Мониторинг 2025", Decimal("80.0"), 1, 2),
        ("Мониторинг 2026", Decimal("85.5"), 1, 3),
    ]
    assert card.section_titles == ["Инфраструктура", "Современное управление и кадры"]
    assert card.section_rows[1] == ("Современное управление и кадры", [(Decimal(35), Decimal(40)), (Decimal("35.5"), Decimal(40))])
    text = response.content.decode()
    assert "Ирина Соколова" in text and "заместитель директора" in text
    assert "85,5" in text and "(+5,5)" in text and "1 из 3" in text


def test_latest_answers_are_compared_with_the_city_median_of_counted_submissions(client):
    world = small_round()
    client.force_login(methodologist())
    card = client.get(card_url(world.s10)).context["card"]
    assert card.answers_round == world.current
    rows = {a.question.code: a for a in card.answers}
    # Counted: 10 (120), 97 (80), 87 (40); the draft of 16 (10 Мбит/с) is left out.
    assert (rows["internet_speed"].value, rows["internet_speed"].city, rows["internet_speed"].versus_city) == (Decimal(120), Decimal(80), "above")
    assert rows["teachers_ready_share"].city == Decimal("62.5")
    assert round(rows["channel_meets_requirements"].city, 2) == Decimal("66.67")
    assert rows["equipment_kit"].display == "стандартный" and rows["equipment_kit"].city is None
    assert rows["platforms_used"].display == "Сферум, РЭШ"


def test_median_of_an_even_number_of_answers_is_the_mean_of_the_middle_two():
    world = small_round()
    s58 = SubmissionFactory(round=world.current, school=world.s58, state=Submission.State.ACCEPTED)
    AnswerFactory(submission=s58, question=world.q.speed, value_number=Decimal(100))
    AnswerFactory(submission=s58, question=world.q.channel, value_bool=True)
    assert city_medians(world.current.pk)[world.q.speed.pk] == Decimal(90)  # 40, 80, 100, 120
    assert city_yes_shares(world.current.pk)[world.q.channel.pk] == Decimal(75)


def test_status_history_names_failed_criteria_and_awards(client):
    world = small_round()
    StatusAwardFactory(school=world.s97, year=2022, order_reference="Приказ УОПР от 2022, приложение № 1")
    client.force_login(methodologist())
    response = client.get(card_url(world.s97))
    card = response.context["card"]
    assert [(e.round, e.eligible, e.failed) for e in card.eligibility] == [(world.current, False, ["рейтинг", "комплект ЦОС"])]
    text = response.content.decode()
    assert "«Цифровая школа Ростова-на-Дону 2022»" in text
    assert "не выполнено: рейтинг, комплект" in text


def test_school_without_ratings_or_answers_says_so(client):
    world = small_round()
    client.force_login(methodologist())
    text = client.get(card_url(world.s58)).content.decode()
    assert "Отправленных анкет пока нет" in text
    assert "рейтинга пока нет" in text


def test_curator_sees_only_their_own_school(client):
    world = small_round()
    client.force_login(CuratorFactory(school=world.s97).user)
    assert client.get(card_url(world.s97)).status_code == 200
    assert client.get(card_url(world.s10)).status_code == 404


def test_district_officer_sees_schools_of_their_district_only(client):
    world = small_round()
    client.force_login(district_officer(world.sovetsky))
    assert client.get(card_url(world.s87)).status_code == 200
    assert client.get(card_url(world.s10)).status_code == 404


def test_user_without_role_is_refused(client):
    world = small_round()
    client.force_login(UserFactory())
    assert client.get(card_url(world.s10)).status_code == 403


def test_card_is_printable(client):
    world = small_round()
    client.force_login(methodologist())
    text = client.get(card_url(world.s10)).content.decode()
    assert 'href="/static/css/print.css" media="print"' in text
    assert "data-print" in text and "js/schools.js" in text


@pytest.mark.parametrize("extra_schools", [5, 195])
def test_card_queries_do_not_grow_with_schools(client, django_assert_num_queries, extra_schools):
    world = small_round()
    many_schools(world, extra_schools)
    client.force_login(methodologist())
    # session, user, profile, groups, school, curator, ratings with the rated count of their rounds, section scores,
    # latest submission, medians, «да» shares, answers, awards, eligibility;
    # the history of changes: school history, its municipality and district names, curator history
    with django_assert_num_queries(18):
        client.get(card_url(world.s10))
