"""The rating export, opened with openpyxl and checked cell by cell on a small known round."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from reports.exports import export_request_for
from schools.roles import Access
from tests.factories import SectionFactory, district_officer, methodologist
from tests.reports_world import exports_one_after_another, small_round

pytestmark = pytest.mark.django_db
EXPORTED_AT = timezone.make_aware(dt.datetime(2026, 4, 2, 9, 30))


def export(tmp_path, user, kind: str, **params):
    path = tmp_path / f"{kind}.xlsx"
    export_request_for(Access(user), kind, **params).write(path, EXPORTED_AT)
    return load_workbook(path)


def values(ws, row: int) -> list:
    return [c.value for c in ws[row]]


def test_rating_sheet_has_title_moment_header_and_frozen_filtered_table(tmp_path):
    world = small_round()
    ws = export(tmp_path, methodologist(), "rating", round_id=world.current.pk)["Рейтинг"]
    assert ws["A1"].value == "Рейтинг готовности ОУ к подключению к ЦОС — Ростов-на-Дону, раунд «Мониторинг 2026» (2026 год), все районы"
    assert ws["A1"].font.bold
    assert ws["A2"].value == "Выгружено:"
    assert ws["B2"].value == dt.datetime(2026, 4, 2, 9, 30)
    assert ws["B2"].number_format == "DD.MM.YYYY HH:MM"
    assert values(ws, 4) == [
        "Место",
        "Место в районе",
        "Школа",
        "Район",
        "Форма",
        "Рейтинг",
        "Баллы",
        "Из возможных",
        "Уровень",
        "Баллы: Инфраструктура",
        "Баллы: Современное управление и кадры",
        "Изменение рейтинга",
        "Изменение места",
        "Проходит на статус",
        "Не выполнены критерии",
    ]
    assert ws.freeze_panes == "D5"
    assert ws.auto_filter.ref == "A4:O9"
    assert ws.column_dimensions["C"].width == len("МАОУ «Школа № 10»") + 2


def test_rating_rows_are_numbers_with_formats_in_rank_order(tmp_path):
    world = small_round()
    ws = export(tmp_path, methodologist(), "rating", round_id=world.current.pk)["Рейтинг"]
    assert values(ws, 5) == [1, 1, "МАОУ «Школа № 10»", "Первомайский", "МАОУ", 85.5, 85.5, 100, "высокий", 50, 35.5, 5.5, 0, "да", None]
    assert values(ws, 6) == [2, 2, "МБОУ «Школа № 97»", "Первомайский", "МБОУ", 62, 62, 100, "средний", 40, 22, -3, 0, "нет", "рейтинг, комплект ЦОС"]
    assert values(ws, 7)[:6] == [3, 3, "МБОУ «Школа № 87»", "Советский", "МБОУ", 40]
    assert values(ws, 7)[-1] == "рейтинг, скорость Интернета, комплект ЦОС, договор на связь, готовность педагогов"
    # Schools without a submission come last, without a place.
    assert [values(ws, r)[:3] for r in (8, 9)] == [[None, None, "МБОУ «Школа № 16»"], [None, None, "МБОУ «Лицей № 58»"]]
    assert values(ws, 8)[8] == "нет данных"
    assert isinstance(ws["F5"].value, float) and ws["F5"].number_format == "0.0"
    assert ws["A5"].number_format == "0"
    assert ws["L6"].number_format == "+0.0;-0.0;0.0" and ws["L6"].value == -3
    # Totals below a blank line, outside the filter: schools listed and the average rating as formulas.
    assert values(ws, 10) == [None] * 15
    assert values(ws, 11)[:6] == ["Всего", None, "=COUNTA(C5:C9)", None, "Средний", '=IFERROR(AVERAGE(F5:F9),"")']
    assert Decimal(str(ws["F5"].value)) == Decimal("85.5")


def test_district_officer_gets_only_their_district(tmp_path):
    world = small_round()
    ws = export(tmp_path, district_officer(world.sovetsky), "rating", round_id=world.current.pk)["Рейтинг"]
    schools = [ws.cell(row=r, column=3).value for r in range(5, ws.max_row + 1)]
    assert schools == ["МБОУ «Школа № 87»", "МБОУ «Лицей № 58»", None, "=COUNTA(C5:C6)"]


def test_a_section_without_scores_is_not_an_empty_column_and_whole_points_have_no_dangling_comma(tmp_path):
    world = small_round()
    SectionFactory(questionnaire=world.current.questionnaire, title="Общие сведения", order=99)
    ws = export(tmp_path, methodologist(), "rating", round_id=world.current.pk)["Рейтинг"]
    assert "Баллы: Общие сведения" not in values(ws, 4)
    assert (ws["J5"].value, ws["J5"].number_format) == (50, "#,##0")
    assert (ws["K5"].value, ws["K5"].number_format) == (35.5, "#,##0.####")


def test_exports_one_after_another_each_have_their_own_round_and_schools(tmp_path):
    # The rating's queries are compiled once per process (reports/exports/sheets.py: Prepared); each file must still
    # be its own user's and round's: a whole city, then one district, then the previous round, then the whole city again.
    world = small_round()
    rows = {}
    for label, user, round_ in exports_one_after_another(world):
        ws = export(tmp_path, user, "rating", round_id=round_.pk)["Рейтинг"]
        rows[label] = [values(ws, r)[:3] for r in range(5, ws.max_row - 1)]
        assert ws["A1"].value.endswith(f"раунд «{round_.title}» ({round_.year} год), " + ("район: Советский" if label == "district" else "все районы"))
    assert [r[2] for r in rows["city"]] == ["МАОУ «Школа № 10»", "МБОУ «Школа № 97»", "МБОУ «Школа № 87»", "МБОУ «Школа № 16»", "МБОУ «Лицей № 58»"]
    assert [r[2] for r in rows["district"]] == ["МБОУ «Школа № 87»", "МБОУ «Лицей № 58»"]
    assert rows["previous"] == [[1, 1, "МАОУ «Школа № 10»"], [2, 2, "МБОУ «Школа № 97»"]]  # rated in 2025: two schools
    assert rows["city again"] == rows["city"]
