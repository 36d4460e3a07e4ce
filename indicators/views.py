from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from schools.roles import Role, access_for

from . import selectors, services
from .forms import CalendarStartForm, KeyResultCompletedForm, ProcessEventForm


def _reader(request):
    """Anyone with a role reads roadmaps (curators too: the roadmap is theirs to carry out)."""
    access = access_for(request)
    if access.role == Role.NONE:
        raise PermissionDenied("Нет доступа к дорожным картам")
    return access


def _recorder(request):
    access = access_for(request)
    if not access.sees_city:
        raise PermissionDenied("Вносить проведённые мероприятия могут методисты и администраторы")
    return access


@login_required
def roadmap_list(request):
    access = _reader(request)
    summaries = selectors.roadmap_summaries(access, timezone.localdate())
    return render(request, "indicators/roadmap_list.html", {"summaries": summaries})


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
    access = _recorder(request)
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
    access = _recorder(request)
    event = get_object_or_404(selectors.events_visible_to(access), pk=pk)
    services.process_event_delete(event=event)
    messages.success(request, f"Мероприятие «{event.title}» удалено.")
    return redirect("indicators:keyresult-detail", pk=event.key_result_id)


@login_required
@require_POST
def key_result_completed(request, pk: int):
    access = _recorder(request)
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
