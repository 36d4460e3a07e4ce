from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from schools.roles import ADMINISTRATORS, SIGNED_IN, STAFF, Role, access_for, require_role

from . import plans, selectors, services
from .forms import CalendarStartForm, IndicatorActualForm, KeyResultCompletedForm, LineReportForm, LineReviewForm, NextPeriodForm, ProcessEventForm
from .models import PlanRole

READ_MESSAGE = "Нет доступа к дорожным картам"
RECORD_MESSAGE = "Вносить проведённые мероприятия могут методисты и администраторы"


def _reader(request):
    """Anyone with a role reads roadmaps (curators too: the roadmap is theirs to carry out)."""
    access = access_for(request)
    # People a district roadmap names (its coordinator, its controlling persons) read the roadmaps they act for.
    if access.role == Role.NONE and PlanRole.objects.filter(user_id=request.user.pk).exists():
        return access
    return require_role(request, SIGNED_IN, READ_MESSAGE)


@login_required
def roadmap_list(request):
    access = _reader(request)
    today = timezone.localdate()
    summaries = selectors.roadmap_summaries(access, today)
    return render(request, "indicators/roadmap_list.html", {"summaries": summaries, "today": today})


@login_required
def roadmap_detail(request, pk: int):
    access = _reader(request)
    roadmap = get_object_or_404(selectors.roadmaps_visible_to(access), pk=pk)
    detail = selectors.roadmap_detail(roadmap, timezone.localdate())
    return render(request, "indicators/roadmap_detail.html", {"roadmap": roadmap, "detail": detail})


def _key_result_page(request, access, key_result, event_form=None, status=200):
    row = selectors.key_result_detail(key_result, timezone.localdate())
    context = {
        "row": row,
        "kr": key_result,
        "fact_rule": key_result.FACT_RULES.get(key_result.fact, ""),
        "events": selectors.events_visible_to(access).filter(key_result=key_result),
        "can_record": access.sees_city,
        "event_form": event_form or ProcessEventForm(initial={"date": timezone.localdate()}),
        "completed_form": KeyResultCompletedForm(initial={"completed_on": key_result.completed_on or timezone.localdate()}),
    }
    return render(request, "indicators/keyresult_detail.html", context, status=status)


@login_required
def key_result_detail(request, pk: int):
    access = _reader(request)
    key_result = get_object_or_404(selectors.key_results_visible_to(access), pk=pk)
    return _key_result_page(request, access, key_result)


@login_required
@require_POST
def event_create(request, pk: int):
    access = require_role(request, STAFF, RECORD_MESSAGE)
    key_result = get_object_or_404(selectors.key_results_visible_to(access), pk=pk)
    form = ProcessEventForm(request.POST, request.FILES)
    if not form.is_valid():
        return _key_result_page(request, access, key_result, event_form=form, status=400)
    event = services.process_event_record(key_result=key_result, recorded_by=request.user, **form.cleaned_data)
    messages.success(request, f"Мероприятие «{event.title}» от {event.date:%d.%m.%Y} внесено.")
    return redirect("indicators:keyresult-detail", pk=key_result.pk)


@login_required
@require_POST
def event_delete(request, pk: int):
    access = require_role(request, STAFF, RECORD_MESSAGE)
    event = get_object_or_404(selectors.events_visible_to(access), pk=pk)
    services.process_event_delete(event=event)
    messages.success(request, f"Мероприятие «{event.title}» удалено.")
    return redirect("indicators:keyresult-detail", pk=event.key_result_id)


@login_required
@require_POST
def key_result_completed(request, pk: int):
    access = require_role(request, STAFF, RECORD_MESSAGE)
    key_result = get_object_or_404(selectors.key_results_visible_to(access), pk=pk)
    form = KeyResultCompletedForm(request.POST)
    if form.is_valid():
        services.key_result_set_completed(key_result=key_result, completed_on=form.cleaned_data["completed_on"])
        messages.success(request, "Отметка о выполнении сохранена." if key_result.completed_on else "Отметка о выполнении снята.")
    return redirect("indicators:keyresult-detail", pk=key_result.pk)


