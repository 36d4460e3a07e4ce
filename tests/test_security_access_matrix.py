"""Who may open what: every URL pattern of the project, every role, objects of the own school, a
neighbour school of the same district, a foreign school of another district and a school of another municipality.

A new view without an entry in ENTRIES makes `test_every_url_pattern_has_an_entry` fail: add one
that says how to build its URL from the World (tests/security_world.py) and what each role gets.
"""

import io
from collections.abc import Callable
from dataclasses import dataclass

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from tests.security_world import PDF_BYTES, ROLES, TARGETS, World, build_world

LOGIN = "302→login"  # anonymous is sent to the login page
REDIRECT = "302"  # a redirect somewhere else (after a successful POST, or a landing page)
# The admin site is guarded by is_staff (tested by Django itself); static files are public.
SKIPPED_ROUTES = ("admin/", "static/")


def visible(role: str, target: str) -> bool:
    """Which of the World's schools a role sees: schools.selectors.schools_visible_to, spelled out."""
    return {
        "anonymous": False,
        "curator": target == "own",
        "district_officer": target in ("own", "neighbour"),  # not "foreign" (another district) nor "other_city"
        "methodologist": target != "other_city",  # a municipality's methodologist and administrator: their municipality
        "administrator": target != "other_city",
        "regional": True,  # the region's ministry: every municipality
    }[role]


# Policies: (role, target) → expected outcome.
def everyone(ok=200, anonymous=LOGIN) -> Callable[[str, str], object]:
    return lambda role, target: anonymous if role == "anonymous" else ok


def roles_only(*allowed: str, ok=200) -> Callable[[str, str], object]:
    """No object in the URL: the roles named get `ok`, other signed-in roles 403."""
    return lambda role, target: LOGIN if role == "anonymous" else (ok if role in allowed else 403)


def school_scoped(*allowed: str, ok=200) -> Callable[[str, str], object]:
    """An object of a school in the URL: allowed roles get `ok` if they see the school, 404 if not; other roles 403."""

    def expect(role, target):
        if role == "anonymous":
            return LOGIN
        if role not in allowed:
            return 403
        return ok if visible(role, target) else 404

    return expect


ALL_SIGNED_IN = ("curator", "district_officer", "methodologist", "administrator", "regional")
REVIEWERS = ("district_officer", "methodologist", "administrator", "regional")
CITY_ROLES = ("methodologist", "administrator", "regional")


def round_scoped(*allowed: str, ok=200) -> Callable[[str, str], object]:
    """A round in the URL (the other municipality's round for target other_city): 404 where the role sees none of its schools."""

    def expect(role, target):
        if role == "anonymous":
            return LOGIN
        if role not in allowed:
            return 403
        return ok if target != "other_city" or visible(role, target) else 404

    return expect


def curator_round(ok) -> Callable[[str, str], object]:
    """The curator's form of a round: only for a round the curator's school takes part in (404 for another round)."""
    return lambda role, target: LOGIN if role == "anonymous" else (403 if role != "curator" else (ok if target == "own" else 404))


def own_job(ok) -> Callable[[str, str], object]:
    """An export job: its owner gets it (target own); anyone else's job is not found, even for an administrator."""
    return lambda role, target: LOGIN if role == "anonymous" else (403 if role not in REVIEWERS else (ok if target == "own" else 404))


def job_for(world: World, target: str, user):
    owner = next((key for key, u in world.users.items() if u is not None and u == user), "")
    if target == "own" and owner in world.export_jobs:
        return world.export_jobs[owner]
    return world.export_jobs["other_administrator"]


def round_for(world: World, target: str):
    return world.round if target == "own" else world.round_without_own


def notice_for(world: World, target: str, user):
    """A notice of the signed-in user (target own) or of somebody else (any other target)."""
    from surveys.models import Notice

    others = [u for key, u in world.users.items() if u is not None and u != user]
    owner = user if target == "own" and user is not None else others[0]
    key = f"matrix:{Notice.objects.count()}"
    return Notice.objects.create(recipient=owner, kind=Notice.Kind.ACCEPTED, event_key=key, subject="Анкета принята", text="—", link="/")


def own_notice(role: str, target: str) -> object:
    return LOGIN if role == "anonymous" else (REDIRECT if target == "own" else 404)


