"""History is append-only (issue 13, recipe 5): a submission ever sent, its answers, changes, events, evidence files,
ratings of fixed rounds and status awards cannot be deleted or edited through the admin; schools and rounds with
history are deactivated or closed, not deleted; the admin log names what was touched."""

import pytest
from django.contrib.admin.models import LogEntry
from django.urls import reverse
from django.utils import timezone

from ratings.models import Rating, StatusAward
from surveys.models import Answer, AnswerChange, EvidenceFile, Submission, SubmissionEvent, SubmissionRound
from tests.factories import RatingFactory, SchoolFactory, StatusAwardFactory, SubmissionRoundFactory, administrator, readiness_questionnaire

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    user = administrator(is_staff=True, is_superuser=True)
    client.force_login(user)
    client.user = user
    return client


@pytest.fixture
def accepted():
    """An accepted submission of a closed round with an answer, a change, an event, an evidence file and its rating."""
    questionnaire = readiness_questionnaire()
    school = SchoolFactory(full_name="МБОУ «Школа № 87»")
    submission_round = SubmissionRoundFactory(questionnaire=questionnaire, municipality=school.municipality, state=SubmissionRound.State.CLOSED)
    submission = Submission.objects.create(round=submission_round, school=school, state=Submission.State.ACCEPTED, submitted_at=timezone.now())
    question = questionnaire.questions.get(code="internet_speed")
    answer = Answer.objects.create(submission=submission, question=question, value_number=120)
    evidence = Answer.objects.create(
        submission=submission, question=questionnaire.questions.get(code="evidence_file"), file="evidence/x.pdf", file_name="x.pdf"
    )
    EvidenceFile.objects.create(answer=evidence, file="evidence/x.pdf", file_name="x.pdf", kind="pdf")
    AnswerChange.objects.create(submission=submission, question=question, old_value="", new_value="120 Мбит/с", version=2)
    SubmissionEvent.objects.create(submission=submission, action=SubmissionEvent.Action.ACCEPTED, from_state="submitted", to_state="accepted")
    RatingFactory(round=submission_round, school=school, score="75.7")
    return submission, answer


def test_an_accepted_submission_of_a_closed_round_cannot_be_deleted(admin_client, accepted):
    submission, _ = accepted
    url = reverse("admin:surveys_submission_delete", args=[submission.pk])
    assert admin_client.get(url).status_code == 403
    assert admin_client.post(url, {"post": "yes"}).status_code == 403
    changelist = reverse("admin:surveys_submission_changelist")
    assert "delete_selected" not in admin_client.get(changelist).content.decode()
    admin_client.post(changelist, {"action": "delete_selected", "_selected_action": [submission.pk], "post": "yes"})
    assert Submission.objects.filter(pk=submission.pk).exists()
    assert Answer.objects.filter(submission=submission).count() == 2
    assert AnswerChange.objects.count() == SubmissionEvent.objects.count() == EvidenceFile.objects.count() == 1
    assert str(Rating.objects.get().score) == "75.7"


@pytest.mark.parametrize("model", [AnswerChange, SubmissionEvent, EvidenceFile, Rating])
def test_single_history_rows_cannot_be_deleted_or_edited(admin_client, accepted, model):
    row = model.objects.get()
    opts = model._meta
    delete = reverse(f"admin:{opts.app_label}_{opts.model_name}_delete", args=[row.pk])
    assert admin_client.post(delete, {"post": "yes"}).status_code == 403
    change = reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[row.pk])
    assert 'name="_save"' not in admin_client.get(change).content.decode()
    assert model.objects.filter(pk=row.pk).exists()


def test_a_school_or_a_round_with_history_is_not_deleted(admin_client, accepted):
    submission, _ = accepted
    for model, pk in (("schools_school", submission.school_id), ("surveys_submissionround", submission.round_id)):
        admin_client.post(reverse(f"admin:{model}_delete", args=[pk]), {"post": "yes"})
    assert Submission.objects.filter(pk=submission.pk).exists()
    assert Answer.objects.filter(submission=submission).count() == 2


def test_a_status_award_with_its_order_is_neither_deleted_nor_edited(admin_client):
    award = StatusAwardFactory(order_reference="Приказ № 12 от 01.09.2022")
    url = reverse("admin:ratings_statusaward_change", args=[award.pk])
    admin_client.post(url, {"order_reference": "подменённый"})
    assert admin_client.post(reverse("admin:ratings_statusaward_delete", args=[award.pk]), {"post": "yes"}).status_code == 403
    assert StatusAward.objects.get(pk=award.pk).order_reference == "Приказ № 12 от 01.09.2022"


def test_history_rows_read_as_what_they_are(accepted):
    submission, _ = accepted
    change = AnswerChange.objects.get()
    assert str(change) == "МБОУ «Школа № 87»: internet_speed «» → «120 Мбит/с» (версия 2)"
    assert str(SubmissionEvent.objects.get()).startswith("МБОУ «Школа № 87»: принята")


def test_a_draft_never_sent_can_still_be_deleted(admin_client):
    questionnaire = readiness_questionnaire()
    school = SchoolFactory()
    submission_round = SubmissionRoundFactory(questionnaire=questionnaire, municipality=school.municipality)
    draft = Submission.objects.create(round=submission_round, school=school)
    response = admin_client.post(reverse("admin:surveys_submission_delete", args=[draft.pk]), {"post": "yes"})
    assert response.status_code == 302
    assert not Submission.objects.filter(pk=draft.pk).exists()
    assert LogEntry.objects.get().object_repr == str(draft)
