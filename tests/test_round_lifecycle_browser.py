"""A round from creation to fixed results in a real browser, as a methodologist and an administrator, never opening /admin/:
create, open, a curator submits, return with remarks, the curator replies and resubmits, accept (one by one and in bulk),
extend for one school, close after the summary, fix. The curator's e-mails arrive at a real SMTP server (aiosmtpd) with the
right text and working links, and the bell shows the same notices."""

import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from surveys.models import Notice, RoundEvent, RoundExtension, Submission, SubmissionRound
from surveys.services import submission_save_draft, submission_submit
from tests.factories import (
    PASSWORD,
    CuratorFactory,
    DistrictFactory,
    MunicipalityFactory,
    QuestionFactory,
    QuestionnaireFactory,
    SchoolFactory,
    SectionFactory,
    UserFactory,
    administrator,
    methodologist,
)
from tests.smtp_server import SmtpServer

FMT = "%Y-%m-%dT%H:%M"


@pytest.fixture
def smtp(settings, live_server):
    server = SmtpServer()
    server.start()
    server.configure(settings)
    settings.PORTAL_BASE_URL = live_server.url  # links in e-mails must open this very portal
    yield server
    server.stop()


def links_in(body: str) -> list[str]:
    return re.findall(r"https?://\S+", body)


def build_city():
    municipality = MunicipalityFactory(name="Ростов-на-Дону")
    districts = [DistrictFactory(municipality=municipality, name=name) for name in ("Ворошиловский", "Первомайский")]
    questionnaire = QuestionnaireFactory(title="Готовность ОУ к ЦОС")
    section = SectionFactory(questionnaire=questionnaire, title="Инфраструктура")
    QuestionFactory(section=section, questionnaire=questionnaire, code="internet_speed", text="Скорость Интернета", unit="Мбит/с", order=1)
    QuestionFactory(section=section, questionnaire=questionnaire, code="students_count", text="Число обучающихся", unit="чел.", order=2)
    curators = {}
    for number, district in ((10, districts[0]), (20, districts[0]), (30, districts[1]), (40, districts[1])):
        school = SchoolFactory(municipality=municipality, district=district, number=number, full_name=f"МБОУ «Школа № {number}»")
        user = UserFactory(username=f"kurator-{number}", first_name="Куратор", last_name=f"Школы{number}", email=f"kurator-{number}@example.org")
        CuratorFactory(school=school, user=user)
        curators[number] = user
    return municipality, questionnaire, curators


