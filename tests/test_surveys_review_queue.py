"""The review queue (order, search, filters, bulk accept with confirmation), «следующая анкета», changes since the last
return, and the conversation per question (remark → reply → resolved on acceptance; an explanation before submitting)."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from surveys.models import Answer, AnswerChange, Notice, QuestionMessage, Submission, SubmissionEvent
from surveys.services import submission_return
from tests.factories import CuratorFactory, DistrictFactory, QuestionFactory, SchoolFactory, SubmissionRoundFactory, district_officer, join_round, methodologist

pytestmark = pytest.mark.django_db


def build(n: int = 4, districts: int = 2):
    """n submitted questionnaires spread over districts, submitted one hour apart, newest first in creation order."""
    submission_round = SubmissionRoundFactory()
    question = QuestionFactory(section__questionnaire=submission_round.questionnaire, code="internet_speed", text="Скорость Интернета")
    district_list = [DistrictFactory(municipality=submission_round.municipality, name=f"Район {d + 1}") for d in range(districts)]
    submissions = []
    now = timezone.now()
    for i in range(n):
        school = SchoolFactory(district=district_list[i % districts], municipality=submission_round.municipality, full_name=f"МБОУ «Школа № {100 + i}»")
        CuratorFactory(school=school)
        join_round(submission_round, [school], replace=False)
        submission = Submission.objects.create(
            round=submission_round, school=school, state=Submission.State.SUBMITTED, submitted_at=now - dt.timedelta(hours=n - i), version=2
        )
        Answer.objects.create(submission=submission, question=question, value_number=100)
        submissions.append(submission)
    return submission_round, question, district_list, submissions


def test_queue_lists_waiting_questionnaires_oldest_first_with_search_and_filters(client):
    _, _, districts, submissions = build(4)
    Answer.objects.filter(submission=submissions[1]).update(deviation_flag="в 3 раза больше, чем в прошлом мониторинге")
    Submission.objects.filter(pk=submissions[3].pk).update(state=Submission.State.ACCEPTED)
    client.force_login(methodologist())
    page = client.get(reverse("surveys:review-queue")).content.decode()
    order = [page.index(s.school.full_name) for s in submissions[:3]]
    assert order == sorted(order) and submissions[3].school.full_name not in page
    assert client.get(reverse("surveys:review-queue") + "?q=№ 102").context["rows"][0] == submissions[2]
    assert list(client.get(reverse("surveys:review-queue") + f"?district={districts[1].pk}").context["rows"]) == [submissions[1]]
    assert list(client.get(reverse("surveys:review-queue") + "?flags=flagged").context["rows"]) == [submissions[1]]
    assert list(client.get(reverse("surveys:review-queue") + "?flags=clean").context["rows"]) == [submissions[0], submissions[2]]


def test_the_queue_district_filter_is_searched_by_name_not_listed(client):
    """A region's 800 districts are not rendered as options: the filter is the district typed (or picked from the
    suggestions), found by name or by a link's id; a name that matches none says what to do."""
    _, _, districts, submissions = build(4, districts=2)
    for number in range(30):
        DistrictFactory(municipality=districts[0].municipality, name=f"Пустой район {number}")
    client.force_login(methodologist())
    page = client.get(reverse("surveys:review-queue")).content.decode()
    assert "<option" not in page.split('name="district"')[1].split("</div>")[0]
    assert 'data-district-search="' in page
    by_name = client.get(reverse("surveys:review-queue"), {"district": "район 2"})
    assert list(by_name.context["rows"]) == [submissions[1], submissions[3]]
    assert 'value="Район 2"' in by_name.content.decode()
    assert list(client.get(reverse("surveys:review-queue"), {"district": districts[0].pk}).context["rows"]) == [submissions[0], submissions[2]]
    unknown = client.get(reverse("surveys:review-queue"), {"district": "Заречный"})
    assert "Район «Заречный» не найден" in unknown.content.decode()


def test_a_district_officer_sees_only_their_district_in_the_queue(client):
    _, _, districts, submissions = build(4)
    client.force_login(district_officer(districts[0]))
    assert list(client.get(reverse("surveys:review-queue")).context["rows"]) == [submissions[0], submissions[2]]


@pytest.mark.parametrize("n", [5, 40])
def test_queue_query_count_does_not_grow_with_questionnaires(client, django_assert_num_queries, n):
    build(n)
    client.force_login(methodologist())
    # session, user, profile (password duty), groups, count, the page of rows (the district filter is searched, not listed)
    with django_assert_num_queries(6):
        response = client.get(reverse("surveys:review-queue"))
    assert len(response.context["rows"]) == n


def test_bulk_accept_asks_for_confirmation_then_accepts_only_questionnaires_without_flags(client, django_capture_on_commit_callbacks):
    _, _, _, submissions = build(3)
    Answer.objects.filter(submission=submissions[1]).update(deviation_flag="в 3 раза больше")
    client.force_login(methodologist())
    ids = [s.pk for s in submissions]
    confirm = client.post(reverse("surveys:review-bulk-accept"), {"submission": ids})
    assert confirm.status_code == 200 and "Да, принять 2" in confirm.content.decode()
    assert not Submission.objects.filter(state=Submission.State.ACCEPTED).exists()  # nothing happens before the confirmation
    data = {"submission": ids, "confirmed": "1", **{f"version_{s.pk}": s.version for s in submissions}}
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("surveys:review-bulk-accept"), data, follow=True)
    states = dict(Submission.objects.values_list("pk", "state"))
    assert [states[s.pk] for s in submissions] == ["accepted", "submitted", "accepted"]
    assert "Принято анкет: 2" in response.content.decode()
    assert Notice.objects.filter(kind=Notice.Kind.ACCEPTED).count() == 2


