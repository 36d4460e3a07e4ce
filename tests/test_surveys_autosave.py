"""The form's background save (JSON): the same form, service and version check as «Сохранить черновик»."""

from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from surveys.models import Answer, Submission
from surveys.services import submission_return, submission_save_draft
from tests.factories import CuratorFactory, SchoolFactory, SubmissionRoundFactory, join_round, methodologist, readiness_questionnaire

pytestmark = pytest.mark.django_db
PDF = b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"


@pytest.fixture
def city(db):
    school = SchoolFactory()
    curator = CuratorFactory(school=school).user
    submission_round = SubmissionRoundFactory(questionnaire=readiness_questionnaire(), municipality=school.municipality)
    join_round(submission_round, [school])
    return {"round": submission_round, "school": school, "curator": curator}


def autosave(client, city, data, version=0):
    return client.post(reverse("surveys:submission-autosave", args=[city["round"].pk]), {**data, "version": version})


def stored(city) -> dict:
    return {a.question.code: a for a in Answer.objects.filter(submission__round=city["round"]).select_related("question")}


def test_autosave_stores_what_parses_and_reports_the_rest_without_erasing_it(client, city):
    client.force_login(city["curator"])
    first = autosave(client, city, {"q_internet_speed": "1 530,5", "q_kit_workstations": "12"}).json()
    assert first["status"] == "saved" and first["version"] == Submission.objects.get().version
    reply = autosave(client, city, {"q_internet_speed": "1 530,5", "q_kit_workstations": "1e2", "q_students_count": "950"}, version=first["version"]).json()
    assert reply["status"] == "saved" and reply["version"] == first["version"] + 1
    assert reply["errors"]["kit_workstations"] == ["Введите целое число цифрами, например «1 530» — без букв и единиц измерения."]
    answers = stored(city)
    assert answers["internet_speed"].value_number == Decimal("1530.5")
    assert answers["kit_workstations"].value_number == 12, "a typo does not erase the stored answer"
    assert answers["students_count"].value_number == 950


def test_autosave_answers_with_the_submits_checks_and_the_progress_of_valid_answers(client, city):
    client.force_login(city["curator"])
    reply = autosave(client, city, {"q_kit_workstations": "10", "q_kit_workstations_fast": "12", "q_teachers_ready_share": "130"}).json()
    assert "не может быть больше" in reply["errors"]["kit_workstations_fast"][0]
    assert reply["errors"]["teachers_ready_share"] == ["Значение должно быть не больше 100 %."]
    assert reply["errors"]["students_count"] == ["Ответьте на этот вопрос: он обязательный."]
    assert reply["answered"] == 0, "answers that break a check do not count as filled"
    data = {"q_kit_workstations": "12", "q_kit_workstations_fast": "12", "q_teachers_ready_share": "90"}
    reply = autosave(client, city, data, version=reply["version"]).json()
    assert reply["answered"] == 3 and reply["total"] == 11


def test_autosave_of_a_stale_version_shows_what_changed(client, city):
    client.force_login(city["curator"])
    submission_save_draft(submission_round=city["round"], school=city["school"], user=city["curator"], answers={"students_count": 900}, expected_version=0)
    response = autosave(client, city, {"q_students_count": "950"}, version=0)
    reply = response.json()
    assert response.status_code == 409 and reply["status"] == "conflict" and reply["version"] == Submission.objects.get().version
    assert "Пока вы работали с анкетой, её изменили" in reply["html"] and "900 чел." in reply["html"]
    assert stored(city)["students_count"].value_number == 900


def test_autosave_after_the_session_ended_says_so_and_where_to_sign_in(client, city):
    response = autosave(client, city, {"q_students_count": "950"})
    form = reverse("surveys:submission-form", args=[city["round"].pk])
    assert response.status_code == 401
    assert response.json() == {"status": "signed_out", "login_url": f"{reverse('login')}?next={form}"}
    assert not Submission.objects.exists()


def test_autosave_of_a_submitted_form_is_refused(client, city):
    client.force_login(city["curator"])
    Submission.objects.create(round=city["round"], school=city["school"], state=Submission.State.SUBMITTED)
    response = autosave(client, city, {"q_students_count": "950"})
    assert response.status_code == 409 and "только для просмотра" in response.json()["message"]


def test_autosave_keeps_an_attached_file_and_answers_how_it_is_shown(client, city):
    client.force_login(city["curator"])
    upload = SimpleUploadedFile("Акт замера.pdf", PDF, content_type="application/pdf")
    reply = autosave(client, city, {"q_evidence_file": upload, "q_students_count": "много"}).json()
    assert reply["status"] == "saved"
    name = stored(city)["evidence_file"].file_name
    assert name.startswith("Акт") and name.endswith(".pdf"), "the file is kept though another answer did not parse"
    assert name in reply["files"]["evidence_file"] and 'name="q_evidence_file__remove"' in reply["files"]["evidence_file"]


def test_a_return_does_not_pass_for_the_curators_last_save(client, city):
    client.force_login(city["curator"])
    saved = submission_save_draft(
        submission_round=city["round"], school=city["school"], user=city["curator"], answers={"students_count": 900}, expected_version=0
    )
    saved_at = stored(city)["students_count"].updated_at
    submission = saved.submission
    Submission.objects.filter(pk=submission.pk).update(state=Submission.State.SUBMITTED)
    submission.refresh_from_db()
    submission_return(submission=submission, user=methodologist(), comment="Уточните", question_comments={}, expected_version=submission.version)
    page = client.get(reverse("surveys:submission-form", args=[city["round"].pk])).content.decode()
    assert f"Сохранено {saved_at.astimezone():%d.%m.%Y}" in page
