"""Pages of surveys: the curator's school and form, review, downloads; who may open what; query counts."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from surveys.answers import answer_display
from surveys.models import Answer, QuestionMessage, RoundParticipant, Submission, SubmissionRound
from surveys.services import submission_return, submission_save_draft
from tests.factories import (
    CuratorFactory,
    QuestionnaireFactory,
    SchoolFactory,
    SubmissionRoundFactory,
    district_officer,
    join_round,
    methodologist,
    readiness_questionnaire,
)

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"
FILLED = {
    "q_internet_speed": "120,5",
    "q_channel_meets_requirements": "yes",
    "q_equipment_kit": "standard",
    "q_kit_workstations": "12",
    "q_kit_workstations_fast": "10",
    "q_speed_measured_on": "2026-03-01",
    "q_teachers_ready_share": "85",
    "q_platforms_used": ["sferum", "resh"],
    "q_students_count": "950",
    "q_comment": "",
}


@pytest.fixture
def city(db):
    questionnaire = readiness_questionnaire()
    school = SchoolFactory()
    other = SchoolFactory(municipality=school.municipality)
    curator = CuratorFactory(school=school).user
    other_curator = CuratorFactory(school=other).user
    submission_round = SubmissionRoundFactory(questionnaire=questionnaire, municipality=school.municipality)
    join_round(submission_round, [school, other])
    return {"round": submission_round, "school": school, "other": other, "curator": curator, "other_curator": other_curator}


def form_url(city):
    return reverse("surveys:submission-form", args=[city["round"].pk])


def post_form(client, city, data, action="draft", version=0):
    return client.post(form_url(city), {**data, "version": version, action: "1"})


def submission_of(city, school="school"):
    return Submission.objects.get(round=city["round"], school=city[school])


def test_curator_lands_on_their_school_page_with_the_open_round(client, city):
    client.force_login(city["curator"])
    response = client.get(reverse("home"), follow=True)
    page = response.content.decode()
    assert response.redirect_chain[-1][0] == reverse("surveys:my-school")
    assert city["school"].full_name in page and city["round"].title in page
    assert "Заполнить анкету" in page and "не начата" in page


def test_school_page_shows_what_was_returned_and_why(client, city):
    saved = submission_save_draft(
        submission_round=city["round"], school=city["school"], user=city["curator"], answers={"students_count": 900}, expected_version=0
    )
    Submission.objects.filter(pk=saved.submission.pk).update(state=Submission.State.SUBMITTED, version=saved.submission.version)
    question = city["round"].questionnaire.questions.get(code="students_count")
    submission_return(
        submission=saved.submission,
        user=methodologist(),
        comment="Сверьте с РИС",
        question_comments={question.pk: "Должно быть 1020"},
        expected_version=saved.submission.version,
    )
    client.force_login(city["curator"])
    page = client.get(reverse("surveys:my-school")).content.decode()
    assert "возвращена на доработку" in page.lower()
    assert "Сверьте с РИС" in page and "Должно быть 1020" in page and "Исправить анкету" in page


def test_draft_keeps_what_was_typed_and_shows_it_on_return(client, city):
    client.force_login(city["curator"])
    response = post_form(client, city, {"q_internet_speed": "55,5", "q_platforms_used": ["resh"]})
    assert response.status_code == 302
    page = client.get(form_url(city)).content.decode()
    assert 'value="55,5"' in page
    assert 'value="resh" id="id_q_platforms_used_2" checked' in page


def test_submit_with_a_missing_answer_shows_every_error_and_keeps_the_rest(client, city):
    client.force_login(city["curator"])
    data = {k: v for k, v in FILLED.items() if k != "q_students_count"}
    response = post_form(client, city, {**data, "q_teachers_ready_share": "130"}, action="submit")
    page = response.content.decode()
    assert response.status_code == 200
    assert "Проверьте ответы — найдено ошибок: 2" in page
    assert 'href="#question-students_count"' in page and "Ответьте на этот вопрос: он обязательный." in page
    assert "Значение должно быть не больше 100" in page
    assert 'value="120,5"' in page and 'value="130"' in page
    assert submission_of(city).state == Submission.State.DRAFT


def test_a_value_of_the_wrong_type_is_refused_and_nothing_is_lost(client, city):
    client.force_login(city["curator"])
    response = post_form(client, city, {**FILLED, "q_students_count": "много"})
    page = response.content.decode()
    assert "Введите целое число" in page and 'value="много"' in page and 'value="120,5"' in page
    assert not Submission.objects.exists()


def test_numbers_as_people_type_them_are_saved(client, city):
    client.force_login(city["curator"])
    data = {**FILLED, "q_students_count": "1 530", "q_kit_workstations": "1\u00a0200", "q_internet_speed": "100.5"}
    assert post_form(client, city, data).status_code == 302
    answers = {a.question.code: a.value_number for a in Answer.objects.select_related("question")}
    assert answers["students_count"] == 1530 and answers["kit_workstations"] == 1200 and answers["internet_speed"] == Decimal("100.5")


@pytest.mark.parametrize("typed", ["1e2", "100 Мбит/с"])
def test_an_exponent_or_a_unit_is_refused_with_what_to_type(client, city, typed):
    client.force_login(city["curator"])
    page = post_form(client, city, {**FILLED, "q_internet_speed": typed}).content.decode()
    assert "Введите число цифрами, например «1 530» или «12,5» — без букв и единиц измерения." in page
    assert f'value="{typed}"' in page
    assert not Submission.objects.exists()


def test_submit_then_the_form_is_read_only(client, city):
    client.force_login(city["curator"])
    response = post_form(client, city, FILLED, action="submit")
    assert response.status_code == 302 and response["Location"] == reverse("surveys:my-school")
    assert submission_of(city).state == Submission.State.SUBMITTED
    page = client.get(form_url(city)).content.decode()
    assert "доступна только для просмотра" in page and '<form method="post" enctype' not in page
    again = post_form(client, city, {**FILLED, "q_students_count": "1"}, version=submission_of(city).version)
    assert again.status_code == 302
    assert Answer.objects.get(question__code="students_count").value_number == Decimal(950)


def test_a_stale_form_shows_what_changed_and_keeps_the_input(client, city):
    client.force_login(city["curator"])
    post_form(client, city, {"q_students_count": "900"})
    version = submission_of(city).version
    post_form(client, city, {"q_students_count": "910"}, version=version)
    response = post_form(client, city, {"q_students_count": "920"}, version=version)
    page = response.content.decode()
    assert "Пока вы работали с анкетой, её изменили" in page
    assert "900 чел." in page and "910 чел." in page and 'value="920"' in page
    assert f'name="version" value="{submission_of(city).version}"' in page


def test_a_closed_round_refuses_a_save_with_a_message(client, city):
    client.force_login(city["curator"])
    post_form(client, city, {"q_students_count": "900"})
    SubmissionRound.objects.update(state=SubmissionRound.State.CLOSED)
    response = post_form(client, city, {"q_students_count": "1"}, version=submission_of(city).version, action="submit")
    assert response.status_code == 302
    page = client.get(form_url(city)).content.decode()
    assert "доступна только для просмотра" in page
    assert Answer.objects.get(question__code="students_count").value_number == Decimal(900)


def test_a_school_taken_out_of_the_round_sees_its_form_read_only_with_what_to_do(client, city):
    """A participant deactivated in the round may not write its form (the services refuse it): the form and the
    school's page say so before anything is typed, instead of offering fields whose saving is then refused."""
    client.force_login(city["curator"])
    post_form(client, city, {"q_students_count": "900"})
    RoundParticipant.objects.filter(round=city["round"], school=city["school"]).update(is_active=False)
    page = client.get(form_url(city)).content.decode()
    assert "Школа не участвует в раунде" in page and "обратитесь к администратору портала" in page
    assert '<form method="post" enctype' not in page and "900" in page
    school_page = client.get(reverse("surveys:my-school")).content.decode()
    assert "Школа не участвует в раунде" in school_page and "Продолжить заполнение" not in school_page
    assert "школа не участвует</div>" in school_page and "(осталось" not in page  # no time left is counted down for it
    again = post_form(client, city, {"q_students_count": "1"}, version=submission_of(city).version)
    assert again.status_code == 302
    assert Answer.objects.get(question__code="students_count").value_number == Decimal(900)


