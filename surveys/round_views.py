"""The round's lifecycle on pages of its own (methodologists and administrators): create, participants, open, extend,
close after a summary, fix the results, reopen with a reason; every step lands in the round's history."""

from collections.abc import Callable

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from roadmap_portal.paging import page_of
from schools.models import School
from schools.roles import STAFF, require_role
from schools.selectors import districts_visible_to, municipalities_visible_to

from . import selectors
from .forms import RoundConfirmForm, RoundCreateForm, RoundExtendForm, RoundParticipantsAddForm, RoundReopenForm, RoundSchoolFilterForm
from .models import Questionnaire, SubmissionRound
from .services import (
    SurveyError,
    questionnaire_new_version,
    round_close,
    round_create,
    round_deadline_extend,
    round_open,
    round_participants_add,
    round_participants_remove,
    round_reopen,
    round_results_fix,
)

ROUND_PAGE_SIZE = 50  # schools a page on the participants and extend pages (a region has 40,000)
MANAGERS_ONLY = "Раундами мониторинга управляют методисты и администраторы."


def _managed_round(request, round_id: int) -> tuple[object, SubmissionRound]:
    access = require_role(request, STAFF, MANAGERS_ONLY)
    return access, get_object_or_404(selectors.rounds_managed_by(access), pk=round_id)


def _write(request, write: Callable[[], object], success: str | Callable[[object], str]) -> tuple[bool, object]:
    """Every step of a round is one write and a message: refused (SurveyError), the page says why; done, it says what
    happened (`success`, a text or made from what the write returned). Returns whether it was done, and its result."""
    try:
        result = write()
    except SurveyError as error:
        messages.error(request, error.message)
        return False, None
    messages.success(request, success(result) if callable(success) else success)
    return True, result


def _step_page(request, submission_round: SubmissionRound, form, write, success, template: str, context=dict):
    """A step of the round on a page of its own (extend, close, reopen): on a valid POST, `write(data)` with the form's
    data and `success(data)` said; done, back to the round's page; else the page again with `context()`."""
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        done, _ = _write(request, lambda: write(data), success(data))
        if done:
            return redirect("surveys:round-manage", round_id=submission_round.pk)
    return render(request, template, {"round": submission_round, "form": form, **context()})


