"""Celery tasks of ratings: thin wrappers around services, safe to run twice."""

from celery import shared_task


@shared_task(acks_late=True)
def recompute_round(round_id: int) -> None:
    from .services import rating_recompute_round

    rating_recompute_round(round_id=round_id)


@shared_task
def recompute_stale_rounds() -> None:
    from .services import rounds_recompute_stale

    rounds_recompute_stale()
