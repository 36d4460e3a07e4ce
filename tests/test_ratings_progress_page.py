"""Indicator progress of a round: actual against target, schools with data, and the verdict."""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from indicators.models import Roadmap
from ratings.services import rating_recompute_round

from .factories import CuratorFactory, IndicatorFactory, IndicatorTargetFactory, RoadmapFactory, methodologist
from .ratings_world import rated_round

pytestmark = pytest.mark.django_db


def test_the_page_shows_each_indicator_actual_target_schools_with_data_and_verdict(client):
    submission_round, _schools = rated_round(4)  # 40, 55, 70 Mbit/s; the third is rural (≥ 50 counts)
    client.force_login(methodologist())

    response = client.get(reverse("ratings:indicator-progress", args=[submission_round.pk]))

    [row] = response.context["city"]
    assert (row.actual, row.target_value, row.schools_with_data, row.schools_meeting, row.verdict) == (Decimal("33.33"), Decimal(90), 3, 1, "missed")
    page = response.content.decode()
    assert "Доля ОУ со скоростью Интернета не ниже 100 Мбит/с" in page and "33,33 %" in page and "не достигнут" in page
    assert "ROS-SPEED" not in page, "internal indicator codes are not shown to people"
    assert "от 100, в сельских — от 50" in page


def test_school_plan_indicators_are_shown_only_to_those_who_see_the_school(client):
    submission_round, schools = rated_round(3)
    plan = RoadmapFactory(kind=Roadmap.Kind.SCHOOL, municipality=None, school=schools[0], title="План школы")
    indicator = IndicatorFactory(roadmap=plan, level="school", question_code="teachers_ready_share", aggregation="mean", name="Готовность педагогов")
    IndicatorTargetFactory(indicator=indicator, due_date=timezone.localdate() + dt.timedelta(days=90), value=Decimal(95))
    rating_recompute_round(round_id=submission_round.pk, force=True)
    url = reverse("ratings:indicator-progress", args=[submission_round.pk])

    client.force_login(CuratorFactory(school=schools[0]).user)
    [own] = client.get(url).context["own"]
    assert (own.school, own.actual, own.verdict) == (schools[0], Decimal(100), "achieved")

    client.force_login(CuratorFactory(school=schools[1]).user)
    assert client.get(url).context["own"] == []


@pytest.mark.parametrize("n_schools", [10, 200])
def test_the_progress_page_runs_the_same_queries_for_10_and_200_schools(client, n_schools, django_assert_max_num_queries):
    submission_round, _schools = rated_round(n_schools)
    client.force_login(methodologist())

    # session, user, profile, groups, round, city progress, school progress, question texts
    with django_assert_max_num_queries(8):
        response = client.get(reverse("ratings:indicator-progress", args=[submission_round.pk]))

    assert response.status_code == 200