@login_required
def round_create_view(request):
    access = require_role(request, STAFF, MANAGERS_ONLY)
    municipalities = municipalities_visible_to(access)
    current = selectors.questionnaires_current()
    questionnaires = Questionnaire.objects.filter(pk__in=[q.pk for q in current]).order_by("title")
    first = municipalities.first()
    now = timezone.localtime()
    initial = {
        "year": now.year,
        "opens_at": now.replace(minute=0, second=0, microsecond=0),
        "closes_at": (now + timezone.timedelta(days=14)).replace(hour=18, minute=0, second=0, microsecond=0),
        "municipality": first,
        "questionnaire": current[0] if current else None,
    }
    form = RoundCreateForm(
        request.POST or None,
        initial=initial,
        municipalities=municipalities,
        questionnaires=questionnaires,
        districts=districts_visible_to(access).select_related("municipality").order_by("municipality__name", "name"),
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        schools = None
        if data["participants"] == "districts":
            schools = School.objects.filter(municipality=data["municipality"], district__in=data["districts"], is_active=True)
        questionnaire = questionnaire_new_version(questionnaire=data["questionnaire"]) if data["new_version"] else data["questionnaire"]
        done, submission_round = _write(
            request,
            lambda: round_create(
                title=data["title"],
                municipality=data["municipality"],
                questionnaire=questionnaire,
                year=data["year"],
                opens_at=data["opens_at"],
                closes_at=data["closes_at"],
                deviation_threshold=data["deviation_threshold"],
                schools=schools,
                user=request.user,
            ),
            "Раунд создан. Проверьте участников и откройте приём анкет, когда всё готово.",
        )
        if done:
            return redirect("surveys:round-manage", round_id=submission_round.pk)
    return render(request, "surveys/round_create.html", {"form": form, "access": access})


@login_required
def round_manage(request, round_id: int):
    access, submission_round = _managed_round(request, round_id)
    _, total = selectors.completeness_by_district(submission_round=submission_round, access=access)
    context = {
        "round": submission_round,
        "total": total,
        "events": selectors.round_events(submission_round=submission_round),
        "joinable": selectors.round_joinable_schools(submission_round=submission_round).count() if submission_round.state != "closed" else 0,
        "now": timezone.now(),
    }
    return render(request, "surveys/round_manage.html", context)


def _school_filter(request, submission_round: SubmissionRound, access) -> tuple[RoundSchoolFilterForm, dict, str]:
    """The round pages' filter of their school lists (from the query string, also when the page posts) and the
    query string to carry into the pages' links."""
    filters = RoundSchoolFilterForm(
        request.GET or None,
        districts=districts_visible_to(access).filter(municipality_id=submission_round.municipality_id),
        municipality_id=submission_round.municipality_id,
    )
    query = request.GET.copy()
    for name in ("page", "add_page"):
        query.pop(name, None)
    return filters, filters.chosen(), query.urlencode()


@login_required
def round_participants_view(request, round_id: int):
    access, submission_round = _managed_round(request, round_id)
    filters, chosen, query = _school_filter(request, submission_round, access)
    joinable = selectors.round_joinable_schools(submission_round=submission_round, **chosen)
    form = RoundParticipantsAddForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if form.cleaned_data["scope"] == "found":
            adding = list(joinable)
        else:
            adding = list(joinable.filter(pk__in=form.cleaned_data["schools"]))
        note = " Кураторы новых школ получили уведомление об открытом мониторинге." if submission_round.state == "open" and adding else ""
        _write(
            request,
            lambda: round_participants_add(submission_round=submission_round, schools=adding, user=request.user),
            lambda added: f"Добавлено школ: {added}.{note}",
        )
        return redirect(f"{reverse('surveys:round-participants', args=[submission_round.pk])}{'?' + query if query else ''}")
    context = {
        "round": submission_round,
        "page": page_of(selectors.round_participants(submission_round=submission_round, **chosen), request.GET.get("page"), size=ROUND_PAGE_SIZE),
        "joinable": page_of(joinable, request.GET.get("add_page"), size=ROUND_PAGE_SIZE) if submission_round.state != "closed" else None,
        "form": form,
        "filters": filters,
        "filtered": bool(chosen),
        "query": query,
    }
    return render(request, "surveys/round_participants.html", context)


@login_required
@require_POST
def round_participant_remove(request, round_id: int, school_id: int):
    _, submission_round = _managed_round(request, round_id)
    school = get_object_or_404(submission_round.schools.all(), pk=school_id)
    _write(
        request,
        lambda: round_participants_remove(submission_round=submission_round, schools=[school], user=request.user),
        f"Школа {school.quoted_name} исключена из раунда.",
    )
    return redirect("surveys:round-participants", round_id=submission_round.pk)


@login_required
@require_POST
def round_join_all(request, round_id: int):
    """One click: every active school of the municipality that is not in the round joins it."""
    _, submission_round = _managed_round(request, round_id)
    schools = list(selectors.round_joinable_schools(submission_round=submission_round))
    _write(
        request,
        lambda: round_participants_add(submission_round=submission_round, schools=schools, user=request.user),
        lambda added: f"В раунд «{submission_round.title}» добавлено школ: {added}.",
    )
    back = request.POST.get("next", "")
    if back and url_has_allowed_host_and_scheme(back, allowed_hosts=None):
        return redirect(back)
    return redirect("surveys:round-manage", round_id=submission_round.pk)


@login_required
@require_POST
def round_open_view(request, round_id: int):
    _, submission_round = _managed_round(request, round_id)
    _write(
        request,
        lambda: round_open(submission_round=submission_round, user=request.user),
        "Приём анкет открыт, опросная форма заморожена. Кураторы школ-участников получили уведомление.",
    )
    return redirect("surveys:round-manage", round_id=submission_round.pk)


@login_required
def round_extend_view(request, round_id: int):
    access, submission_round = _managed_round(request, round_id)
    filters, chosen, query = _school_filter(request, submission_round, access)
    participants = selectors.round_participants(submission_round=submission_round, **chosen)
    page = page_of(participants, request.GET.get("page"), size=ROUND_PAGE_SIZE)
    form = RoundExtendForm(
        request.POST or None, found=page.paginator.count if chosen else None, initial={"closes_at": timezone.localtime(submission_round.closes_at)}
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if data["target"] == "all":
            schools = None
        elif data["target"] == "found":
            schools = list(participants)
        else:
            schools = list(selectors.round_participants(submission_round=submission_round).filter(pk__in=data["schools"]))
        whom = "всех школ" if schools is None else f"выбранных школ ({len(schools)})"
        done, _ = _write(
            request,
            lambda: round_deadline_extend(
                submission_round=submission_round, closes_at=data["closes_at"], user=request.user, schools=schools, reason=data["reason"]
            ),
            f"Срок для {whom} продлён до {timezone.localtime(data['closes_at']):%d.%m.%Y %H:%M}. Школам отправлены уведомления.",
        )
        if done:
            return redirect("surveys:round-manage", round_id=submission_round.pk)
    context = {"round": submission_round, "form": form, "page": page, "filters": filters, "filtered": bool(chosen), "query": query}
    return render(request, "surveys/round_extend.html", context)


@login_required
def round_close_view(request, round_id: int):
    access, submission_round = _managed_round(request, round_id)
    return _step_page(
        request,
        submission_round,
        RoundConfirmForm(request.POST or None),
        lambda data: round_close(submission_round=submission_round, user=request.user, fix=False),
        lambda data: "Раунд закрыт: анкеты больше не принимаются. Когда всё проверено, зафиксируйте итоги.",
        "surveys/round_close.html",
        lambda: {"summary": selectors.round_summary(submission_round=submission_round, access=access), "now": timezone.now()},
    )


@login_required
@require_POST
def round_fix_view(request, round_id: int):
    _, submission_round = _managed_round(request, round_id)
    if not RoundConfirmForm(request.POST).is_valid():
        messages.error(request, "Отметьте подтверждение: после фиксации итоги меняются только через исправление с указанием причины.")
    else:
        _write(
            request,
            lambda: round_results_fix(submission_round=submission_round, user=request.user),
            "Итоги зафиксированы: рейтинг пересчитан в последний раз по отправленным анкетам.",
        )
    return redirect("surveys:round-manage", round_id=submission_round.pk)


@login_required
def round_reopen_view(request, round_id: int):
    _, submission_round = _managed_round(request, round_id)
    proposed = max(timezone.localtime() + timezone.timedelta(days=7), timezone.localtime(submission_round.closes_at))
    return _step_page(
        request,
        submission_round,
        RoundReopenForm(request.POST or None, initial={"closes_at": proposed}),
        lambda data: round_reopen(submission_round=submission_round, closes_at=data["closes_at"], user=request.user, reason=data["reason"]),
        lambda data: "Раунд снова открыт. Школы получили уведомление с новым сроком.",
        "surveys/round_reopen.html",
    )


@login_required
def round_joinable_view(request):
    """Where the import result page and the admin send people: open rounds and the schools not in them yet."""
    access = require_role(request, STAFF, MANAGERS_ONLY)
    return render(request, "surveys/round_joinable.html", {"rounds": selectors.open_rounds_with_joinable_schools(access=access)})
