"""Recipes of issue 13 against the login lockout: one account resetting another's count (1), an anonymous
visitor locking out staff (2), and a forged X-Forwarded-For escaping the address count (12)."""

import pytest
from axes.models import AccessAttempt, AccessLog

from tests.factories import PASSWORD, CuratorFactory, UserFactory, methodologist

pytestmark = pytest.mark.django_db

ATTACKER = "198.51.100.66"
OFFICE = "10.20.0.5"  # where the methodologist signs in every day


def login(client, username, password, address, **extra):
    client.logout()
    return client.post("/accounts/login/", {"username": username, "password": password}, REMOTE_ADDR=address, **extra)


def test_a_curators_successful_login_does_not_reset_the_failures_against_a_methodologist(client, settings):
    """Recipe 1: four wrong passwords for `metodist`, a correct login as `kurator-10`, repeat."""
    methodologist(username="metodist")
    CuratorFactory(user__username="kurator-10")
    statuses = []
    for _ in range(4):
        for _ in range(settings.AXES_FAILURE_LIMIT - 1):
            statuses.append(login(client, "metodist", "guess", ATTACKER).status_code)
        assert login(client, "kurator-10", PASSWORD, ATTACKER).status_code in (302, 429)
    assert 429 in statuses, "16 guesses at another account and never refused"
    assert statuses.index(429) == settings.AXES_FAILURE_LIMIT - 1, "the fifth wrong password for `metodist` from this address is refused"
    assert login(client, "metodist", PASSWORD, ATTACKER).status_code == 429, "even the right password is refused from the guessing address"


def test_a_successful_login_resets_only_that_accounts_own_count_at_that_address(client, settings):
    methodologist(username="metodist")
    CuratorFactory(user__username="kurator-10")
    for _ in range(3):
        login(client, "metodist", "guess", ATTACKER)
        login(client, "kurator-10", "guess", ATTACKER)
    assert login(client, "kurator-10", PASSWORD, ATTACKER).status_code == 302

    left = dict(AccessAttempt.objects.values_list("username", "failures_since_start"))
    assert left == {"metodist": 3}


def test_anonymous_failures_do_not_lock_a_methodologist_out_of_the_office(client, settings):
    """Recipe 2: five wrong passwords for `metodist` from one address used to lock the account everywhere."""
    methodologist(username="metodist")
    assert login(client, "metodist", PASSWORD, OFFICE).status_code == 302  # the office is a known address
    for _ in range(settings.AXES_FAILURE_LIMIT):
        login(client, "metodist", "guess", ATTACKER)

    assert login(client, "metodist", PASSWORD, ATTACKER).status_code == 429, "the guessing address stays locked"
    assert login(client, "metodist", PASSWORD, OFFICE).status_code == 302, "the methodologist still signs in at the office"


def test_failures_from_many_addresses_slow_down_unknown_addresses_but_not_known_ones(client, settings):
    methodologist(username="metodist")
    assert login(client, "metodist", PASSWORD, OFFICE).status_code == 302
    for n in range(settings.AXES_FAILURE_LIMIT + 2):
        login(client, "metodist", "guess", f"203.0.113.{n}")  # a botnet: a new address for every guess

    slowed = login(client, "metodist", PASSWORD, "203.0.113.200")
    assert slowed.status_code == 429
    assert "Слишком много неудачных попыток войти в эту учётную запись" in slowed.content.decode()
    assert login(client, "metodist", PASSWORD, OFFICE).status_code == 302, "a known address is not slowed down"


def test_the_delay_for_unknown_addresses_grows_and_passes(client, settings):
    from datetime import timedelta

    from django.utils import timezone

    methodologist(username="metodist")
    for n in range(settings.AXES_FAILURE_LIMIT):
        login(client, "metodist", "guess", f"203.0.113.{n}")
    assert login(client, "metodist", PASSWORD, "192.0.2.1").status_code == 429
    # The delay after the fifth failure is a few seconds, not the whole cool-off.
    AccessAttempt.objects.update(attempt_time=timezone.now() - timedelta(seconds=5))
    assert login(client, "metodist", PASSWORD, "192.0.2.1").status_code == 302
    assert AccessLog.objects.filter(username="metodist", ip_address="192.0.2.1").exists()


def test_without_a_trusted_proxy_a_forged_forwarded_address_is_ignored(client, settings):
    """Recipe 12: gunicorn's port reached directly, TRUSTED_PROXY_COUNT=1 in the environment."""
    settings.TRUSTED_PROXY_COUNT = 1
    UserFactory(username="ivanova")
    for n in range(settings.AXES_FAILURE_LIMIT):
        login(client, "ivanova", "guess", ATTACKER, HTTP_X_FORWARDED_FOR=f"192.0.2.{n}")

    assert login(client, "ivanova", PASSWORD, ATTACKER, HTTP_X_FORWARDED_FOR="192.0.2.99").status_code == 429
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {ATTACKER}


def test_staff_see_lockouts_and_lift_one(client, settings, django_assert_max_num_queries):
    methodologist(username="metodist")
    UserFactory(username="ivanova")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        login(client, "ivanova", "guess", ATTACKER)
    assert login(client, "ivanova", PASSWORD, ATTACKER).status_code == 429

    client.force_login(methodologist(username="metodist2"))
    with django_assert_max_num_queries(6):  # session, user, groups, accounts, addresses, profile (password duty)
        page = client.get("/accounts/lockouts/").content.decode()
    assert "ivanova" in page and ATTACKER in page
    assert "заблокирована до" in page
    assert "Снять блокировку" in page

    response = client.post("/accounts/lockouts/", {"username": "ivanova"})
    assert response.status_code == 302
    assert "Блокировка снята: ivanova" in client.get("/accounts/lockouts/").content.decode()
    assert login(client, "ivanova", PASSWORD, ATTACKER).status_code == 302


def test_lifting_an_address_lets_every_account_in_again(client, settings):
    UserFactory(username="ivanova")
    for n in range(settings.AXES_ADDRESS_FAILURE_LIMIT):
        login(client, f"guess{n}", "guess", ATTACKER)
    assert login(client, "ivanova", PASSWORD, ATTACKER).status_code == 429

    client.force_login(methodologist())
    assert client.post("/accounts/lockouts/", {"address": "not-an-address"}).status_code == 400
    assert client.post("/accounts/lockouts/", {"address": ATTACKER}).status_code == 302
    assert login(client, "ivanova", PASSWORD, ATTACKER).status_code == 302


def test_the_lockout_page_is_for_administrators_and_methodologists_only(client):
    client.force_login(CuratorFactory().user)
    assert client.get("/accounts/lockouts/").status_code == 403
