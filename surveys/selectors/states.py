"""Submission states as pages show them: labels, short labels, plurals, icons, their order, and which states a curator may edit."""

from ..models import (
    Submission,
)

NOT_STARTED = Submission.NOT_STARTED
STATE_LABELS = {state: look[0] for state, look in Submission.STATE_LOOKS.items()}
SHORT_STATE_LABELS = {state: look[1] for state, look in Submission.STATE_LOOKS.items()}
PLURAL_STATE_LABELS = {state: look[2] for state, look in Submission.STATE_LOOKS.items()}
STATE_ICONS = {state: look[3] for state, look in Submission.STATE_LOOKS.items()}
STATE_ORDER = list(Submission.STATE_LOOKS)  # not started first, accepted last
EDITABLE_STATES = (Submission.State.DRAFT, Submission.State.RETURNED)
