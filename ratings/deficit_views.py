"""From deficits to the plan: the methodologists' library of activities per section, and the curator adding one to the plan."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from schools.roles import access_for
from surveys.models import Section

from . import deficits, selectors
from .forms import ActivitySuggestionForm, DeficitActivityForm
from .models import ActivitySuggestion


def _methodologist(request):
    access = access_for(request)
    if not access.sees_city:
        raise PermissionDenied("Библиотеку мероприятий ведут методисты")
    return access


@login_required
def suggestion_list(request):
    _methodologist(request)
    form = ActivitySuggestionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        suggestion = form.save(commit=False)
        suggestion.created_by = request.user
        suggestion.save()
        messages.success(request, f"Мероприятие добавлено в библиотеку раздела «{suggestion.section_title}».")
        return redirect("ratings:suggestion-list")
    context = {
        "suggestions": ActivitySuggestion.objects.all(),
        "form": form,
        "section_titles": sorted(set(Section.objects.values_list("title", flat=True))),
    }
    return render(request, "ratings/suggestion_list.html", context, status=400 if form.errors else 200)


@login_required
@require_POST
def suggestion_delete(request, pk: int):
    _methodologist(request)
    suggestion = get_object_or_404(ActivitySuggestion, pk=pk)
    suggestion.delete()
    messages.success(request, "Мероприятие удалено из библиотеки; уже добавленные в планы школ остаются.")
    return redirect("ratings:suggestion-list")


@login_required
@require_POST
def deficit_activity_add(request, round_id: int, school_id: int):
    access = access_for(request)
    if not access.is_curator:
        raise PermissionDenied("Мероприятие в план школы добавляет её куратор")
    submission_round = selectors.round_visible(access, round_id)
    card = selectors.rating_card(access, submission_round, school_id)
    form = DeficitActivityForm(request.POST)
    if form.is_valid():
        suggestion = get_object_or_404(ActivitySuggestion, pk=form.cleaned_data["suggestion"])
        try:
            activity = deficits.deficit_activity_add(
                card=card,
                suggestion=suggestion,
                start_date=form.cleaned_data["start_date"],
                end_date=form.cleaned_data["end_date"],
                responsible=form.cleaned_data["responsible"],
            )
        except deficits.DeficitError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, f"Мероприятие {activity.number} добавлено в план школы: {activity.start_date:%d.%m.%Y} — {activity.end_date:%d.%m.%Y}.")
    else:
        messages.error(request, "Укажите даты начала и окончания мероприятия.")
    return redirect("ratings:school-round", round_id=round_id, school_id=school_id)
