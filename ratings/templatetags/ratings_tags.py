"""Display helpers of ratings' templates: change colours, status reasons, corrections. Numbers, signs, plurals and bar
widths are the built-in filters of `roadmap_portal.format_tags`."""

from django import template

from ratings.models import Rating
from ratings.selectors import failed_criteria
from roadmap_portal.formatting import format_number

register = template.Library()


@register.filter
def change_class(value) -> str:
    if value is None or value == 0:
        return "text-muted"
    return "text-success" if value > 0 else "text-danger"


@register.filter
def failed(row) -> list[str]:
    return failed_criteria(row)


@register.filter
def absolute(value):
    return abs(value) if value is not None else None


@register.filter
def changed(line, name: str) -> bool:
    """Whether a correction line's figure `name` differs before and after."""
    return line.changed(name)


@register.filter
def correction_value(figures: dict | None, name: str) -> str:
    """One figure of a results snapshot in words: the school was not in the round, a number, a level, a status verdict."""
    if figures is None:
        return "нет в раунде"
    value = figures.get(name)
    if name == "level":
        return dict(Rating.Level.choices).get(value, "—")
    if name == "eligible":
        return "—" if value is None else ("проходит" if value else "не проходит")
    return format_number(value)
