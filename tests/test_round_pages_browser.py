"""The round's participants and extend pages at region scale in a browser, on a desktop and a phone: a page of 50
schools, the district found as you type (portal.js), a school ticked and added; no serious axe-core violation.
Set SCREENSHOT_DIR to keep a picture of each page."""

import datetime as dt
import os

import pytest
from django.utils import timezone

from surveys.models import SubmissionRound
from tests.factories import DistrictFactory, MunicipalityFactory, QuestionnaireFactory, SchoolFactory, join_round, methodologist
from tests.test_accessibility_browser import DESKTOP, PHONE, axe_violations, failing

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def snapshot(page, name: str) -> None:
    if os.environ.get("SCREENSHOT_DIR"):
        page.screenshot(path=os.path.join(os.environ["SCREENSHOT_DIR"], f"{name}.png"), full_page=True)


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_participants_and_extend_pages_of_a_large_round(browser, live_server, log_in, viewport):
    municipality = MunicipalityFactory()
    central = DistrictFactory(municipality=municipality, name="Центральный")
    riverside = DistrictFactory(municipality=municipality, name="Заречный")
    schools = SchoolFactory.create_batch(110, district=central, municipality=municipality)
    schools += SchoolFactory.create_batch(6, district=riverside, municipality=municipality)
    newcomer = SchoolFactory(district=riverside, municipality=municipality, number=9001, full_name="МАОУ «Лицей № 9001»")
    submission_round = SubmissionRound.objects.create(
        title="Мониторинг — весна",
        municipality=municipality,
        questionnaire=QuestionnaireFactory(),
        year=2027,
        opens_at=timezone.now() + dt.timedelta(days=1),
        closes_at=timezone.now() + dt.timedelta(days=14),
    )
    join_round(submission_round, schools)
    user = methodologist(municipality)
    context = browser.new_context(locale="ru-RU", viewport=viewport)
    page = context.new_page()
    try:
        log_in(page, user.username)
        page.goto(f"{live_server.url}/rounds/{submission_round.pk}/participants/")
        assert page.locator("h1").inner_text() == "Участники: 116"
        assert page.get_by_text("Школы 1–50 из 116").is_visible()
        snapshot(page, f"round-participants-{viewport['width']}")
        assert not [v for v in axe_violations(page) if failing(v)]

        district = page.get_by_label("Район", exact=True)
        district.fill("Заре")
        page.wait_for_function("() => document.querySelector('datalist option[value=\"Заречный\"]')")  # suggested as you type
        with page.expect_navigation():
            district.fill("Заречный")
            district.dispatch_event("change")
        assert page.locator("h1").inner_text() == "Участники — найдено: 6"
        page.get_by_label("МАОУ «Лицей № 9001»").check()
        with page.expect_navigation():
            page.get_by_role("button", name="Добавить отмеченные").click()
        assert page.get_by_text("Добавлено школ: 1.").is_visible()
        assert submission_round.schools.filter(pk=newcomer.pk).exists()
        snapshot(page, f"round-participants-district-{viewport['width']}")
        assert not [v for v in axe_violations(page) if failing(v)]

        page.goto(f"{live_server.url}/rounds/{submission_round.pk}/extend/?district=Заречный")
        assert page.get_by_text("для всех найденных фильтром (7)").is_visible()
        snapshot(page, f"round-extend-district-{viewport['width']}")
        assert not [v for v in axe_violations(page) if failing(v)]
        page.goto(f"{live_server.url}/rounds/{submission_round.pk}/extend/?page=3")
        assert page.get_by_text("Школы 101–117 из 117").is_visible()
        snapshot(page, f"round-extend-{viewport['width']}")
        assert not [v for v in axe_violations(page) if failing(v)]
    finally:
        context.close()
