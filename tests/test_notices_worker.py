"""A notice's e-mail through a real Celery worker and a real SMTP server: queued after commit, refused twice with 451,
retried by the worker with backoff, delivered exactly once. Runs in CI (PostgreSQL + Redis, REQUIRE_WORKER=1)."""

import time

import pytest

from surveys.models import Notice, NoticeDelivery, Submission
from surveys.services import submission_return
from tests.factories import CuratorFactory, QuestionFactory, SchoolFactory, SubmissionRoundFactory, methodologist
from tests.smtp_server import SmtpServer
from tests.test_ratings_worker import wait_for, worker  # noqa: F401 (the worker fixture)

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def smtp(settings, monkeypatch):
    server = SmtpServer()
    server.start()
    server.configure(settings)
    # The worker process reads its settings from the environment.
    for name, value in {
        "EMAIL_BACKEND": settings.EMAIL_BACKEND,
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(server.port),
        "EMAIL_TIMEOUT": "5",
        "PORTAL_BASE_URL": "https://cos.example.org",
        "NOTICE_RETRY_SECONDS": "1",
    }.items():
        monkeypatch.setenv(name, value)
    yield server
    server.stop()


def test_the_worker_retries_a_refused_email_and_delivers_it_once(smtp, worker):  # noqa: F811
    submission_round = SubmissionRoundFactory()
    school = SchoolFactory(municipality=submission_round.municipality, district__municipality=submission_round.municipality)
    curator = CuratorFactory(school=school).user
    question = QuestionFactory(section__questionnaire=submission_round.questionnaire, code="internet_speed")
    submission = Submission.objects.create(round=submission_round, school=school, state=Submission.State.SUBMITTED)
    smtp.handler.refuse = True

    submission_return(submission=submission, user=methodologist(), comment="Уточните скорость", question_comments={question.pk: "Замер?"}, expected_version=1)
    notice = Notice.objects.get(recipient=curator)
    wait_for(lambda: NoticeDelivery.objects.filter(notice=notice, outcome="failed").count() >= 2, worker)
    assert Submission.objects.get(pk=submission.pk).state == Submission.State.RETURNED
    smtp.handler.refuse = False
    wait_for(lambda: Notice.objects.get(pk=notice.pk).email_state == Notice.Email.SENT, worker)
    time.sleep(3)  # a late retry or the sweep must not send it again
    assert len(smtp.messages) == 1 and smtp.messages[0].to == [curator.email]
    assert "https://cos.example.org/rounds/" in smtp.messages[0].body
    assert NoticeDelivery.objects.filter(notice=notice, outcome="sent").count() == 1
