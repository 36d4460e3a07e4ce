"""axe-core (vendored in static/vendor/axe-core, no network) over every kind of page of every role, on a
desktop (1366×768) and on a phone (390×844): no serious or critical violation anywhere.

The crawl starts at each role's landing pages, follows the portal's own links and opens one page per URL
shape (digits of ids folded together), so it covers every template a role can reach without opening
every school. The Django admin is crawled for the administrator (the pages the portal's admin classes control).
"""

import re

import pytest

from tests.factories import UserFactory, join_round
from tests.security_world import build_world

AXE = "/static/vendor/axe-core/axe.min.js"
FAILING_IMPACTS = ("serious", "critical")
# Minor by axe's measure, but the issue's own finding: an action column needs a (visually hidden) header.
ALSO_FAILING = ("empty-table-header",)
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1366, "height": 768}
SKIPPED = ("logout", "delete", "/static/", "/media/", "password_change", "/admin/logout", "/admin/jsi18n")


def shape(path: str) -> str:
    return re.sub(r"\d+", "N", path)


def axe_violations(page) -> list[dict]:
    page.add_script_tag(url=AXE)  # a same-origin script: allowed by the portal's CSP
    return page.evaluate(
        """async () => {
             const result = await axe.run(document, { resultTypes: ["violations"] });
             return result.violations.map((v) => ({
               id: v.id, impact: v.impact, help: v.help,
               targets: v.nodes.slice(0, 3).map((n) => n.target.join(" ") + " — " + (n.failureSummary || "").split("\\n").slice(1, 2).join("")),
             }));
           }"""
    )


def failing(violation: dict) -> bool:
    return violation["impact"] in FAILING_IMPACTS or violation["id"] in ALSO_FAILING


def crawl_with_axe(page, base_url: str, starts: list[str], within: str = "/", limit: int = 45) -> dict[str, list[dict]]:
    """Open each start page, then one page per URL shape linked from the pages seen; axe each of them."""
    queue, shapes, report = list(starts), set(), {}
    while queue and len(report) < limit:
        path = queue.pop(0)
        if shape(path) in shapes:
            continue
        shapes.add(shape(path))
        probe = page.context.request.get(base_url + path, max_redirects=0)
        if probe.status in (301, 302, 303):
            queue.insert(0, probe.headers["location"].removeprefix(base_url))
            continue
        if "text/html" not in probe.headers.get("content-type", "") or probe.status >= 400:
            continue
        page.goto(base_url + path)
        report[path] = [v for v in axe_violations(page) if failing(v)]
        for href in page.eval_on_selector_all("a[href]", "els => els.map(e => e.getAttribute('href'))"):
            href = href.split("#")[0]
            if href.startswith(within) and "?" not in href and not any(s in href for s in SKIPPED):
                if within == "/" and href.startswith("/admin/"):
                    continue
                queue.append(href)
    return report


def failures(report: dict[str, list[dict]]) -> str:
    lines = []
    for path, violations in report.items():
        for v in violations:
            lines.append(f"  {path}: [{v['impact']}] {v['id']} — {v['help']}")
            lines.extend(f"      {t}" for t in v["targets"])
    return "\n".join(lines)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
@pytest.mark.parametrize("role", ["anonymous", "curator", "district_officer", "methodologist", "administrator"])
def test_every_page_of_every_role_has_no_serious_accessibility_violation(browser, live_server, role, viewport, log_in):
    world = build_world()
    context = browser.new_context(locale="ru-RU", viewport=viewport)
    page = context.new_page()
    try:
        if role == "anonymous":
            starts = ["/accounts/login/", "/no-such-page/"]
        else:
            log_in(page, world.users[role].username)
            starts = ["/", "/accounts/password/", "/no-such-page/"]
            if role == "curator":
                starts.append(f"/rounds/{world.round.pk}/form/")
        report = crawl_with_axe(page, live_server.url, starts)
        assert len(report) >= (2 if role == "anonymous" else 4), f"the crawl found too few pages: {sorted(report)}"
        assert not failures(report), f"{role} at {viewport['width']} px: serious or critical axe-core violations:\n" + failures(report)
    finally:
        context.close()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_admin_pages_have_no_serious_accessibility_violation(browser, live_server, log_in):
    build_world()
    UserFactory(username="root", is_staff=True, is_superuser=True)
    context = browser.new_context(locale="ru-RU", viewport=DESKTOP)
    page = context.new_page()
    try:
        log_in(page, "root", login_path="/admin/login/")
        report = crawl_with_axe(page, live_server.url, ["/admin/"], within="/admin/", limit=60)
        assert len(report) >= 10, sorted(report)
        assert not failures(report), "Django admin: serious or critical axe-core violations:\n" + failures(report)
    finally:
        context.close()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_the_form_being_filled_with_errors_and_returned_with_remarks_has_no_serious_violation(browser, live_server, viewport, log_in):
    from surveys.models import Submission
    from surveys.services import submission_return, submission_save_draft
    from tests.factories import CuratorFactory, SchoolFactory, SubmissionRoundFactory, methodologist, readiness_questionnaire

    school = SchoolFactory()
    curator = CuratorFactory(school=school, user=UserFactory(username="kurator-a11y")).user
    submission_round = SubmissionRoundFactory(questionnaire=readiness_questionnaire(), municipality=school.municipality)
    join_round(submission_round, [school])
    context = browser.new_context(locale="ru-RU", viewport=viewport)
    page = context.new_page()
    try:
        log_in(page, "kurator-a11y")
        page.goto(f"{live_server.url}/rounds/{submission_round.pk}/form/")
        page.fill("#id_q_internet_speed", "100 Мбит/с")
        # Leaving a field saves the form in the background (issue 15); the draft it creates is where the setup below writes.
        # Waited for here: a press of «Отправить» also leaves the field, and whether that save came before the setup was
        # a matter of timing (a setup naming version 0 once met the draft at version 1: SubmissionConflictError).
        page.locator("#id_q_internet_speed").blur()
        page.locator("#save-status").filter(has_text="кроме полей с ошибками").wait_for()
        page.locator("button[name=submit]").click()  # refused in the browser: every error shown beside its field
        page.locator("#question-students_count .invalid-feedback").wait_for()
        report = {"form with errors": [v for v in axe_violations(page) if failing(v)]}

        draft = Submission.objects.get(round=submission_round, school=school)
        saved = submission_save_draft(
            submission_round=submission_round, school=school, user=curator, answers={"students_count": 900}, expected_version=draft.version
        )
        Submission.objects.filter(pk=saved.submission.pk).update(state=Submission.State.SUBMITTED)
        saved.submission.refresh_from_db()
        question_id = saved.submission.answers.get(question__code="students_count").question_id
        submission_return(
            submission=saved.submission,
            user=methodologist(),
            comment="Сверьте с РИС",
            question_comments={question_id: "Не сходится"},
            expected_version=saved.submission.version,
        )
        page.goto(f"{live_server.url}/rounds/{submission_round.pk}/form/")
        report["returned form"] = [v for v in axe_violations(page) if failing(v)]
        assert not failures(report), f"the form at {viewport['width']} px:\n" + failures(report)
    finally:
        context.close()