def export_round(world: World, target: str):
    """A round the target school alone (or with the own school) takes part in: the district officer cannot open
    the foreign school's round, the municipality's roles cannot open the other municipality's."""
    return {"own": world.round, "neighbour": world.round_without_own, "foreign": world.foreign_round, "other_city": world.other_city_round}[target]


def draft_data(world: World, target: str) -> dict:
    return {"version": world.submissions["own"].version, "q_internet_speed": "150", "q_comment": "Черновик"}


@dataclass(frozen=True)
class Entry:
    expect: Callable[[str, str], object]
    kwargs: Callable[[World, str, object], dict] | None = None  # (world, target, user) → URL kwargs; None: no object
    method: str = "get"
    data: Callable[[World, str], dict] | None = None
    query: str = ""


ENTRIES: dict[str, Entry | tuple[Entry, ...]] = {
    # Accounts
    "home": Entry(everyone(ok=REDIRECT)),  # each role lands on its own start page
    "login": Entry(lambda role, target: 200 if role == "anonymous" else REDIRECT),
    "logout": Entry(lambda role, target: LOGIN, method="post"),
    "password_change": Entry(everyone()),
    "password_change_done": Entry(everyone()),
    # Two-factor sign-in: every signed-in account manages its own (nothing to verify or renew without a device: redirect).
    "two-factor": Entry(everyone()),
    "two-factor-setup": Entry(everyone()),
    "two-factor-verify": Entry(everyone(ok=REDIRECT)),
    "two-factor-recovery": Entry(everyone(ok=REDIRECT)),
    "two-factor-disable": Entry(everyone(ok=REDIRECT), method="post"),
    "security-log": Entry(roles_only("administrator"), query="?kind=sign_in&since=2026-01-01"),
    "lockout-list": (
        Entry(roles_only(*CITY_ROLES)),
        Entry(roles_only(*CITY_ROLES, ok=REDIRECT), method="post", data=lambda w, t: {"username": "kurator-x"}),
    ),
    # Roadmaps: every role reads the city's roadmap; a school's own plan only where the school is visible.
    "indicators:roadmap-list": Entry(everyone()),
    "indicators:calendar": Entry(everyone(), query="?start=2026-01-01"),
    "indicators:roadmap-detail": Entry(school_scoped(*ALL_SIGNED_IN), kwargs=lambda w, t, u: {"pk": w.roadmaps[t].pk}),
    "indicators:keyresult-detail": Entry(school_scoped(*ALL_SIGNED_IN), kwargs=lambda w, t, u: {"pk": w.key_results[t].pk}),
    "indicators:event-document": Entry(school_scoped(*ALL_SIGNED_IN), kwargs=lambda w, t, u: {"pk": w.events[t].pk}),
    "indicators:event-create": Entry(
        school_scoped(*CITY_ROLES, ok=REDIRECT),
        kwargs=lambda w, t, u: {"pk": w.key_results[t].pk},
        method="post",
        data=lambda w, t: {"date": "2026-02-01", "title": "Семинар", "format": "seminar", "schools_count": 3, "participants_count": 9},
    ),
    "indicators:keyresult-completed": Entry(
        school_scoped(*CITY_ROLES, ok=REDIRECT),
        kwargs=lambda w, t, u: {"pk": w.key_results[t].pk},
        method="post",
        data=lambda w, t: {"completed_on": "2026-02-01"},
    ),
    # Plans reported line by line: the school's curator reports, the controlling person (here: none named, so the
    # administrator) confirms; everyone who sees the plan reads it and its documents.
    "indicators:plan-attention": Entry(everyone()),
    # From deficits to the plan: methodologists keep the library; the school's curator adds an activity to its plan.
    "ratings:suggestion-list": (
        Entry(roles_only(*CITY_ROLES)),
        Entry(roles_only(*CITY_ROLES, ok=REDIRECT), method="post", data=lambda w, t: {"section_title": "Инфраструктура", "title": "Мероприятие", "order": 1}),
    ),
    "ratings:suggestion-delete": Entry(roles_only(*CITY_ROLES, ok=REDIRECT), kwargs=lambda w, t, u: {"pk": w.suggestion.pk}, method="post"),
    "ratings:deficit-add": Entry(
        lambda role, target: LOGIN if role == "anonymous" else (403 if role != "curator" else (REDIRECT if target == "own" else 404)),
        kwargs=lambda w, t, u: {"round_id": w.round_of(t).pk, "school_id": w.schools[t].pk},
        method="post",
        data=lambda w, t: {"suggestion": w.suggestion.pk, "start_date": "2026-12-01", "end_date": "2027-03-31"},
    ),
    "indicators:plan-indicator": (
        Entry(school_scoped(*ALL_SIGNED_IN), kwargs=lambda w, t, u: {"pk": w.roadmaps[t].pk, "indicator_pk": w.plan_indicators[t].pk}),
        Entry(
            # the school plan's executor is its curator: only he reports its indicators' actuals
            lambda role, target: LOGIN if role == "anonymous" else (404 if not visible(role, target) else (REDIRECT if role == "curator" else 403)),
            kwargs=lambda w, t, u: {"pk": w.roadmaps[t].pk, "indicator_pk": w.plan_indicators[t].pk},
            method="post",
            data=lambda w, t: {"year": 2022, "value": "10"},
        ),
    ),
    "indicators:roadmap-next-period": (
        Entry(school_scoped("administrator"), kwargs=lambda w, t, u: {"pk": w.roadmaps[t].pk}),
        Entry(
            school_scoped("administrator", ok=REDIRECT),
            kwargs=lambda w, t, u: {"pk": w.roadmaps[t].pk},
            method="post",
            data=lambda w, t: {"title": "Следующий период", "period_start": "2027-01-01", "period_end": "2028-12-31"},
        ),
    ),
    "indicators:plan-detail": Entry(school_scoped(*ALL_SIGNED_IN), kwargs=lambda w, t, u: {"pk": w.roadmaps[t].pk}),
    "indicators:plan-line": Entry(
        school_scoped(*ALL_SIGNED_IN), kwargs=lambda w, t, u: {"pk": w.roadmaps[t].pk, "kind": "activity", "line_pk": w.activities[t].pk}
    ),
    "indicators:plan-line-report": Entry(
        lambda role, target: LOGIN if role == "anonymous" else (404 if not visible(role, target) else (REDIRECT if role == "curator" else 403)),
        kwargs=lambda w, t, u: {"pk": w.roadmaps[t].pk, "kind": "activity", "line_pk": w.activities[t].pk},
        method="post",
        data=lambda w, t: {"progress": "in_work", "comment": "Идёт работа"},
    ),
    "indicators:plan-report-review": Entry(
        lambda role, target: LOGIN if role == "anonymous" else (404 if not visible(role, target) else (REDIRECT if role == "administrator" else 403)),
        kwargs=lambda w, t, u: {"pk": w.pending_reports[t].pk},
        method="post",
        data=lambda w, t: {"decision": "confirm"},
    ),
    "indicators:plan-report-document": Entry(school_scoped(*ALL_SIGNED_IN), kwargs=lambda w, t, u: {"pk": w.line_reports[t].pk}),
    "indicators:event-delete": Entry(school_scoped(*CITY_ROLES, ok=REDIRECT), kwargs=lambda w, t, u: {"pk": w.events[t].pk}, method="post"),
    # Surveys: the curator's own form; review and completeness for reviewers of the schools they see.
    "surveys:my-school": Entry(roles_only("curator")),
    # Documents asked of schools: reviewers see the requests of schools they see; the administrator asks; curators upload.
    "surveys:document-list": (
        Entry(roles_only(*REVIEWERS)),
        Entry(
            roles_only("administrator", ok=REDIRECT),
            method="post",
            data=lambda w, t: {"municipality": w.schools["own"].municipality_id, "kind": "other", "title": "Справка", "due_date": "2026-12-20"},
        ),
    ),
    "surveys:document-detail": Entry(school_scoped(*REVIEWERS), kwargs=lambda w, t, u: {"pk": w.document_requests[t].pk}),
    "surveys:document-remind": Entry(school_scoped(*REVIEWERS, ok=REDIRECT), kwargs=lambda w, t, u: {"pk": w.document_requests[t].pk}, method="post"),
    "surveys:document-upload": Entry(
        # own and neighbour share the curator's district request: the curator uploads his own school's copy to it.
        lambda role, target: LOGIN if role == "anonymous" else (403 if role != "curator" else (REDIRECT if target in ("own", "neighbour") else 404)),
        kwargs=lambda w, t, u: {"pk": w.document_requests[t].pk},
        method="post",
        data=lambda w, t: {"file": SimpleUploadedFile("prikaz.pdf", PDF_BYTES, content_type="application/pdf")},
    ),
    "surveys:document-file": Entry(school_scoped(*ALL_SIGNED_IN), kwargs=lambda w, t, u: {"pk": w.document_uploads[t].pk}),
    "surveys:submission-form": (
        Entry(curator_round(200), kwargs=lambda w, t, u: {"round_id": round_for(w, t).pk}),
        Entry(curator_round(REDIRECT), kwargs=lambda w, t, u: {"round_id": round_for(w, t).pk}, method="post", data=draft_data),
    ),
    # The form's background save answers JSON; a signed-out browser gets 401 (it keeps the answers and offers to sign in).
    # The own form is already submitted: 409 with a message, nothing saved.
    "surveys:submission-autosave": Entry(
        lambda role, target: 401 if role == "anonymous" else curator_round(409)(role, target),
        kwargs=lambda w, t, u: {"round_id": round_for(w, t).pk},
        method="post",
        data=draft_data,
    ),
    "surveys:submission-review": (
        Entry(school_scoped(*REVIEWERS), kwargs=lambda w, t, u: {"submission_id": w.submissions[t].pk}),
        Entry(
            school_scoped(*REVIEWERS, ok=REDIRECT),
            # The neighbour's form is a draft (nothing to accept): its POST goes to the own school's form.
            kwargs=lambda w, t, u: {"submission_id": w.submissions["own" if t == "neighbour" else t].pk},
            method="post",
            data=lambda w, t: {"action": "accept", "comment": "", "version": w.submissions["own" if t == "neighbour" else t].version},
        ),
    ),
    "surveys:answer-file": Entry(school_scoped(*ALL_SIGNED_IN), kwargs=lambda w, t, u: {"answer_id": w.answers_with_file[t].pk}),
    "surveys:evidence-file": Entry(school_scoped(*ALL_SIGNED_IN), kwargs=lambda w, t, u: {"pk": w.answers_with_file[t].evidence_files.get().pk}),
    "surveys:round-list": Entry(roles_only(*REVIEWERS)),
    "surveys:round-completeness": Entry(round_scoped(*REVIEWERS), kwargs=lambda w, t, u: {"round_id": w.round_of(t).pk}),
    "surveys:round-remind": Entry(
        round_scoped(*REVIEWERS, ok=REDIRECT), kwargs=lambda w, t, u: {"round_id": w.round_of(t).pk}, method="post", data=lambda w, t: {"target": "all"}
    ),
    # Round pages: methodologists and administrators run rounds; other roles are refused before any object is looked up.
    "surveys:round-create": (Entry(roles_only(*CITY_ROLES)), Entry(roles_only(*CITY_ROLES), method="post", data=lambda w, t: {"title": ""})),
    "surveys:round-joinable": Entry(roles_only(*CITY_ROLES)),
    "surveys:round-manage": Entry(round_scoped(*CITY_ROLES), kwargs=lambda w, t, u: {"round_id": w.round_of(t).pk}),
    "surveys:round-participants": (
        Entry(round_scoped(*CITY_ROLES), kwargs=lambda w, t, u: {"round_id": w.round_of(t).pk}),
        Entry(round_scoped(*CITY_ROLES), kwargs=lambda w, t, u: {"round_id": w.round_of(t).pk}, method="post"),
    ),
    "surveys:round-participant-remove": Entry(
        lambda role, target: LOGIN if role == "anonymous" else (403 if role not in CITY_ROLES else (404 if target == "other_city" else REDIRECT)),
        kwargs=lambda w, t, u: {"round_id": w.round_of(t).pk, "school_id": w.schools["own"].pk},
        method="post",
    ),
    "surveys:round-join-all": Entry(round_scoped(*CITY_ROLES, ok=REDIRECT), kwargs=lambda w, t, u: {"round_id": w.round_of(t).pk}, method="post"),
    "surveys:round-open": Entry(round_scoped(*CITY_ROLES, ok=REDIRECT), kwargs=lambda w, t, u: {"round_id": w.round_of(t).pk}, method="post"),
    "surveys:round-extend": (
        Entry(round_scoped(*CITY_ROLES), kwargs=lambda w, t, u: {"round_id": w.round_of(t).pk}),
        Entry(round_scoped(*CITY_ROLES), kwargs=lambda w, t, u: {"round_id": w.round_of(t).pk}, method="post", data=lambda w, t: {"target": "all"}),
    ),
    "surveys:round-close": (
        Entry(round_scoped(*CITY_ROLES), kwargs=lambda w, t, u: {"round_id": w.round_of(t).pk}),
        Entry(round_scoped(*CITY_ROLES), kwargs=lambda w, t, u: {"round_id": w.round_of(t).pk}, method="post"),  # no confirmation: the summary again
    ),
    "surveys:round-fix": Entry(round_scoped(*CITY_ROLES, ok=REDIRECT), kwargs=lambda w, t, u: {"round_id": w.round_of(t).pk}, method="post"),
    "surveys:round-reopen": Entry(round_scoped(*CITY_ROLES), kwargs=lambda w, t, u: {"round_id": w.round_of(t).pk}),
    "surveys:review-queue": Entry(roles_only(*REVIEWERS), query="?q=Школа&flags=clean"),
    "surveys:review-bulk-accept": Entry(
        roles_only(*REVIEWERS, ok=REDIRECT),
        method="post",
        data=lambda w, t: {"submission": [w.submissions["own"].pk], "confirmed": "1", f"version_{w.submissions['own'].pk}": w.submissions["own"].version},
    ),
    "surveys:question-message": Entry(
        curator_round(REDIRECT),
        kwargs=lambda w, t, u: {"round_id": round_for(w, t).pk},
        method="post",
        data=lambda w, t: {"question": "internet_speed", "text": "Пояснение"},
    ),
    # Notices: each person reads and marks only their own.
    "notices:list": Entry(everyone()),
    "notices:count": Entry(everyone()),
    "notices:read-all": Entry(everyone(ok=REDIRECT), method="post"),
    "notices:settings": (Entry(everyone()), Entry(everyone(ok=REDIRECT), method="post", data=lambda w, t: {"by_email": "portal"})),
    "notices:open": Entry(own_notice, kwargs=lambda w, t, u: {"notice_id": notice_for(w, t, u).pk}, method="post"),
    # Ratings: every signed-in role reads the results of the schools it sees; only the administrator confirms the status list.
    "ratings:round-list": Entry(everyone()),
    "ratings:rating": Entry(round_scoped(*ALL_SIGNED_IN), kwargs=lambda w, t, u: {"round_id": w.round_of(t).pk}),
    "ratings:school-round": Entry(school_scoped(*ALL_SIGNED_IN), kwargs=lambda w, t, u: {"round_id": w.round_of(t).pk, "school_id": w.schools[t].pk}),
    "ratings:indicator-progress": Entry(round_scoped(*ALL_SIGNED_IN), kwargs=lambda w, t, u: {"round_id": w.round_of(t).pk}),
    # Correcting fixed results: the administrator only (a refused POST changes nothing).
    "ratings:round-correction": (
        Entry(round_scoped("administrator"), kwargs=lambda w, t, u: {"round_id": w.round_of(t).pk}),
        Entry(round_scoped("administrator"), kwargs=lambda w, t, u: {"round_id": w.round_of(t).pk}, method="post", data=lambda w, t: {"reason": "x"}),
    ),
    "ratings:status-list": Entry(everyone()),
    "ratings:status": Entry(everyone(), kwargs=lambda w, t, u: {"year": 2025}),
    "ratings:status-confirm": Entry(
        roles_only("administrator", ok=REDIRECT), kwargs=lambda w, t, u: {"year": 2026}, method="post", data=lambda w, t: {"order_reference": "№ 1"}
    ),
    # Dashboard and Excel exports: reviewers, each file scoped to the schools the reviewer sees; jobs only of their owner.
    "reports:dashboard": Entry(roles_only(*REVIEWERS)),
    "reports:export-list": Entry(roles_only(*REVIEWERS)),
    # The export of a round follows the pages of that round: 404 for a round the role cannot open.
    "reports:export-create": tuple(
        Entry(expect, kwargs=lambda w, t, u, kind=kind: {"kind": kind}, method="post", data=data)
        for kind, expect, data in (
            ("rating", school_scoped(*REVIEWERS), lambda w, t: {"round": export_round(w, t).pk}),
            ("answers", school_scoped(*REVIEWERS), lambda w, t: {"round": export_round(w, t).pk}),
            ("completeness", school_scoped(*REVIEWERS), lambda w, t: {"round": export_round(w, t).pk}),
            ("status", roles_only(*REVIEWERS), lambda w, t: {"year": 2025}),
            ("indicators", roles_only(*REVIEWERS), lambda w, t: {}),
        )
    )
    # A district's passports are always built by the worker: the allowed POST queues a job and redirects to it.
    + (
        Entry(
            roles_only(*REVIEWERS, ok=REDIRECT),
            kwargs=lambda w, t, u: {"kind": "passports"},
            method="post",
            data=lambda w, t: {"round": w.round.pk, "district": w.schools["own"].district_id},
        ),
    ),
    "reports:export-job": Entry(own_job(200), kwargs=lambda w, t, u: {"pk": job_for(w, t, u).pk}),
    "reports:export-job-status": Entry(own_job(200), kwargs=lambda w, t, u: {"pk": job_for(w, t, u).pk}),
    "reports:export-job-download": Entry(own_job(200), kwargs=lambda w, t, u: {"pk": job_for(w, t, u).pk}),
    # Schools: a school's card where the school is visible; the Excel import for administrators only.
    "reports:school-card": Entry(school_scoped(*ALL_SIGNED_IN), kwargs=lambda w, t, u: {"pk": w.schools[t].pk}),
    "reports:school-passport": Entry(school_scoped(*ALL_SIGNED_IN), kwargs=lambda w, t, u: {"pk": w.schools[t].pk, "fmt": "docx"}),
    "schools:import": Entry(roles_only("administrator")),
    "schools:district-search": Entry(roles_only(*REVIEWERS), query="?q=а"),
    "schools:import-template": Entry(roles_only("administrator"), kwargs=lambda w, t, u: {"kind": "schools"}),
    # A pending import lives in its administrator's session: another session's token is not found.
    "schools:import-preview": Entry(roles_only("administrator", ok=404), kwargs=lambda w, t, u: {"token": "a" * 32}),
    "schools:import-done": Entry(roles_only("administrator", ok=404), kwargs=lambda w, t, u: {"token": "a" * 32}),
    "schools:import-credentials": Entry(roles_only("administrator", ok=404), kwargs=lambda w, t, u: {"token": "a" * 32}),
    # Word documents of the status list: the annex for reviewers (their schools), the order draft for the city's staff.
    "reports:status-document": (
        Entry(roles_only(*REVIEWERS), kwargs=lambda w, t, u: {"year": 2025, "kind": "annex"}),
        Entry(roles_only(*CITY_ROLES), kwargs=lambda w, t, u: {"year": 2025, "kind": "order"}),
    ),
    "reports:document-template-default": Entry(roles_only("administrator"), kwargs=lambda w, t, u: {"kind": "status_order"}),
    # Operations: the health endpoint answers anyone (a load balancer signs in as nobody) and names no data; its page is for administrators.
    "operations:health": Entry(lambda role, target: 200),
    "operations:health-page": Entry(roles_only("administrator")),
    # Personal data of one person (152-ФЗ): found, shown, exported and destroyed by administrators only.
    "operations:personal-data-notice": Entry(everyone()),
    "operations:people": Entry(roles_only("administrator"), query="?q=kurator"),
    "operations:person": Entry(roles_only("administrator"), kwargs=lambda w, t, u: {"pk": w.users["curator"].pk}),
    "operations:person-export": Entry(roles_only("administrator"), kwargs=lambda w, t, u: {"pk": w.users["curator"].pk}),
    "operations:person-anonymise": Entry(roles_only("administrator", ok=REDIRECT), kwargs=lambda w, t, u: {"pk": w.users["curator"].pk}, method="post"),
    "operations:act-document": Entry(roles_only("administrator", ok=404), kwargs=lambda w, t, u: {"pk": 999999}),
}


