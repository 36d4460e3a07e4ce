"""Stale is never hidden: every edit of an input of a round's results marks the open rounds it touches stale and
queues their recompute after commit; a round whose results are fixed is never marked."""

import lxml.html
import pytest
from django.urls import reverse

from indicators.models import Indicator, IndicatorTarget
from ratings.models import ScoringRule, StatusCriteria
from ratings.services import rating_recompute_round, rounds_recompute_stale
from schools.models import School
from surveys.models import Submission, SubmissionRound
from surveys.services import round_close, round_participants_add, submission_accept

from .factories import DistrictFactory, SchoolFactory, UserFactory
from .ratings_world import rated_round

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    return client


def resubmit(client, url: str, changes: dict) -> None:
    """Post an admin change form back as the page shows it, with `changes` applied (like a person editing one field)."""
    page = lxml.html.fromstring(client.get(url).content.decode())
    form = next(f for f in page.forms if f.method.lower() == "post" and f.get("id", "").endswith("_form"))
    data = {key: value for key, value in form.form_values()}
    for select in form.xpath(".//select[@multiple]"):
        data[select.name] = [o.get("value") for o in select.xpath(".//option[@selected]")]
    data.update(changes)
    response = client.post(url, {k: v for k, v in data.items() if v is not None})
    if response.status_code != 302:
        errors = lxml.html.fromstring(response.content.decode()).xpath("//ul[contains(@class, 'errorlist')]//text()")
        pytest.fail(f"the admin refused the form: {errors}")


def stale(submission_round) -> bool:
    return SubmissionRound.objects.get(pk=submission_round.pk).results_stale


@pytest.fixture
def current(django_capture_on_commit_callbacks):
    submission_round, schools = rated_round(4)
    assert not stale(submission_round)
    return submission_round, schools


def change_url(obj) -> str:
    return reverse(f"admin:{obj._meta.app_label}_{obj._meta.model_name}_change", args=[obj.pk])


def test_moving_a_school_to_another_district_in_the_admin(admin_client, current):
    submission_round, schools = current
    resubmit(admin_client, change_url(schools[0]), {"district": str(DistrictFactory(municipality=schools[0].municipality).pk)})
    assert stale(submission_round)


def test_switching_a_school_between_town_and_country_in_the_admin(admin_client, current):
    submission_round, schools = current
    resubmit(admin_client, change_url(schools[0]), {"is_urban": None})
    assert stale(submission_round)


def test_deactivating_a_school_in_the_admin(admin_client, current):
    submission_round, schools = current
    resubmit(admin_client, change_url(schools[0]), {"is_active": None})
    assert stale(submission_round)


def test_a_school_changed_by_a_path_that_did_not_say_so_is_caught_by_the_periodic_task(current):
    submission_round, schools = current
    School.objects.filter(pk=schools[0].pk).update(is_urban=not schools[0].is_urban)
    rounds_recompute_stale()
    assert SubmissionRound.objects.get(pk=submission_round.pk).computed_seq == SubmissionRound.objects.get(pk=submission_round.pk).changes_seq
    # (eager Celery: the queued recompute already ran and took the new fact)
    assert not stale(submission_round)


def test_adding_a_participant(current):
    submission_round, schools = current
    round_participants_add(submission_round=submission_round, schools=[SchoolFactory(municipality=schools[0].municipality)])
    assert stale(submission_round)


def test_reviewing_an_answer(current):
    submission_round, schools = current
    submission = Submission.objects.get(round=submission_round, school=schools[0])
    submission_accept(submission=submission, user=UserFactory(), expected_version=submission.version)
    assert stale(submission_round)


def test_editing_a_scoring_rule_in_the_admin(admin_client, current):
    submission_round, _schools = current
    rule = ScoringRule.objects.get(question__questionnaire=submission_round.questionnaire, question__code="internet_speed")
    resubmit(admin_client, change_url(rule), {"max_points": "25"})
    assert stale(submission_round)


def test_editing_the_status_criteria_in_the_admin(admin_client, current):
    submission_round, _schools = current
    criteria = StatusCriteria.objects.get(municipality=submission_round.municipality, year=submission_round.year)
    resubmit(admin_client, change_url(criteria), {"min_score": "55"})
    assert stale(submission_round)


def test_editing_an_indicator_definition_in_the_admin(admin_client, current):
    submission_round, _schools = current
    indicator = Indicator.objects.get(code="ROS-SPEED")
    resubmit(admin_client, change_url(indicator), {"threshold_urban": "90"})
    assert stale(submission_round)


def test_editing_an_indicator_target_in_the_admin(admin_client, current):
    submission_round, _schools = current
    target = IndicatorTarget.objects.get(indicator__code="ROS-SPEED")
    resubmit(admin_client, change_url(target), {"value": "80"})
    assert stale(submission_round)


def test_no_edit_marks_a_round_whose_results_are_fixed(admin_client, current):
    submission_round, schools = current
    round_close(submission_round=submission_round)
    rating_recompute_round(round_id=submission_round.pk)
    assert SubmissionRound.objects.get(pk=submission_round.pk).results_final
    seq = SubmissionRound.objects.get(pk=submission_round.pk).changes_seq

    resubmit(admin_client, change_url(schools[0]), {"is_active": None})
    resubmit(admin_client, change_url(IndicatorTarget.objects.get(indicator__code="ROS-SPEED")), {"value": "80"})
    rounds_recompute_stale()

    assert SubmissionRound.objects.get(pk=submission_round.pk).changes_seq == seq
    assert not stale(submission_round)
