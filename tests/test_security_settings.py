"""Production settings, Russian error pages and the Content-Security-Policy that every page satisfies."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client, RequestFactory
from django.urls import get_resolver

ROOT = Path(__file__).resolve().parent.parent
PRODUCTION_ENV = {"PORTAL_ENV": "production", "ALLOWED_HOSTS": "cos.example.org", "DEBUG": "0"}
# Set by the browser fixture for Playwright's event loop; a real deployment never has it.
TEST_ONLY_VARIABLES = {"DJANGO_SETTINGS_MODULE", "DJANGO_ALLOW_ASYNC_UNSAFE"}


def run_manage(*args, env_overrides: dict[str, str], drop: tuple[str, ...] = ()) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in drop and k not in TEST_ONLY_VARIABLES}
    env.update(env_overrides)
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)


def test_deploy_check_is_clean_with_production_environment():
    result = run_manage("check", "--deploy", "--fail-level", "WARNING", env_overrides={**PRODUCTION_ENV, "SECRET_KEY": secrets.token_urlsafe(64)})
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


@pytest.mark.parametrize(
    "secret",
    [
        None,  # not set: the development default
        "change-me-to-a-long-random-string-of-at-least-fifty-characters",  # copied from .env.example
        "short-secret",
        "x" * 60,
    ],
)
def test_production_refuses_to_start_with_a_default_or_weak_secret(secret):
    overrides = dict(PRODUCTION_ENV)
    if secret is not None:
        overrides["SECRET_KEY"] = secret
    result = run_manage("check", env_overrides=overrides, drop=("SECRET_KEY",))
    assert result.returncode != 0
    assert "SECRET_KEY must be set to a long random value in production" in result.stderr


def test_debug_is_off_unless_asked():
    code = "import django; django.setup(); from django.conf import settings; print(settings.DEBUG, settings.SESSION_COOKIE_SECURE)"
    env = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "PORTAL_ENV"}}
    env["DJANGO_SETTINGS_MODULE"] = "roadmap_portal.settings"
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["False", "False"]


def test_production_cookies_are_https_only_and_hsts_is_sent():
    code = (
        "import django; django.setup(); from django.conf import settings as s; "
        "print(s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SECURE_SSL_REDIRECT, s.SECURE_HSTS_SECONDS >= 31536000, s.DEBUG)"
    )
    env = {**os.environ, **PRODUCTION_ENV, "SECRET_KEY": secrets.token_urlsafe(64), "DJANGO_SETTINGS_MODULE": "roadmap_portal.settings"}
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["True", "True", "True", "True", "False"]


@pytest.mark.django_db
def test_every_response_carries_the_security_headers(client):
    response = client.get("/accounts/login/")
    csp = response["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "style-src 'self'" in csp and "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"


@pytest.mark.django_db
def test_unknown_page_shows_russian_404(client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    page = response.content.decode()
    assert "Страница не найдена" in page and "На главную" in page


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("status", "title"),
    [(400, "Неверный запрос"), (404, "Страница не найдена"), (500, "Ошибка на сервере")],
)
def test_error_handlers_render_russian_pages_without_internal_details(status, title):
    from django.contrib.auth.models import AnonymousUser

    request = RequestFactory().get("/somewhere/")
    request.user = AnonymousUser()
    handler = get_resolver().resolve_error_handler(status)
    response = handler(request) if status == 500 else handler(request, exception=Exception("No School matches the given query."))
    assert response.status_code == status
    page = response.content.decode()
    assert title in page
    assert "No School matches" not in page


@pytest.mark.django_db
def test_forbidden_page_says_in_russian_why_and_what_to_do(client):
    from tests.factories import methodologist

    client.force_login(methodologist())
    response = client.get("/schools/import/")
    assert response.status_code == 403
    page = response.content.decode()
    assert "Нет доступа" in page
    assert "Импорт из Excel доступен администраторам" in page, "the view's reason is shown"
    assert "обратитесь к администратору портала" in page


@pytest.mark.django_db
def test_server_error_shows_the_russian_page_without_details(client, settings):
    settings.DEBUG = False
    request = RequestFactory().get("/")
    response = get_resolver().resolve_error_handler(500)(request)
    page = response.content.decode()
    assert "Ошибка на сервере" in page and "Traceback" not in page
    assert "/static/vendor/bootstrap-5.3.8/css/bootstrap.min.css" in page


@pytest.mark.django_db
def test_stale_form_is_refused_with_a_page_that_says_nothing_typed_is_lost():
    client = Client(enforce_csrf_checks=True)
    response = client.post("/accounts/login/", {"username": "ivanova", "password": "whatever"})
    assert response.status_code == 403
    page = response.content.decode()
    assert "Форма устарела" in page
    assert "Ничего из введённого не потеряно" in page
    assert response["Content-Security-Policy"]


def crawl(page, base_url: str, *starts: str, limit: int = 60, signed_in: bool = False, within: str = "/") -> dict[str, list[str]]:
    """Open `starts`, then every same-site HTML page linked from the pages seen (breadth first, `limit` pages).

    Returns the console errors of each page opened. Downloads are probed, not opened; redirects are followed.
    """
    seen, queue, opened = set(), list(starts), {}
    while queue and len(opened) < limit:
        path = queue.pop(0)
        if path in seen:
            continue
        seen.add(path)
        probe = page.context.request.get(base_url + path, max_redirects=0)
        if probe.status in (301, 302, 303):
            queue.append(probe.headers["location"].removeprefix(base_url))
            continue
        if "text/html" not in probe.headers.get("content-type", ""):
            continue  # a download, not a page
        before = len(page.console_errors)
        response = page.goto(base_url + path)
        assert response.status < 500, f"{path} answered {response.status}"
        assert response.headers.get("content-security-policy", "").startswith("default-src 'self'"), path
        errors = page.console_errors[before:]
        if response.status == 404:  # the browser reports the page's own 404 as a failed resource
            errors = [e for e in errors if "status of 404" not in e]
        if signed_in and not page.locator("form[action='/accounts/logout/'] button[type=submit]").count():
            errors.append("no logout button on this page")
        opened[path] = errors
        hrefs = page.eval_on_selector_all("a[href]", "els => els.map(e => e.getAttribute('href'))")
        for href in hrefs:
            skipped = ("/static/", "//") if within == "/admin/" else ("/admin/", "/static/", "//")
            if href.startswith(within) and not href.startswith(skipped) and not any(w in href for w in ("logout", "delete", "password")):
                queue.append(href.split("#")[0])
    return opened


def errors_report(opened: dict[str, list[str]]) -> str:
    return "\n".join(f"  {path}: {error}" for path, errors in opened.items() for error in errors)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("role", ["curator", "district_officer", "methodologist", "administrator"])
def test_pages_of_every_role_satisfy_the_content_security_policy_and_offer_logout(role, live_server, page, settings):
    from tests.security_world import PASSWORD, build_world

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    world = build_world()
    page.goto(live_server.url + "/accounts/login/")
    page.fill("input[name=username]", world.users[role].username)
    page.fill("input[name=password]", PASSWORD)
    with page.expect_response(lambda r: r.url.endswith("/accounts/login/") and r.request.method == "POST") as login:
        page.click("button[type=submit]")
    assert login.value.status == 302, "login failed"

    opened = crawl(page, live_server.url, "/", "/accounts/password/", "/no-such-page/", limit=40, signed_in=True)
    assert len(opened) >= (5 if role == "curator" else 10), f"the crawl found too few pages: {sorted(opened)}"
    assert not errors_report(opened), f"{role}: console errors (CSP violations, script errors) or a missing logout:\n" + errors_report(opened)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_pages_before_login_satisfy_the_content_security_policy(live_server, page):
    opened = crawl(page, live_server.url, "/accounts/login/", "/no-such-page/")
    page.goto(live_server.url + "/accounts/login/")
    page.fill("input[name=username]", "nobody")
    page.fill("input[name=password]", "wrong")
    page.click("button[type=submit]")
    page.wait_for_load_state()
    assert page.locator(".alert-danger").is_visible()
    assert "/accounts/login/" in opened
    assert not errors_report(opened), errors_report(opened)
    assert not page.console_errors[-1:] or "Content Security Policy" not in page.console_errors[-1]


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_admin_pages_satisfy_the_content_security_policy(live_server, page, settings):
    from tests.factories import PASSWORD, UserFactory
    from tests.security_world import build_world

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    build_world()
    UserFactory(username="root", is_staff=True, is_superuser=True)
    page.goto(live_server.url + "/admin/login/")
    page.fill("input[name=username]", "root")
    page.fill("input[name=password]", PASSWORD)
    with page.expect_navigation():
        page.click("input[type=submit]")

    opened = crawl(page, live_server.url, "/admin/", limit=20, within="/admin/")
    assert len(opened) >= 10, sorted(opened)
    assert not errors_report(opened), errors_report(opened)