def walk(patterns=None, namespace: str = "", prefix: str = ""):
    """(name, route) of every URL pattern, recursively, with namespaces joined like reverse() wants them."""
    for item in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(item, URLResolver):
            inner = f"{namespace}:{item.namespace}" if namespace and item.namespace else (item.namespace or namespace)
            yield from walk(item.url_patterns, inner, prefix + str(item.pattern))
        elif isinstance(item, URLPattern):
            route = prefix + str(item.pattern)
            name = f"{namespace}:{item.name}" if namespace and item.name else (item.name or route)
            yield name, route


def project_patterns() -> dict[str, str]:
    return {name: route for name, route in walk() if not route.startswith(SKIPPED_ROUTES)}


def test_every_url_pattern_has_an_entry():
    patterns = project_patterns()
    missing = sorted(set(patterns) - set(ENTRIES))
    assert not missing, (
        "These URL patterns have no entry in ENTRIES of tests/test_security_access_matrix.py:\n"
        + "\n".join(f"  {name!r}  (route {patterns[name]!r})" for name in missing)
        + "\nAdd an Entry for each: how to build its kwargs from the World (own / neighbour / foreign school objects) "
        "and the status each role must get (200, 302→login, 403, 404)."
    )
    stale = sorted(set(ENTRIES) - set(patterns))
    assert not stale, f"ENTRIES names URL patterns that no longer exist, remove them: {stale}"


