"""What schools says happened, for the apps above it to act on (schools itself imports none of them)."""

from django.dispatch import Signal

# A school's district, town/country flag or active state changed (an administrator's edit), inside its transaction.
# Arguments: school_ids. The rounds those schools take part in count by these facts: surveys marks their results stale.
school_facts_changed = Signal()
