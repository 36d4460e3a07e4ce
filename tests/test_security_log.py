"""The security log (issue 13, «what to build» 9): sign-ins and failures, lockouts, exports and evidence downloads,
each with who, what, when and from where; an append-only page for administrators with filters and pages."""

import pytest
from django.urls import reverse

from schools.models import SecurityEvent
from tests.factories import PASSWORD, CuratorFactory, UserFactory, administrator, methodologist
from tests.security_world import build_world

pytestmark = pytest.mark.django_db


def kinds() -> list[tuple[str, str, str | None]]:
    return list(SecurityEvent.objects.order_by("pk").values_list("kind", "username", "address"))


def test_sign_ins_failures_and_lockouts_are_logged_with_the_address(client, settings):
    UserFactory(username="ivanova")
    client.post("/accounts/login/", {"username": "ivanova", "password": PASSWORD}, REMOTE_ADDR="10.9.9.9")
    client.post("/accounts/logout/", REMOTE_ADDR="10.9.9.9")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post("/accounts/login/", {"username": "ivanova", "password": "guess"}, REMOTE_ADDR="198.51.100.7")
    log = kinds()
    assert log[:2] == [("sign_in", "ivanova", "10.9.9.9"), ("sign_out", "ivanova", "10.9.9.9")]
    assert log.count(("sign_in_failed", "ivanova", "198.51.100.7")) == settings.AXES_FAILURE_LIMIT
    assert ("locked_out", "ivanova", "198.51.100.7") in log


def test_exports_and_evidence_downloads_are_logged(client):
    world = build_world()
    client.force_login(world.users["methodologist"])
    answer = world.answers_with_file["own"]
    assert client.get(reverse("surveys:answer-file", args=[answer.pk])).status_code == 200
    assert client.post(reverse("reports:export-create", args=["rating"]), {"round": world.round.pk}).status_code == 200
    events = list(SecurityEvent.objects.exclude(kind="sign_in").order_by("pk"))  # force_login is a sign-in too
    who = world.users["methodologist"].username
    assert [(e.kind, e.username) for e in events] == [("evidence_download", who), ("export", who)]
    assert "prikaz-own.pdf" in events[0].detail and ".xlsx" in events[1].detail


def test_the_page_filters_and_pages_for_administrators(client, django_assert_max_num_queries):
    for n in range(60):
        SecurityEvent.objects.create(kind="sign_in_failed", username=f"guess{n}", address="198.51.100.7")
    SecurityEvent.objects.create(kind="export", username="metodist", address="10.0.0.5", detail="Рейтинг.xlsx")
    client.force_login(administrator())
    with django_assert_max_num_queries(8):  # session, user, groups, profile, notices, count, page
        page = client.get("/accounts/security-log/").content.decode()
    assert "Рейтинг.xlsx" in page and "Записи 1–50 из 62" in page  # 60 failures, the export and the admin's own sign-in
    filtered = client.get("/accounts/security-log/?kind=export").content.decode()
    assert "Рейтинг.xlsx" in filtered and "guess1" not in filtered
    assert client.get("/accounts/security-log/?address=not-an-ip").status_code == 400


def test_only_administrators_read_the_log_and_no_one_edits_it(client):
    client.force_login(methodologist())
    assert client.get("/accounts/security-log/").status_code == 403
    client.force_login(CuratorFactory().user)
    assert client.get("/accounts/security-log/").status_code == 403
    event = SecurityEvent.objects.create(kind="sign_in", username="ivanova")
    client.force_login(administrator(is_staff=True, is_superuser=True))
    assert client.post(reverse("admin:schools_securityevent_delete", args=[event.pk]), {"post": "yes"}).status_code == 403
    assert SecurityEvent.objects.filter(pk=event.pk).exists()
