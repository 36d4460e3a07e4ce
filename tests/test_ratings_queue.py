"""Queueing recomputes: bursts coalesce into one task, a dead broker never fails a write, stale rounds are caught up."""

import datetime as dt

import pytest
from django.db import transaction
from django.utils import timezone

from ratings.models import Rating
from ratings.services import round_results_invalidate, rounds_recompute_stale
from ratings.tasks import recompute_round, recompute_stale_rounds
from roadmap_portal.celery import app as celery_app
from surveys.models import Submission, SubmissionRound

from .factories import SchoolFactory
from .ratings_world import FULL_MARKS, scored_round, submit_answers

pytestmark = pytest.mark.django_db


@pytest.fixture
def broker_without_worker():
    """Tasks go to the broker (Redis in CI, in-memory otherwise) and nobody consumes them; yields a message counter."""
    celery_app.conf.CELERY_TASK_ALWAYS_EAGER = False
    queue = celery_app.conf.task_default_queue

    def purge() -> int:
        with celery_app.connection_for_write() as connection:
            return connection.default_channel.queue_purge(queue) or 0

    def queued() -> int:
        with celery_app.connection_for_write() as connection:
            return connection.default_channel.queue_declare(queue, passive=False, durable=True, auto_delete=False).message_count

    purge()
    yield queued
    purge()


@pytest.fixture
def broker_down():
    """The broker refuses connections (a closed port); restored afterwards."""
    celery_app.conf.CELERY_TASK_ALWAYS_EAGER = False
    previous = celery_app.conf.broker_write_url
    celery_app.conf.broker_write_url = "redis://127.0.0.1:1/0"
    # Celery keeps its connection and producer pools: drop them so the next publish dials the new address.
    celery_app._pool = None
    celery_app.amqp._producer_pool = None
    yield
    celery_app.conf.broker_write_url = previous
    celery_app._pool = None
    celery_app.amqp._producer_pool = None


def stale(submission_round) -> bool:
    return SubmissionRound.objects.get(pk=submission_round.pk).results_stale


def test_several_changes_in_one_transaction_queue_one_recompute(broker_without_worker, django_capture_on_commit_callbacks):
    submission_round = scored_round(schools=[SchoolFactory()])

    with django_capture_on_commit_callbacks(execute=True) as callbacks, transaction.atomic():
        for _ in range(3):
            round_results_invalidate(round_id=submission_round.pk)

    submission_round.refresh_from_db()
    assert (len(callbacks), broker_without_worker()) == (3, 1)
    assert (submission_round.changes_seq, submission_round.results_stale, submission_round.recompute_queued_at is not None) == (3, True, True)


def test_changes_while_a_recompute_waits_in_the_queue_queue_nothing_more(broker_without_worker, django_capture_on_commit_callbacks):
    schools = SchoolFactory.create_batch(3)
    submission_round = scored_round(schools=schools)

    for school in schools:
        with django_capture_on_commit_callbacks(execute=True):
            submit_answers(submission_round, {school: FULL_MARKS})

    assert broker_without_worker() == 1


def test_a_change_after_the_recompute_started_queues_a_new_one(broker_without_worker, django_capture_on_commit_callbacks):
    first, second = SchoolFactory.create_batch(2)
    submission_round = scored_round(schools=[first, second])
    with django_capture_on_commit_callbacks(execute=True):
        submit_answers(submission_round, {first: FULL_MARKS})

    recompute_round.apply(args=[submission_round.pk])  # what the worker does with the queued task
    assert not stale(submission_round)
    with django_capture_on_commit_callbacks(execute=True):
        submit_answers(submission_round, {second: FULL_MARKS})

    assert broker_without_worker() == 2
    assert stale(submission_round)


def test_with_the_broker_down_the_submit_succeeds_and_the_round_stays_stale_until_the_periodic_catch_up(broker_down, django_capture_on_commit_callbacks):
    school = SchoolFactory()
    submission_round = scored_round(schools=[school])

    with django_capture_on_commit_callbacks(execute=True):
        submit_answers(submission_round, {school: FULL_MARKS})

    submission_round.refresh_from_db()
    assert Submission.objects.filter(round=submission_round, school=school, state="submitted").exists()
    assert (submission_round.results_stale, submission_round.recompute_queued_at) == (True, None)
    assert not Rating.objects.exists()


def test_the_periodic_task_recomputes_stale_rounds_without_a_live_queued_task():
    school = SchoolFactory()
    lost = scored_round(schools=[school])  # its task was queued 11 minutes ago and never ran
    waiting = scored_round(schools=[school])  # its task was queued a minute ago: leave it
    current = scored_round(schools=[school])
    submit_answers(lost, {school: FULL_MARKS})
    submit_answers(waiting, {school: FULL_MARKS})
    SubmissionRound.objects.filter(pk=lost.pk).update(recompute_queued_at=timezone.now() - dt.timedelta(minutes=11))
    SubmissionRound.objects.filter(pk=waiting.pk).update(recompute_queued_at=timezone.now() - dt.timedelta(minutes=1))

    recompute_stale_rounds.apply()

    assert (stale(lost), stale(waiting), stale(current)) == (False, True, False)
    assert Rating.objects.filter(round=lost, rank=1).exists()
    assert rounds_recompute_stale() == []


def test_in_the_embedded_mode_the_rating_appears_right_after_the_submit_commits(django_capture_on_commit_callbacks):
    school = SchoolFactory()
    submission_round = scored_round(schools=[school])

    with django_capture_on_commit_callbacks(execute=True):
        submit_answers(submission_round, {school: FULL_MARKS})

    rating = Rating.objects.get(round=submission_round, school=school)
    assert (rating.score, rating.rank) == (100, 1)
    assert not stale(submission_round)
