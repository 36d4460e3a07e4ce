"""Importing curators: accounts with one-time passwords, appointments, errors by line, idempotence."""

import datetime as dt
import io

import pytest
from django.contrib.auth import authenticate
from django.contrib.auth.models import User
from django.test import RequestFactory
from openpyxl import Workbook

from schools.models import Curator
from schools.services import ImportRejected, curator_list_import
from tests.factories import CuratorFactory, MunicipalityFactory, SchoolFactory, UserFactory, methodologist

pytestmark = pytest.mark.django_db
HEADER = ["Школа", "Фамилия", "Имя", "Отчество", "E-mail", "Логин", "Телефон", "Должность", "Номер приказа", "Дата приказа"]


def write(tmp_path, rows):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(HEADER)
    for row in rows:
        sheet.append(row)
    path = tmp_path / "curators.xlsx"
    buffer = io.BytesIO()
    workbook.save(buffer)
    path.write_bytes(buffer.getvalue())
    return path


@pytest.fixture
def world():
    city = MunicipalityFactory()
    return {
        "city": city,
        "s10": SchoolFactory(district__municipality=city, full_name="МАОУ «Школа № 10»"),
        "s97": SchoolFactory(district__municipality=city, full_name="МБОУ «Школа № 97»"),
        "s87": SchoolFactory(district__municipality=city, full_name="МБОУ «Школа № 87»"),
    }


ROWS = [
    [
        "МАОУ «Школа № 10»",
        "Соколова",
        "Ирина",
        "Викторовна",
        "Sokolova@School10.ru",
        None,
        "+7 863 200-10-10",
        "заместитель директора",
        "57-о",
        dt.date(2022, 7, 1),
    ],
    ["МБОУ «Школа № 97»", "Ким", "Анна", None, "kim@school97.ru", "kurator-97", None, None, None, "15.07.2022"],
]


def test_new_curators_get_accounts_with_one_time_passwords_and_appointments(tmp_path, world):
    plan, credentials = curator_list_import(path=write(tmp_path, ROWS), municipality=world["city"])
    assert plan.counts == {"new": 2, "updated": 0, "unchanged": 0}
    assert [(c.person, c.school, c.login) for c in credentials] == [
        ("Соколова Ирина Викторовна", "МАОУ «Школа № 10»", "sokolova@school10.ru"),
        ("Ким Анна", "МБОУ «Школа № 97»", "kurator-97"),
    ]
    sokolova = User.objects.get(username="sokolova@school10.ru")
    assert (sokolova.email, sokolova.first_name, sokolova.last_name, sokolova.profile.must_change_password) == (
        "sokolova@school10.ru",
        "Ирина Викторовна",
        "Соколова",
        True,
    )
    curator = Curator.objects.get(user=sokolova)
    assert (curator.school, curator.is_active, curator.position, curator.order_number, curator.order_date) == (
        world["s10"],
        True,
        "заместитель директора",
        "57-о",
        dt.date(2022, 7, 1),
    )
    assert Curator.objects.get(user__username="kurator-97").order_date == dt.date(2022, 7, 15)
    # The one-time password works (and Django will re-hash it at full strength on that first login).
    request = RequestFactory().post("/accounts/login/")
    assert authenticate(request, username="kurator-97", password=credentials[1].password).username == "kurator-97"


def test_importing_the_same_file_twice_changes_nothing_and_issues_no_new_passwords(tmp_path, world):
    path = write(tmp_path, ROWS)
    curator_list_import(path=path, municipality=world["city"])
    users = list(User.objects.order_by("pk").values())
    curators = list(Curator.objects.order_by("pk").values())
    plan, credentials = curator_list_import(path=path, municipality=world["city"])
    assert plan.counts == {"new": 0, "updated": 0, "unchanged": 2}
    assert credentials == []
    assert list(User.objects.order_by("pk").values()) == users
    assert list(Curator.objects.order_by("pk").values()) == curators


