"""Numbers as people in Russia type them: one parser for the form, the imports and the filters."""

from decimal import Decimal

import pytest

from roadmap_portal.parsing import NumberParseError, input_text, parse_number


@pytest.mark.parametrize(
    ("text", "number"),
    [
        ("1530", Decimal(1530)),
        ("1 530", Decimal(1530)),
        ("1\u00a0530", Decimal(1530)),  # non-breaking space, as Word and Excel put it
        ("1\u202f530 000", Decimal(1530000)),
        ("100,5", Decimal("100.5")),
        ("100.5", Decimal("100.5")),
        ("1 530,25", Decimal("1530.25")),
        ("  42  ", Decimal(42)),
        ("−3", Decimal(-3)),
        ("-3,5", Decimal("-3.5")),
        ("0,0001", Decimal("0.0001")),
        ("", None),
        ("   ", None),
        (None, None),
        (12.5, Decimal("12.5")),  # a spreadsheet cell
        (1200, Decimal(1200)),
    ],
)
def test_numbers_as_people_type_them_are_read(text, number):
    assert parse_number(text) == number


@pytest.mark.parametrize(
    "text",
    ["1e2", "1E2", "100 Мбит/с", "12,5%", "1.000.000", "1 5", "15 30", "12,", ",5", "десять", "1,2,3", "0x10", "inf", "NaN", "1_000", "+-1"],
)
def test_anything_else_is_refused_with_what_to_type(text):
    with pytest.raises(NumberParseError) as error:
        parse_number(text)
    assert "например «1 530»" in error.value.message and "без букв и единиц измерения" in error.value.message


def test_a_whole_number_is_asked_for_where_the_question_wants_one():
    assert parse_number("1 530", integer=True) == 1530
    assert parse_number("1530,0", integer=True) == 1530
    with pytest.raises(NumberParseError, match="без дробной части"):
        parse_number("15,5", integer=True)
    with pytest.raises(NumberParseError, match="не больше 10 цифр"):
        parse_number("12 345 678 901", integer=True)
    with pytest.raises(NumberParseError, match="целое число цифрами"):
        parse_number("1e2", integer=True)


def test_decimals_keep_the_forms_precision():
    with pytest.raises(NumberParseError, match="Не больше 4 знаков после запятой"):
        parse_number("1,23456")
    with pytest.raises(NumberParseError, match="не больше 10 цифр до запятой"):
        parse_number("12345678901,5")
    assert parse_number(float("12.30")) == Decimal("12.3")
    with pytest.raises(NumberParseError):
        parse_number(float("nan"))
    with pytest.raises(NumberParseError):
        parse_number(True)


def test_a_stored_number_goes_back_into_the_box_as_it_was_typed():
    assert input_text(Decimal("120.5000")) == "120,5"
    assert input_text(Decimal("1530")) == "1530"
    assert input_text(Decimal("1E+3")) == "1000"
    assert input_text(None) == ""
