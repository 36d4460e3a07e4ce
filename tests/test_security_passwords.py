"""Password change and one-time passwords (issue 13, recipes 8 and 10): wrong current passwords count like failed
sign-ins, the new password must differ from the current one, imported curators' one-time passwords never sit in the
session in plain text, their pages and file are not cached, and the file is gone after download or expiry."""

import os
import time

import pytest
from django.contrib.sessions.models import Session
from django.urls import reverse

from schools.imports import CREDENTIALS_TTL, credentials_path
from tests.factories import PASSWORD, UserFactory, administrator
from tests.test_imports_pages import CURATOR_HEADER, upload

pytestmark = pytest.mark.django_db
NEW = "Cifrovaya-shkola-2026"


def change(client, old, new, address="10.1.1.1"):
    return client.post("/accounts/password/", {"old_password": old, "new_password1": new, "new_password2": new}, REMOTE_ADDR=address)


def test_wrong_current_passwords_are_limited_like_sign_ins(client, settings):
    user = UserFactory(username="ivanova")
    client.force_login(user)
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        response = change(client, "guess", NEW)
        assert response.status_code == 200 and "Ваш старый пароль введен неправильно" in response.content.decode()
    assert change(client, "guess", NEW).status_code == 429
    assert change(client, PASSWORD, NEW).status_code == 429, "even the right current password waits for the cool-off"
    user.refresh_from_db()
    assert user.check_password(PASSWORD)


def test_the_new_password_must_differ_from_the_current_one(client):
    user = UserFactory(username="ivanova")
    client.force_login(user)
    response = change(client, PASSWORD, PASSWORD)
    assert response.status_code == 200
    assert "Новый пароль должен отличаться от текущего" in response.content.decode()


def import_curator(client, city_school):
    client.force_login(administrator())
    rows = [["МБОУ «Школа № 97»", "Ким", "Анна", "Сергеевна", "kim@school97.ru", "kurator-97", None, None, None, None]]
    response = client.post(
        reverse("schools:import"), {"kind": "curators", "municipality": city_school.municipality_id, "file": upload("к.xlsx", CURATOR_HEADER, rows)}
    )
    done = client.post(response["Location"])
    return done["Location"], done["Location"].rstrip("/").split("/")[-2]


@pytest.fixture
def city_school():
    from tests.factories import DistrictFactory, MunicipalityFactory, SchoolFactory

    city = MunicipalityFactory()
    return SchoolFactory(district=DistrictFactory(municipality=city, name="Первомайский"), full_name="МБОУ «Школа № 97»")


def test_one_time_passwords_never_sit_in_the_session_or_on_disk_in_plain_text(client, city_school):
    done_url, token = import_curator(client, city_school)
    page = client.get(done_url)
    password = page.content.decode().split("<td><code>kurator-97</code></td><td><code>")[1].split("</code>")[0]
    for session in Session.objects.all():
        assert password not in str(session.get_decoded())
    stored = credentials_path(token).read_bytes()
    assert password.encode() not in stored and b"kurator-97" not in stored


def test_the_done_page_and_the_file_are_not_cached(client, city_school):
    done_url, token = import_curator(client, city_school)
    assert "no-store" in client.get(done_url)["Cache-Control"]
    sheet = client.get(reverse("schools:import-credentials", args=[token]))
    assert sheet.status_code == 200 and "no-store" in sheet["Cache-Control"]
    assert not credentials_path(token).exists(), "deleted once downloaded"


def test_an_undownloaded_file_expires(client, city_school):
    done_url, token = import_curator(client, city_school)
    path = credentials_path(token)
    old = time.time() - CREDENTIALS_TTL.total_seconds() - 60
    os.utime(path, (old, old))
    assert client.get(reverse("schools:import-credentials", args=[token])).status_code == 404
    assert not path.exists()
