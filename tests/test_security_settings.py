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


def run_manage(*args, env_overrides: dict[str, str], drop: tuple[str, ...] = ()) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in drop and k not in {"DJANGO_SETTINGS_MODULE"}}
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
    [(400, "Неверный запрос"), (403, "Нет доступа"), (404, "Страница не найдена"), (500, "Ошибка на сервере")],
)
def test_error_handlers_render_russian_pages(status, title):
    from django.contrib.auth.models import AnonymousUser

    request = RequestFactory().get("/somewhere/")
    request.user = AnonymousUser()
    handler = get_resolver().resolve_error_handler(status)
    response = handler(request) if status == 500 else handler(request, exception=Exception("internal detail"))
    assert response.status_code == status
    page = response.content.decode()
    assert title in page
    assert "internal detail" not in page


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
