"""The curator's form in a real browser, on a phone (390×844) and on a desktop (1366×768): answers save by
themselves, survive a session that ends mid-typing, come back field by field after signing in again, and
the questionnaire is submitted with nothing lost — on the desktop by keyboard alone."""

from decimal import Decimal

import pytest
from django.contrib.sessions.models import Session
from django.urls import reverse
from playwright.sync_api import expect

from surveys.models import Answer, Submission
from tests.factories import PASSWORD, CuratorFactory, SchoolFactory, SubmissionRoundFactory, UserFactory, join_round, readiness_questionnaire

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1366, "height": 768}
SAVED = "Сохранено в"
# Generous waits: a background save is 2.5 s after typing plus a request on a busy CI machine.
WAIT_SAVE = 30_000
WAIT = 15_000


@pytest.fixture
def form_round(db):
    school = SchoolFactory(full_name="МАОУ «Школа № 10»")
    CuratorFactory(school=school, user=UserFactory(username="kurator-10", first_name="Ирина", last_name="Соколова"))
    submission_round = SubmissionRoundFactory(title="Мониторинг 2026", questionnaire=readiness_questionnaire(), municipality=school.municipality)
    join_round(submission_round, [school])
    return submission_round


def open_page(browser, viewport, touch: bool):
    context = browser.new_context(locale="ru-RU", viewport=viewport, has_touch=touch, is_mobile=touch)
    page = context.new_page()
    page.console_errors = []
    page.on("console", lambda msg: msg.type == "error" and page.console_errors.append(msg.text))
    page.on("pageerror", lambda exc: page.console_errors.append(str(exc)))
    return page


def stored(submission_round) -> dict[str, object]:
    answers = Answer.objects.filter(submission__round=submission_round).select_related("question")
    return {a.question.code: a.value_number if a.value_number is not None else (a.value_bool if a.value_bool is not None else a.value_text) for a in answers}


def focused(page) -> str:
    return page.evaluate("() => { const e = document.activeElement; return (e.id || e.name || '') + '|' + (e.textContent || '').trim(); }")


