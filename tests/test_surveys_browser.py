"""The whole survey flow in a real browser: a curator fills, saves, leaves, returns, submits with an error, submits;
a methodologist returns it with a comment; the curator corrects and resubmits; the methodologist accepts."""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from surveys.models import Submission
from tests.factories import CuratorFactory, SchoolFactory, SubmissionRoundFactory, UserFactory, join_round, methodologist, readiness_questionnaire


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_curator_and_methodologist_go_through_the_whole_review_cycle(page, live_server, log_in, log_out):
    school = SchoolFactory(full_name="МАОУ «Школа № 10»")
    CuratorFactory(school=school, user=UserFactory(username="kurator-10", first_name="Ирина", last_name="Соколова"))
    reviewer = methodologist(username="metodist")
    submission_round = SubmissionRoundFactory(title="Мониторинг 2026", questionnaire=readiness_questionnaire(), municipality=school.municipality)
    join_round(submission_round, [school])
    page.on("dialog", lambda dialog: dialog.accept())  # «Отправить анкету на проверку?»

    # The curator lands on the school page, opens the form and saves a partial draft.
    log_in(page, "kurator-10")
    assert "МАОУ «Школа № 10»" in page.inner_text("main")
    page.click("text=Заполнить анкету")
    page.fill("#id_q_internet_speed", "120,5")
    page.check("#id_q_channel_meets_requirements_0")
    page.check("#id_q_equipment_kit_2")
    page.fill("#id_q_kit_workstations", "12")
    page.fill("#id_q_kit_workstations_fast", "10")
    page.fill("#id_q_teachers_ready_share", "85")
    page.check("text=Сферум")
    page.click("button[name=draft]")
    assert "Черновик сохранён" in page.inner_text(".messages")

    # Leaves, comes back and finds the draft.
    page.click("text=Моя школа")
    assert "черновик" in page.inner_text("main")
    page.click("text=Продолжить заполнение")
    assert page.input_value("#id_q_internet_speed") == "120,5"
    assert page.is_checked("text=Сферум")

    # Submits without the required number of students: the error is shown beside the field before any
    # confirm dialog, the focus goes there, nothing is lost.
    page.click("button[name=submit]")
    expect(page.locator("#question-students_count")).to_contain_text("обязательный", timeout=15_000)
    expect(page.locator("#save-status")).to_contain_text("Анкета не отправлена: исправьте ошибки (1)", timeout=15_000)
    assert page.evaluate("() => document.activeElement.id") == "id_q_students_count"
    assert page.input_value("#id_q_internet_speed") == "120,5" and page.input_value("#id_q_kit_workstations") == "12"

    page.fill("#id_q_students_count", "950")
    page.click("button[name=submit]")
    assert "Анкета отправлена на проверку" in page.inner_text(".messages")
    assert "отправлена" in page.inner_text("main")
    log_out(page)

    # The methodologist returns it with a comment on one answer and one for the whole form.
    completeness = reverse("surveys:round-completeness", args=[submission_round.pk])
    log_in(page, "metodist", next_url=completeness)
    page.click("text=Проверить")
    assert "950 чел." in page.inner_text("main")
    page.fill("#question-students_count textarea", "По данным РИС «Контингент» — 1020")
    page.fill("textarea[name=comment]", "Сверьте численность с РИС")
    page.click("button[value=return]")
    assert "возвращена на доработку" in page.inner_text(".messages")
    log_out(page)

    # The curator sees both comments, corrects the answer and submits again.
    log_in(page, "kurator-10")
    main = page.inner_text("main")
    assert "Сверьте численность с РИС" in main and "По данным РИС «Контингент» — 1020" in main
    page.click("text=Исправить анкету")
    assert "По данным РИС «Контингент» — 1020" in page.inner_text("#question-students_count")
    page.fill("#id_q_students_count", "1020")
    page.click("button[name=submit]")
    assert "Анкета отправлена на проверку" in page.inner_text(".messages")
    log_out(page)

    # The methodologist accepts it; the history shows the whole cycle.
    log_in(page, "metodist", next_url=completeness)
    page.click("text=Проверить")
    assert "1020 чел." in page.inner_text("main")
    page.click("button[value=accept]")
    assert "Анкета принята" in page.inner_text(".messages")
    history = page.inner_text(".history-list")
    assert "950 чел. → 1020 чел." in history and "возвращена на доработку" in history

    submission = Submission.objects.get(round=submission_round, school=school)
    assert submission.state == Submission.State.ACCEPTED and submission.reviewed_by == reviewer
    assert not [e for e in page.console_errors if "Content Security Policy" in e]
