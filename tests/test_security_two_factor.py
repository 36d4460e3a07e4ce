"""Two-factor sign-in (issue 13, to build 8): TOTP with django-otp, required for administrators and methodologists
in production, offered elsewhere; recovery codes; force_login in other tests is not affected."""

import re

import pytest
from django.test import Client
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from schools.models import SecurityEvent
from tests.factories import PASSWORD, CuratorFactory, methodologist

pytestmark = pytest.mark.django_db


def sign_in(client, username, password=PASSWORD):
    return client.post("/accounts/login/", {"username": username, "password": password}, REMOTE_ADDR="10.5.5.5")


def current_code(device: TOTPDevice) -> str:
    return f"{TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift).token():06d}"


def set_up(client, username) -> list[str]:
    page = client.get("/accounts/two-factor/setup/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "<svg" in text and 'class="segno"' in text, "the QR code is drawn inline, no image from elsewhere"
    device = TOTPDevice.objects.get(user__username=username, confirmed=False)
    done = client.post("/accounts/two-factor/setup/", {"code": current_code(device)})
    assert done.status_code == 200 and "Коды восстановления показываются один раз" in done.content.decode()
    return re.findall(r"<li>([a-z0-9]{8})</li>", done.content.decode())


def test_in_production_a_methodologist_must_set_up_two_factor_before_anything_else(client, settings):
    settings.TWO_FACTOR_REQUIRED = True
    methodologist(username="metodist")
    assert sign_in(client, "metodist")["Location"] == "/"
    for path in ["/", "/reports/dashboard/", "/rounds/", "/accounts/security-log/"]:
        response = client.get(path)
        assert response.status_code == 302 and response["Location"] == "/accounts/two-factor/setup/", path
    codes = set_up(client, "metodist")
    assert len(codes) == 10
    assert client.get("/rounds/").status_code == 200, "set up and verified: the portal opens"


def test_the_next_sign_in_asks_for_the_code_and_a_recovery_code_works_once(client, settings):
    settings.TWO_FACTOR_REQUIRED = True
    methodologist(username="metodist")
    sign_in(client, "metodist")
    codes = set_up(client, "metodist")
    client.post("/accounts/logout/")

    other = Client()
    sign_in(other, "metodist")
    assert other.get("/rounds/")["Location"] == "/accounts/two-factor/verify/"
    wrong = other.post("/accounts/two-factor/verify/", {"code": "000000"})
    assert wrong.status_code == 400 and "Код не подошёл" in wrong.content.decode()
    waiting = other.post("/accounts/two-factor/verify/", {"code": codes[0]})
    assert "подождите несколько секунд" in waiting.content.decode(), "after a wrong code the devices wait (django-otp throttling)"
    for model in (TOTPDevice, StaticDevice):
        model.objects.update(throttling_failure_timestamp=None)  # the wait is over
    assert other.post("/accounts/two-factor/verify/", {"code": codes[0]})["Location"] == "/"
    assert other.get("/rounds/").status_code == 200
    assert StaticToken.objects.filter(token=codes[0]).count() == 0, "a recovery code is used up"

    third = Client()
    sign_in(third, "metodist")
    third.post("/accounts/two-factor/verify/", {"code": codes[0]})
    assert third.get("/rounds/")["Location"] == "/accounts/two-factor/verify/"
    details = list(SecurityEvent.objects.filter(kind="two_factor").values_list("detail", flat=True))
    assert "вход подтверждён кодом восстановления" in details and "неверный код второго фактора" in details


def test_a_code_from_the_app_lets_the_user_in(client):
    user = methodologist(username="metodist")
    device = TOTPDevice.objects.create(user=user, name="телефон", confirmed=True)
    sign_in(client, "metodist")
    assert client.get("/")["Location"] == "/accounts/two-factor/verify/"
    assert client.post("/accounts/two-factor/verify/", {"code": current_code(device)})["Location"] == "/"
    assert client.get("/rounds/").status_code == 200


def test_in_the_demo_two_factor_is_offered_not_forced_and_can_be_turned_off(client, settings):
    settings.TWO_FACTOR_REQUIRED = False
    methodologist(username="metodist")
    sign_in(client, "metodist")
    assert client.get("/rounds/").status_code == 200
    assert "Двухфакторный вход выключен" in client.get("/accounts/two-factor/").content.decode()
    set_up(client, "metodist")
    assert client.post("/accounts/two-factor/disable/")["Location"] == "/accounts/two-factor/"
    assert not TOTPDevice.objects.exists()


def test_a_curator_is_never_forced_and_force_login_is_not_affected(client, settings):
    settings.TWO_FACTOR_REQUIRED = True
    curator = CuratorFactory(user__username="kurator-10").user
    sign_in(client, "kurator-10")
    assert client.get("/rounds/my-school/").status_code == 200
    other = Client()
    other.force_login(methodologist())
    assert other.get("/rounds/").status_code == 302, "required for a methodologist, also after force_login"
    settings.TWO_FACTOR_REQUIRED = False
    third = Client()
    third.force_login(methodologist(username="m2"))
    assert third.get("/rounds/").status_code == 200
    del curator


def test_a_required_role_cannot_turn_it_off(client, settings):
    settings.TWO_FACTOR_REQUIRED = True
    methodologist(username="metodist")
    sign_in(client, "metodist")
    set_up(client, "metodist")
    assert client.post("/accounts/two-factor/disable/").status_code == 403
    assert TOTPDevice.objects.filter(confirmed=True).exists()
