"""Completeness of a round: districts with totals, and every school with its state and curator."""

import datetime as dt

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from reports.exports import export_request_for
from schools.roles import Access
from tests.factories import CuratorFactory, UserFactory, methodologist
from tests.reports_world import small_round

pytestmark = pytest.mark.django_db
EXPORTED_AT = timezone.make_aware(dt.datetime(2026, 4, 2, 9, 30))


def test_completeness_by_district_with_a_total_and_percents(tmp_path):
    world = small_round()
    CuratorFactory(school=world.s97, user=UserFactory(first_name="Анна", last_name="Ким", email="kim@school97.ru"))
    world.submissions[world.s97].submitted_at = dt.datetime(2026, 3, 20, 11, 5, tzinfo=dt.UTC)
    world.submissions[world.s97].save()
    path = tmp_path / "c.xlsx"
    export_request_for(Access(methodologist()), "completeness", round_id=world.current.pk).write(path, EXPORTED_AT)
    workbook = load_workbook(path)
    assert workbook.sheetnames == ["По районам", "По школам"]

    ws = workbook["По районам"]
    assert [c.value for c in ws[4]] == ["Район", "Школ", "Приняты", "Отправлены", "Возвращены", "Черновики", "Не начаты", "Отправлено"]
    assert [c.value for c in ws[5]] == ["Первомайский", 3, 1, 1, 0, 1, 0, pytest.approx(2 / 3)]
    assert [c.value for c in ws[6]] == ["Советский", 2, 0, 1, 0, 0, 1, 0.5]
    assert [c.value for c in ws[8]] == ["Всего", 5, 1, 2, 0, 1, 1, 0.6]
    assert ws["H5"].number_format == "0.0%" and ws["B5"].number_format == "0"
    assert ws["A8"].font.bold
    assert ws.auto_filter.ref == "A4:H6"

    ws = workbook["По школам"]
    assert [c.value for c in ws[4]] == ["Район", "Школа", "Состояние анкеты", "Отправлена", "Изменена", "Куратор", "E-mail куратора"]
    by_school = {r[1].value: r for r in ws.iter_rows(min_row=5)}
    school97 = by_school["МБОУ «Школа № 97»"]
    assert [c.value for c in school97][:4] == ["Первомайский", "МБОУ «Школа № 97»", "отправлена", dt.datetime(2026, 3, 20, 14, 5)]  # Moscow time
    assert school97[3].number_format == "DD.MM.YYYY HH:MM"
    assert [c.value for c in school97][5:] == ["Ким Анна", "kim@school97.ru"]
    assert [c.value for c in by_school["МБОУ «Лицей № 58»"]][2] == "не начата"
    assert [c.value for c in by_school["МАОУ «Школа № 10»"]][5] == "не назначен"
