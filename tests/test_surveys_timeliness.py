"""Timeliness per district (submitted by the school's deadline, late, median days late) on the completeness page and the
dashboard, and the school's own line on its page; counted from the first submit against the school's own deadline."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from schools.models import School
from surveys.models import RoundExtension, Submission, SubmissionEvent
from surveys.selectors import school_timeliness, timeliness_by_district
from tests.factories import CuratorFactory, DistrictFactory, SchoolFactory, SubmissionRoundFactory, join_round, methodologist

pytestmark = pytest.mark.django_db


def sent(submission_round, school, at):
    submission = Submission.objects.create(round=submission_round, school=school, state=Submission.State.SUBMITTED, submitted_at=at + dt.timedelta(days=9))
    event = SubmissionEvent.objects.create(submission=submission, action="submitted", from_state="draft", to_state="submitted", version=1)
    SubmissionEvent.objects.filter(pk=event.pk).update(created_at=at)  # the first submit counts, not the latest one


@pytest.fixture
def world():
    deadline = timezone.now() - dt.timedelta(days=5)
    submission_round = SubmissionRoundFactory(opens_at=deadline - dt.timedelta(days=20), closes_at=deadline)
    north, south = (DistrictFactory(municipality=submission_round.municipality, name=name) for name in ("Северный", "Южный"))
    schools = {
        name: SchoolFactory(district=district, municipality=submission_round.municipality)
        for name, district in (("on_time", north), ("late_2", north), ("late_4", south), ("silent", south), ("extended", south))
    }
    join_round(submission_round, schools.values())
    sent(submission_round, schools["on_time"], deadline - dt.timedelta(hours=3))
    sent(submission_round, schools["late_2"], deadline + dt.timedelta(days=2))
    sent(submission_round, schools["late_4"], deadline + dt.timedelta(days=4))
    RoundExtension.objects.create(round=submission_round, school=schools["extended"], closes_at=deadline + dt.timedelta(days=3))
    sent(submission_round, schools["extended"], deadline + dt.timedelta(days=1))  # after the round's deadline, before its own
    return submission_round, schools


def test_on_time_late_and_median_per_district(world):
    submission_round, _ = world
    rows, total = timeliness_by_district(submission_round=submission_round, schools=School.objects.all())
    by_name = {r.name: (r.total, r.on_time, r.late, r.pending, r.median_days_late) for r in rows}
    assert by_name == {"Северный": (2, 1, 1, 0, 2.0), "Южный": (3, 1, 2, 0, 4.0)}
    assert (total.total, total.on_time, total.late, total.on_time_percent, total.late_percent, total.median_days_late) == (5, 2, 3, 40, 60, 3.0)


def test_before_the_deadline_a_school_that_has_not_sent_is_pending_not_late(world):
    submission_round, schools = world
    _, total = timeliness_by_district(submission_round=submission_round, schools=School.objects.all(), now=submission_round.closes_at - dt.timedelta(days=1))
    assert (total.late, total.pending) == (2, 1)  # the silent school still has time


def test_the_school_sees_its_own_line(client, world):
    submission_round, schools = world
    line = school_timeliness(submission_round=submission_round, school_id=schools["late_2"].pk)
    assert (line.on_time, line.days_late) == (False, 2.0)
    assert school_timeliness(submission_round=submission_round, school_id=schools["extended"].pk).on_time
    curator = CuratorFactory(school=schools["late_2"]).user
    client.force_login(curator)
    page = client.get(reverse("surveys:my-school")).content.decode()
    assert "с опозданием на 2,0 сут." in page


def test_the_completeness_page_and_the_dashboard_show_the_same_figures(client, world):
    submission_round, _ = world
    client.force_login(methodologist())
    completeness = client.get(reverse("surveys:round-completeness", args=[submission_round.pk]))
    assert completeness.context["timeliness_total"].late == 3
    text = completeness.content.decode()
    assert "Соблюдение срока" in text and "3,0 сут." in text and "Вовремя — анкета впервые отправлена" in text
    dashboard = client.get(reverse("reports:dashboard"))
    board = dashboard.context["board"]
    assert (board.timeliness_total.on_time, board.timeliness_total.late, board.timeliness_total.median_days_late) == (2, 3, 3.0)
    assert "Соблюдение срока" in dashboard.content.decode()
