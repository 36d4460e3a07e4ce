"""Display helpers of ratings' templates: signed changes, Russian numbers, bar widths, status reasons."""

from decimal import Decimal

from django import template

from ratings.models import Rating, format_number
from ratings.selectors import failed_criteria

register = template.Library()


@register.filter
def number(value) -> str:
    """12.50 → «12,5»; None → «—»."""
    return format_number(value)


@register.filter
def signed(value) -> str:
    """A change with its sign: «+2,5», «−1», «0»; empty when there is nothing to compare with."""
    if value is None:
        return ""
    value = Decimal(str(value))
    if value == 0:
        return "0"
    return ("+" if value > 0 else "−") + format_number(abs(value))


@register.filter
def change_class(value) -> str:
    if value is None or value == 0:
        return "text-muted"
    return "text-success" if value > 0 else "text-danger"


@register.filter
def width_class(value) -> str:
    """A percent (0–100) as the width class `w-pct-N` of portal.css (inline styles are forbidden by CSP)."""
    try:
        percent = round(float(value))
    except (TypeError, ValueError):
        percent = 0
    return f"w-pct-{min(max(percent, 0), 100)}"


@register.filter
def failed(row) -> list[str]:
    return failed_criteria(row)


@register.filter
def plural(value, forms: str) -> str:
    """The Russian word for a count: `5|plural:"школа,школы,школ"` → «школ»; a fraction takes the second form."""
    one, few, many = forms.split(",")
    number = Decimal(str(value or 0))
    if number != number.to_integral_value():
        return few
    n = abs(int(number))
    if n % 10 == 1 and n % 100 != 11:
        return one
    if 2 <= n % 10 <= 4 and not 12 <= n % 100 <= 14:
        return few
    return many


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
