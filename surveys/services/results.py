"""A round's results are stale: the flag is the round's own (`changes_seq` raised past `computed_seq`), so surveys keeps
it, and says so by a signal once the change commits (`surveys.signals.results_stale`); ratings, above, recomputes.

Every write that changes what results depend on calls `round_results_invalidate` inside its transaction; a change of a
school's or an indicator's facts reaches here by the signals of schools and indicators (`surveys.receivers`).
"""

from collections.abc import Iterable

from django.db import transaction
from django.db.models import F, Q, QuerySet

from indicators.models import Indicator

from ..models import RESULTS_FINAL, RoundParticipant, SubmissionRound
from ..signals import results_stale


def round_results_invalidate(*, round_id: int) -> None:
    """Mark the round's results stale and, after the current transaction commits, say so (ratings queues one recompute).

    A round whose results are final is left alone: its figures change only through `round_correction_apply`.

    Call it inside the transaction that changed what the results depend on (a submit, a return,
    an acceptance, a close). Bursts of calls coalesce: while a recompute is queued and not yet
    started, no other is queued, and the queued one sees every change made before it starts.
    """
    if SubmissionRound.objects.filter(pk=round_id).exclude(RESULTS_FINAL).update(changes_seq=F("changes_seq") + 1):
        transaction.on_commit(lambda: results_stale.send(sender=SubmissionRound, round_id=round_id))


def rounds_results_invalidate(rounds: QuerySet[SubmissionRound]) -> list[int]:
    """Every opened round of `rounds` whose results are not fixed is marked stale. Returns the rounds' ids."""
    round_ids = list(rounds.exclude(state=SubmissionRound.State.DRAFT).exclude(RESULTS_FINAL).values_list("pk", flat=True))
    for round_id in round_ids:
        round_results_invalidate(round_id=round_id)
    return round_ids


def results_inputs_changed(*, school_ids: Iterable[int] = (), indicator_ids: Iterable[int] = ()) -> list[int]:
    """An input of results changed outside the rounds' own writes — a school's district, urban/rural flag or active
    state, an indicator's definition or its targets: every round whose results are not fixed and that the change
    touches is marked stale and its recompute queued after commit. Returns the rounds' ids."""
    school_ids, indicator_ids = list(school_ids), list(indicator_ids)
    touched = Q(pk__in=[])
    if school_ids:
        touched |= Q(pk__in=RoundParticipant.objects.filter(school_id__in=school_ids).values("round_id"))
    if indicator_ids:
        indicators = Indicator.objects.filter(pk__in=indicator_ids)
        touched |= Q(municipality_id__in=indicators.values("roadmap__municipality_id")) | Q(
            municipality_id__in=indicators.values("roadmap__school__municipality_id")
        )
    return rounds_results_invalidate(SubmissionRound.objects.filter(touched))