def test_bulk_accept_refuses_a_questionnaire_changed_since_the_confirmation(client):
    _, _, _, submissions = build(2)
    client.force_login(methodologist())
    Submission.objects.filter(pk=submissions[0].pk).update(version=7)  # returned and resubmitted meanwhile
    data = {"submission": [s.pk for s in submissions], "confirmed": "1", **{f"version_{s.pk}": 2 for s in submissions}}
    response = client.post(reverse("surveys:review-bulk-accept"), data, follow=True)
    assert dict(Submission.objects.values_list("pk", "state")) == {submissions[0].pk: "submitted", submissions[1].pk: "accepted"}
    assert "не принята" in response.content.decode()


def test_bulk_accept_ignores_schools_the_reviewer_does_not_see(client):
    _, _, districts, submissions = build(2)
    client.force_login(district_officer(districts[0]))
    data = {"submission": [submissions[1].pk], "confirmed": "1", f"version_{submissions[1].pk}": 2}
    client.post(reverse("surveys:review-bulk-accept"), data)
    assert Submission.objects.get(pk=submissions[1].pk).state == Submission.State.SUBMITTED


def test_review_page_offers_the_next_waiting_questionnaire_and_what_changed_since_the_return(client):
    submission_round, question, _, submissions = build(3)
    reviewer = methodologist()
    first = submissions[0]
    SubmissionEvent.objects.create(submission=first, action="returned", from_state="submitted", to_state="returned", version=3, user=reviewer)
    AnswerChange.objects.create(submission=first, question=question, old_value="50", new_value="100", version=4)
    AnswerChange.objects.create(submission=first, question=question, old_value="10", new_value="50", version=2)  # before the return
    client.force_login(reviewer)
    response = client.get(reverse("surveys:submission-review", args=[first.pk]))
    assert response.context["next_waiting"] == submissions[1]
    page = response.content.decode()
    assert "Следующая анкета: " + submissions[1].school.full_name in page
    returned, changes = response.context["since_return"]
    assert [(c.old_value, c.new_value) for c in changes] == [("50", "100")]
    last = client.get(reverse("surveys:submission-review", args=[submissions[2].pk]))
    assert last.context["next_waiting"] == submissions[0]  # at the end of the queue, back to the oldest


def test_curator_replies_to_a_remark_and_acceptance_resolves_the_thread(client, django_capture_on_commit_callbacks):
    submission_round, question, _, submissions = build(1, districts=1)
    reviewer = methodologist()
    submission = submissions[0]
    with django_capture_on_commit_callbacks(execute=True):
        submission_return(submission=submission, user=reviewer, comment="", question_comments={question.pk: "Уточните скорость"}, expected_version=2)
    curator = submission.school.curators.get().user
    client.force_login(curator)
    form = client.get(reverse("surveys:submission-form", args=[submission_round.pk])).content.decode()
    assert "Уточните скорость" in form and 'form="reply-internet_speed"' in form
    response = client.post(
        reverse("surveys:question-message", args=[submission_round.pk]), {"question": "internet_speed", "text": "Скорость по договору 100 Мбит/с"}
    )
    assert response.status_code == 302 and response["Location"].endswith("#question-internet_speed")
    assert list(QuestionMessage.objects.values_list("kind", "text")) == [("remark", "Уточните скорость"), ("reply", "Скорость по договору 100 Мбит/с")]
    assert Notice.objects.get(recipient=reviewer, kind=Notice.Kind.REPLY).link.endswith("#question-internet_speed")

    client.force_login(reviewer)
    review = client.get(reverse("surveys:submission-review", args=[submission.pk])).content.decode()
    assert "Скорость по договору 100 Мбит/с" in review and "Ответ куратора" in review
    assert review.count("Скорость по договору 100 Мбит/с") == 2  # under its question and in the history (messages read once)
    Submission.objects.filter(pk=submission.pk).update(state=Submission.State.SUBMITTED)
    client.post(reverse("surveys:submission-review", args=[submission.pk]), {"action": "accept", "comment": "", "version": 3})
    assert not QuestionMessage.objects.filter(resolved_at__isnull=True).exists()


def test_curator_explains_a_jump_before_submitting_and_cannot_write_once_submitted(client):
    submission_round, _, _, submissions = build(1, districts=1)
    submission = submissions[0]
    Submission.objects.filter(pk=submission.pk).update(state=Submission.State.DRAFT)
    client.force_login(submission.school.curators.get().user)
    url = reverse("surveys:question-message", args=[submission_round.pk])
    client.post(url, {"question": "internet_speed", "text": "Подключили оптику в сентябре"})
    assert QuestionMessage.objects.get().kind == QuestionMessage.Kind.EXPLANATION
    Submission.objects.filter(pk=submission.pk).update(state=Submission.State.SUBMITTED)
    response = client.post(url, {"question": "internet_speed", "text": "Ещё"}, follow=True)
    assert QuestionMessage.objects.count() == 1
    assert "Анкета уже на проверке" in response.content.decode()
