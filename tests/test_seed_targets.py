"""Target parsing: "не менее N%" in key results, table cells like "15 (1,9)", and Murom's yearly targets."""

from decimal import Decimal

import pytest

from indicators.targets import TargetParseError, parse_cell, parse_text_targets, parse_yearly_targets


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("организация в ОУ системы постоянного консультирования представителей родительской общественности: не менее 50% ОУ", "50"),
        ("формирование реестра лучших практик Цифровой трансформации в образовании в открытом доступе (Интернет - ресурсы): не менее, чем в 50% ОУ", "50"),
        ("обеспечение ОУ оперативности, достоверности и актуализации данных при ведения РИС «Контингент»: Не менее 60% контента в РИС", "60"),
        ("формирование Цифрового блока образовательной экосистемы города Ростова-на-Дону Охват не менее 40% ОУ", "40"),
        ("обеспеченность средств обучения и воспитания ЦОС (всех рабочих мест комплекта) … со скоростью не менее 100 Мб/с: не менее 100 % ОУ", "100"),
        ("наличие действующего договора об оказании услуг связи … на период 2022 год: не менее 100%", "100"),
        ("Готовность администрации ОУ к работе в ЦОС. не менее 50%", "50"),
    ],
)
def test_a_key_result_text_gives_its_percent_target(text, value):
    [target] = parse_text_targets(text)
    assert (target.value, target.unit) == (Decimal(value), "%")


def test_the_speed_condition_in_mbit_is_not_taken_for_the_target():
    text = "обеспеченность ОУ высокоскоростным доступом к информационно – телекоммуникационной сети Интернет со скоростью не менее 100 Мб/с: не менее 70% ОУ"
    assert [target.value for target in parse_text_targets(text)] == [Decimal(70)]


def test_an_equipment_kit_row_carries_two_targets_minimal_then_standard():
    text = (
        "повышение показателей готовности инфраструктуры ОУ к подключению к ЦОС: оснащенность ОУ комплектом средств обучения и воспитания ЦОС "
        "(минимальный) - не менее 15 % ОУ оснащенность ОУ комплектом средств обучения и воспитания ЦОС (стандартный) – не менее 10 %"
    )
    targets = parse_text_targets(text)
    assert [(t.qualifier, t.value) for t in targets] == [("минимальный", Decimal(15)), ("стандартный", Decimal(10))]


def test_a_process_result_has_no_target():
    assert parse_text_targets("организация и проведение установочного семинара «Фактическая готовность ОУ к подключению к ЦОС»") == []


@pytest.mark.parametrize(
    ("cell", "value", "unit", "absolute"),
    [
        ("15 (1,9)", "15", "", "1.9"),
        ("2,5 (5)", "2.5", "", "5"),
        ("90 (11,7)", "90", "", "11.7"),
        ("100", "100", "", None),
        ("0", "0", "", None),
        ("62,5%", "62.5", "%", None),
        ("не менее 100 %", "100", "%", None),
    ],
)
def test_a_table_cell_gives_value_unit_and_absolute_figure(cell, value, unit, absolute):
    target = parse_cell(cell)
    assert target.value == Decimal(value)
    assert target.unit == unit
    assert target.absolute == (Decimal(absolute) if absolute else None)


@pytest.mark.parametrize("cell", ["", "-", " – "])
def test_an_empty_cell_has_no_target(cell):
    assert parse_cell(cell) is None


@pytest.mark.parametrize("cell", ["много", "15 (", "около 20%"])
def test_a_cell_that_is_not_a_number_is_refused(cell):
    with pytest.raises(TargetParseError, match="Не удалось разобрать целевое значение"):
        parse_cell(cell)


@pytest.mark.parametrize(
    ("text", "expected", "unit"),
    [
        ("2020 – 15% 2021 – 30% 2022 – 50%", {2020: "15", 2021: "30", 2022: "50"}, "%"),
        ("2020 - 0 2021 - 5 2022 - 5", {2020: "0", 2021: "5", 2022: "5"}, ""),
        ("2020 – 750 2021 – 911 2022 – 915", {2020: "750", 2021: "911", 2022: "915"}, ""),
        ("2020 – 30% 2021 – 62,5% 2022 – 62,5%", {2020: "30", 2021: "62.5", 2022: "62.5"}, "%"),
    ],
)
def test_murom_yearly_targets_map_each_year_to_its_value(text, expected, unit):
    targets = parse_yearly_targets(text)
    assert {year: target.value for year, target in targets.items()} == {year: Decimal(value) for year, value in expected.items()}
    assert {target.unit for target in targets.values()} == {unit}


@pytest.mark.parametrize("text", ["", "Май 2021", "2020 – 15% и далее", "2020 – 15% 2020 – 20%"])
def test_yearly_targets_that_do_not_read_as_year_value_pairs_are_refused(text):
    with pytest.raises(TargetParseError):
        parse_yearly_targets(text)
