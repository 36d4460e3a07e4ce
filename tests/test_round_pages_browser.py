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


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_a_round_of_districts_found_as_you_type(browser, live_server, log_in, viewport):
    """Creating a round for chosen districts: no checkbox per district (a region has 800); each is found as you type and
    added as an item that can be removed; the round takes the schools of those left."""
    municipality = MunicipalityFactory()
    for number in range(30):
        DistrictFactory(municipality=municipality, name=f"Район {number:02}")
    riverside = DistrictFactory(municipality=municipality, name="Заречный")
    central = DistrictFactory(municipality=municipality, name="Центральный")
    riverside_schools = set(SchoolFactory.create_batch(2, district=riverside, municipality=municipality))
    SchoolFactory.create_batch(2, district=central, municipality=municipality)
    QuestionnaireFactory()
    context = browser.new_context(locale="ru-RU", viewport=viewport)
    page = context.new_page()
    try:
        log_in(page, methodologist(municipality).username)
        page.goto(f"{live_server.url}/rounds/new/")
        assert page.locator("input[type=checkbox][name=districts]").count() == 0
        page.get_by_label("Название", exact=True).fill("Мониторинг двух районов")
        search = page.get_by_label("Районы", exact=True)
        for typed, name in (("зар", "Заречный"), ("Центр", "Центральный")):
            search.fill(typed)
            page.wait_for_function(f"() => document.querySelector('datalist option[value=\"{name}\"]')")  # suggested as you type
            search.press("Enter")  # the only suggestion containing what was typed
        chosen = page.get_by_role("list", name="Выбранные районы").get_by_role("listitem")
        assert chosen.all_inner_texts() == ["Заречный", "Центральный"]
        assert page.get_by_label("школы выбранных районов").is_checked()
        page.get_by_role("button", name="Убрать район «Центральный»").click()
        assert chosen.all_inner_texts() == ["Заречный"]
        snapshot(page, f"round-create-districts-{viewport['width']}")
        assert not [v for v in axe_violations(page) if failing(v)]
        with page.expect_navigation():
            page.get_by_role("button", name="Создать раунд").click()
        assert set(SubmissionRound.objects.get().schools.all()) == riverside_schools
    finally:
        context.close()
