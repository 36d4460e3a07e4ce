"""Reads of surveys, one module per section; everything is importable from `surveys.selectors` as before.

- `states`: submission states as pages show them (labels, icons, order, editable states);
- `form`: the curator's form and its round: deadlines and extensions, a school's rounds, the questionnaire, a submission
  with its answers and history, the previous round (`previous_round_of`), the form page;
- `visibility`: which rounds, submissions and files a user may see (`rounds_for`, `submissions_visible_to`);
- `completeness`: a round's schools with their submission (`round_schools`), completeness by district, reminders;
- `city`: city medians and shares of «да» of a round's answers;
- `review`: the review queue;
- `rounds`: running a round (the round pages), the recompute's state for the operator;
- `timeliness`: submitted by the school's deadline or late, per district and for one school.
"""

from .city import (  # noqa: F401
    city_medians,
    city_yes_shares,
)
from .completeness import (  # noqa: F401
    DistrictCompleteness,
    DistrictOrder,
    RoundSchoolList,
    completeness_by_district,
    completeness_total,
    in_districts,
    round_completeness,
    round_district_order,
    round_reminders,
    round_school_rows,
    round_schools,
    round_weakest_districts,
    schools_awaiting_submission,
)
from .form import (  # noqa: F401
    FormPage,
    active_extension,
    answers_by_question,
    answers_with_previous,
    changes_since,
    current_round_for_school,
    evidence_versions,
    form_page,
    previous_answers_by_code,
    previous_round_of,
    questionnaire_questions,
    questionnaire_rules,
    questionnaire_sections,
    round_accepts_answers,
    round_deadline_for,
    round_deadlines_by_school,
    rounds_for_school,
    submission_for,
    submission_history,
)
from .review import (  # noqa: F401
    QUEUE_FLAGS,
    changes_since_last_return,
    review_queue,
    review_queue_next,
)
from .rounds import (  # noqa: F401
    RecomputeSummary,
    RoundSummary,
    open_rounds_with_joinable_schools,
    questionnaires_current,
    recompute_summary,
    round_events,
    round_joinable_schools,
    round_participants,
    round_summary,
    rounds_managed_by,
)
from .states import (  # noqa: F401
    EDITABLE_STATES,
    NOT_STARTED,
    PLURAL_STATE_LABELS,
    SHORT_STATE_LABELS,
    STATE_ICONS,
    STATE_LABELS,
    STATE_ORDER,
)
from .timeliness import (  # noqa: F401
    TIMELINESS_CACHE_SECONDS,
    TIMELINESS_RULE,
    SchoolTimeliness,
    Timeliness,
    school_timeliness,
    timeliness_by_district,
    timeliness_weakest,
    timeliness_weakest_first,
)
from .visibility import (  # noqa: F401
    rounds_for,
    rounds_visible_to,
    submissions_visible_to,
    visible_answer_with_file,
    visible_evidence_file,
    visible_submission,
)
