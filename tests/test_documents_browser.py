"""Documents due in a real browser (issue 16): on the demo data, the curator of a demo school uploads the copy of the
appointment order asked for; the methodologist sees who has not sent it."""

import io

import pytest
from django.core.management import call_command

from surveys.models import DocumentUpload

DEMO_PASSWORD = "Demo-portal-2026"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_demo_curator_uploads_the_appointment_order_and_the_methodologist_sees_who_has_not(page, live_server, tmp_path, log_in):
    for command in ("load_seed_data", "create_demo_accounts", "load_demo_rounds"):
        call_command(command, stdout=io.StringIO(), stderr=io.StringIO())
    order = tmp_path / "prikaz-57-o.pdf"
    order.write_bytes(PDF)

    log_in(page, "kurator-10", password=DEMO_PASSWORD)  # lands on the school page
    block = page.locator("#documents-title").locator("xpath=..")
    assert "Копия приказа о назначении куратора" in block.inner_text() and "ждут" in block.inner_text()
    block.locator("input[type=file]").first.set_input_files(str(order))
    block.locator("input[name=comment]").first.fill("Приказ от 01.07.2022 № 57-о")
    block.locator("button:has-text('Загрузить')").first.click()
    page.wait_for_load_state()
    assert "представлен" in page.inner_text(".messages")
    assert "prikaz-57-o.pdf" in page.locator("#documents-title").locator("xpath=..").inner_text()
    assert DocumentUpload.objects.filter(school__full_name="МАОУ «Школа № 10»").count() == 1
    page.click("nav .navbar-user-toggle")  # the user's menu: role, password change, logout
    page.click("nav button:has-text('Выйти')")
    page.wait_for_load_state()

    log_in(page, "metodist", password=DEMO_PASSWORD)
    page.click("nav >> text=Мониторинги")
    page.click("text=Документы школ")
    assert "23 из 29" in page.inner_text("main")
    page.click("text=Копия приказа о назначении куратора")
    assert "Представили 23 из 29" in page.inner_text("main")
    page.click("text=Только не представившие")
    missing = page.inner_text("main table")
    assert "МБОУ «Школа № 97»" in missing and "МБОУ «Школа № 87»" in missing
    assert "МАОУ «Школа № 10»" not in missing
    page.click("text=Напомнить не представившим")
    assert "Напоминание отправлено" in page.inner_text(".messages")
    assert page.console_errors == []
