"""Numbers as people in Russia type them: «1 530», «1 530,5», «12.5», «−3».

One definition used by the curator's form, the Excel imports and the filters (and mirrored by the form's
live check in static/js/surveys.js). Spaces — ordinary, non-breaking (U+00A0) or narrow (U+202F, U+2009) —
may only separate groups of three digits; a comma or a point separates the decimals. Anything else
(«1e2», «100 Мбит/с», «1.000.000», «12,5%») is refused with a message that says what to type.
"""

import re
from decimal import Decimal, InvalidOperation

GROUP_SPACES = "\u0020\u00a0\u202f\u2009"
MINUS_SIGNS = "-\u2212\u2013"
_NUMBER = re.compile(
    rf"^(?P<sign>[{MINUS_SIGNS}+])?"
    rf"(?P<whole>\d+|\d{{1,3}}(?:[{GROUP_SPACES}]\d{{3}})+)"
    r"(?:[.,](?P<fraction>\d+))?$"
)
# The form's limits: whole numbers up to ten digits, decimals up to 14 digits with 4 after the comma.
INTEGER_MAX_DIGITS = 10
DECIMAL_MAX_DIGITS = 14
DECIMAL_PLACES = 4

INTEGER_HINT = "Введите целое число цифрами, например «1 530» — без букв и единиц измерения."
DECIMAL_HINT = "Введите число цифрами, например «1 530» или «12,5» — без букв и единиц измерения."


class NumberParseError(ValueError):
    """`message` says in Russian what is wrong and what to type instead."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def parse_number(value, *, integer: bool = False, decimal_places: int = DECIMAL_PLACES) -> Decimal | None:
    """The number in `value` (text or a spreadsheet cell), or None when it is empty; NumberParseError otherwise."""
    if value is None:
        return None
    if isinstance(value, bool):
        raise NumberParseError(INTEGER_HINT if integer else DECIMAL_HINT)
    if isinstance(value, int | float | Decimal):
        number = Decimal(str(value))  # a spreadsheet cell: float 12.5 → Decimal("12.5"), not its binary expansion
        if not number.is_finite():
            raise NumberParseError(INTEGER_HINT if integer else DECIMAL_HINT)
        return _checked(number, integer=integer, decimal_places=decimal_places)
    text = str(value).strip()
    if not text:
        return None
    match = _NUMBER.match(text)
    if match is None:
        raise NumberParseError(INTEGER_HINT if integer else DECIMAL_HINT)
    whole = re.sub(f"[{GROUP_SPACES}]", "", match["whole"])
    sign = "-" if match["sign"] and match["sign"] in MINUS_SIGNS else ""
    try:
        number = Decimal(f"{sign}{whole}.{match['fraction'] or '0'}")
    except InvalidOperation as error:  # pragma: no cover - the pattern admits only digits
        raise NumberParseError(DECIMAL_HINT) from error
    return _checked(number, integer=integer, decimal_places=decimal_places)


def _checked(number: Decimal, *, integer: bool, decimal_places: int) -> Decimal:
    number = number.normalize() if number else Decimal(0)
    places = max(0, -number.as_tuple().exponent)
    if integer:
        if places:
            raise NumberParseError("Введите целое число, без дробной части: например «1 530».")
        if len(f"{abs(number):f}") > INTEGER_MAX_DIGITS:
            raise NumberParseError(f"Слишком большое число: не больше {INTEGER_MAX_DIGITS} цифр.")
        return Decimal(int(number))
    if places > decimal_places:
        raise NumberParseError(f"Не больше {decimal_places} знаков после запятой.")
    whole_digits = len(f"{abs(number).to_integral_value(rounding='ROUND_DOWN'):f}")
    if whole_digits > DECIMAL_MAX_DIGITS - decimal_places:
        raise NumberParseError(f"Слишком большое число: не больше {DECIMAL_MAX_DIGITS - decimal_places} цифр до запятой.")
    return Decimal(f"{number:f}")


def input_text(number: Decimal | int | None) -> str:
    """How a stored number is put back into a text box: «1530», «12,5» (no exponent, no trailing zeros)."""
    if number is None:
        return ""
    return f"{Decimal(number).normalize():f}".replace(".", ",")
