"""What indicators says happened, for the apps above it to act on (indicators itself imports none of them)."""

from django.dispatch import Signal

# An indicator's definition or targets changed, or it is about to be deleted (an administrator's edit), inside the
# transaction. Arguments: indicator_ids. The rounds whose results give its progress are stale: surveys marks them.
indicator_changed = Signal()
