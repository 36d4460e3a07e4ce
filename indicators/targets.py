"""Numeric targets as the roadmaps write them, parsed into numbers.

- in a key result's text: "не менее 40% ОУ", "не менее, чем в 50% ОУ", "Охват не менее 40% ОУ", "Не менее 60% контента в РИС",
  "не менее 100 %"; seed 000's equipment rows carry two targets, "(минимальный) - не менее 10% ОУ … (стандартный) – не менее 7%";
- one table cell: "100", "62,5%", "15 (1,9)" (a percent with an absolute figure in brackets, decimal comma);
- yearly targets in one cell: "2020 – 15% 2021 – 30% 2022 – 50%", "2020 - 0 2021 - 5 2022 - 5".

Pure functions; a cell that is not a target raises `TargetParseError`.
"""

import re
from dataclasses import dataclass
from decimal import Decimal

NUMBER = r"\d+(?:[.,]\d+)?"
PERCENT_TARGET = re.compile(rf"(?:\((?P<qualifier>[^()]+)\)\s*[-–—]?\s*)?не\s+менее,?\s+(?:чем\s+в\s+)?(?P<value>{NUMBER})\s*%", re.IGNORECASE)
CELL = re.compile(rf"(?P<value>{NUMBER})\s*(?P<unit>%?)\s*(?:\(\s*(?P<absolute>{NUMBER})\s*\))?")
YEAR_ITEM = re.compile(rf"(?P<year>(?:19|20)\d\d)\s*[-–—]\s*(?P<value>{NUMBER})\s*(?P<unit>%?)")
EMPTY_CELLS = {"", "-", "–", "—"}


class TargetParseError(ValueError):
    """The text is not a target in any known form."""


@dataclass(frozen=True)
class ParsedTarget:
    value: Decimal
    unit: str = ""  # "%" when the text says so
    absolute: Decimal | None = None
    qualifier: str = ""  # "минимальный" in "(минимальный) - не менее 10% ОУ"
    raw: str = ""


def to_decimal(text: str) -> Decimal:
    return Decimal(text.replace(",", "."))


def _clean(text: str) -> str:
    return re.sub(r"\s+", " ", text.replace("\u00a0", " ")).strip()


def parse_text_targets(text: str) -> list[ParsedTarget]:
    """Every "не менее N%" of a key result, in the order written (none for a process result)."""
    return [
        ParsedTarget(
            value=to_decimal(match["value"]),
            unit="%",
            qualifier=(match["qualifier"] or "").strip(),
            raw=_clean(match.group(0)),
        )
        for match in PERCENT_TARGET.finditer(_clean(text))
    ]


def parse_cell(text: str) -> ParsedTarget | None:
    """One table cell: "100", "62,5%", "15 (1,9)", "не менее 100 %"; None for an empty cell ("", "-")."""
    clean = _clean(text)
    if clean in EMPTY_CELLS:
        return None
    from_phrase = parse_text_targets(clean)
    if len(from_phrase) == 1 and PERCENT_TARGET.fullmatch(clean):
        return ParsedTarget(value=from_phrase[0].value, unit="%", raw=clean)
    match = CELL.fullmatch(clean)
    if not match:
        raise TargetParseError(f"Не удалось разобрать целевое значение «{text}»: ожидается число, «62,5%», «15 (1,9)» или «не менее 40%»")
    absolute = match["absolute"]
    return ParsedTarget(value=to_decimal(match["value"]), unit=match["unit"], absolute=to_decimal(absolute) if absolute else None, raw=clean)


def parse_yearly_targets(text: str) -> dict[int, ParsedTarget]:
    """Year → target of "2020 – 15% 2021 – 30% 2022 – 50%" (dashes of any kind, percent optional)."""
    clean = _clean(text)
    items = list(YEAR_ITEM.finditer(clean))
    if not items or YEAR_ITEM.sub("", clean).strip(" ,;"):
        raise TargetParseError(f"Не удалось разобрать цели по годам «{text}»: ожидается «2020 – 15% 2021 – 30%» или «2020 - 0 2021 - 5»")
    targets: dict[int, ParsedTarget] = {}
    for item in items:
        year = int(item["year"])
        if year in targets:
            raise TargetParseError(f"Год {year} указан дважды в «{text}»")
        targets[year] = ParsedTarget(value=to_decimal(item["value"]), unit=item["unit"], raw=_clean(item.group(0)))
    return targets


# The verdict of an actual against its target: one rule for the city's indicators (ratings.services.indicator_verdict)
# and the schools' own plan indicators (indicators.plans).
AT_RISK_MARGIN = Decimal(10)
VERDICT_LABELS = {"achieved": "достигнут", "at_risk": "под угрозой", "missed": "не достигнут", "no_data": "нет данных", "no_target": "нет цели"}


def verdict(*, actual: Decimal | None, target: Decimal | None, higher_is_better: bool) -> str:
    """достигнут / под угрозой (short by at most 10 points) / не достигнут; reversed when lower is better."""
    if actual is None:
        return "no_data"
    if target is None:
        return "no_target"
    shortfall = target - actual if higher_is_better else actual - target
    if shortfall <= 0:
        return "achieved"
    if shortfall <= AT_RISK_MARGIN:
        return "at_risk"
    return "missed"
