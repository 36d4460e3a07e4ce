"""Texts a curator or a reviewer reads: no doubled punctuation or quotes, the right moment of a review."""

from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from surveys.answers import deviation_note
from surveys.models import Answer, Question, Submission
from surveys.services import submission_return, submission_save_draft, submission_submit
from tests.factories import CuratorFactory, QuestionFactory, SchoolFactory, SubmissionRoundFactory, join_round, methodologist, readiness_questionnaire

FILLED = {
    "internet_speed": Decimal(120),
    "channel_meets_requirements": True,
    "equipment_kit": "standard",
    "kit_workstations": 12,
    "kit_workstations_fast": 10,
    "teachers_ready_share": 85,
    "students_count": 900,
}


def test_a_deviation_from_zero_ends_with_one_full_stop_after_a_unit_with_a_dot():
    question = QuestionFactory.build(type=Question.Type.INTEGER, unit="шт.")
    note = deviation_note(question, Answer(value_number=Decimal(15)), Answer(value_number=Decimal(0)), 50)
    assert note == "В прошлом раунде было 0 шт., теперь 15 шт."


@pytest.mark.django_db
def test_a_school_name_with_quotes_is_not_quoted_again():
    assert SchoolFactory(full_name="МАОУ «Школа № 109»").quoted_name == "МАОУ «Школа № 109»"
    assert SchoolFactory(full_name="Школа-интернат 5").quoted_name == "«Школа-интернат 5»"


@pytest.mark.django_db
def test_a_resubmitted_form_does_not_show_the_time_of_the_earlier_return_as_its_review(client):
    school = SchoolFactory()
    curator = CuratorFactory(school=school).user
    submission_round = SubmissionRoundFactory(questionnaire=readiness_questionnaire(), municipality=school.municipality)
    join_round(submission_round, [school])
    saved = submission_save_draft(submission_round=submission_round, school=school, user=curator, answers=FILLED, expected_version=0)
    Submission.objects.filter(pk=saved.submission.pk).update(state=Submission.State.SUBMITTED)
    saved.submission.refresh_from_db()
    reviewer = methodologist(first_name="Анна", last_name="Методистова")
    returned = submission_return(
        submission=saved.submission, user=reviewer, comment="Уточните", question_comments={}, expected_version=saved.submission.version
    )
    client.force_login(reviewer)
    page = client.get(reverse("surveys:submission-review", args=[returned.pk])).content.decode()
    assert "Возвращена" in page and "Анна Методистова" in page

    again = submission_submit(submission_round=submission_round, school=school, user=curator, expected_version=returned.version)
    page = client.get(reverse("surveys:submission-review", args=[again.pk])).content.decode()
    assert "Проверена" not in page and f"Возвращена {timezone.localtime(returned.reviewed_at):%d.%m.%Y}" not in page
