"""Logins: lockout per account and per address, password rules, first-login password change, session expiry, logout."""

import datetime as dt

import pytest
from axes.models import AccessAttempt
from django.contrib.sessions.models import Session
from django.utils import timezone

from schools.models import UserProfile
from tests.factories import PASSWORD, CuratorFactory, UserFactory, methodologist

pytestmark = pytest.mark.django_db


ADDRESS_A = "10.1.1.1"
ADDRESS_B = "10.2.2.2"


def login(client, username, password, address=ADDRESS_A):
    return client.post("/accounts/login/", {"username": username, "password": password}, REMOTE_ADDR=address)


def fail_times(client, username, times, address=ADDRESS_A):
    for _ in range(times):
        response = login(client, username, "wrong-password", address)
        assert response.status_code == 200, "a wrong password before the limit shows the form again"


def test_wrong_password_shows_russian_error_and_keeps_username(client):
    UserFactory(username="ivanova")
    response = login(client, "ivanova", "wrong-password")
    page = response.content.decode()
    assert "Пожалуйста, введите правильные имя пользователя и пароль" in page
    assert 'value="ivanova"' in page


def test_five_failures_lock_the_account_at_that_address_and_slow_down_new_addresses(client, settings):
    UserFactory(username="ivanova")
    fail_times(client, "ivanova", settings.AXES_FAILURE_LIMIT - 1, ADDRESS_A)
    response = login(client, "ivanova", "wrong-password", ADDRESS_A)  # the fifth failure

    assert response.status_code == 429
    response = login(client, "ivanova", PASSWORD, ADDRESS_A)  # the right password, same address
    assert response.status_code == 429
    page = response.content.decode()
    assert "Вход временно заблокирован" in page
    assert "ещё на 15 мин." in page
    assert int(response["Retry-After"]) > 14 * 60
    assert "_auth_user_id" not in client.session
    slowed = login(client, "ivanova", PASSWORD, ADDRESS_B)  # never signed in from there: a short wait, not a lock
    assert slowed.status_code == 429 and int(slowed["Retry-After"]) <= 2


def test_failures_from_one_address_lock_that_address_for_every_account(client, settings):
    UserFactory(username="ivanova")
    for n in range(settings.AXES_ADDRESS_FAILURE_LIMIT):
        login(client, f"guess{n}", "wrong-password", ADDRESS_A)

    locked = login(client, "ivanova", PASSWORD, ADDRESS_A)
    assert locked.status_code == 429
    assert "с этого компьютера временно заблокирован" in locked.content.decode()

    other_address = login(client, "ivanova", PASSWORD, ADDRESS_B)
    assert other_address.status_code == 302
    assert client.session["_auth_user_id"]


def test_a_successful_login_before_the_limit_starts_the_count_again(client, settings):
    UserFactory(username="ivanova")
    fail_times(client, "ivanova", settings.AXES_FAILURE_LIMIT - 1)
    assert login(client, "ivanova", PASSWORD).status_code == 302
    client.logout()

    fail_times(client, "ivanova", settings.AXES_FAILURE_LIMIT - 1)
    assert login(client, "ivanova", PASSWORD).status_code == 302


def test_lockout_ends_after_the_cooloff(client, settings):
    UserFactory(username="ivanova")
    fail_times(client, "ivanova", settings.AXES_FAILURE_LIMIT - 1)
    assert login(client, "ivanova", "wrong-password").status_code == 429
    AccessAttempt.objects.update(attempt_time=timezone.now() - settings.AXES_COOLOFF_TIME - dt.timedelta(seconds=5))

    assert login(client, "ivanova", PASSWORD).status_code == 302


@pytest.mark.parametrize(
    ("new_password", "message"),
    [
        ("Qw3-rty", "Введённый пароль слишком короткий"),
        ("password123", "Введённый пароль слишком широко распространён"),
        ("40817810099910004312", "Введённый пароль состоит только из цифр"),
        ("ivanova-portal", "Введённый пароль слишком похож на"),
    ],
)
def test_weak_passwords_are_refused_with_the_reason(client, new_password, message):
    user = UserFactory(username="ivanova")
    client.force_login(user)
    response = client.post("/accounts/password/", {"old_password": PASSWORD, "new_password1": new_password, "new_password2": new_password})
    assert response.status_code == 200
    assert message in response.content.decode()
    user.refresh_from_db()
    assert user.check_password(PASSWORD)


def test_curator_with_one_time_password_is_sent_to_change_it_first(client):
    curator = CuratorFactory(user__username="kurator-new")
    UserProfile.objects.create(user=curator.user, must_change_password=True)

    response = login(client, "kurator-new", PASSWORD)
    assert response.status_code == 302
    for path in ["/", "/rounds/my-school/", "/ratings/dashboard/", "/admin/"]:
        response = client.get(path)
        assert response.status_code == 302, path
        assert response["Location"] == "/accounts/password/", path
    form = client.get("/accounts/password/")
    assert "Вы вошли с одноразовым паролем" in form.content.decode()

    response = client.post(
        "/accounts/password/", {"old_password": PASSWORD, "new_password1": "Cifrovaya-shkola-2026", "new_password2": "Cifrovaya-shkola-2026"}
    )
    assert response.status_code == 302
    assert not UserProfile.objects.get(user=curator.user).must_change_password
    assert client.get("/").status_code == 302
    assert client.get("/").get("Location") != "/accounts/password/"


