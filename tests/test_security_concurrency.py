"""No lost update: two browser tabs saving the same submission, and a reviewer acting on a stale page.

The second save of stale data is refused, the page shows what changed in between, and what the
person typed is still in the form. Saves and status changes are all-or-nothing.
"""

import pytest

from surveys.models import Answer, Submission
from surveys.services import submission_return
from tests.security_world import build_world

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def world(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    return build_world()


def answer(submission: Submission, code: str) -> Answer:
    return Answer.objects.get(submission=submission, question__code=code)


def test_second_tab_saving_stale_answers_is_refused_shows_the_change_and_keeps_what_was_typed(live_server, page, world, log_in):
    submission = world.submissions["neighbour"]  # a draft of the neighbour school
    log_in(page, world.other_users["curator_neighbour"].username)
    form_url = f"{live_server.url}/rounds/{world.round.pk}/form/"
    first, second = page, page.context.new_page()
    second.console_errors = []
    first.goto(form_url)
    second.goto(form_url)

    first.fill("[name=q_internet_speed]", "250")
    with first.expect_navigation():
        first.click("button[name=draft]")
    assert first.locator(".alert-success").filter(has_text="Черновик сохранён").is_visible()

    second.fill("[name=q_teachers_ready_share]", "88")
    second.fill("[name=q_comment]", "Написано во второй вкладке")
    # The form saves in the background (issue 15): leaving the first field sends it, the server refuses the stale version
    # (409) and the conflict shows on the page; a press of «Сохранить черновик» meanwhile waits for that save and does not
    # go through over the other tab's answers. Pressed before the background save starts, or just after its refusal came
    # back (before the person could read the box), the press carries the old version: the server refuses it and its page
    # shows the change.
    second.click("button[name=draft]")
    conflict = second.locator("#conflict")
    conflict.wait_for(state="visible", timeout=20_000)
    assert "Пока вы работали с анкетой, её изменили" in conflict.inner_text()
    row = conflict.locator("tr", has_text=world.questions["internet_speed"].text[:40])
    assert "250" in row.inner_text(), "the conflict shows the answer the other tab changed, with its new value"
    assert second.input_value("[name=q_teachers_ready_share]") == "88", "what was typed stays in the form"
    assert second.input_value("[name=q_comment]") == "Написано во второй вкладке"
    assert answer(submission, "teachers_ready_share").value_number == 70, "the stale save changed nothing"
    assert answer(submission, "internet_speed").value_number == 250

    # Having seen the change, the second tab keeps the other tab's answer and saves again: accepted now.
    second.fill("[name=q_internet_speed]", "250")
    with second.expect_navigation():
        second.click("button[name=draft]")
    assert second.locator(".alert-success").filter(has_text="Черновик сохранён").is_visible()
    assert answer(submission, "teachers_ready_share").value_number == 88
    assert answer(submission, "internet_speed").value_number == 250
    assert answer(submission, "comment").value_text == "Написано во второй вкладке"
    assert not first.console_errors and not second.console_errors


@pytest.mark.parametrize("button", ["draft", "submit"])
def test_a_press_right_after_the_background_save_met_a_conflict_does_not_save_over_the_other_tab(live_server, page, world, log_in, button):
    """The press lands in the instant after the conflict box appeared: it cannot count as having read it."""
    submission = world.submissions["neighbour"]
    log_in(page, world.other_users["curator_neighbour"].username)
    form_url = f"{live_server.url}/rounds/{world.round.pk}/form/"
    first, second = page, page.context.new_page()
    first.goto(form_url)
    second.goto(form_url)
    stale_speed = second.input_value("[name=q_internet_speed]")
    first.fill("[name=q_internet_speed]", "250")
    with first.expect_navigation():
        first.click("button[name=draft]")

    second.fill("[name=q_teachers_ready_share]", "88")
    second.focus("[name=q_comment]")  # leaving the field sends the background save: refused, the box shows
    second.locator("#conflict").wait_for(state="visible")
    with second.expect_navigation(timeout=10_000):
        second.click(f"button[name={button}]")

    conflict = second.locator("#conflict")
    assert conflict.is_visible(), "the server refused the press and the page shows what changed"
    assert "250" in conflict.locator("tr", has_text=world.questions["internet_speed"].text[:40]).inner_text()
    assert second.input_value("[name=q_teachers_ready_share]") == "88", "what was typed stays in the form"
    assert second.input_value("[name=q_internet_speed]") == stale_speed, "the form holds the answers this tab had"
    assert answer(submission, "internet_speed").value_number == 250, "the other tab's answer is not saved over"
    assert answer(submission, "teachers_ready_share").value_number == 70

    # The page that came back showed the box: saving from it is a decision made after seeing the change.
    with second.expect_navigation():
        second.click("button[name=draft]")
    assert second.locator(".alert-success").filter(has_text="Черновик сохранён").is_visible()
    assert answer(submission, "teachers_ready_share").value_number == 88


def test_reviewer_accepting_a_page_that_went_stale_is_refused_and_keeps_the_comment(live_server, browser, page, world, log_in):
    submission = world.submissions["own"]  # submitted by the curator of school № 10
    reviewer = page
    log_in(reviewer, world.users["district_officer"].username)
    review_url = f"{live_server.url}/rounds/submissions/{submission.pk}/"
    reviewer.goto(review_url)

    # Meanwhile a methodologist returns the form and the curator corrects and sends it again.
    submission_return(
        submission=submission, user=world.users["methodologist"], comment="Уточните скорость", question_comments={}, expected_version=submission.version
    )
    curator_context = browser.new_context(locale="ru-RU")
    curator = curator_context.new_page()
    log_in(curator, world.users["curator"].username)
    curator.goto(f"{live_server.url}/rounds/{world.round.pk}/form/")
    curator.fill("[name=q_internet_speed]", "300")
    curator.once("dialog", lambda dialog: dialog.accept())
    with curator.expect_navigation():
        curator.click("button[name=submit]")
    submission.refresh_from_db()
    assert submission.state == Submission.State.SUBMITTED
    curator_context.close()

    reviewer.fill("textarea[name=comment]", "Всё верно, принимаю")
    with reviewer.expect_navigation():
        reviewer.click("button[name=action][value=accept]")

    text = reviewer.locator("main").inner_text()
    assert "её изменили" in text, "the reviewer is told the form changed since the page was opened"
    assert "300" in text, "the page now shows the curator's corrected answer"
    assert reviewer.input_value("textarea[name=comment]") == "Всё верно, принимаю", "the reviewer's comment is kept"
    submission.refresh_from_db()
    assert submission.state == Submission.State.SUBMITTED, "the stale acceptance did not go through"
    assert answer(submission, "internet_speed").value_number == 300
