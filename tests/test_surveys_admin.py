"""Admin of surveys: frozen questionnaires are read-only, a new version is a copy, extensions are recorded, round actions."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from surveys.models import Questionnaire, RoundExtension, SubmissionRound
from tests.factories import SchoolFactory, SubmissionRoundFactory, administrator, join_round, readiness_questionnaire

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    user = administrator(is_staff=True, is_superuser=True)
    client.force_login(user)
    client.user = user
    return client


def test_a_frozen_questionnaire_is_read_only(admin_client):
    questionnaire = readiness_questionnaire()
    Questionnaire.objects.filter(pk=questionnaire.pk).update(frozen_at=timezone.now())
    url = reverse("admin:surveys_questionnaire_change", args=[questionnaire.pk])
    page = admin_client.get(url).content.decode()
    assert 'name="_save"' not in page
    assert admin_client.post(url, {"title": "Изменённая"}).status_code == 403
    assert Questionnaire.objects.get(pk=questionnaire.pk).title == questionnaire.title


def test_the_new_version_action_copies_the_questionnaire(admin_client):
    questionnaire = readiness_questionnaire()
    admin_client.post(reverse("admin:surveys_questionnaire_changelist"), {"action": "make_new_version", "_selected_action": [questionnaire.pk]})
    copy = Questionnaire.objects.get(title=questionnaire.title, version=2)
    assert copy.questions.count() == questionnaire.questions.count()


def test_an_extension_is_recorded_with_who_granted_it(admin_client):
    submission_round = SubmissionRoundFactory(state=SubmissionRound.State.CLOSED)
    school = SchoolFactory(municipality=submission_round.municipality)
    join_round(submission_round, [school], replace=False)
    closes_at = timezone.localtime() + dt.timedelta(days=3)
    response = admin_client.post(
        reverse("admin:surveys_roundextension_add"),
        {"round": submission_round.pk, "school": school.pk, "closes_at_0": f"{closes_at:%d.%m.%Y}", "closes_at_1": "18:00:00", "reason": "болел куратор"},
    )
    assert response.status_code == 302
    extension = RoundExtension.objects.get()
    assert (extension.school, extension.granted_by, extension.reason) == (school, admin_client.user, "болел куратор")
    assert SubmissionRound.objects.get(pk=submission_round.pk).changes_seq == 1


def test_round_actions_open_and_close(admin_client):
    submission_round = SubmissionRoundFactory(state=SubmissionRound.State.DRAFT)
    SchoolFactory(municipality=submission_round.municipality)
    changelist = reverse("admin:surveys_submissionround_changelist")
    admin_client.post(changelist, {"action": "open_rounds", "_selected_action": [submission_round.pk]})
    submission_round.refresh_from_db()
    assert submission_round.state == SubmissionRound.State.OPEN and submission_round.schools.count() == 1
    admin_client.post(changelist, {"action": "close_rounds", "_selected_action": [submission_round.pk]})
    submission_round.refresh_from_db()
    assert submission_round.state == SubmissionRound.State.CLOSED and submission_round.results_fixed_at is not None
