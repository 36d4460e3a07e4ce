"""Personal-data duties (152-ФЗ): everything about one person found and exported by the administrator, views of
personal data logged, destruction by anonymisation with an act, automatically after the retention period."""

import datetime as dt
import io
import json

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone
from docx import Document

from schools.models import Curator, PersonalDataAccess, PersonalDataAct, PersonalDataConsent
from schools.tasks import anonymise_expired_people
from surveys.models import Submission

from .factories import CuratorFactory, UserFactory
from .security_world import build_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    world = build_world()
    curator = Curator.objects.get(user=world.users["curator"], is_active=True)
    curator.phone, curator.position, curator.order_number = "+7 863 111-22-33", "заместитель директора", "57-о"
    curator.save()
    user = world.users["curator"]
    user.first_name, user.last_name, user.email = "Ирина", "Соколова", "sokolova@example.org"
    user.save()
    return world


def test_the_administrator_finds_a_curator_sees_and_exports_everything_held_and_it_is_logged(client, world):
    client.force_login(world.users["administrator"])
    curator = world.users["curator"]

    found = client.get(reverse("operations:people"), {"q": "Соколова"}).content.decode()
    page = client.get(reverse("operations:person", args=[curator.pk])).content.decode()
    exported = json.loads(client.get(reverse("operations:person-export", args=[curator.pk])).content)

    assert "Ирина Соколова" in found
    assert "+7 863 111-22-33" in page and "sokolova@example.org" in page
    assert exported["учётная запись"]["адрес электронной почты"] == "sokolova@example.org"
    assert exported["кураторство"][0]["телефон"] == "+7 863 111-22-33"
    logged = PersonalDataAccess.objects.filter(subject=curator, username=world.users["administrator"].username)
    assert sorted(logged.values_list("what", flat=True)) == ["выгрузка всех персональных данных человека (JSON)", "страница «Персональные данные человека»"]


def test_the_school_card_logs_who_saw_the_curator_s_contacts(client, world):
    client.force_login(world.users["methodologist"])

    client.get(reverse("reports:school-card", args=[world.schools["own"].pk]))

    entry = PersonalDataAccess.objects.get(subject=world.users["curator"])
    assert entry.username == world.users["methodologist"].username and "контакты куратора" in entry.what


def test_anonymising_a_curator_destroys_their_data_keeps_their_school_s_answers_and_writes_the_act(client, world):
    client.force_login(world.users["administrator"])
    curator = world.users["curator"]
    client.get(reverse("reports:school-card", args=[world.schools["own"].pk]))  # an access that the act's extract lists
    submissions = Submission.objects.count()

    response = client.post(reverse("operations:person-anonymise", args=[curator.pk]))

    assert response.status_code == 302
    curator.refresh_from_db()
    assert (curator.first_name, curator.last_name, curator.email, curator.is_active) == ("", "", "", False)
    assert curator.username == f"anonymised-{curator.pk}" and not curator.has_usable_password()
    row = Curator.objects.get(user=curator)
    assert (row.phone, row.position, row.order_number) == ("", "", "")
    assert not Curator.history.filter(user_id=curator.pk).exclude(phone="").exists()  # old versions too
    assert Submission.objects.count() == submissions
    act = PersonalDataAct.objects.get()
    destroyed = {(item["где"], item["что"]) for item in act.destroyed}
    assert ("учётная запись", "адрес электронной почты") in destroyed and ("учётная запись", "фамилия") in destroyed
    assert any(what == "телефон" for _where, what in destroyed)
    assert any("контакты куратора" in event["подробности"] for event in act.log_extract)
    text = "\n".join(p.text for p in Document(act.document.open("rb")).paragraphs)
    assert f"АКТ № {act.pk}" in text and "Соколова" not in text
    document = client.get(reverse("operations:act-document", args=[act.pk]))
    assert document.status_code == 200 and Document(io.BytesIO(b"".join(document.streaming_content)))