def outcome(response) -> object:
    if response.status_code == 302 and response["Location"].startswith("/accounts/login/"):
        return LOGIN
    if response.status_code in (301, 302, 303):
        return REDIRECT
    return response.status_code


def db_fingerprint() -> tuple:
    """What a refused request must leave alone: workflow states, answers, audit rows, reminders, events, awards."""
    from indicators.models import KeyResult, ProcessEvent
    from ratings.models import StatusAward
    from reports.models import ExportJob
    from surveys.models import Answer, AnswerChange, Notice, QuestionMessage, Reminder, RoundEvent, Submission

    return (
        Notice.objects.filter(read_at__isnull=False).count(),
        QuestionMessage.objects.count(),
        RoundEvent.objects.count(),
        sorted(Submission.objects.values_list("pk", "state", "version")),
        Answer.objects.count(),
        AnswerChange.objects.count(),
        Reminder.objects.count(),
        ProcessEvent.objects.count(),
        sorted(KeyResult.objects.values_list("pk", "completed_on")),
        StatusAward.objects.count(),
        ExportJob.objects.count(),
    )


def ask(client: Client, entry: Entry, url: str, world: World, target: str):
    """The response, and whether the database changed. Every request runs in a savepoint that is rolled back:
    one role's allowed POST does not change what the next one sees."""
    with transaction.atomic():
        before = db_fingerprint() if entry.method == "post" else None
        if entry.method == "post":
            response = client.post(url, entry.data(world, target) if entry.data else {})
        else:
            response = client.get(url + entry.query)
        changed = entry.method == "post" and db_fingerprint() != before
        transaction.set_rollback(True)
    return response, changed