def tab_to(page, wanted: str, limit: int = 80) -> None:
    """Press Tab until the focused element's id/name or text contains `wanted`; no tab stop on the way may hide
    under the sticky save bar."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        hidden = page.evaluate(
            """() => { const e = document.activeElement, r = e.getBoundingClientRect();
                       const bar = document.querySelector('.form-actions');
                       if (!bar || !e.closest('#submission-form') || e.closest('.form-actions')) return false;
                       return r.bottom > bar.getBoundingClientRect().top; }"""
        )
        assert not hidden, f"{focused(page)}: a tab stop is hidden under the sticky save bar"
        if wanted in focused(page):
            return
    raise AssertionError(f"Tab never reached {wanted!r}; last focus: {focused(page)}")


def type_into(page, name: str, text: str, keyboard: bool) -> None:
    if keyboard:
        tab_to(page, f"id_q_{name}")
        page.keyboard.press("Control+A")
        page.keyboard.type(text)
    else:
        page.locator(f"#id_q_{name}").tap()
        page.fill(f"#id_q_{name}", text)


def pick(page, option_id: str, keyboard: bool) -> None:
    if keyboard:
        tab_to(page, option_id.rsplit("_", 1)[0] + "_")  # the radio group is one tab stop
        while option_id not in focused(page):
            page.keyboard.press("ArrowRight")
        page.keyboard.press("Space")
    else:
        page.locator(f"label[for={option_id}]").tap()


def log_in(page, keyboard: bool) -> None:
    if keyboard:
        page.keyboard.type("kurator-10")  # the login page opens with the cursor in «Логин»
        page.keyboard.press("Tab")
        page.keyboard.type(PASSWORD)
        with page.expect_navigation():
            page.keyboard.press("Enter")
    else:
        page.fill("input[name=username]", "kurator-10")
        page.fill("input[name=password]", PASSWORD)
        with page.expect_navigation():
            page.locator("button[type=submit]").tap()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(("viewport", "keyboard"), [(PHONE, False), (DESKTOP, True)], ids=["phone-touch", "desktop-keyboard"])
def test_answers_survive_a_lost_session_and_the_form_is_submitted_with_nothing_lost(browser, live_server, form_round, viewport, keyboard, request):
    page = open_page(browser, viewport, touch=not keyboard)
    # Closed even when an assertion fails: an open page keeps saving in the background while the database is flushed.
    request.addfinalizer(page.context.close)
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.accept()))
    form_url = reverse("surveys:submission-form", args=[form_round.pk])
    page.goto(f"{live_server.url}{reverse('login')}?next={form_url}")
    log_in(page, keyboard)
    assert page.url.endswith(form_url)

    # Typing saves by itself: numbers as people write them, a choice, a number with a typo that is refused live.
    type_into(page, "internet_speed", "120,5", keyboard)
    pick(page, "id_q_channel_meets_requirements_0", keyboard)
    pick(page, "id_q_equipment_kit_2", keyboard)
    type_into(page, "kit_workstations", "1e2", keyboard)
    page.keyboard.press("Tab") if keyboard else page.locator("#id_q_internet_speed").tap()
    expect(page.locator("#question-kit_workstations")).to_contain_text("Введите целое число цифрами, например «1 530»", timeout=WAIT)
    expect(page.locator("#save-status")).to_contain_text(SAVED, timeout=WAIT_SAVE)
    assert stored(form_round) == {"internet_speed": Decimal("120.5"), "channel_meets_requirements": True, "equipment_kit": "standard"}

    if keyboard:
        page.keyboard.press("Shift+Tab")
        page.keyboard.press("Control+A")
        page.keyboard.type("1 200")
    else:
        type_into(page, "kit_workstations", "1 200", keyboard)
    expect(page.locator("#question-kit_workstations .invalid-feedback")).to_have_count(0, timeout=WAIT)
    type_into(page, "kit_workstations_fast", "1 100", keyboard)
    expect(page.locator("#save-status")).to_contain_text(SAVED, timeout=WAIT_SAVE)
    assert stored(form_round)["kit_workstations"] == 1200

    # The session ends while the curator types: on the phone the cookie goes, on the desktop the server forgets it.
    if keyboard:
        Session.objects.all().delete()
    else:
        page.context.clear_cookies(name="sessionid")
    type_into(page, "teachers_ready_share", "85,5", keyboard)
    type_into(page, "students_count", "1 530", keyboard)
    page.keyboard.press("Tab") if keyboard else page.locator("#id_q_internet_speed").tap()
    status = page.locator("#save-status")
    expect(status).to_contain_text("сеанс входа закончился", timeout=WAIT_SAVE)
    assert "teachers_ready_share" not in stored(form_round)

    # Signing in again leads back to the form, which offers the kept answers against what the server holds.
    if keyboard:
        tab_to(page, "войдите снова")
        with page.expect_navigation():
            page.keyboard.press("Enter")
    else:
        with page.expect_navigation():
            status.get_by_role("link", name="войдите снова").tap()
    log_in(page, keyboard)
    assert page.url.endswith(form_url)
    restore = page.locator("#restore")
    expect(restore).to_be_visible(timeout=WAIT)
    offered = restore.inner_text()
    assert "в браузере: 85,5 · на сервере: — пусто —" in offered and "в браузере: 1 530 · на сервере: — пусто —" in offered
    assert "Скорость подключения" not in offered, "answers the server already has are not offered again"
    if keyboard:
        assert "restore" in focused(page)  # the panel takes the focus
        tab_to(page, "Вернуть отмеченные ответы")
        page.keyboard.press("Enter")
    else:
        restore.get_by_role("button", name="Вернуть отмеченные ответы").tap()
    expect(page.locator("#id_q_students_count")).to_have_value("1 530", timeout=WAIT)
    expect(page.locator("#save-status")).to_contain_text(SAVED, timeout=WAIT_SAVE)
    assert stored(form_round)["students_count"] == 1530 and stored(form_round)["teachers_ready_share"] == Decimal("85.5")

    # A cross-question rule is checked before the confirm dialog: no dialog while the form is invalid.
    type_into(page, "kit_workstations_fast", "1 300", keyboard)
    if keyboard:
        tab_to(page, "submit|")
        page.keyboard.press("Enter")
    else:
        page.locator("button[name=submit]").tap()
    expect(page.locator("#question-kit_workstations_fast")).to_contain_text("не может быть больше", timeout=WAIT)
    assert dialogs == [], "the confirm dialog came before the form was valid"
    expect(page.locator("#question-kit_workstations")).to_contain_text("не может быть больше", timeout=WAIT)  # the rule names both questions
    assert "id_q_kit_workstations|" in focused(page), "the first question with an error gets the focus"
    type_into(page, "kit_workstations_fast", "1 000", keyboard)

    if keyboard:
        tab_to(page, "submit|")
        page.keyboard.press("Enter")
    else:
        page.locator("button[name=submit]").tap()
    page.wait_for_url(f"{live_server.url}{reverse('surveys:my-school')}")
    assert dialogs and "Отправить анкету на проверку?" in dialogs[0]
    assert "Анкета отправлена на проверку" in page.inner_text(".messages")

    submission = Submission.objects.get(round=form_round)
    assert submission.state == Submission.State.SUBMITTED
    assert stored(form_round) == {
        "internet_speed": Decimal("120.5"),
        "channel_meets_requirements": True,
        "equipment_kit": "standard",
        "kit_workstations": 1200,
        "kit_workstations_fast": 1000,
        "teachers_ready_share": Decimal("85.5"),
        "students_count": 1530,
    }
    # The browser reports the refused background save (401) as a failed resource; nothing else may fail.
    assert not [e for e in page.console_errors if "status of 401" not in e], page.console_errors


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_background_save_answered_after_more_typing_does_not_say_saved(browser, live_server, form_round, request):
    """A save sent with a typo that comes back after the person corrected it: the status says there are unsaved
    changes (it said «Сохранено в …, кроме полей с ошибками» while the correction was not on the server yet)."""
    page = open_page(browser, PHONE, touch=True)
    request.addfinalizer(page.context.close)
    form_url = reverse("surveys:submission-form", args=[form_round.pk])
    page.goto(f"{live_server.url}{reverse('login')}?next={form_url}")
    log_in(page, keyboard=False)
    held = []
    page.route("**/form/autosave/", lambda route: held.append(route))  # background saves wait here until let through

    page.fill("#id_q_kit_workstations", "1e2")
    with page.expect_request("**/form/autosave/"):
        page.locator("#id_q_kit_workstations").blur()  # leaving the field sends the save
    page.fill("#id_q_kit_workstations", "12")  # corrected while that save is on its way
    page.evaluate(
        """() => { const status = document.getElementById("save-status");
                   window.nextStatus = new Promise((done) => new MutationObserver((_, observer) => {
                     observer.disconnect(); done(status.textContent); }).observe(status, { childList: true, subtree: true, characterData: true })); }"""
    )
    held.pop(0).continue_()
    status = page.evaluate("() => window.nextStatus")
    assert status == "Есть несохранённые изменения", f"the save carried the typo, the correction is not saved yet: {status!r}"

    page.unroute("**/form/autosave/")
    for route in held:
        route.continue_()
    expect(page.locator("#save-status")).to_contain_text(SAVED, timeout=WAIT_SAVE)
    expect(page.locator("#save-status")).not_to_contain_text("кроме полей с ошибками")
    assert stored(form_round)["kit_workstations"] == 12
