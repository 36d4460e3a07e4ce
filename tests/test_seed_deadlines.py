"""The deadline parser on every wording of the seed documents, and on wordings it must refuse."""

import datetime as dt
import json
from decimal import Decimal
from pathlib import Path

import pytest

from indicators.deadlines import DeadlineParseError, ParsedDeadline, last_day_of_month, parse_deadline

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"


def month(year: int, number: int) -> ParsedDeadline:
    return ParsedDeadline(kind="month", due_date=last_day_of_month(year, number))


def recurring(recurrence: str, times: int | None = None) -> ParsedDeadline:
    return ParsedDeadline(kind="recurring", recurrence=recurrence, times_per_month=None if times is None else Decimal(times))


# Every distinct wording of the "Срок реализации" / "Срок" / "Сроки реализации" columns of seeds 000, 001 and 004.
SEED_WORDINGS = {
    "Ежегодно": [recurring("yearly")],
    "В течение года": [recurring("during_year")],
    "Один раз в месяц": [recurring("monthly", 1)],
    "В течение года, 2 р/м": [recurring("twice_monthly", 2)],
    "Май 2021": [month(2021, 5)],
    "Декабрь 2021": [month(2021, 12)],
    "Январь 2022": [month(2022, 1)],
    "Май 2022": [month(2022, 5)],
    "Октябрь 2021": [month(2021, 10)],
    "Октябрь 2022": [month(2022, 10)],
    "Декабрь 2022": [month(2022, 12)],
    "Май 2023": [month(2023, 5)],
    "Сентябрь 2021, 2022": [month(2021, 9), month(2022, 9)],
    "Октябрь 2021, 2022": [month(2021, 10), month(2022, 10)],
    "Май 2021, 2022": [month(2021, 5), month(2022, 5)],
    "Май 2021 Декабрь 2022 Май 2023": [month(2021, 5), month(2022, 12), month(2023, 5)],
    "31.12.2019": [ParsedDeadline(kind="date", due_date=dt.date(2019, 12, 31))],
    "31.12.2020": [ParsedDeadline(kind="date", due_date=dt.date(2020, 12, 31))],
    "31.12.2021": [ParsedDeadline(kind="date", due_date=dt.date(2021, 12, 31))],
    "31.12.2022": [ParsedDeadline(kind="date", due_date=dt.date(2022, 12, 31))],
    "31.12.2023": [ParsedDeadline(kind="date", due_date=dt.date(2023, 12, 31))],
    "31.12.2024": [ParsedDeadline(kind="date", due_date=dt.date(2024, 12, 31))],
    "24.04.2019": [ParsedDeadline(kind="date", due_date=dt.date(2019, 4, 24))],
    "13.01.2020": [ParsedDeadline(kind="date", due_date=dt.date(2020, 1, 13))],
    "22.01.2020": [ParsedDeadline(kind="date", due_date=dt.date(2020, 1, 22))],
    "2021": [ParsedDeadline(kind="year", due_date=dt.date(2021, 12, 31))],
}


def fixture_wordings() -> set[str]:
    rostov = json.loads((FIXTURES / "roadmap_rostov.json").read_text(encoding="utf-8"))
    murom = json.loads((FIXTURES / "roadmap_murom.json").read_text(encoding="utf-8"))
    plan = json.loads((FIXTURES / "plan_sosh2.json").read_text(encoding="utf-8"))
    wordings = {row["deadline"] for direction in rostov["directions"] for row in direction["key_results"]}
    wordings |= {row["deadline"] for row in murom["results"]}
    wordings |= {row["deadline"] for row in plan["results"]}
    return wordings


@pytest.mark.parametrize(("text", "expected"), list(SEED_WORDINGS.items()))
def test_each_seed_wording_parses_to_its_due_points(text, expected):
    assert parse_deadline(text) == expected


def test_every_wording_in_the_fixtures_is_one_of_the_tested_seed_wordings():
    assert fixture_wordings() <= set(SEED_WORDINGS), fixture_wordings() - set(SEED_WORDINGS)


def test_a_month_is_due_on_its_last_day_even_in_february_of_a_leap_year():
    assert parse_deadline("Февраль 2024") == [ParsedDeadline(kind="month", due_date=dt.date(2024, 2, 29))]
    assert parse_deadline("Февраль 2023") == [ParsedDeadline(kind="month", due_date=dt.date(2023, 2, 28))]


def test_case_and_extra_spaces_do_not_matter():
    assert parse_deadline("  сентябрь   2021 ,2022 ") == [month(2021, 9), month(2022, 9)]
    assert parse_deadline("ЕЖЕГОДНО") == [recurring("yearly")]
    assert parse_deadline("В\u00a0течение года,  2 р/м") == [recurring("twice_monthly", 2)]


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "Май",
        "2021 Май",
        "Скоро",
        "Май 2021 и далее",
        "Маййй 2021",
        "32.01.2021",
        "2012.2021",
        "2020 - 0 2021 - 5 2022 - 5",  # Murom's yearly targets are targets, not a deadline
        "Раз в квартал",
    ],
)
def test_unknown_wordings_are_refused_with_a_message_naming_them(text):
    with pytest.raises(DeadlineParseError) as error:
        parse_deadline(text)
    message = str(error.value)
    assert message.startswith(("Не удалось разобрать срок", "Срок не указан", "Срок «"))
    if text.strip():
        assert text in message