def test_user_told_to_change_password_can_still_log_out(client):
    user = UserFactory(username="ivanova")
    UserProfile.objects.create(user=user, must_change_password=True)
    client.force_login(user)
    response = client.post("/accounts/logout/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/"
    assert "_auth_user_id" not in client.session


def test_user_without_profile_is_not_asked_to_change_password(client):
    client.force_login(methodologist())
    response = client.get("/")
    assert response.get("Location") != "/accounts/password/"


def test_session_cookie_ends_with_the_browser_and_the_session_after_eight_hours(client, settings):
    UserFactory(username="ivanova")
    response = login(client, "ivanova", PASSWORD)
    cookie = response.cookies[settings.SESSION_COOKIE_NAME]
    assert cookie["expires"] == "" and cookie["max-age"] == "", "the cookie must not outlive the browser"
    assert cookie["httponly"]
    session = Session.objects.get(session_key=cookie.value)
    assert dt.timedelta(hours=7, minutes=59) < session.expire_date - timezone.now() <= dt.timedelta(hours=8)


def test_expired_session_sends_the_user_back_to_login(client):
    UserFactory(username="ivanova")
    login(client, "ivanova", PASSWORD)
    Session.objects.update(expire_date=timezone.now() - dt.timedelta(seconds=1))

    response = client.get("/ratings/dashboard/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=")


def test_logout_is_a_post_only_button_in_the_navbar(client):
    user = UserFactory(username="ivanova")
    client.force_login(user)
    page = client.get("/accounts/password/").content.decode()
    assert '<form method="post" action="/accounts/logout/"' in page
    assert "Выйти" in page

    assert client.get("/accounts/logout/").status_code == 405
    assert "_auth_user_id" in client.session
    response = client.post("/accounts/logout/")
    assert response.status_code == 302
    assert "_auth_user_id" not in client.session
    assert client.get("/").status_code == 302


PROXY = "10.0.0.1"


def login_via_proxy(client, username, password, forwarded_for):
    return client.post("/accounts/login/", {"username": username, "password": password}, REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=forwarded_for)


def test_behind_a_proxy_one_school_guessing_passwords_does_not_lock_out_the_others(client, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    settings.TRUSTED_PROXY_ADDRESSES = [PROXY]
    UserFactory(username="ivanova")
    for n in range(settings.AXES_ADDRESS_FAILURE_LIMIT):
        login_via_proxy(client, f"guess{n}", "wrong-password", "192.0.2.10")

    assert login_via_proxy(client, "ivanova", PASSWORD, "192.0.2.10").status_code == 429, "the guessing address is locked"
    assert login_via_proxy(client, "ivanova", PASSWORD, "198.51.100.7").status_code == 302, "another school behind the same proxy is not"


def test_behind_a_proxy_a_forged_forwarded_address_does_not_escape_the_lockout(client, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    settings.TRUSTED_PROXY_ADDRESSES = [PROXY]
    UserFactory(username="ivanova")
    for n in range(settings.AXES_ADDRESS_FAILURE_LIMIT):
        # The client writes a different fake address each time; the proxy appends the real one.
        login_via_proxy(client, f"guess{n}", "wrong-password", f"203.0.113.{n}, 192.0.2.10")

    assert login_via_proxy(client, "ivanova", PASSWORD, "203.0.113.99, 192.0.2.10").status_code == 429


def test_login_does_not_redirect_to_another_site(client):
    UserFactory(username="ivanova")
    response = client.post("/accounts/login/", {"username": "ivanova", "password": PASSWORD, "next": "https://evil.example/phish"}, REMOTE_ADDR=ADDRESS_A)
    assert response.status_code == 302
    assert not response["Location"].startswith(("http", "//"))


def test_login_gives_a_new_session_key(client):
    UserFactory(username="ivanova")
    client.get("/accounts/login/")
    client.session.save()
    before = client.session.session_key
    login(client, "ivanova", PASSWORD)
    assert client.session.session_key != before, "a session id planted before the login is not kept"


def test_changing_the_password_signs_out_the_other_sessions_of_that_user():
    from django.test import Client

    user = UserFactory(username="ivanova")
    office, home = Client(), Client()
    office.force_login(user)
    home.force_login(user)
    response = office.post(
        "/accounts/password/", {"old_password": PASSWORD, "new_password1": "Cifrovaya-shkola-2026", "new_password2": "Cifrovaya-shkola-2026"}
    )
    assert response.status_code == 302

    assert office.get("/accounts/password/").status_code == 200, "the session that changed it stays signed in"
    response = home.get("/accounts/password/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
