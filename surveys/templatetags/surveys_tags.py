"""Small display helpers of surveys' templates: state badges and percent bar widths."""

from django import template

from surveys.selectors import NOT_STARTED, SHORT_STATE_LABELS

register = template.Library()

STATE_ICONS = {
    NOT_STARTED: "bi-circle",
    "draft": "bi-pencil",
    "submitted": "bi-send-check",
    "returned": "bi-arrow-counterclockwise",
    "accepted": "bi-check-circle-fill",
}


@register.inclusion_tag("surveys/includes/state_badge.html")
def state_badge(state: str | None, large: bool = False):
    state = state or NOT_STARTED
    return {"state": state, "label": SHORT_STATE_LABELS.get(state, state), "icon": STATE_ICONS.get(state, "bi-circle"), "large": large}


@register.filter
def pct_class(value) -> str:
    """A percent (0–100) as the width class `w-pct-N` of portal.css (inline styles are forbidden by CSP)."""
    try:
        number = round(float(value))
    except (TypeError, ValueError):
        number = 0
    return f"w-pct-{min(max(number, 0), 100)}"


@register.filter
def state_count(counts: dict, state: str) -> int:
    return counts.get(state, 0)
