"""Pages of ratings: rounds, a round's rating table, a school's card, the status list of a year, indicator progress."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from schools.roles import ADMINISTRATORS, SIGNED_IN, Access, require_role
from schools.selectors import districts_visible_to

from . import selectors
from .deficits import deficits_block
from .forms import CorrectionForm, RatingFilterForm, StatusConfirmForm
from .services import CorrectionError, StatusConfirmError, round_correction_apply, round_correction_preview, status_awards_confirm

PAGE_SIZE = 100
NO_ROLE = "Вашей учётной записи не назначена роль: обратитесь к администратору портала."


@login_required
def round_list(request):
    access = require_role(request, SIGNED_IN, NO_ROLE)
    return render(request, "ratings/round_list.html", {"rounds": selectors.rounds_with_results(access)})


@login_required
def rating_list(request, round_id: int):
    access = require_role(request, SIGNED_IN, NO_ROLE)
    submission_round = selectors.round_visible(access, round_id)
    form = RatingFilterForm(request.GET or None, districts=districts_visible_to(access).filter(municipality=submission_round.municipality_id).order_by("name"))
    form.fields["district"].widget.attrs["data-municipality"] = submission_round.municipality_id
    filters = form.cleaned_data if form.is_valid() else {}
    district = filters.get("district")
    page, summary = selectors.rating_page(
        access,
        submission_round,
        district_id=district.pk if district else None,
        level=filters.get("level"),
        order=filters.get("order") or "rank",
        number=request.GET.get("page"),
        per_page=PAGE_SIZE,
    )
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "versions": selectors.round_rule_versions(submission_round),
        "round": submission_round,
        "form": form,
        "page": page,
        "summary": summary,
        "scheme": selectors.round_scheme(submission_round),
        "query": query.urlencode(),
    }
    return render(request, "ratings/rating_list.html", context)


@login_required
def rating_detail(request, round_id: int, school_id: int):
    access = require_role(request, SIGNED_IN, NO_ROLE)
    submission_round = selectors.round_visible(access, round_id)
    card = selectors.rating_card(access, submission_round, school_id)
    context = {"round": submission_round, "card": card, "rating": card.rating, "deficits": deficits_block(card)}
    return render(request, "ratings/rating_detail.html", context)


@login_required
def progress_list(request, round_id: int):
    access = require_role(request, SIGNED_IN, NO_ROLE)
    submission_round = selectors.round_visible(access, round_id)
    city, own = selectors.round_indicator_progress(access, submission_round)
    return render(request, "ratings/progress_list.html", {"round": submission_round, "city": city, "own": own})


def _municipality(request, access: Access):
    """The municipality asked for (404 if the user sees none of its schools), else the one with the latest monitoring."""
    municipalities = list(selectors.status_municipalities(access))
    chosen = request.POST.get("municipality") or request.GET.get("m")
    if chosen:
        found = [m for m in municipalities if str(m.pk) == chosen]
        if not found:
            raise Http404("Муниципалитет не найден")
        return found[0], municipalities
    return (municipalities[0] if municipalities else None), municipalities


@login_required
def status_list(request, year: int | None = None):
    access = require_role(request, SIGNED_IN, NO_ROLE)
    municipality, municipalities = _municipality(request, access)
    if municipality is None:
        return render(request, "ratings/status_list.html", {"overview": None})
    years = selectors.status_years(municipality)
    year = year or (years[0] if years else timezone.localdate().year)
    context = {
        "overview": selectors.status_year(access, municipality, year),
        "years": years,
        "municipalities": municipalities if len(municipalities) > 1 else [],
        "form": StatusConfirmForm(),
    }
    return render(request, "ratings/status_list.html", context)


@login_required
@require_POST
def status_confirm(request, year: int):
    access = require_role(request, ADMINISTRATORS, "Подтверждать список школ со статусом может только администратор.")
    municipality, _all = _municipality(request, access)
    form = StatusConfirmForm(request.POST)
    if municipality is not None and form.is_valid():
        try:
            awards = status_awards_confirm(municipality_id=municipality.pk, year=year, user=request.user, order_reference=form.cleaned_data["order_reference"])
        except StatusConfirmError as error:
            messages.error(request, str(error))
        else:
            messages.success(
                request, f"Список подтверждён: статус «Цифровая школа {year}» присвоен, школ в списке добавлено: {len(awards)}. Эти записи постоянные."
            )
    suffix = f"?m={municipality.pk}" if municipality is not None else ""
    return redirect(reverse("ratings:status", args=[year]) + suffix)


@login_required
def round_correction(request, round_id: int):
    """Correct a round whose results are fixed: what would change, school by school; a reason; a permanent log entry."""
    access = require_role(request, ADMINISTRATORS, "Исправлять зафиксированные итоги может только администратор.")
    submission_round = selectors.round_visible(access, round_id)
    form = CorrectionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            correction = round_correction_apply(round_id=submission_round.pk, user=request.user, reason=form.cleaned_data["reason"])
        except CorrectionError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, f"Итоги исправлены: изменились у школ — {correction.changed_schools}. Запись добавлена в журнал исправлений.")
            return redirect("ratings:round-correction", round_id=submission_round.pk)
    context = {
        "round": submission_round,
        "form": form,
        "lines": round_correction_preview(round_id=submission_round.pk) if submission_round.results_final else [],
        "corrections": selectors.round_corrections(submission_round),
    }
    return render(request, "ratings/round_correction.html", context)
