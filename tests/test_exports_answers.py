"""All answers of a round: one row per school, one column per question, typed cells."""

import datetime as dt

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from reports.exports import export_request_for
from schools.roles import Access
from tests.factories import methodologist
from tests.reports_world import exports_one_after_another, small_round

pytestmark = pytest.mark.django_db
EXPORTED_AT = timezone.make_aware(dt.datetime(2026, 4, 2, 9, 30))


def answers_sheet(tmp_path, world):
    path = tmp_path / "answers.xlsx"
    export_request_for(Access(methodologist()), "answers", round_id=world.current.pk).write(path, EXPORTED_AT)
    return load_workbook(path)["Ответы"]


def row(ws, n: int) -> list:
    return [c.value for c in ws[n]]


def test_header_is_the_questions_in_russian_without_a_row_of_codes_and_freezes_below(tmp_path):
    world = small_round()
    ws = answers_sheet(tmp_path, world)
    assert ws["A1"].value == "Ответы школ — Ростов-на-Дону, раунд «Мониторинг 2026» (2026 год), все районы"
    assert "internet_speed" not in [c.value for r in ws.iter_rows(max_row=6) for c in r]
    assert row(ws, 4) == [
        "Школа",
        "Район",
        "Состояние анкеты",
        "Отправлена",
        "Скорость подключения к Интернету, Мбит/с",
        "Канал соответствует требованиям ЦОС",
        "Комплект средств обучения ЦОС",
        "Дата замера скорости",
        "Доля педагогов, готовых работать в ЦОС",
        "Какие платформы используются",
        "Комментарий",
    ]
    assert ws.freeze_panes == "B5"
    assert ws.auto_filter.ref == "A4:K9"


def test_every_participating_school_is_a_row_with_typed_answers_and_its_state(tmp_path):
    world = small_round()
    ws = answers_sheet(tmp_path, world)
    rows = {r[0]: r for r in (row(ws, n) for n in range(5, 10))}
    assert list(rows) == ["МАОУ «Школа № 10»", "МБОУ «Школа № 16»", "МБОУ «Школа № 97»", "МБОУ «Лицей № 58»", "МБОУ «Школа № 87»"]
    assert rows["МАОУ «Школа № 10»"][2:] == ["принята", None, 120, "да", "стандартный", dt.datetime(2026, 3, 5), 0.85, "Сферум, РЭШ", None]
    assert rows["МБОУ «Школа № 87»"][2:] == ["отправлена", None, 40, "нет", "нет", None, 0.3, None, "Ждём подключения"]
    assert rows["МБОУ «Школа № 16»"][2:5] == ["черновик", None, 10]
    assert rows["МБОУ «Лицей № 58»"][2:] == ["не начата", *([None] * 8)]
    cells = {c.column_letter: c for c in ws[5]}
    assert cells["E"].number_format == "#,##0", "a whole number has no dangling comma («120», not «120,»)"
    assert cells["H"].number_format == "DD.MM.YYYY"
    assert cells["I"].number_format == "0.0%"
    assert cells["J"].alignment.wrap_text


def test_exports_one_after_another_each_have_their_own_round_and_schools(tmp_path):
    # The answers' queries are compiled once per process (reports/exports/sheets.py: Prepared); each file must still
    # be its own user's and round's: a whole city, then one district, then the previous round, then the whole city again.
    world = small_round()
    rows = {}
    for label, user, round_ in exports_one_after_another(world):
        path = tmp_path / f"{label}.xlsx"
        export_request_for(Access(user), "answers", round_id=round_.pk).write(path, EXPORTED_AT)
        ws = load_workbook(path)["Ответы"]
        rows[label] = [row(ws, n)[:5] for n in range(5, ws.max_row + 1)]
        assert ws["A1"].value.endswith(f"раунд «{round_.title}» ({round_.year} год), " + ("район: Советский" if label == "district" else "все районы"))
    assert [r[0] for r in rows["city"]] == ["МАОУ «Школа № 10»", "МБОУ «Школа № 16»", "МБОУ «Школа № 97»", "МБОУ «Лицей № 58»", "МБОУ «Школа № 87»"]
    assert rows["district"] == [["МБОУ «Лицей № 58»", "Советский", "не начата", None, None], ["МБОУ «Школа № 87»", "Советский", "отправлена", None, 40]]
    assert [r[2:] for r in rows["previous"]] == [["не начата", None, None]] * 5  # no school filled the 2025 form
    assert rows["city again"] == rows["city"]
