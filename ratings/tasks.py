"""Celery tasks of ratings: thin wrappers around services, safe to run twice."""

from celery import shared_task

from surveys.models import SubmissionRound


@shared_task
def recompute_round(round_id: int) -> None:
    from .services import key_result_facts_refresh, rating_recompute_round

    result = rating_recompute_round(round_id=round_id)
    if result is not None and result.computed:
        # Key results evidenced by this round (rating formed, forms collected, ...) follow its new results.
        key_result_facts_refresh(municipality_id=SubmissionRound.objects.get(pk=round_id).municipality_id)


@shared_task
def recompute_stale_rounds() -> None:
    from .services import rounds_recompute_stale

    rounds_recompute_stale()


@shared_task
def refresh_key_result_facts() -> None:
    """Hourly: curators appointed and rounds closed by their deadline change key results without a recompute."""
    from .services import key_result_facts_refresh

    key_result_facts_refresh()
