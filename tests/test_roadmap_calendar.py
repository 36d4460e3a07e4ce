"""The 90-day calendar: dated deadlines, dates recurring results expect, events held, plan activities."""

import datetime as dt

import pytest
from django.urls import reverse

from indicators.models import Activity, Deadline
from tests.factories import DeadlineFactory, KeyResultFactory, ProcessEventFactory, RoadmapFactory, SchoolFactory, UserFactory, methodologist

pytestmark = pytest.mark.django_db


def calendar(client, start: str):
    client.force_login(methodologist())
    response = client.get(reverse("indicators:calendar"), {"start": start})
    assert response.status_code == 200
    return response


def test_calendar_shows_deadlines_expected_and_held_events_in_the_window(client):
    dated = KeyResultFactory(text="Окончательный: доля ОУ со скоростью 100 Мбит/с", deadline_text="Май 2022")
    DeadlineFactory(key_result=dated, due_date=dt.date(2022, 5, 31))
    monthly = KeyResultFactory(text="Процессный: консультации «Инфраструктура современной школы»")
    DeadlineFactory(key_result=monthly, kind=Deadline.Kind.RECURRING, due_date=None, recurrence=Deadline.Recurrence.TWICE_MONTHLY)
    ProcessEventFactory(key_result=monthly, title="Консультация для кураторов", date=dt.date(2022, 4, 14))
    late = KeyResultFactory(text="Процессный: вне окна")
    DeadlineFactory(key_result=late, due_date=dt.date(2022, 9, 30))

    response = calendar(client, "2022-04-01")

    days = {day.date: [(e.kind, e.title) for e in day.entries] for day in response.context["days"]}
    assert days[dt.date(2022, 5, 31)] == [
        ("deadline", "Окончательный: доля ОУ со скоростью 100 Мбит/с"),
        ("expected", "Процессный: консультации «Инфраструктура современной школы»"),
    ]
    assert days[dt.date(2022, 4, 14)] == [("event", "Консультация для кураторов")]
    expected = [d for d, items in days.items() if ("expected", monthly.text) in items]
    assert expected == [dt.date(2022, 4, 15), dt.date(2022, 4, 30), dt.date(2022, 5, 15), dt.date(2022, 5, 31), dt.date(2022, 6, 15)]
    assert dt.date(2022, 9, 30) not in days
    assert [m.title for m in response.context["months"]] == ["Апрель 2022", "Май 2022", "Июнь 2022"]


def test_recurring_results_expect_nothing_outside_the_roadmap_period(client):
    kr = KeyResultFactory(direction__roadmap=RoadmapFactory(period_end=dt.date(2023, 5, 31)))
    DeadlineFactory(key_result=kr, kind=Deadline.Kind.RECURRING, due_date=None, recurrence=Deadline.Recurrence.MONTHLY)
    response = calendar(client, "2023-05-01")
    assert [day.date for day in response.context["days"]] == [dt.date(2023, 5, 31)]
    assert "сроков и мероприятий нет" in calendar(client, "2024-01-01").content.decode()


def test_calendar_shows_school_plan_activities(client):
    plan = RoadmapFactory(municipality=None, school=SchoolFactory(), kind="school")
    Activity.objects.create(roadmap=plan, number="1.1", title="Обновление локальной сети", start_date=dt.date(2022, 4, 4), end_date=dt.date(2022, 8, 30))
    response = calendar(client, "2022-04-01")
    days = {day.date: [(e.kind, e.detail) for e in day.entries] for day in response.context["days"]}
    assert days == {dt.date(2022, 4, 4): [("activity", "начало")]}


@pytest.mark.parametrize("results", [2, 40])
def test_calendar_queries_do_not_grow_with_results(client, django_assert_max_num_queries, results):
    for _ in range(results):
        kr = KeyResultFactory()
        DeadlineFactory(key_result=kr, due_date=dt.date(2022, 5, 31))
        DeadlineFactory(key_result=kr, kind=Deadline.Kind.RECURRING, due_date=None, recurrence=Deadline.Recurrence.MONTHLY)
        ProcessEventFactory(key_result=kr, date=dt.date(2022, 5, 5))
    client.force_login(methodologist())
    # session, user, profile, groups, deadlines, events, activities
    with django_assert_max_num_queries(7):
        client.get(reverse("indicators:calendar"), {"start": "2022-04-01"})


def test_calendar_needs_a_role(client):
    client.force_login(UserFactory())
    assert client.get(reverse("indicators:calendar")).status_code == 403
