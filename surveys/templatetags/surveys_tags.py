"""Small display helpers of surveys' templates: state badges and counts (bar widths: the built-in `width_class`)."""

from django import template

from surveys.selectors import NOT_STARTED, SHORT_STATE_LABELS, STATE_ICONS

register = template.Library()


@register.inclusion_tag("surveys/includes/state_badge.html")
def state_badge(state: str | None, large: bool = False):
    state = state or NOT_STARTED
    return {"state": state, "label": SHORT_STATE_LABELS.get(state, state), "icon": STATE_ICONS.get(state, "bi-circle"), "large": large}


@register.filter
def state_count(counts: dict, state: str) -> int:
    return counts.get(state, 0)