@login_required
def event_document(request, pk: int):
    access = _reader(request)
    event = get_object_or_404(selectors.events_visible_to(access).exclude(document=""), pk=pk)
    return FileResponse(event.document.open("rb"), as_attachment=True, filename=event.document.name.rsplit("/", 1)[-1])


@login_required
def calendar_view(request):
    access = _reader(request)
    form = CalendarStartForm(request.GET or None)
    valid = form.is_valid() if form.is_bound else True
    start = (valid and form.is_bound and form.cleaned_data["start"]) or timezone.localdate()
    days = selectors.CALENDAR_DAYS
    entries = selectors.calendar_entries(access, start, days)
    context = {
        "form": form if form.is_bound else CalendarStartForm(initial={"start": start}),
        "start": start,
        "end": start + timezone.timedelta(days=days - 1),
        "days": selectors.calendar_days(entries),
        "months": selectors.calendar_months(start, days, entries, timezone.localdate()),
    }
    return render(request, "indicators/roadmap_calendar.html", context, status=200 if valid else 400)


# --- Plans people report against ---------------------------------------------------------------


@login_required
def plan_detail(request, pk: int):
    access = _reader(request)
    roadmap = get_object_or_404(plans.plans_visible_to(access), pk=pk)
    lines = plans.plan_lines([roadmap], timezone.localdate())
    only_overdue = request.GET.get("state") == "overdue"
    context = {
        "roadmap": roadmap,
        "results": [line for line in lines if line.kind == plans.RESULT and (not only_overdue or line.state == plans.OVERDUE)],
        "activities": [line for line in lines if line.kind == plans.ACTIVITY and (not only_overdue or line.state == plans.OVERDUE)],
        "summary": plans.summarize(lines),
        "indicator_rows": plans.plan_indicator_rows(roadmap),
        "only_overdue": only_overdue,
        "overdue_state": plans.OVERDUE,
    }
    return render(request, "indicators/plan_detail.html", context)


def _line_or_404(access, pk: int, kind: str, line_pk: int):
    if kind not in (plans.ACTIVITY, plans.RESULT):
        raise Http404
    roadmap = get_object_or_404(plans.plans_visible_to(access), pk=pk)
    line = plans.plan_line(roadmap, kind, line_pk, timezone.localdate())
    if line is None:
        raise Http404
    return line


def _line_page(request, access, line, report_form=None, status=200):
    context = {
        "line": line,
        "roadmap": line.roadmap,
        "may_report": line.may_report(request.user),
        "may_review": line.may_review(request.user, access),
        "report_form": report_form or LineReportForm(document_text=line.document_text),
        "review_form": LineReviewForm(),
    }
    return render(request, "indicators/plan_line.html", context, status=status)


@login_required
def plan_line(request, pk: int, kind: str, line_pk: int):
    access = _reader(request)
    return _line_page(request, access, _line_or_404(access, pk, kind, line_pk))


@login_required
@require_POST
def plan_line_report(request, pk: int, kind: str, line_pk: int):
    access = _reader(request)
    line = _line_or_404(access, pk, kind, line_pk)
    if not line.may_report(request.user):
        raise PermissionDenied("Отчитываться по этой строке может только её исполнитель, пока строка не выполнена и отчёт не ждёт подтверждения")
    form = LineReportForm(request.POST, request.FILES, document_text=line.document_text)
    if not form.is_valid():
        return _line_page(request, access, line, report_form=form, status=400)
    target = {"activity": line.obj} if line.kind == plans.ACTIVITY else {"key_result": line.obj}
    try:
        services.line_report_create(roadmap=line.roadmap, user=request.user, **target, **form.cleaned_data)
    except services.PlanReportError as exc:
        messages.error(request, str(exc))
    else:
        sent = "отправлен на подтверждение" if form.cleaned_data["progress"] == "done" else "сохранён"
        messages.success(request, f"Отчёт по строке {line.number} {sent}.")
    return redirect("indicators:plan-line", pk=pk, kind=kind, line_pk=line_pk)


