"""Evidence kept as versions (issue 13, recipe 9): a file a reviewer could have seen is never deleted by a later
upload, and the review page opens every version."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from surveys.models import EvidenceFile
from surveys.services import submission_return, submission_save_draft, submission_submit
from tests.factories import CuratorFactory, SchoolFactory, SubmissionRoundFactory, join_round, methodologist, readiness_questionnaire
from tests.test_surveys_services import COMPLETE

pytestmark = pytest.mark.django_db
PDF = b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"0" * 20


@pytest.fixture
def world():
    questionnaire = readiness_questionnaire()
    school = SchoolFactory()
    curator = CuratorFactory(school=school).user
    submission_round = SubmissionRoundFactory(questionnaire=questionnaire, municipality=school.municipality)
    join_round(submission_round, [school], replace=False)
    return submission_round, school, curator


def save(world, version, answers=None, **files):
    submission_round, school, curator = world
    ((name, content),) = files.items()
    uploads = {"evidence_file": SimpleUploadedFile(name, content)}
    return submission_save_draft(submission_round=submission_round, school=school, user=curator, answers=answers or {}, expected_version=version, files=uploads)


def test_a_file_sent_for_review_survives_a_reupload_after_a_return(world, django_capture_on_commit_callbacks):
    submission_round, school, curator = world
    with django_capture_on_commit_callbacks(execute=True):
        first = save(world, 0, answers=COMPLETE, **{"prikaz.pdf": PDF})
        sent = submission_submit(submission_round=submission_round, school=school, user=curator, expected_version=first.submission.version)
        returned = submission_return(submission=sent, user=methodologist(), comment="Нужен скан", question_comments={}, expected_version=sent.version)
        save(world, returned.version, **{"scan.png": PNG})

    versions = list(EvidenceFile.objects.order_by("pk"))
    assert [(v.file_name, v.removed, v.replaced_at is not None) for v in versions] == [("prikaz.pdf", False, True), ("scan.png", False, False)]
    assert versions[0].file.storage.exists(versions[0].file.name), "the file the reviewer saw is still in storage"


def test_a_file_replaced_before_anyone_reviewed_it_is_removed_but_listed(world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        first = save(world, 0, **{"draft.pdf": PDF})
        save(world, first.submission.version, **{"final.pdf": PDF})
    draft, final = EvidenceFile.objects.order_by("pk")
    assert draft.removed and not draft.file.storage.exists(draft.file.name)
    assert not final.removed and final.file.storage.exists(final.file.name)


def test_the_review_page_lists_and_opens_every_version(client, world, django_capture_on_commit_callbacks):
    submission_round, school, curator = world
    with django_capture_on_commit_callbacks(execute=True):
        first = save(world, 0, answers=COMPLETE, **{"prikaz.pdf": PDF})
        sent = submission_submit(submission_round=submission_round, school=school, user=curator, expected_version=first.submission.version)
        returned = submission_return(submission=sent, user=methodologist(), comment="Другой файл", question_comments={}, expected_version=sent.version)
        again = save(world, returned.version, **{"scan.png": PNG})
    client.force_login(methodologist())
    page = client.get(f"/rounds/submissions/{again.submission.pk}/").content.decode()
    assert "Все версии файла (2)" in page
    old = EvidenceFile.objects.get(file_name="prikaz.pdf")
    assert f"/rounds/evidence/{old.pk}/" in page
    response = client.get(f"/rounds/evidence/{old.pk}/")
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
