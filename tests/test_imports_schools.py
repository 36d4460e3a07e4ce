"""Importing schools from Excel: every bad row reported with its line and reason, all or nothing, idempotent."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from schools.imports import plan_schools
from schools.models import District, School
from schools.services import ImportRejected, school_list_import
from tests.factories import DistrictFactory, MunicipalityFactory, SchoolFactory, administrator, methodologist

pytestmark = pytest.mark.django_db
HEADER = ["Район", "Полное название", "Форма", "Тип", "Номер", "Местность", "Обучающихся", "Педагогов", "Адрес"]


def workbook_bytes(rows, header=HEADER) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def write(tmp_path, rows, header=HEADER):
    path = tmp_path / "schools.xlsx"
    path.write_bytes(workbook_bytes(rows, header))
    return path


@pytest.fixture
def city():
    city = MunicipalityFactory()
    DistrictFactory(municipality=city, name="Первомайский")
    DistrictFactory(municipality=city, name="Советский")
    return city


GOOD = [
    ["Первомайский", "МАОУ «Школа № 10»", "МАОУ", "школа", 10, "городская", 1520, 84, "ул. Ленина, 1"],
    ["Первомайский", "МБОУ «Гимназия № 19»", None, None, 19, None, None, None, None],
    ["Советский район", "МБОУ «Школа № 87»", "МБОУ", "школа", "87", "сельская", 640.0, 41, None],
]


def test_a_good_file_creates_schools_in_their_districts_and_a_second_import_changes_nothing(tmp_path, city):
    path = write(tmp_path, GOOD)
    plan = school_list_import(path=path, municipality=city)
    assert plan.counts == {"new": 3, "updated": 0, "unchanged": 0}
    gymnasium = School.objects.get(full_name="МБОУ «Гимназия № 19»")
    assert (gymnasium.district.name, gymnasium.legal_form, gymnasium.kind, gymnasium.number, gymnasium.is_urban) == (
        "Первомайский",
        "МБОУ",
        "гимназия",
        19,
        True,
    )
    school87 = School.objects.get(full_name="МБОУ «Школа № 87»")
    assert (school87.district.name, school87.is_urban, school87.students_count) == ("Советский", False, 640)

    before = list(School.objects.order_by("pk").values())
    again = school_list_import(path=path, municipality=city)
    assert again.counts == {"new": 0, "updated": 0, "unchanged": 3}
    assert list(School.objects.order_by("pk").values()) == before


def test_a_changed_row_updates_only_what_it_names(tmp_path, city):
    school = SchoolFactory(
        municipality=city, district=District.objects.get(name="Советский"), full_name="МБОУ «Школа № 87»", number=87, address="пр. Стачки, 5"
    )
    plan = plan_schools(write(tmp_path, [["Советский", "МБОУ «Школа № 87»", None, None, 87, None, 700, None, None]]), municipality=city)
    assert [(r.status, r.changes) for r in plan.rows] == [("updated", ["обучающихся: 800 → 700"])]
    school_list_import(path=write(tmp_path, [["Советский", "МБОУ «Школа № 87»", None, None, 87, None, 700, None, None]]), municipality=city)
    school.refresh_from_db()
    assert (school.students_count, school.address, school.teachers_count) == (700, "пр. Стачки, 5", 50)


def test_every_bad_row_is_reported_with_its_line_and_reason_and_nothing_is_imported(tmp_path, city):
    SchoolFactory(municipality=city, district=District.objects.get(name="Советский"), full_name="МБОУ «Школа № 60»", number=60)
    rows = [
        GOOD[0],  # line 2: good
        ["Заречный", "МБОУ «Школа № 200»", None, None, 200, None, None, None, None],  # 3: unknown district
        ["Первомайский", "МАОУ  «Школа №  10»".replace("№  ", "№ "), None, None, 10, None, None, None, None],  # 4: duplicate of line 2
        ["Советский", "МБОУ «Школа №60»", None, "школа", 60, None, None, None, None],  # 5: twin of an existing school
        ["Советский", None, None, None, "шесть", None, None, None, None],  # 6: missing name and a bad number
        ["Советский", "МБОУ «Школа № 61»", "ГБОУ", "колледж", "шестьдесят один", "пригород", -5, 3.5, None],  # 7: many bad cells
        [None, None, None, None, None, None, None, None, None],  # empty rows are skipped
    ]
    path = write(tmp_path, rows)
    with pytest.raises(ImportRejected) as rejected:
        school_list_import(path=path, municipality=city)
    errors = [(e.line, e.column, e.message) for e in rejected.value.plan.errors]
    assert errors == [
        (3, "Район", "район «Заречный» не найден в портале (есть: Первомайский, Советский)"),
        (4, "Полное название", "школа «МАОУ «Школа № 10»» уже есть в файле в строке 2"),
        (5, "Номер", "в районе уже есть «МБОУ «Школа № 60»» с тем же типом и номером — проверьте название, иначе появится двойник"),
        (6, "Полное название", "не заполнено — обязательный столбец"),
        (6, "Номер", "«шесть» — не целое неотрицательное число (пример: «1 200»)"),
        (7, "Форма", "«ГБОУ» — допустимо: МБОУ, МАОУ, иная"),
        (7, "Тип", "«колледж» — допустимо: школа, СОШ, гимназия, лицей, иное"),
        (7, "Местность", "«пригород» — допустимо: городская, сельская"),
        (7, "Номер", "«шестьдесят один» — не целое неотрицательное число (пример: «1 200»)"),
        (7, "Обучающихся", "«-5» — не целое неотрицательное число (пример: «1 200»)"),
        (7, "Педагогов", "«3.5» — не целое неотрицательное число (пример: «1 200»)"),
    ]
    assert School.objects.count() == 1


def test_unknown_districts_are_created_only_when_asked(tmp_path, city):
    path = write(tmp_path, [["Заречный", "МБОУ «Школа № 200»", None, None, 200, None, None, None, None]])
    plan = school_list_import(path=path, municipality=city, create_districts=True)
    assert plan.new_districts == ["Заречный"]
    assert School.objects.get().district.name == "Заречный"
    assert school_list_import(path=path, municipality=city).counts == {"new": 0, "updated": 0, "unchanged": 1}


def test_a_file_without_the_header_or_not_excel_is_refused_as_a_whole(client, city):
    client.force_login(administrator())
    no_header = SimpleUploadedFile("s.xlsx", workbook_bytes([["x"]], header=["Что-то", "Ещё"]))
    response = client.post(reverse("schools:import"), {"kind": "schools", "municipality": city.pk, "file": no_header})
    assert response.status_code == 400
    assert "Не найдена строка заголовков" in response.content.decode()
    not_excel = SimpleUploadedFile("s.xlsx", b"%PDF-1.4 fake")
    response = client.post(reverse("schools:import"), {"kind": "schools", "municipality": city.pk, "file": not_excel})
    assert "не похож на таблицу Excel" in response.content.decode()


def test_template_has_the_header_the_import_expects(client, city):
    client.force_login(administrator())
    response = client.get(reverse("schools:import-template", args=["schools"]))
    workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    assert [c.value for c in workbook["Школы"][1]] == HEADER
    assert workbook.sheetnames == ["Школы", "Пример", "Как заполнить"]
    assert "Районы в портале: Первомайский, Советский." in [r[1] for r in workbook["Как заполнить"].iter_rows(values_only=True)]


def test_only_administrators_import(client, city):
    client.force_login(methodologist())
    assert client.get(reverse("schools:import")).status_code == 403
    assert client.get(reverse("schools:import-template", args=["schools"])).status_code == 403