def submit_by_service(submission_round, user, speed: int):
    school = user.curatorships.get().school
    saved = submission_save_draft(
        submission_round=submission_round, school=school, user=user, answers={"internet_speed": speed, "students_count": 500}, expected_version=0
    )
    submission_submit(submission_round=submission_round, school=school, user=user, expected_version=saved.submission.version)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_round_runs_from_creation_to_fixed_results_without_the_admin(page, live_server, smtp, log_in, log_out):
    _, questionnaire, curators = build_city()
    methodologist(username="metodist", first_name="Анна", last_name="Методистова")
    administrator(username="admin-city", first_name="Олег", last_name="Администраторов")
    opened_urls: list[str] = []
    page.on("request", lambda request: opened_urls.append(request.url))
    page.on("dialog", lambda dialog: dialog.accept())

    # The methodologist creates the round from the current questionnaire, every active school taking part, and opens it.
    log_in(page, "metodist", next_url=reverse("surveys:round-list"))
    page.click("text=Новый мониторинг")
    page.fill("#id_title", "Мониторинг готовности — декабрь")
    now = timezone.localtime()
    page.fill("#id_opens_at", (now - dt.timedelta(hours=1)).strftime(FMT))
    page.fill("#id_closes_at", (now + dt.timedelta(days=10)).replace(hour=18, minute=0).strftime(FMT))
    page.click("button:has-text('Создать раунд')")
    expect(page.locator(".messages")).to_contain_text("Раунд создан")
    expect(page.locator("main")).to_contain_text("Участники (4)")
    page.click("button:has-text('Открыть приём анкет')")
    expect(page.locator(".messages")).to_contain_text("Приём анкет открыт")
    submission_round = SubmissionRound.objects.get()
    assert submission_round.state == SubmissionRound.State.OPEN and submission_round.questionnaire == questionnaire
    log_out(page)

    # Curator 10 opens the portal from the e-mail «мониторинг открыт», fills and submits.
    opened_mail = next(m for m in smtp.messages if m.to == ["kurator-10@example.org"])
    assert "Открыт мониторинг «Мониторинг готовности — декабрь»" in opened_mail.subject
    form_link = next(link for link in links_in(opened_mail.body) if "/form/" in link)
    page.goto(form_link)
    page.fill("input[name=username]", "kurator-10")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state()
    page.fill("#id_q_internet_speed", "40")
    page.fill("#id_q_students_count", "950")
    page.click("button[name=submit]")
    expect(page.locator(".messages")).to_contain_text("Анкета отправлена на проверку")
    log_out(page)
    for number, speed in ((20, 100), (30, 120)):
        submit_by_service(submission_round, curators[number], speed)

    # The methodologist takes the oldest questionnaire from the queue and returns it with remarks.
    log_in(page, "metodist", next_url=reverse("surveys:review-queue"))
    expect(page.locator("h1")).to_contain_text("3")
    page.click("text=Начать с самой давней")
    expect(page.locator("h1")).to_contain_text("Школа № 10")
    page.fill("#question-internet_speed textarea", "40 Мбит/с меньше порога — проверьте договор")
    page.fill("textarea[name=comment]", "Уточните скорость подключения")
    page.click("button[value=return]")
    expect(page.locator(".messages")).to_contain_text("возвращена на доработку")
    log_out(page)

    # The e-mail reaches the curator with the remark and a link to the very question; the bell shows the same notice.
    returned_mail = next(m for m in smtp.messages if m.to == ["kurator-10@example.org"] and "возвращена" in m.subject)
    assert "Уточните скорость подключения" in returned_mail.body and "40 Мбит/с меньше порога" in returned_mail.body
    question_link = next(link for link in links_in(returned_mail.body) if link.endswith("#question-internet_speed"))
    log_in(page, "kurator-10")
    expect(page.locator(".notice-bell [data-notice-count]")).to_have_text("2")  # opened + returned
    page.click(".notice-bell")
    notices = page.inner_text("main")
    assert returned_mail.subject in notices and opened_mail.subject in notices
    page.goto(question_link)
    expect(page.locator("#question-internet_speed")).to_contain_text("40 Мбит/с меньше порога")
    page.fill("#reply-text-internet_speed", "Договор на 100 Мбит/с подписан, подключат до 20.12")
    page.click("#question-internet_speed button:has-text('Отправить')")
    expect(page.locator(".messages")).to_contain_text("Сообщение добавлено")
    page.fill("#id_q_internet_speed", "100")
    page.click("button[name=submit]")
    expect(page.locator(".messages")).to_contain_text("Анкета отправлена на проверку")
    log_out(page)

    # The methodologist sees the reply and what changed since the return, accepts it, then accepts the others in bulk.
    log_in(page, "metodist", next_url=reverse("surveys:review-queue"))
    page.click("tr:has-text('Школа № 10') >> text=Проверить")
    expect(page.locator(".since-return")).to_contain_text("40 Мбит/с")
    expect(page.locator("#question-internet_speed")).to_contain_text("Договор на 100 Мбит/с подписан")
    page.click("button[value=accept]")
    expect(page.locator(".messages")).to_contain_text("Анкета принята")
    page.click("text=Очередь проверки")
    page.check("input[name=submission] >> nth=0")
    page.check("input[name=submission] >> nth=1")
    page.click("button:has-text('Принять отмеченные')")
    expect(page.locator("h1")).to_contain_text("Принять анкеты: 2")
    page.click("button:has-text('Да, принять 2')")
    expect(page.locator(".messages")).to_contain_text("Принято анкет: 2")
    assert Submission.objects.filter(state=Submission.State.ACCEPTED).count() == 3
    log_out(page)

    # The administrator extends the deadline for the school that has not started, closes after the summary, fixes the results.
    log_in(page, "admin-city", next_url=reverse("surveys:round-manage", args=[submission_round.pk]))
    page.click("text=Продлить срок")
    page.check("label:has-text('для отмеченных в списке') >> xpath=preceding-sibling::input")
    page.check("tr:has-text('Школа № 40') input[name=schools]")
    page.fill("#id_closes_at", (now + dt.timedelta(days=12)).replace(hour=18, minute=0).strftime(FMT))
    page.fill("#id_reason", "куратор на больничном")
    page.click("button:has-text('Продлить')")
    expect(page.locator(".messages")).to_contain_text("Срок для выбранных школ (1) продлён")
    assert RoundExtension.objects.get().school.number == 40
    page.click("text=Закрыть раунд…")
    summary = page.inner_text("main")
    assert "Принято" in summary and "Школа № 40" in summary and "он ещё не наступил" in summary
    page.click("button:has-text('Закрыть раунд')")  # without the confirmation: nothing happens
    expect(page.locator("main")).to_contain_text("Отметьте подтверждение")
    page.check("#close-confirm")
    page.click("button:has-text('Закрыть раунд')")
    expect(page.locator(".messages")).to_contain_text("Раунд закрыт")
    page.check("#fix-confirm")
    page.click("button:has-text('Зафиксировать итоги')")
    expect(page.locator(".messages")).to_contain_text("Итоги зафиксированы")
    history = page.inner_text(".round-history")
    for step in ("Создан", "Открыт", "Продлён срок", "Закрыт", "Итоги зафиксированы"):
        assert step in history
    assert "Олег Администраторов" in history and "Анна Методистова" in history

    submission_round.refresh_from_db()
    assert submission_round.state == SubmissionRound.State.CLOSED and submission_round.results_fixed_at is not None
    assert [e.action for e in RoundEvent.objects.order_by("pk")] == ["created", "opened", "extended", "closed", "fixed"]
    assert not [url for url in opened_urls if "/admin/" in url]

    # Every e-mail of curator 10 is also in the portal, with the same subject; the links open the portal.
    mine = [m for m in smtp.messages if m.to == ["kurator-10@example.org"]]
    subjects = [m.subject for m in mine]
    assert [s.split(" — ")[0].split(" «")[0] for s in subjects] == ["Открыт мониторинг", "Анкета возвращена на доработку", "Анкета принята", "Мониторинг"]
    assert sorted(subjects) == sorted(Notice.objects.filter(recipient=curators[10]).values_list("subject", flat=True))
    extended = [m for m in smtp.messages if m.to == ["kurator-40@example.org"] and "продлён" in m.subject]
    assert extended and "куратор на больничном" in extended[0].body
    log_out(page)
    log_in(page, "kurator-10")
    for link in sorted({link for m in mine for link in links_in(m.body)}):
        response = page.request.get(link)  # the signed-in browser's cookies
        assert response.status == 200 and response.url.split("#")[0] == link.split("#")[0], link
    assert not [e for e in page.console_errors if "Content Security Policy" in e]
