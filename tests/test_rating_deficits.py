"""From deficits to the plan (issue 16 item 5): the rating card shows the sections where the school lost most points with
the library's activities; the curator adds one to the school's plan; a later round shows whether the section improved."""

import datetime as dt

import pytest
from django.urls import reverse

from indicators.models import Activity, Roadmap
from ratings.models import ActivitySuggestion, SectionScore
from tests.factories import CuratorFactory, methodologist
from tests.ratings_world import rated_round

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    submission_round, schools = rated_round(4)
    school = schools[0]
    curator = CuratorFactory(school=school)
    plan = Roadmap.objects.create(
        school=school, kind="school", title="План школы", period_start=dt.date(2026, 1, 1), period_end=dt.date(2027, 12, 31), tracks_reports=True
    )
    Activity.objects.create(roadmap=plan, number="1.", title="Первое", order=1)
    worst = min(SectionScore.objects.filter(round=submission_round, school=school), key=lambda s: s.points - s.possible)
    title = worst.section.title
    ActivitySuggestion.objects.create(section_title=title, title="Замер скорости и заявка провайдеру", document_type="протокол замера")
    return submission_round, school, curator, plan, title


def card_url(submission_round, school):
    return reverse("ratings:school-round", args=[submission_round.pk, school.pk])


def test_the_card_suggests_library_activities_for_the_worst_section(client, world):
    submission_round, school, curator, plan, title = world
    client.force_login(curator.user)
    page = client.get(card_url(submission_round, school)).content.decode()
    assert "Где школа теряет больше всего баллов" in page and "Замер скорости и заявка провайдеру" in page and "В план школы" in page
    client.force_login(methodologist())
    assert "В план школы" not in client.get(card_url(submission_round, school)).content.decode()  # only the curator adds


def test_curator_adds_it_to_the_plan_with_dates_and_a_later_round_shows_the_change(client, world):
    submission_round, school, curator, plan, title = world
    suggestion = ActivitySuggestion.objects.get()
    client.force_login(curator.user)
    response = client.post(
        reverse("ratings:deficit-add", args=[submission_round.pk, school.pk]),
        {"suggestion": suggestion.pk, "start_date": "2026-12-01", "end_date": "2027-03-31", "responsible": "Иванова И.И."},
    )
    assert response.status_code == 302
    activity = plan.activities.get(deficit_section=title)
    assert (activity.number, activity.start_date, activity.end_date, activity.document_type) == (
        "2",
        dt.date(2026, 12, 1),
        dt.date(2027, 3, 31),
        "протокол замера",
    )
    assert activity.deficit_round_id == submission_round.pk and activity.deficit_percent is not None
    # The next round: the section improved (here: its share is raised by hand, as a recompute would write it).
    Activity.objects.filter(pk=activity.pk).update(deficit_percent=activity.deficit_percent - 10)
    page = client.get(card_url(submission_round, school)).content.decode()
    assert "добавленные из дефицитов" in page and "улучшился на 10 п." in page


def test_methodologists_keep_the_library(client, world):
    client.force_login(methodologist())
    response = client.post(reverse("ratings:suggestion-list"), {"section_title": "Инфраструктура", "title": "Новый комплект", "order": 1})
    assert response.status_code == 302 and ActivitySuggestion.objects.filter(title="Новый комплект").exists()
    submission_round, school, curator, plan, title = world
    client.force_login(curator.user)
    assert client.get(reverse("ratings:suggestion-list")).status_code == 403
