"""Writes of ratings: invalidating a round's results and recomputing them."""

import logging

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from surveys.models import SubmissionRound

logger = logging.getLogger(__name__)

# A queued recompute not started after this long is taken as lost (broker restarted, worker died).
QUEUED_RECOMPUTE_TIMEOUT = timezone.timedelta(minutes=10)


def round_results_invalidate(*, round_id: int) -> None:
    """Mark the round's results stale and queue one recompute after the current transaction commits.

    Call it inside the transaction that changed what the results depend on (a submit, a return,
    an acceptance, a close). Bursts of calls coalesce: while a recompute is queued and not yet
    started, no other is queued, and the queued one sees every change made before it starts.
    """
    SubmissionRound.objects.filter(pk=round_id).update(changes_seq=F("changes_seq") + 1)
    transaction.on_commit(lambda: round_recompute_enqueue(round_id=round_id))


def round_recompute_enqueue(*, round_id: int) -> bool:
    """Queue a recompute unless one is already waiting. Returns whether a task was queued."""
    from .tasks import recompute_round

    now = timezone.now()
    claimed = SubmissionRound.objects.filter(
        Q(recompute_queued_at__isnull=True) | Q(recompute_queued_at__lt=now - QUEUED_RECOMPUTE_TIMEOUT), pk=round_id
    ).update(recompute_queued_at=now)
    if claimed != 1:
        return False
    try:
        recompute_round.apply_async(args=[round_id], countdown=settings.RECOMPUTE_DELAY_SECONDS)
    except Exception:
        # The broker is down: the submit still succeeds, the round stays stale, and the
        # periodic `recompute_stale_rounds` task picks it up when the worker is back.
        logger.warning("Could not queue a recompute of round %s; it stays marked stale", round_id, exc_info=True)
        SubmissionRound.objects.filter(pk=round_id, recompute_queued_at=now).update(recompute_queued_at=None)
        return False
    return True
