"""City figures over too few schools are hidden from those who could subtract their own answer (issue 13, recipe 7):
with two schools, twice the median minus one's own value is the other's exact answer."""

from decimal import Decimal

import pytest
from django.urls import reverse

from surveys.models import Submission
from tests.factories import AnswerFactory, CuratorFactory, SubmissionFactory, SubmissionRoundFactory, district_officer, methodologist
from tests.reports_world import small_round

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_schools():
    world = small_round()
    opens = world.current.opens_at.replace(year=2027)
    round_ = SubmissionRoundFactory(
        title="Мониторинг 2027", municipality=world.city, questionnaire=world.questionnaire, year=2027, opens_at=opens, closes_at=opens.replace(month=5)
    )
    mine, other = world.s10, world.s87
    for school, speed, channel in ((mine, 120, True), (other, 40, False)):
        submission = SubmissionFactory(round=round_, school=school, state=Submission.State.SUBMITTED)
        AnswerFactory(submission=submission, question=world.q.speed, value_number=Decimal(speed))
        AnswerFactory(submission=submission, question=world.q.channel, value_bool=channel)
    return world, mine, other


def card(client, school):
    return client.get(reverse("reports:school-card", args=[school.pk]))


def test_a_curator_does_not_see_a_median_of_two_schools(client, two_schools, settings):
    world, mine, _other = two_schools
    assert settings.AGGREGATE_MIN_SCHOOLS == 5
    client.force_login(CuratorFactory(school=mine).user)
    response = card(client, mine)
    rows = {a.question.code: a for a in response.context["card"].answers}
    assert rows["internet_speed"].city is None, "2 × 80 − 120 would give the other school's 40 Мбит/с"
    assert rows["channel_meets_requirements"].city is None
    assert "меньше 5 школ" in response.content.decode()


def test_a_district_officer_does_not_see_them_either(client, two_schools):
    world, mine, _other = two_schools
    client.force_login(district_officer(world.pervomaysky))
    rows = {a.question.code: a for a in card(client, mine).context["card"].answers}
    assert rows["internet_speed"].city is None


def test_a_methodologist_sees_the_figures_of_a_small_round(client, two_schools):
    _world, mine, _other = two_schools
    client.force_login(methodologist())
    rows = {a.question.code: a for a in card(client, mine).context["card"].answers}
    assert rows["internet_speed"].city == Decimal(80)


def test_the_figures_appear_once_enough_schools_answered(client, two_schools, settings):
    world, mine, _other = two_schools
    settings.AGGREGATE_MIN_SCHOOLS = 2
    client.force_login(CuratorFactory(school=mine).user)
    rows = {a.question.code: a for a in card(client, mine).context["card"].answers}
    assert rows["internet_speed"].city == Decimal(80)


def test_a_curator_does_not_see_a_city_indicator_over_too_few_schools(client):
    from ratings.models import IndicatorProgress

    world = small_round()
    client.force_login(CuratorFactory(school=world.s10).user)
    url = reverse("ratings:indicator-progress", args=[world.current.pk])
    page = client.get(url).content.decode()
    assert "не показывается: данные меньше чем 5 школ" in page and "33,33" not in page
    client.force_login(methodologist())
    assert "33,33" in client.get(url).content.decode()
    IndicatorProgress.objects.filter(school__isnull=True).update(schools_with_data=5)
    client.force_login(CuratorFactory(school=world.s97).user)
    assert "33,33" in client.get(url).content.decode()
