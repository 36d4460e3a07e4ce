import os
import shutil

import pytest

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def require_or_skip(env_var: str, reason: str) -> None:
    """Skip with a visible reason; in CI (the variable set) the same condition is a failure."""
    if os.environ.get(env_var) == "1":
        pytest.fail(f"{reason} (CI requires it: {env_var}=1)")
    pytest.skip(reason)


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    """Passwords hashed fast: tests sign in hundreds of times; what they check does not depend on the hasher."""
    # PBKDF2 stays as the second hasher: one-time passwords of imported curators are hashed with it explicitly.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher", "django.contrib.auth.hashers.PBKDF2PasswordHasher"]


@pytest.fixture(autouse=True)
def _no_personal_data_notice(settings):
    """The notice at the first sign-in would stand before every page of every test; tests/test_personal_data.py turns it on."""
    settings.PERSONAL_DATA_NOTICE_VERSION = ""


@pytest.fixture(autouse=True)
def _celery_in_process():
    """Tasks run in the test process even when REDIS_URL is set (CI); the worker tests switch this off."""
    from roadmap_portal.celery import app

    previous = app.conf.task_always_eager, app.conf.task_eager_propagates
    # Set under the CELERY_ namespace: Django's CELERY_* settings win over a plain `task_always_eager` key.
    app.conf.CELERY_TASK_ALWAYS_EAGER = True
    app.conf.CELERY_TASK_EAGER_PROPAGATES = True
    yield
    app.conf.CELERY_TASK_ALWAYS_EAGER, app.conf.CELERY_TASK_EAGER_PROPAGATES = previous


@pytest.fixture(scope="session")
def browser():
    if not os.path.exists(CHROMIUM) and not shutil.which("chromium"):
        require_or_skip("REQUIRE_BROWSER", "Chromium is not installed (apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        require_or_skip("REQUIRE_BROWSER", "playwright is not installed")
    # Playwright's sync API runs an event loop in this thread; Django's ORM calls in tests are still synchronous.
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(locale="ru-RU", viewport={"width": 1366, "height": 900})
    page = context.new_page()
    page.console_errors = []
    page.on("console", lambda msg: msg.type == "error" and page.console_errors.append(msg.text))
    page.on("pageerror", lambda exc: page.console_errors.append(str(exc)))
    yield page
    context.close()


@pytest.fixture
def log_in(live_server):
    """Signs a person in through the login form of the live server, as they would, and waits for the page it leads to:
    `log_in(page, "metodist")`, `next_url` to land on a page, `login_path` for the admin's own form."""

    def log_in(page, username: str, *, password: str = "", next_url: str = "", login_path: str = "/accounts/login/") -> None:
        from tests.factories import PASSWORD

        page.goto(live_server.url + login_path + (f"?next={next_url}" if next_url else ""))
        page.fill("input[name=username]", username)
        page.fill("input[name=password]", password or PASSWORD)
        with page.expect_navigation():
            page.locator("[type=submit]").first.click()

    return log_in


@pytest.fixture
def log_out():
    """Signs out through the user's menu in the navbar (role, password change, logout), as a person would."""

    def log_out(page) -> None:
        page.click("nav .navbar-user-toggle")
        page.click("nav button:has-text('Выйти')")
        page.wait_for_load_state()

    return log_out
