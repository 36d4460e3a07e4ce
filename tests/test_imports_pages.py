"""The import pages: upload → preview (file kept on the server) → import → logins shown once."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from schools.imports import pending_dir
from schools.models import Curator, School
from tests.factories import DistrictFactory, MunicipalityFactory, SchoolFactory, administrator

pytestmark = pytest.mark.django_db
CURATOR_HEADER = ["Школа", "Фамилия", "Имя", "Отчество", "E-mail", "Логин", "Телефон", "Должность", "Номер приказа", "Дата приказа"]
SCHOOL_HEADER = ["Район", "Полное название", "Форма", "Тип", "Номер", "Местность", "Обучающихся", "Педагогов", "Адрес"]


def upload(name: str, header, rows) -> SimpleUploadedFile:
    workbook = Workbook()
    workbook.active.append(header)
    for row in rows:
        workbook.active.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return SimpleUploadedFile(name, buffer.getvalue())


@pytest.fixture
def city():
    city = MunicipalityFactory()
    SchoolFactory(district=DistrictFactory(municipality=city, name="Первомайский"), full_name="МБОУ «Школа № 97»")
    return city


def test_curators_flow_from_upload_to_one_time_logins(client, city):
    client.force_login(administrator())
    rows = [["МБОУ «Школа № 97»", "Ким", "Анна", "Сергеевна", "kim@school97.ru", "kurator-97", None, None, None, None]]
    response = client.post(reverse("schools:import"), {"kind": "curators", "municipality": city.pk, "file": upload("кураторы.xlsx", CURATOR_HEADER, rows)})
    assert response.status_code == 302
    preview_url = response["Location"]
    token = preview_url.rstrip("/").rsplit("/", 1)[-1]
    assert list(pending_dir().glob(f"{token}.xlsx"))  # kept on the server between preview and import

    preview = client.get(preview_url).content.decode()
    assert "Что изменится: кураторы.xlsx" in preview
    assert "Ким Анна Сергеевна — МБОУ «Школа № 97»" in preview and "новая учётная запись «kurator-97»" in preview
    assert not Curator.objects.exists()  # the preview changes nothing

    done = client.post(preview_url)
    assert done.status_code == 302
    assert not list(pending_dir().glob(f"{token}.xlsx"))
    page = client.get(done["Location"]).content.decode()
    assert "Одноразовые пароли показываются один раз" in page and "kurator-97" in page
    password = page.split("<td><code>kurator-97</code></td><td><code>")[1].split("</code>")[0]
    assert "<code>" + password not in client.get(done["Location"]).content.decode()  # shown once

    sheet = client.get(reverse("schools:import-credentials", args=[token]))
    rows = list(load_workbook(io.BytesIO(b"".join(sheet.streaming_content))).active.iter_rows(min_row=5, values_only=True))
    assert rows == [("Ким Анна Сергеевна", "МБОУ «Школа № 97»", "kurator-97", password)]
    assert client.get(reverse("schools:import-credentials", args=[token])).status_code == 404  # downloaded once

    curator = Client()
    response = curator.post("/accounts/login/", {"username": "kurator-97", "password": password})
    assert response.status_code == 302
    assert curator.get("/").url == reverse("password_change")  # the one-time password must be replaced first


def test_a_file_with_errors_shows_them_keeps_nothing_and_imports_nothing(client, city):
    client.force_login(administrator())
    rows = [
        ["Первомайский", "МБОУ «Школа № 98»", None, None, 98, None, None, None, None],
        ["Заречный", "МБОУ «Школа № 99»", None, None, "99-а", None, None, None, None],
    ]
    response = client.post(reverse("schools:import"), {"kind": "schools", "municipality": city.pk, "file": upload("школы.xlsx", SCHOOL_HEADER, rows)})
    assert response.status_code == 400
    text = response.content.decode()
    assert "Файл не импортирован: 2 ошибки в 1 строке" in text
    assert "район «Заречный» не найден в портале" in text and "«99-а» — не целое неотрицательное число (пример: «1 200»)" in text
    assert School.objects.count() == 1
    assert not list(pending_dir().glob("*.xlsx"))
    assert "pending_imports" not in client.session


def test_preview_belongs_to_the_session_that_uploaded_it(client, city):
    client.force_login(administrator())
    rows = [["Первомайский", "МБОУ «Школа № 98»", None, None, 98, None, None, None, None]]
    preview_url = client.post(reverse("schools:import"), {"kind": "schools", "municipality": city.pk, "file": upload("s.xlsx", SCHOOL_HEADER, rows)})[
        "Location"
    ]
    other = Client()
    other.force_login(administrator(username="admin2"))
    assert other.get(preview_url).status_code == 404
    assert other.post(preview_url).status_code == 404
    assert School.objects.count() == 1


def test_importing_the_same_schools_file_twice_offers_nothing_to_import(client, city):
    client.force_login(administrator())
    rows = [["Первомайский", "МБОУ «Школа № 98»", "МБОУ", "школа", 98, "городская", 700, 40, None]]
    for _ in range(2):
        preview_url = client.post(reverse("schools:import"), {"kind": "schools", "municipality": city.pk, "file": upload("s.xlsx", SCHOOL_HEADER, rows)})[
            "Location"
        ]
        page = client.get(preview_url).content.decode()
        if "Импортировать</button>" in page:
            client.post(preview_url)
    assert "Файл ничего не меняет: всё уже есть в портале." in page
    assert School.objects.filter(full_name="МБОУ «Школа № 98»").count() == 1
