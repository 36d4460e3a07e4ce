"""A file attached to a save that is refused (a typo elsewhere) stays attached: kept as a pending upload of
the draft, shown as attached, stored with the answer by the next save that goes through."""

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from surveys.models import Answer, Submission
from tests.factories import CuratorFactory, SchoolFactory, SubmissionRoundFactory, join_round, readiness_questionnaire

pytestmark = pytest.mark.django_db
PDF = b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"


@pytest.fixture
def city(db):
    school = SchoolFactory()
    other = SchoolFactory(municipality=school.municipality)
    submission_round = SubmissionRoundFactory(questionnaire=readiness_questionnaire(), municipality=school.municipality)
    join_round(submission_round, [school, other])
    return {"round": submission_round, "curator": CuratorFactory(school=school).user, "other_curator": CuratorFactory(school=other).user}


def post(client, city, data):
    return client.post(reverse("surveys:submission-form", args=[city["round"].pk]), {"version": 0, "draft": "1", **data})


def token_in(page: str) -> str:
    return re.search(r'name="q_evidence_file__pending" value="([^"]+)"', page).group(1)


def test_a_refused_save_keeps_the_attached_file_and_the_next_save_stores_it(client, city, settings):
    client.force_login(city["curator"])
    upload = SimpleUploadedFile("Акт.pdf", PDF, content_type="application/pdf")
    page = post(client, city, {"q_evidence_file": upload, "q_students_count": "много"}).content.decode()
    assert "Прикреплённые файлы сохранены вместе с черновиком формы" in page
    assert "Акт.pdf" in page and "прикреплён, сохранится вместе с анкетой" in page
    assert not Submission.objects.exists(), "nothing is saved while the form has an error"

    response = post(client, city, {"q_evidence_file__pending": token_in(page), "q_students_count": "950"})
    assert response.status_code == 302
    answer = Answer.objects.get(question__code="evidence_file")
    assert answer.file_name == "Акт.pdf" and answer.file.read() == PDF
    assert not list((settings.MEDIA_ROOT / "evidence" / "pending").iterdir()), "the kept copy is removed once the answer has the file"


def test_a_pending_upload_of_another_curator_is_not_taken(client, city):
    client.force_login(city["curator"])
    page = post(client, city, {"q_evidence_file": SimpleUploadedFile("Акт.pdf", PDF), "q_students_count": "много"}).content.decode()
    client.force_login(city["other_curator"])
    response = post(client, city, {"q_evidence_file__pending": token_in(page), "q_students_count": "950"})
    assert response.status_code in (302, 404)
    assert not Answer.objects.filter(question__code="evidence_file").exclude(file="").exists()


def test_a_forged_token_is_ignored(client, city):
    client.force_login(city["curator"])
    response = post(client, city, {"q_evidence_file__pending": "evidence/2026/01/secret.pdf", "q_students_count": "950"})
    assert response.status_code == 302
    assert not Answer.objects.filter(question__code="evidence_file").exclude(file="").exists()