def test_the_retention_task_anonymises_only_people_inactive_longer_than_the_period(settings):
    settings.PERSONAL_DATA_RETENTION_DAYS = 365
    long_ago = timezone.now() - dt.timedelta(days=400)
    former = CuratorFactory(is_active=False, user=UserFactory(username="byvshij", last_login=long_ago, email="old@example.org"))
    current = CuratorFactory(user=UserFactory(username="dejstvuyushchij", last_login=long_ago))
    recent = CuratorFactory(is_active=False, user=UserFactory(username="nedavnij", last_login=timezone.now() - dt.timedelta(days=30)))
    staff = UserFactory(username="sotrudnik", is_staff=True, is_active=False, last_login=long_ago)

    assert anonymise_expired_people.delay().get() == 1
    assert anonymise_expired_people.delay().get() == 0  # safe to run twice

    users = get_user_model().objects
    assert users.get(pk=former.user_id).username == f"anonymised-{former.user_id}"
    assert [users.get(pk=u).username for u in (current.user_id, recent.user_id, staff.pk)] == ["dejstvuyushchij", "nedavnij", "sotrudnik"]
    act = PersonalDataAct.objects.get()
    assert act.reason == PersonalDataAct.Reason.RETENTION and act.performed_by is None


def test_only_administrators_reach_personal_data_pages(client, world):
    for role in ("curator", "district_officer", "methodologist"):
        client.force_login(world.users[role])
        assert client.get(reverse("operations:people")).status_code == 403
        assert client.get(reverse("operations:person-export", args=[world.users["curator"].pk])).status_code == 403


def test_at_the_first_sign_in_the_notice_is_accepted_before_anything_else_and_recorded_with_its_basis(client, world, settings):
    settings.PERSONAL_DATA_NOTICE_VERSION = "2026-1"
    client.force_login(world.users["curator"])
    my_school = reverse("surveys:my-school")

    response = client.get(my_school)
    assert response.status_code == 302 and response["Location"].startswith(reverse("operations:personal-data-notice"))
    notice = client.get(response["Location"]).content.decode()
    assert "Как портал обрабатывает ваши персональные данные" in notice and "Ознакомлен(а), принимаю" in notice

    accepted = client.post(reverse("operations:personal-data-notice"), {"next": my_school})
    assert accepted["Location"] == my_school
    assert client.get(my_school).status_code == 200
    consent = world.users["curator"].personal_data_consents.get()
    assert (consent.basis, consent.notice_version) == (PersonalDataConsent.Basis.CONSENT, "2026-1") and consent.accepted_at

    client.force_login(world.users["methodologist"])
    client.post(reverse("operations:personal-data-notice"), {"next": "https://evil.example/"})
    assert world.users["methodologist"].personal_data_consents.get().basis == PersonalDataConsent.Basis.DUTIES

    settings.PERSONAL_DATA_NOTICE_VERSION = "2027-1"  # the notice changed: everyone reads it again
    assert client.get(reverse("reports:dashboard")).status_code == 302


def test_the_notice_never_sends_elsewhere_than_the_portal(client, world, settings):
    settings.PERSONAL_DATA_NOTICE_VERSION = "2026-1"
    client.force_login(world.users["curator"])

    response = client.post(reverse("operations:personal-data-notice"), {"next": "https://evil.example/"})

    assert response["Location"] == reverse("home")


def test_the_completeness_export_logs_whose_e_mails_it_carried_and_who_took_it(client, world):
    client.force_login(world.users["district_officer"])

    response = client.post(reverse("reports:export-create", args=["completeness"]), {"round": world.round.pk})

    assert response.status_code == 200
    logged = PersonalDataAccess.objects.filter(username=world.users["district_officer"].username)
    assert logged.exists() and all("e-mail кураторов" in entry.what for entry in logged)
    assert world.users["curator"].pk in set(logged.values_list("subject_id", flat=True))
    # Only the curators of schools the district officer sees are named.
    visible = set(Curator.objects.filter(school__district=world.schools["own"].district, is_active=True).values_list("user_id", flat=True))
    assert set(logged.values_list("subject_id", flat=True)) <= visible
