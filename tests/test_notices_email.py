"""Notices by e-mail through a real SMTP server (aiosmtpd on 127.0.0.1): sent after commit, links from PORTAL_BASE_URL,
retried with backoff when the server refuses or is down, never lost, never twice, never failing the action that caused them."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from surveys.models import Notice, NoticeDelivery, NoticePreference, Reminder, Submission
from surveys.notices import notices_review_digest, notices_send_due
from surveys.services import reminders_send
from tests.factories import CuratorFactory, QuestionFactory, SchoolFactory, SubmissionRoundFactory, join_round, methodologist
from tests.smtp_server import SmtpServer

pytestmark = pytest.mark.django_db(transaction=True)
BASE = "https://cos.example.org"


@pytest.fixture
def smtp(settings):
    server = SmtpServer()
    server.start()
    server.configure(settings)
    settings.PORTAL_BASE_URL = BASE
    yield server
    try:
        server.stop()
    except Exception:  # noqa: S110 (already stopped by the test)
        pass


@pytest.fixture
def world():
    submission_round = SubmissionRoundFactory()
    school = SchoolFactory(municipality=submission_round.municipality, district__municipality=submission_round.municipality)
    curator = CuratorFactory(school=school)
    join_round(submission_round, [school], replace=False)
    speed = QuestionFactory(section__questionnaire=submission_round.questionnaire, code="internet_speed", text="Скорость Интернета")
    submission = Submission.objects.create(round=submission_round, school=school, state=Submission.State.SUBMITTED, submitted_at=timezone.now())
    reviewer = methodologist(username="metodist")
    return {"round": submission_round, "school": school, "curator": curator.user, "question": speed, "submission": submission, "reviewer": reviewer}


def return_with_remarks(client, world, version=None):
    client.force_login(world["reviewer"])
    submission = world["submission"]
    submission.refresh_from_db()
    return client.post(
        reverse("surveys:submission-review", args=[submission.pk]),
        {
            "action": "return",
            "version": submission.version if version is None else version,
            "comment": "Проверьте раздел об Интернете.",
            f"comment_{world['question'].pk}": "Скорость меньше прошлогодней вдвое — уточните по договору.",
        },
    )


def test_returned_questionnaire_reaches_the_curator_by_email_with_remarks_and_links(client, smtp, world):
    response = return_with_remarks(client, world)
    assert response.status_code == 302
    assert len(smtp.messages) == 1
    message = smtp.messages[0]
    assert message.to == [world["curator"].email]
    assert "возвращена на доработку" in message.subject
    assert "Проверьте раздел об Интернете." in message.body
    assert "Скорость меньше прошлогодней вдвое" in message.body
    form = reverse("surveys:submission-form", args=[world["round"].pk])
    assert f"{BASE}{form}#question-internet_speed" in message.body  # the remark links to its question
    assert ":8000" not in message.body
    notice = Notice.objects.get(recipient=world["curator"])
    assert notice.email_state == Notice.Email.SENT and notice.email_attempts == 1
    assert list(NoticeDelivery.objects.values_list("outcome", "attempt", "email")) == [("sent", 1, world["curator"].email)]


def test_a_refusing_server_delays_the_notice_and_the_retry_sends_it_once(client, smtp, world):
    smtp.handler.refuse = True
    response = return_with_remarks(client, world)
    assert response.status_code == 302  # the return itself succeeded
    assert Submission.objects.get(pk=world["submission"].pk).state == Submission.State.RETURNED
    notice = Notice.objects.get(recipient=world["curator"])
    assert notice.email_state == Notice.Email.PENDING and notice.email_attempts == 1
    assert notice.email_next_at > timezone.now()
    assert list(NoticeDelivery.objects.values_list("outcome", flat=True)) == ["failed"]
    assert notices_send_due() == 0  # not due yet: the backoff holds

    smtp.handler.refuse = False
    later = timezone.now() + dt.timedelta(minutes=5)
    assert notices_send_due(now=later) == 1
    assert notices_send_due(now=later + dt.timedelta(hours=1)) == 0  # the sweep runs again: nothing twice
    assert len(smtp.messages) == 1
    notice.refresh_from_db()
    assert notice.email_state == Notice.Email.SENT and notice.email_attempts == 2
    assert sorted(NoticeDelivery.objects.values_list("outcome", flat=True)) == ["failed", "sent"]


def test_a_stopped_server_never_fails_the_action_and_the_notice_waits(client, smtp, world):
    smtp.stop()
    response = return_with_remarks(client, world)
    assert response.status_code == 302
    notice = Notice.objects.get(recipient=world["curator"])
    assert notice.email_state == Notice.Email.PENDING
    smtp.start()
    assert notices_send_due(now=timezone.now() + dt.timedelta(minutes=5)) == 1
    assert len(smtp.messages) == 1


def test_the_same_event_never_notifies_twice(client, smtp, world):
    return_with_remarks(client, world)
    stale = return_with_remarks(client, world, version=world["submission"].version)  # a second click with the old version is refused
    assert stale.status_code == 200
    assert Notice.objects.filter(recipient=world["curator"]).count() == 1
    assert len(smtp.messages) == 1


def test_portal_only_users_get_no_email_but_see_the_notice(client, smtp, world):
    NoticePreference.objects.create(user=world["curator"], by_email=False)
    return_with_remarks(client, world)
    assert smtp.messages == []
    notice = Notice.objects.get(recipient=world["curator"])
    assert notice.email_state == Notice.Email.SKIPPED
    client.force_login(world["curator"])
    assert client.get(reverse("notices:count")).json() == {"unread": 1}
    page = client.get(reverse("notices:list")).content.decode()
    assert "возвращена на доработку" in page


def test_acceptance_is_told_and_resolves_the_remarks(client, smtp, world):
    return_with_remarks(client, world)
    submission = Submission.objects.get(pk=world["submission"].pk)
    submission.state = Submission.State.SUBMITTED
    submission.save(update_fields=["state"])
    client.post(reverse("surveys:submission-review", args=[submission.pk]), {"action": "accept", "version": submission.version, "comment": ""})
    assert [m.subject.split(" — ")[0] for m in smtp.messages] == ["Анкета возвращена на доработку", "Анкета принята"]
    assert not submission.messages.filter(resolved_at__isnull=True).exists()


@pytest.mark.parametrize(
    ("state", "expected"),
    [(None, "ещё не начата"), (Submission.State.DRAFT, "сохранена как черновик"), (Submission.State.RETURNED, "возвращена на доработку")],
)
def test_reminder_text_fits_the_school_state_and_links_to_the_portal_address(smtp, world, state, expected):
    submission = world["submission"]
    if state is None:
        submission.delete()
    else:
        Submission.objects.filter(pk=submission.pk).update(state=state)
    sent = reminders_send(submission_round=world["round"], kind=Reminder.Kind.MANUAL)
    assert [r.email for r in sent] == [world["curator"].email]
    assert len(smtp.messages) == 1
    body = smtp.messages[0].body
    assert expected in body
    assert "ещё не отправлена" not in body or state == Submission.State.DRAFT
    assert f"{BASE}{reverse('surveys:submission-form', args=[world['round'].pk])}" in body


def test_methodologists_get_a_daily_digest_of_waiting_questionnaires(smtp, world):
    assert notices_review_digest() == 1
    assert notices_review_digest() == 0  # once a day
    assert len(smtp.messages) == 1
    assert smtp.messages[0].to == [world["reviewer"].email]
    assert "Ждут проверки: 1" in smtp.messages[0].subject
    assert f"{BASE}{reverse('surveys:review-queue')}" in smtp.messages[0].body


@pytest.mark.parametrize("count", [3, 80])
def test_the_notice_list_costs_the_same_for_few_and_many(client, world, django_assert_max_num_queries, count):
    from tests.factories import NoticeFactory

    for _ in range(count):
        NoticeFactory(recipient=world["curator"])
    client.force_login(world["curator"])
    # session, user, profile (password duty), groups (role), count and page of notices, unread count
    with django_assert_max_num_queries(8):
        response = client.get(reverse("notices:list"))
    assert len(response.context["items"]) == min(count, 50)
    with django_assert_max_num_queries(4):
        assert client.get(reverse("notices:count")).json() == {"unread": count}
