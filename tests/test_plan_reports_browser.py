"""Plans in a real browser (issue 16): the curator of МАОУ «СОШ №2» reports an activity done with its document and the
school's director confirms it; the Murom coordinator reports a result and its controlling person returns it."""

import io

import pytest
from django.core.management import call_command
from django.urls import reverse

from indicators.models import Activity, KeyResult, LineReport

DEMO_PASSWORD = "Demo-portal-2026"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def demo(tmp_path):
    for command in ("load_seed_data", "create_demo_accounts"):
        call_command(command, stdout=io.StringIO(), stderr=io.StringIO())
    document = tmp_path / "akt-podklyucheniya.pdf"
    document.write_bytes(PDF)
    return document


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_curator_reports_an_activity_done_and_the_director_confirms(page, live_server, demo, log_in, log_out):
    activity = Activity.objects.get(roadmap__school__full_name="МАОУ «СОШ №2»", number="3.3")
    log_in(page, "kurator-sosh2", password=DEMO_PASSWORD)
    page.goto(f"{live_server.url}{reverse('indicators:roadmap-list')}")
    page.click("text=Исполнение планов")
    assert "Мои строки: отчитаться" in page.inner_text("main")
    page.click("a:has-text('Подключение МАОУ «СОШ №2» к высокоскоростному Интернету') >> nth=0")
    main = page.inner_text("main")
    assert "акты выполненных работ по договорам" in main and "01.05.2019 — 31.12.2019" in main and "просрочено" in main
    page.check("text=выполнено — отправить на подтверждение")
    page.fill("textarea[name=comment]", "Школа подключена к каналу 100 Мбит/с, акт подписан")
    page.set_input_files("input[name=document]", str(demo))
    page.click("text=Отправить отчёт")
    assert "отправлен на подтверждение" in page.inner_text(".messages")
    assert "выполнено, ждёт подтверждения" in page.inner_text("main")
    log_out(page)

    log_in(page, "direktor-sosh2", password=DEMO_PASSWORD)
    page.goto(f"{live_server.url}{reverse('indicators:plan-attention')}")
    assert "Ждут подтверждения" in page.inner_text("main")
    page.click("#to-confirm ~ div a:has-text('Подключение МАОУ')")
    assert "akt-podklyucheniya.pdf" in page.inner_text("main")
    page.click("text=Подтвердить выполнение")
    assert "выполнение подтверждено" in page.inner_text(".messages")
    report = LineReport.objects.get(activity=activity)
    assert (report.review, report.reviewed_by.username) == ("confirmed", "direktor-sosh2")
    page.goto(f"{live_server.url}{reverse('indicators:plan-detail', args=[activity.roadmap_id])}")
    row = page.locator("tr", has_text="Подключение МАОУ «СОШ №2» к высокоскоростному Интернету").first
    assert "выполнено" in row.inner_text() and "01.05.2019 — 31.12.2019" in row.inner_text()
    assert page.console_errors == []


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_murom_result_is_reported_and_returned(page, live_server, demo, log_in, log_out):
    result = KeyResult.objects.get(roadmap__municipality__name="Муромский район", number="5")
    log_in(page, "koordinator-murom", password=DEMO_PASSWORD)
    page.goto(f"{live_server.url}{reverse('indicators:plan-line', args=[result.roadmap_id, 'result', result.pk])}")
    assert "Финансовое соглашение" in page.inner_text("main")
    page.fill("textarea[name=comment]", "Соглашение заключено в «Электронном бюджете»")
    page.set_input_files("input[name=document]", str(demo))
    page.click("text=Отправить отчёт")
    assert "отправлен на подтверждение" in page.inner_text(".messages")
    log_out(page)

    log_in(page, "nachalnik-uo-murom", password=DEMO_PASSWORD)  # «Заместитель Главы администрации района, начальник управления образования»
    page.goto(f"{live_server.url}{reverse('indicators:plan-line', args=[result.roadmap_id, 'result', result.pk])}")
    page.click("text=Вернуть исполнителю")
    assert "без комментария отчёт не возвращается" in page.inner_text(".messages")
    page.fill("#review-comment", "Приложите соглашение с подписями сторон")
    page.click("text=Вернуть исполнителю")
    assert "отчёт возвращён исполнителю" in page.inner_text(".messages")
    log_out(page)

    log_in(page, "koordinator-murom", password=DEMO_PASSWORD)
    page.goto(f"{live_server.url}{reverse('indicators:plan-line', args=[result.roadmap_id, 'result', result.pk])}")
    assert "Отчёт возвращён: Приложите соглашение с подписями сторон" in page.inner_text("main")
    assert LineReport.objects.get(key_result=result).review == "returned"
    assert page.console_errors == []
