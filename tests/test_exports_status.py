"""The status list of a year as the annex of the order (seed 002): «Район» | «ОУ», schools by number."""

import datetime as dt

import pytest
from django.core.management import call_command
from django.utils import timezone
from openpyxl import load_workbook

from reports.exports import ExportNotFound, export_request_for
from schools.models import District
from schools.roles import Access
from tests.factories import district_officer, join_round, methodologist

pytestmark = pytest.mark.django_db
EXPORTED_AT = timezone.make_aware(dt.datetime(2026, 4, 2, 9, 30))

# The annex of seed 002, as the order prints it.
ANNEX_2022 = [
    ("Ворошиловский", "МАОУ «Гимназия № 76», МБОУ «Школа № 99»"),
    ("Железнодорожный", "МАОУ «Классический лицей № 1», МАОУ «Юридическая гимназия № 9 им. М.М. Сперанского», МАОУ «Лицей экономический № 14»"),
    ("Кировский", "МАОУ «Школа № 53», МБОУ «Школа № 80»"),
    ("Ленинский", "МБОУ «Гимназия № 35», МБОУ «Гимназия № 36»"),
    ("Октябрьский", "МАОУ «Лицей № 27», МБОУ «Школа № 43», МБОУ «Лицей № 50 при ДГТУ»"),
    (
        "Первомайский",
        "МАОУ «Школа № 10», МБОУ «Школа № 16», МБОУ «Гимназия № 19», МБОУ «Школа № 21», МБОУ «Школа № 23», "
        "МБОУ «Школа № 97», МБОУ «Школа № 109», МБОУ «Школа № 111»",
    ),
    ("Пролетарский", "МАОУ «Лицей № 11», МБОУ «Лицей № 13»"),
    ("Советский", "МБОУ «Школа № 31», МБОУ «Лицей № 58», МБОУ «Школа № 60», МБОУ «Школа № 86», МБОУ «Школа № 87», МБОУ «Лицей № 103», МАОУ «Школа № 115»"),
]


def annex(tmp_path, user):
    path = tmp_path / "status.xlsx"
    export_request_for(Access(user), "status", year=2022).write(path, EXPORTED_AT)
    return load_workbook(path)


def test_the_2022_annex_from_the_seed_data_reads_like_the_order(tmp_path):
    call_command("load_seed_data", verbosity=0)
    workbook = annex(tmp_path, methodologist())
    ws = workbook["Приложение"]
    title = "Список общеобразовательных учреждений, получивших статус «Цифровая школа Ростова-на-Дону 2022»"
    assert ws["A1"].value == f"{title} — Ростов-на-Дону, 2022 год, все районы"
    assert [c.value for c in ws[4]] == ["Район", "ОУ"]
    assert [(r[0].value, r[1].value) for r in ws.iter_rows(min_row=5)] == ANNEX_2022
    assert ws["B5"].alignment.wrap_text
    assert ws.freeze_panes == "A5" and ws.auto_filter.ref == "A4:B12"

    detail = workbook["По школам"]
    rows = [[c.value for c in r] for r in detail.iter_rows(min_row=5, max_row=33)]
    assert len(rows) == 29
    assert rows[0] == ["Ворошиловский", "МАОУ «Гимназия № 76»", 1]
    assert [c.value for c in detail[35]] == ["Всего школ", "=COUNTA(B5:B33)", None]


def test_district_officer_gets_the_row_of_their_district(tmp_path):
    call_command("load_seed_data", verbosity=0)
    user = district_officer(District.objects.get(name="Советский"))
    ws = annex(tmp_path, user)["Приложение"]
    assert [(r[0].value, r[1].value) for r in ws.iter_rows(min_row=5)] == [ANNEX_2022[-1]]


def test_a_year_without_confirmed_awards_says_so_in_the_file(tmp_path):
    call_command("load_seed_data", verbosity=0)
    path = tmp_path / "status.xlsx"
    export_request_for(Access(methodologist()), "status", year=2026).write(path, EXPORTED_AT)
    ws = load_workbook(path)["Приложение"]
    assert ws["A3"].value.startswith("Статусы за 2026 год ещё не подтверждены")
    assert ws.max_row == 4  # title, moment, note, header


def test_the_annex_of_another_municipality_follows_the_chosen_round(tmp_path):
    """The regional role sees every municipality: the annex is that of the chosen round's municipality."""
    from ratings.models import StatusAward
    from tests.factories import DistrictFactory, MunicipalityFactory, SchoolFactory, SubmissionRoundFactory, regional

    call_command("load_seed_data", verbosity=0)
    murom = MunicipalityFactory(name="Муромский район", name_genitive="Муромского района")
    school = SchoolFactory(district=DistrictFactory(municipality=murom, name="Ковардицкое"), full_name="МБОУ «Ковардицкая СОШ»")
    murom_round = SubmissionRoundFactory(municipality=murom, year=2022)
    join_round(murom_round, [school])
    StatusAward.objects.create(municipality=murom, year=2022, school=school)

    path = tmp_path / "murom.xlsx"
    export_request_for(Access(regional()), "status", year=2022, round_id=murom_round.pk).write(path, EXPORTED_AT)
    with pytest.raises(ExportNotFound):  # Rostov's methodologist cannot open Murom's round
        export_request_for(Access(methodologist()), "status", year=2022, round_id=murom_round.pk)
    ws = load_workbook(path)["Приложение"]
    assert "Муромского района 2022" in ws["A1"].value
    assert [(r[0].value, r[1].value) for r in ws.iter_rows(min_row=5)] == [("Ковардицкое", "МБОУ «Ковардицкая СОШ»")]