def test_evidence_upload_and_download_by_the_own_curator(client, city):
    client.force_login(city["curator"])
    upload = SimpleUploadedFile("Протокол замера.pdf", PDF, content_type="application/pdf")
    client.post(form_url(city), {"version": 0, "draft": "1", "q_evidence_file": upload})
    answer = Answer.objects.get(question__code="evidence_file")
    response = client.get(reverse("surveys:answer-file", args=[answer.pk]))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    assert "attachment" in response["Content-Disposition"]


def test_a_fake_pdf_is_refused_beside_the_field(client, city):
    client.force_login(city["curator"])
    upload = SimpleUploadedFile("scan.pdf", b"GIF89a....", content_type="application/pdf")
    page = client.post(form_url(city), {"version": 0, "draft": "1", "q_evidence_file": upload}).content.decode()
    assert "не похож на PDF" in page
    assert not Answer.objects.filter(question__code="evidence_file").exists()


def _other_school_objects(city):
    saved = submission_save_draft(
        submission_round=city["round"],
        school=city["other"],
        user=city["other_curator"],
        answers={},
        files={"evidence_file": SimpleUploadedFile("secret.pdf", PDF)},
        expected_version=0,
    )
    answer = Answer.objects.get(submission=saved.submission, question__code="evidence_file")
    return saved.submission, answer


