import os
import shutil
import subprocess
from pathlib import Path

import pytest
from django.core.management import call_command

from tests.conftest import require_or_skip

ROOT = Path(__file__).resolve().parent.parent


def test_system_check_is_clean():
    call_command("check", fail_level="WARNING")


@pytest.mark.django_db
def test_no_model_changes_without_migrations():
    call_command("makemigrations", "--check", "--dry-run", verbosity=0)


@pytest.mark.parametrize("files", [["docker-compose.yml"], ["docker-compose.yml", "docker-compose.http.yml"]], ids=["https", "http-trial"])
def test_compose_file_validates(files):
    if not shutil.which("docker-compose"):
        require_or_skip("REQUIRE_COMPOSE", "docker-compose is not installed (apt-get install docker-compose)")
    env = {**os.environ, "SECRET_KEY": "x" * 60}
    command = ["docker-compose"] + [arg for name in files for arg in ("-f", str(ROOT / name))] + ["config", "-q"]
    result = subprocess.run(command, capture_output=True, text=True, env=env, cwd=ROOT)
    assert result.returncode == 0, result.stderr


def test_compose_publishes_only_nginx():
    """gunicorn's port reachable directly would let a client forge X-Forwarded-For; only nginx is published."""
    import yaml

    services = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]
    assert [name for name, service in services.items() if service.get("ports")] == ["nginx"]
    assert services["web"]["depends_on"]["migrate"] == {"condition": "service_completed_successfully"}
    assert services["worker"]["depends_on"]["migrate"] == {"condition": "service_completed_successfully"}
    assert "migrate" not in services["web"]["command"]
    assert services["web"]["environment"]["TRUSTED_PROXY_COUNT"] == "1"


def test_login_page_is_russian(client):
    response = client.get("/accounts/login/")
    assert response.status_code == 200
    assert "Вход в портал" in response.content.decode()
    assert response["Content-Security-Policy"].startswith("default-src 'self'")


def test_the_interface_stays_russian_whatever_language_the_browser_asks_for(client):
    """A browser set to English got Django's own words in English inside the Russian pages («осталось 2 weeks»,
    the login form's errors): the portal has one language."""
    from django.template import Context, Template
    from django.utils import timezone, translation

    response = client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert response["Content-Language"] == "ru"
    with translation.override(response["Content-Language"]):
        later = Template("{{ moment|timeuntil }}").render(Context({"moment": timezone.now() + timezone.timedelta(days=15)}))
    assert later == "2\xa0недели"


@pytest.mark.django_db
def test_anonymous_home_redirects_to_login(client):
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_the_image_makes_pdf_documents_with_the_fonts_they_are_laid_out_in():
    """The school passports (web and, for a district's ZIP, the worker) are converted to PDF by LibreOffice Writer; the
    documents are set in Times New Roman (ГОСТ Р 7.0.97) with Cyrillic text: the image carries Writer and fonts with the
    same metrics (Liberation), else lines and pages break differently from Word."""
    import re

    import yaml

    installed = set()
    for command in re.findall(r"apt-get install ([^&]+)", (ROOT / "Dockerfile").read_text().replace("\\\n", " ")):
        installed.update(word for word in command.split() if not word.startswith("-"))
    assert installed & {"libreoffice-writer-nogui", "libreoffice-writer"}
    assert {"fonts-liberation2", "fonts-dejavu-core"} <= installed
    services = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]
    assert services["web"]["image"] == services["worker"]["image"] and services["web"]["build"] == services["worker"]["build"] == "."
