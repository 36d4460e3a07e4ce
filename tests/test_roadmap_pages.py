"""Roadmap list and detail pages: who sees which roadmap, what a key result row shows, query counts."""

import datetime as dt

import pytest
from django.urls import reverse

from indicators.models import Deadline, KeyResult
from tests.factories import (
    CuratorFactory,
    DeadlineFactory,
    DirectionFactory,
    DistrictFactory,
    KeyResultFactory,
    MunicipalityFactory,
    ProcessEventFactory,
    RoadmapFactory,
    SchoolFactory,
    UserFactory,
    district_officer,
    methodologist,
)

pytestmark = pytest.mark.django_db


def login(client, user):
    client.force_login(user)


def make_roadmap(results: int = 3, title: str = "Дорожная карта «Цифровая трансформация»"):
    roadmap = RoadmapFactory(title=title)
    direction = DirectionFactory(roadmap=roadmap, number=1, title="Формирование современной инфраструктуры")
    for i in range(results):
        kr = KeyResultFactory(direction=direction, text=f"Процессный: семинар {i}", deadline_text="Один раз в месяц")
        DeadlineFactory(key_result=kr, kind=Deadline.Kind.RECURRING, due_date=None, recurrence=Deadline.Recurrence.MONTHLY)
        ProcessEventFactory(key_result=kr)
    return roadmap


def test_methodologist_sees_every_roadmap_with_states_counted(client):
    make_roadmap(title="Карта Ростова")
    login(client, methodologist())
    response = client.get(reverse("indicators:roadmap-list"))
    assert response.status_code == 200
    text = response.content.decode()
    assert "Карта Ростова" in text
    assert "отстаёт от графика" in text


def test_roadmap_page_shows_directions_results_deadlines_and_states(client):
    roadmap = make_roadmap(results=1)
    login(client, methodologist())
    response = client.get(reverse("indicators:roadmap-detail", args=[roadmap.pk]))
    text = response.content.decode()
    assert "Направление 1. Формирование современной инфраструктуры" in text
    assert "Процессный: семинар 0" in text
    assert "Один раз в месяц" in text
    assert "отстаёт от графика" in text
    assert "проведено 1 из 25 по графику на сегодня" in text  # May 2021 … May 2023, all in the past


@pytest.mark.parametrize("results", [3, 60])
def test_roadmap_page_queries_do_not_grow_with_results(client, django_assert_max_num_queries, results):
    roadmap = make_roadmap(results=results)
    login(client, methodologist())
    # session, user, profile (password duty), groups (role), roadmap, progress, key results, deadlines,
    # evidence (from the portal's data), directions, indicators, targets, activities
    with django_assert_max_num_queries(13):
        assert client.get(reverse("indicators:roadmap-detail", args=[roadmap.pk])).status_code == 200


@pytest.mark.parametrize("roadmaps", [1, 8])
def test_roadmap_list_queries_do_not_grow_with_roadmaps(client, django_assert_max_num_queries, roadmaps):
    for i in range(roadmaps):
        make_roadmap(results=2, title=f"Карта {i}")
    login(client, methodologist())
    # session, user, profile (password duty), groups (role), roadmaps with counts, progress, key results, deadlines, evidence
    with django_assert_max_num_queries(9):
        assert client.get(reverse("indicators:roadmap-list")).status_code == 200


def test_district_officer_and_curator_see_their_city_roadmap_and_only_their_schools_plans(client):
    city = make_roadmap(title="Карта Ростова")
    district = DistrictFactory()
    own_school = SchoolFactory(district=district)
    other_school = SchoolFactory()
    own_plan = RoadmapFactory(municipality=None, school=own_school, kind="school", title="План своей школы")
    other_plan = RoadmapFactory(municipality=None, school=other_school, kind="school", title="План чужой школы")
    elsewhere = RoadmapFactory(municipality=MunicipalityFactory(name="Муром"), title="Карта Мурома")

    for user in (district_officer(district), CuratorFactory(school=own_school).user):
        client.logout()
        login(client, user)
        text = client.get(reverse("indicators:roadmap-list")).content.decode()
        assert "Карта Ростова" in text and "План своей школы" in text
        assert "План чужой школы" not in text and "Карта Мурома" not in text
        assert client.get(reverse("indicators:roadmap-detail", args=[city.pk])).status_code == 200
        assert client.get(reverse("indicators:roadmap-detail", args=[own_plan.pk])).status_code == 200
        assert client.get(reverse("indicators:roadmap-detail", args=[other_plan.pk])).status_code == 404
        assert client.get(reverse("indicators:roadmap-detail", args=[elsewhere.pk])).status_code == 404


def test_user_without_role_is_refused(client):
    login(client, UserFactory())
    assert client.get(reverse("indicators:roadmap-list")).status_code == 403


def test_key_result_page_lists_its_events(client):
    kr = KeyResultFactory(kind=KeyResult.Kind.PROCESS, text="Процессный: семинары «Дорожная карта. ЦОС»")
    ProcessEventFactory(key_result=kr, title="Семинар № 1", date=dt.date(2021, 9, 20), participants_count=41)
    login(client, methodologist())
    text = client.get(reverse("indicators:keyresult-detail", args=[kr.pk])).content.decode()
    assert "Семинар № 1" in text and "20.09.2021" in text and "41" in text
    assert "Внести проведённое мероприятие" in text
