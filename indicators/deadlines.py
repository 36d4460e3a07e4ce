"""Deadline wordings of the roadmaps ("Май 2021", "Ежегодно", "31.12.2021", ...) as structured due points.

A pure parser: text in, a list of `ParsedDeadline` out; an unknown wording raises `DeadlineParseError`.
The loader turns each `ParsedDeadline` into one `indicators.models.Deadline` row, so that "due in the
next 30 days" and "overdue" are plain queries over `Deadline.due_date`.
"""

import calendar
import datetime as dt
import re
from dataclasses import dataclass
from decimal import Decimal

MONTHS = {
    "январь": 1,
    "февраль": 2,
    "март": 3,
    "апрель": 4,
    "май": 5,
    "июнь": 6,
    "июль": 7,
    "август": 8,
    "сентябрь": 9,
    "октябрь": 10,
    "ноябрь": 11,
    "декабрь": 12,
}

# Kinds and recurrences spelled as in indicators.models.Deadline (kept as plain strings: the parser needs no Django).
MONTH, DATE, YEAR, RECURRING = "month", "date", "year", "recurring"
YEARLY, DURING_YEAR, MONTHLY, TWICE_MONTHLY = "yearly", "during_year", "monthly", "twice_monthly"

RECURRENCES = {
    "ежегодно": (YEARLY, None),
    "в течение года": (DURING_YEAR, None),
    "один раз в месяц": (MONTHLY, Decimal(1)),
    "1 раз в месяц": (MONTHLY, Decimal(1)),
    "ежемесячно": (MONTHLY, Decimal(1)),
    "в течение года, 2 р/м": (TWICE_MONTHLY, Decimal(2)),
    "2 раза в месяц": (TWICE_MONTHLY, Decimal(2)),
    "в течение года, 2 раза в месяц": (TWICE_MONTHLY, Decimal(2)),
}

MONTH_NAMES = "|".join(MONTHS)
EXACT_DATE = re.compile(r"(\d{1,2})\.(\d{1,2})\.(\d{4})")
BARE_YEAR = re.compile(r"(?:19|20)\d\d")
# "Сентябрь 2021, 2022": a month followed by one or more years; several such groups may follow each other.
MONTH_GROUP = re.compile(rf"({MONTH_NAMES})\s+((?:\d{{4}})(?:\s*,\s*\d{{4}})*)")


class DeadlineParseError(ValueError):
    """The wording is none of the known forms; the message names it and lists the forms."""


@dataclass(frozen=True)
class ParsedDeadline:
    kind: str
    due_date: dt.date | None = None
    recurrence: str = ""
    times_per_month: Decimal | None = None


def last_day_of_month(year: int, month: int) -> dt.date:
    return dt.date(year, month, calendar.monthrange(year, month)[1])


def parse_date(text: str) -> dt.date:
    """Parse "31.12.2021" (surrounding spaces allowed); ValueError on anything else."""
    match = EXACT_DATE.fullmatch(text.strip())
    if not match:
        raise ValueError(f"«{text}» — не дата вида ДД.ММ.ГГГГ")
    day, month, year = (int(part) for part in match.groups())
    return dt.date(year, month, day)


def _normalise(text: str) -> str:
    return re.sub(r"\s+", " ", text.replace("\u00a0", " ")).strip().lower()


def parse_deadline(text: str) -> list[ParsedDeadline]:
    """All due points of one wording, in the order written: "Сентябрь 2021, 2022" gives 30.09.2021 and 30.09.2022."""
    norm = _normalise(text)
    if not norm:
        raise DeadlineParseError("Срок не указан")

    if norm in RECURRENCES:
        recurrence, times = RECURRENCES[norm]
        return [ParsedDeadline(kind=RECURRING, recurrence=recurrence, times_per_month=times)]

    if EXACT_DATE.fullmatch(norm):
        try:
            return [ParsedDeadline(kind=DATE, due_date=parse_date(norm))]
        except ValueError as exc:
            raise DeadlineParseError(f"Срок «{text}»: такой даты нет") from exc

    if BARE_YEAR.fullmatch(norm):
        return [ParsedDeadline(kind=YEAR, due_date=dt.date(int(norm), 12, 31))]

    groups = list(MONTH_GROUP.finditer(norm))
    # Every character must belong to a month group (or be a separator): "Май 2021 и т.д." is not accepted.
    if groups and not MONTH_GROUP.sub("", norm).strip(" ,;"):
        parsed = []
        for group in groups:
            month = MONTHS[group.group(1)]
            for year in re.findall(r"\d{4}", group.group(2)):
                parsed.append(ParsedDeadline(kind=MONTH, due_date=last_day_of_month(int(year), month)))
        return parsed

    raise DeadlineParseError(
        f"Не удалось разобрать срок «{text}». Ожидается месяц и год («Май 2021», «Сентябрь 2021, 2022»), "
        "дата («31.12.2021»), год («2021») или периодичность («Ежегодно», «В течение года», «Один раз в месяц», «В течение года, 2 р/м»)"
    )
