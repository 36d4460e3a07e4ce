"""In a real browser: a large export becomes a job; its page polls the status and offers the file."""

import pytest

from reports.models import ExportJob
from tests.factories import methodologist
from tests.reports_world import small_round


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_large_export_shows_progress_then_the_download_link(live_server, page, settings, log_in):
    settings.EXPORT_ASYNC_ROWS = 2
    world = small_round()
    user = methodologist(username="metodist-export")
    log_in(page, user.username)
    page.goto(f"{live_server.url}/ratings/exports/?round={world.current.pk}")
    page.get_by_role("button", name="Скачать за «Мониторинг 2026»").first.click()  # the rating: 5 rows > 2
    page.wait_for_url("**/exports/jobs/*/")
    download_link = page.get_by_role("link", name="Скачать файл")
    download_link.wait_for(state="visible", timeout=10_000)
    assert "Готов: 5 из 5 строк." in page.locator("#export-state").inner_text()
    assert "w-pct-100" in page.locator("#export-bar").get_attribute("class")
    with page.expect_download() as download:
        download_link.click()
    assert download.value.suggested_filename == "Рейтинг — Мониторинг 2026.xlsx"
    assert ExportJob.objects.get().state == ExportJob.State.DONE
    assert page.console_errors == []
