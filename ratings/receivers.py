"""What ratings does when surveys says something changed (connected in `RatingsConfig.ready`)."""

from .services import round_recompute_enqueue, scoring_scheme_copy


def on_results_stale(sender, *, round_id: int, **kwargs) -> None:
    """After the change committed: one recompute of the round queued (bursts coalesce, see `round_recompute_enqueue`)."""
    round_recompute_enqueue(round_id=round_id)


def on_questionnaire_versioned(sender, *, source, target, question_map, **kwargs) -> None:
    """In the new version's transaction: its scoring rules are the previous version's."""
    scoring_scheme_copy(source=source, target=target, question_map=question_map)
