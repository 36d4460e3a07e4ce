"""Template filters of `roadmap_portal.formatting`, built into every template (settings.TEMPLATES builtins):
`{{ value|number }}`, `{{ change|signed }}`, `{{ n|plural:"школа,школы,школ" }}`, `{{ percent|width_class }}`."""

from django import template

from . import formatting

register = template.Library()


@register.filter
def number(value) -> str:
    return formatting.format_number(value)


@register.filter
def signed(value) -> str:
    return formatting.format_signed(value)


@register.filter
def plural(value, forms: str) -> str:
    one, few, many = forms.split(",")
    return formatting.plural(value, one, few, many)


@register.filter
def width_class(value) -> str:
    return formatting.width_class(value)
