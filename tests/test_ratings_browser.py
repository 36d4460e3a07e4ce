"""In a real browser: a methodologist sorts the rating table, opens a school's card from its row and a curator reads the status reasons."""

import pytest

from .factories import CuratorFactory, methodologist
from .ratings_world import rated_round

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_methodologist_sorts_the_rating_and_opens_a_school_card_from_its_row(live_server, page, log_in):
    submission_round, schools = rated_round(5)  # 40, 55, 70, 85 Mbit/s: the last school scores highest
    log_in(page, methodologist(username="metodist-rating").username)

    page.goto(f"{live_server.url}/ratings/rounds/{submission_round.pk}/")
    first_cell = page.locator("#rating-table tbody tr").first.locator("td").nth(1)
    assert first_cell.inner_text() == schools[3].full_name
    page.locator("#rating-table th", has_text="Балл").click()  # ascending: lowest score first, «нет данных» last
    assert first_cell.inner_text() == schools[0].full_name
    assert page.locator("#rating-table tbody tr").last.locator("td").nth(1).inner_text() == schools[4].full_name

    page.locator("#rating-table tbody tr").first.locator("td").nth(4).click()
    page.wait_for_load_state("networkidle")

    assert page.locator("h1").inner_text() == schools[0].full_name
    assert page.get_by_text("Баллы по разделам анкеты").is_visible()
    assert page.get_by_text("88 / 100 × 100 = 88").is_visible()
    assert page.console_errors == []


def test_a_curator_sees_the_own_rating_and_the_failed_status_criteria(live_server, page, log_in):
    submission_round, schools = rated_round(3)  # the urban school at 40 Mbit/s fails the speed criterion
    curator = CuratorFactory(school=schools[0], user__username="kurator-rating")
    log_in(page, curator.user.username)

    page.get_by_role("link", name="Рейтинг и статус").click()
    page.get_by_role("link", name="Карточка школы").click()
    page.wait_for_load_state("networkidle")

    status = page.locator("#status-title").locator("xpath=..")
    assert "Не выполнено критериев: 1" in status.inner_text()
    assert "Скорость Интернета не ниже 100 Мбит/с (городская школа)" in status.inner_text()
    assert page.console_errors == []