def test_curator_gets_403_or_404_for_every_url_of_another_school(client, city):
    submission, answer = _other_school_objects(city)
    client.force_login(city["curator"])
    assert client.get(reverse("surveys:submission-review", args=[submission.pk])).status_code == 403
    assert client.post(reverse("surveys:submission-review", args=[submission.pk]), {"action": "accept", "version": 1}).status_code == 403
    assert client.get(reverse("surveys:answer-file", args=[answer.pk])).status_code == 404
    assert client.get(reverse("surveys:round-completeness", args=[city["round"].pk])).status_code == 403
    assert client.post(reverse("surveys:round-remind", args=[city["round"].pk]), {"target": "all"}).status_code == 403
    assert client.get(reverse("surveys:round-list")).status_code == 403


def test_curator_cannot_open_the_form_of_a_round_without_their_school(client, city):
    foreign_round = SubmissionRoundFactory(questionnaire=city["round"].questionnaire, municipality=city["school"].municipality)
    join_round(foreign_round, [city["other"]])
    client.force_login(city["curator"])
    assert client.get(reverse("surveys:submission-form", args=[foreign_round.pk])).status_code == 404


def test_a_forged_round_id_changes_nothing(client, city):
    """The form's save, background save and question message posted to a round the curator's school is not in: not found."""
    foreign_round = SubmissionRoundFactory(questionnaire=city["round"].questionnaire, municipality=city["school"].municipality)
    join_round(foreign_round, [city["other"]])
    client.force_login(city["curator"])
    data = {**FILLED, "version": 0}
    assert client.post(reverse("surveys:submission-form", args=[foreign_round.pk]), {**data, "submit": "1"}).status_code == 404
    assert client.post(reverse("surveys:submission-autosave", args=[foreign_round.pk]), data).status_code == 404
    message = {"question": "internet_speed", "text": "Скорость по договору"}
    assert client.post(reverse("surveys:question-message", args=[foreign_round.pk]), message).status_code == 404
    assert not Submission.objects.filter(round=foreign_round).exists()


def test_a_participant_deactivated_in_the_round_is_refused_with_what_to_do(client, city):
    """The round keeps the school but no longer counts it (closed, reorganised): its form saves nothing, by any way in."""
    RoundParticipant.objects.filter(round=city["round"], school=city["school"]).update(is_active=False)
    client.force_login(city["curator"])
    response = post_form(client, city, FILLED, action="submit")
    assert response.status_code == 302
    page = client.get(form_url(city)).content.decode()
    assert "не участвует в раунде" in page and "обратитесь к администратору портала" in page
    reply = client.post(reverse("surveys:submission-autosave", args=[city["round"].pk]), {**FILLED, "version": 0})
    assert reply.status_code == 409 and "не участвует в раунде" in reply.json()["message"]
    message = {"question": "internet_speed", "text": "Скорость по договору"}
    client.post(reverse("surveys:question-message", args=[city["round"].pk]), message)
    assert "не участвует в раунде" in client.get(form_url(city)).content.decode()
    assert not Submission.objects.filter(school=city["school"]).exists() and not QuestionMessage.objects.exists()


def test_reviewers_cannot_use_the_curator_form(client, city):
    client.force_login(methodologist())
    assert client.get(form_url(city)).status_code == 403
    assert client.get(reverse("surveys:my-school")).status_code == 403


def test_district_officer_sees_only_their_district(client, city):
    submission, answer = _other_school_objects(city)
    officer = district_officer(SchoolFactory(municipality=city["school"].municipality).district)
    client.force_login(officer)
    assert client.get(reverse("surveys:submission-review", args=[submission.pk])).status_code == 404
    assert client.get(reverse("surveys:answer-file", args=[answer.pk])).status_code == 404
    page = client.get(reverse("surveys:round-completeness", args=[city["round"].pk])).content.decode()
    assert city["other"].full_name not in page