@login_required
@require_POST
def plan_report_review(request, pk: int):
    access = _reader(request)
    report = get_object_or_404(plans.reports_visible_to(access), pk=pk)
    kind, line_pk = (plans.ACTIVITY, report.activity_id) if report.activity_id else (plans.RESULT, report.key_result_id)
    line = _line_or_404(access, report.roadmap_id, kind, line_pk)
    if not line.may_review(request.user, access) or line.pending.pk != report.pk:
        raise PermissionDenied("Подтверждает или возвращает отчёт контролирующее лицо строки")
    form = LineReviewForm(request.POST)
    if form.is_valid():
        try:
            services.line_report_review(
                report=report, user=request.user, confirm=form.cleaned_data["decision"] == "confirm", comment=form.cleaned_data["comment"]
            )
        except services.PlanReportError as exc:
            messages.error(request, str(exc))
        else:
            done = form.cleaned_data["decision"] == "confirm"
            messages.success(request, f"Строка {line.number}: " + ("выполнение подтверждено." if done else "отчёт возвращён исполнителю."))
    return redirect("indicators:plan-line", pk=report.roadmap_id, kind=kind, line_pk=line_pk)


@login_required
def plan_report_document(request, pk: int):
    access = _reader(request)
    report = get_object_or_404(plans.reports_visible_to(access).exclude(document=""), pk=pk)
    return FileResponse(report.document.open("rb"), as_attachment=True, filename=report.document_name)


@login_required
def plan_attention(request):
    """Overdue lines across every plan, reports awaiting confirmation, and the user's own lines."""
    access = _reader(request)
    groups = plans.lines_needing_attention(access, timezone.localdate())
    return render(request, "indicators/plan_attention.html", {"groups": groups, "roadmaps": plans.plans_visible_to(access)})


# --- Periods of a roadmap ----------------------------------------------------------------------


@login_required
def roadmap_next_period(request, pk: int):
    """An administrator creates the next period of a roadmap from it (directions and results copied)."""
    access = require_role(request, ADMINISTRATORS, "Следующий период дорожной карты создаёт администратор")
    roadmap = get_object_or_404(selectors.roadmaps_visible_to(access), pk=pk)
    start = roadmap.period_end + timezone.timedelta(days=1)
    initial = {"title": roadmap.title, "period_start": start, "period_end": start.replace(year=start.year + 2) - timezone.timedelta(days=1)}
    form = NextPeriodForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            new = services.roadmap_next_period_create(roadmap=roadmap, **form.cleaned_data)
        except services.PlanReportError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(
                request, f"Создан следующий период {new.period_start:%d.%m.%Y} — {new.period_end:%d.%m.%Y}: задайте сроки и целевые значения результатов."
            )
            return redirect("indicators:roadmap-detail", pk=new.pk)
    status = 400 if form.errors else 200
    return render(request, "indicators/roadmap_next_period.html", {"roadmap": roadmap, "form": form}, status=status)


@login_required
def plan_indicator(request, pk: int, indicator_pk: int):
    """A plan indicator's targets and actuals per year; its executor (the school's curator) reports the actual of a year."""
    access = _reader(request)
    roadmap = get_object_or_404(plans.plans_visible_to(access), pk=pk)
    rows = plans.plan_indicator_rows(roadmap, only=indicator_pk)
    if not rows:
        raise Http404
    row = rows[0]
    may_report = row.executor is not None and row.executor.pk == request.user.pk
    years = list(range(roadmap.period_start.year, roadmap.period_end.year + 1))
    form = IndicatorActualForm(request.POST or None, years=years, initial={"year": min(max(years), timezone.localdate().year)})
    if request.method == "POST":
        if not may_report:
            raise PermissionDenied("Фактические значения показателей плана вносит исполнитель плана")
        if form.is_valid():
            actual = services.indicator_actual_record(indicator=row.indicator, user=request.user, **form.cleaned_data)
            messages.success(request, f"Значение за {actual.year} год сохранено.")
            return redirect("indicators:plan-indicator", pk=pk, indicator_pk=indicator_pk)
    context = {"roadmap": roadmap, "row": row, "form": form, "may_report": may_report}
    return render(request, "indicators/plan_indicator.html", context, status=400 if form.errors else 200)
