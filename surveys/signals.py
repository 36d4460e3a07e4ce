"""What surveys says happened, for the apps above it to act on (surveys itself imports none of them)."""

from django.dispatch import Signal

# A round's results are stale (its changes_seq rose past its computed_seq), sent once the change has committed.
# Arguments: round_id. ratings queues the round's recompute on it.
results_stale = Signal()

# A questionnaire was copied as its next version, inside the copy's transaction (so whatever a receiver writes commits
# or rolls back with it). Arguments: source, target, question_map (source question id → the target's question).
# ratings copies the scoring rules on it, so the new version is rated the same way.
questionnaire_versioned = Signal()