def test_methodologist_returns_with_comments_and_accepts(client, city):
    client.force_login(city["curator"])
    post_form(client, city, FILLED, action="submit")
    submission = submission_of(city)
    question = city["round"].questionnaire.questions.get(code="students_count")
    client.force_login(methodologist())
    url = reverse("surveys:submission-review", args=[submission.pk])
    page = client.get(url).content.decode()
    assert "950 чел." in page and "Вернуть на доработку" in page and "Принять" in page
    response = client.post(url, {"action": "return", "version": submission.version, "comment": "Уточните", f"comment_{question.pk}": "Не сходится с РИС"})
    assert response.status_code == 302
    submission.refresh_from_db()
    assert submission.state == Submission.State.RETURNED
    page = client.get(url).content.decode()
    assert "Не сходится с РИС" in page and "возвращена на доработку" in page


def test_a_return_without_any_comment_is_refused_with_a_message(client, city):
    client.force_login(city["curator"])
    post_form(client, city, FILLED, action="submit")
    submission = submission_of(city)
    client.force_login(methodologist())
    response = client.post(reverse("surveys:submission-review", args=[submission.pk]), {"action": "return", "version": submission.version}, follow=True)
    assert "Напишите, что нужно исправить" in response.content.decode()
    assert submission_of(city).state == Submission.State.SUBMITTED


def _round_with_questions(extra_questions: int):
    questionnaire = readiness_questionnaire(extra_questions=extra_questions) if extra_questions else QuestionnaireFactory()
    school = SchoolFactory()
    curator = CuratorFactory(school=school).user
    previous = SubmissionRoundFactory(
        questionnaire=questionnaire,
        municipality=school.municipality,
        state=SubmissionRound.State.CLOSED,
        opens_at=timezone.now() - dt.timedelta(days=400),
        closes_at=timezone.now() - dt.timedelta(days=300),
    )
    submission_round = SubmissionRoundFactory(questionnaire=questionnaire, municipality=school.municipality, previous=previous)
    join_round(submission_round, [school])
    for r in (previous, submission_round):
        submission = Submission.objects.create(round=r, school=school)
        Answer.objects.bulk_create([Answer(submission=submission, question=q, value_number=Decimal(5)) for q in questionnaire.questions.all()])
    return submission_round, curator, submission


@pytest.mark.parametrize("extra_questions", [1, 60])
def test_form_page_query_count_does_not_grow_with_questions(client, django_assert_max_num_queries, extra_questions):
    submission_round, curator, submission = _round_with_questions(extra_questions)
    client.force_login(curator)
    # session, user, profile (password duty), groups, curator's school, school, round with its previous round, sections,
    # questions, cross-question rules, submission, extension, answers with the previous round's, the school's participation,
    # conversation per question
    with django_assert_max_num_queries(15):
        response = client.get(reverse("surveys:submission-form", args=[submission_round.pk]))
    assert response.status_code == 200


@pytest.mark.parametrize("extra_questions", [1, 60])
def test_review_page_query_count_does_not_grow_with_questions(client, django_assert_max_num_queries, extra_questions):
    submission_round, curator, submission = _round_with_questions(extra_questions)
    client.force_login(methodologist())
    # session, user, profile, groups, submission with its round and the previous round, sections, questions, cross-question
    # rules, extension, answers with the previous round's, the school's participation, evidence file versions, answer changes,
    # workflow events, curators, the conversation (per question and in the history), next waiting in the queue, last return
    # (and changes since)
    with django_assert_max_num_queries(18):
        response = client.get(reverse("surveys:submission-review", args=[submission.pk]))
    assert response.status_code == 200


def test_the_form_and_the_review_page_show_each_answer_of_the_previous_round(client):
    submission_round, curator, submission = _round_with_questions(1)
    speed = Answer.objects.get(submission__round=submission_round.previous, question__code="internet_speed")
    speed.value_number = Decimal(70)
    speed.save()
    client.force_login(curator)
    form = client.get(reverse("surveys:submission-form", args=[submission_round.pk])).content.decode()
    client.force_login(methodologist())
    review = client.get(reverse("surveys:submission-review", args=[submission.pk])).content.decode()
    for page in (form, review):
        assert "В прошлом мониторинге: 70 Мбит/с" in page  # this round's answer is 5: the hint is the previous round's
        shown = [a for a in Answer.objects.filter(submission__round=submission_round.previous).select_related("question") if answer_display(a.question, a)]
        assert page.count("В прошлом мониторинге:") == len(shown)  # one hint per answered question, none for this round's answers
