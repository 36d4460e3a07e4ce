"""Writes of surveys, one module per part of the domain; everything is importable from `surveys.services` as before.

- `submissions`: answers and their audit, submit, the review workflow (one by one and in bulk), the errors every write raises;
- `rounds`: a round from creation to fixed results, participants, extensions, its history;
- `questionnaires`: a new version of a questionnaire with its scoring;
- `reminders`: reminders to curators, by hand and before the deadline;
- `results`: a round's results marked stale (ratings, above, recomputes them when `surveys.signals.results_stale` says so).

Every write that changes results (submit, return, accept, close, reopen, extension) calls
`round_results_invalidate` (`results`) inside its transaction. Writes that change one submission
lock the round row first, then the submission row, always in that order.
"""

from .questionnaires import (  # noqa: F401
    questionnaire_new_version,
)
from .reminders import (  # noqa: F401
    AUTO_REMINDERS,
    reminders_send,
    reminders_send_due,
)
from .results import (  # noqa: F401
    results_inputs_changed,
    round_results_invalidate,
    rounds_results_invalidate,
)
from .rounds import (  # noqa: F401
    round_close,
    round_create,
    round_deadline_extend,
    round_event_record,
    round_extension_grant,
    round_open,
    round_participants_add,
    round_participants_remove,
    round_reopen,
    round_results_fix,
    round_schools_set_default,
    round_update,
)
from .submissions import (  # noqa: F401
    BulkAcceptResult,
    DraftSaved,
    RoundClosedError,
    SubmissionConflictError,
    SubmissionIncompleteError,
    SubmissionStateError,
    SurveyError,
    submission_accept,
    submission_return,
    submission_save_draft,
    submission_submit,
    submissions_accept_bulk,
)
