"""How the portal writes numbers and counted words in Russian: one definition for pages, exports, notices and the admin.

`format_number(12.5000)` → «12,5»: a decimal comma, no trailing zeros, never an exponent; an empty value is «—» unless
the caller asks for another mark (a form field shows nothing). `plural(5, "школа", "школы", "школ")` → «школ».
Reading numbers typed by people is the other direction: `roadmap_portal/parsing.py`.
"""

from decimal import Decimal, InvalidOperation

EMPTY = "—"


def format_number(value: Decimal | int | float | str | None, *, empty: str = EMPTY, places: int | None = None) -> str:
    """12.5000 → «12,5», 100.00 → «100», None → `empty`; with `places`, exactly that many decimals (45 → «45,0»)."""
    if value is None or value == "":
        return empty
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        return str(value)
    text = f"{number:.{places}f}" if places is not None else f"{number.normalize():f}"
    return text.replace(".", ",")


def format_signed(value: Decimal | int | float | None) -> str:
    """A change with its sign: «+2,5», «−1», «0»; empty when there is nothing to compare with."""
    if value is None:
        return ""
    number = Decimal(str(value))
    if number == 0:
        return "0"
    return ("+" if number > 0 else "−") + format_number(abs(number))


def plural(count: Decimal | int | float | None, one: str, few: str, many: str) -> str:
    """The Russian word for a count: 1 школа, 2 школы, 5 школ, 21 школа; a fraction takes the second form (2,5 школы)."""
    number = Decimal(str(count or 0))
    if number != number.to_integral_value():
        return few
    n = abs(int(number))
    if n % 10 == 1 and n % 100 != 11:
        return one
    if 2 <= n % 10 <= 4 and not 12 <= n % 100 <= 14:
        return few
    return many


def width_class(percent) -> str:
    """A percent (0–100) as the width class `w-pct-N` of portal.css (the CSP forbids inline styles)."""
    try:
        number = round(float(percent))
    except (TypeError, ValueError):
        number = 0
    return f"w-pct-{min(max(number, 0), 100)}"