def response_text(response) -> str:
    """The text a person would read: the HTML page, or every cell of an Excel file."""
    content_type = response.get("Content-Type", "")
    if response.status_code != 200:
        return ""
    body = b"".join(response.streaming_content) if response.streaming else response.content
    if "spreadsheetml" in content_type:
        workbook = openpyxl.load_workbook(io.BytesIO(body), read_only=True)
        return "\n".join(str(cell) for sheet in workbook.worksheets for row in sheet.iter_rows(values_only=True) for cell in row if cell is not None)
    if content_type.startswith(("text/", "application/json")):
        return body.decode()
    return ""


def leaked_names(response, world: World, role: str) -> list[str]:
    """Names of schools the role may not see that appear on a page or in a file all the same."""
    text = response_text(response)
    return [school.full_name for target, school in world.schools.items() if not visible(role, target) and school.full_name in text]


@pytest.mark.django_db
@pytest.mark.parametrize("name", sorted(ENTRIES))
def test_each_role_gets_the_expected_answer(name):
    entries = ENTRIES[name] if isinstance(ENTRIES[name], tuple) else (ENTRIES[name],)
    world = build_world()
    wrong = []
    for entry in entries:
        for role in ROLES:
            client = Client()
            user = world.users[role]
            if user is not None:
                client.force_login(user)
            for target in TARGETS if entry.kwargs else ("own",):
                url = reverse(name, kwargs=entry.kwargs(world, target, user) if entry.kwargs else None)
                response, changed = ask(client, entry, url, world, target)
                got, expected = outcome(response), entry.expect(role, target)
                where = f"  {role:<17} {target:<9} {entry.method.upper()} {url}"
                if got != expected:
                    wrong.append(f"{where}: got {got}, expected {expected}")
                if changed and got in (LOGIN, 403, 404):
                    wrong.append(f"{where}: refused with {got}, yet the database changed")
                if leaked := leaked_names(response, world, role):
                    wrong.append(f"{where}: the page shows schools this role may not see: {leaked}")
    assert not wrong, f"{name}: answers that differ from the access matrix:\n" + "\n".join(wrong)