def test_a_new_curator_replaces_the_previous_one_and_an_existing_account_is_reused(tmp_path, world):
    old = CuratorFactory(school=world["s87"])
    existing = UserFactory(username="petrov@school87.ru", email="petrov@school87.ru", first_name="Пётр", last_name="Петров")
    rows = [["МБОУ «Школа № 87»", "Петров", "Пётр", "Ильич", "petrov@school87.ru", None, None, None, None, None]]
    plan, credentials = curator_list_import(path=write(tmp_path, rows), municipality=world["city"])
    assert credentials == []  # the account exists: it keeps its password
    assert plan.rows[0].changes == ["имя: Пётр → Пётр Ильич", f"куратор школы МБОУ «Школа № 87» вместо {old.user.get_full_name()}"]
    old.refresh_from_db()
    assert not old.is_active
    assert Curator.objects.get(school=world["s87"], is_active=True).user == existing


def test_every_bad_row_is_reported_and_nothing_is_created(tmp_path, world):
    staff = methodologist(username="metodist")
    SchoolFactory(district__municipality=world["city"], full_name="МБОУ «Лицей № 58»")
    CuratorFactory(school=world["s87"], user=UserFactory(username="busy@school.ru"))
    rows = [
        ROWS[0],  # line 2: good
        ["МБОУ «Школа № 999»", "Орлова", "Ольга", None, "orlova@school.ru", None, None, None, None, None],  # 3
        ["МАОУ «Школа № 10»", "Лебедев", "Олег", None, "lebedev@school.ru", None, None, None, None, None],  # 4: second curator
        ["МБОУ «Школа № 97»", "Ким", None, None, "kim(at)school97.ru", "ким 97", None, None, None, "31.02.2022"],  # 5
        ["МБОУ «Школа № 87»", "Белова", "Вера", None, "belova@school.ru", staff.username, None, None, None, None],  # 6
        ["МБОУ «Лицей № 58»", "Занятов", "Иван", None, "busy@school.ru", "busy@school.ru", None, None, None, None],  # 7
    ]
    with pytest.raises(ImportRejected) as rejected:
        curator_list_import(path=write(tmp_path, rows), municipality=world["city"])
    errors = [(e.line, e.column, e.message) for e in rejected.value.plan.errors]
    assert errors == [
        (3, "Школа", "школа «МБОУ «Школа № 999»» не найдена в портале — проверьте название или сначала импортируйте школы"),
        (4, "Школа", "у школы уже есть куратор в строке 2: куратор один"),
        (5, "Имя", "не заполнено — обязательный столбец"),
        (5, "E-mail", "«kim(at)school97.ru» — некорректный e-mail"),
        (5, "Логин", "«ким 97» — логин может содержать буквы, цифры и знаки @ . + - _ (до 150 знаков)"),
        (5, "Дата приказа", "«31.02.2022» — не дата; пишите ДД.ММ.ГГГГ"),
        (6, "Логин", "учётная запись «metodist» принадлежает сотруднику управления — укажите другой логин"),
        (7, "Логин", "«busy@school.ru» уже куратор школы МБОУ «Школа № 87» — сначала снимите его там"),
    ]
    assert not User.objects.filter(username__in=["sokolova@school10.ru", "orlova@school.ru"]).exists()
    assert Curator.objects.count() == 1


def test_malformed_email_login_and_date_are_named(tmp_path, world):
    rows = [["МБОУ «Школа № 97»", "Ким", "Анна", None, "kim(at)school97.ru", "ким 97", None, None, None, "31.02.2022"]]
    with pytest.raises(ImportRejected) as rejected:
        curator_list_import(path=write(tmp_path, rows), municipality=world["city"])
    assert [(e.line, e.column, e.message) for e in rejected.value.plan.errors] == [
        (2, "E-mail", "«kim(at)school97.ru» — некорректный e-mail"),
        (2, "Логин", "«ким 97» — логин может содержать буквы, цифры и знаки @ . + - _ (до 150 знаков)"),
        (2, "Дата приказа", "«31.02.2022» — не дата; пишите ДД.ММ.ГГГГ"),
    ]
