"""Views of the dashboard and the Excel exports."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.utils import timezone

from schools.roles import access_for

from .dashboard import DashboardFilterForm, dashboard, rounds_for_dashboard


def _reviewer(request):
    access = access_for(request)
    if not access.can_review:
        raise PermissionDenied("Сводка доступна методистам, администраторам и районным отделам образования")
    return access


@login_required
def dashboard_view(request):
    access = _reviewer(request)
    rounds = list(rounds_for_dashboard(access))
    form = DashboardFilterForm(request.GET or None, access=access, years=sorted({r.year for r in rounds}, reverse=True))
    board = dashboard(access, form.filters() if form.is_bound else {}, rounds, timezone.localdate())
    return render(request, "ratings/dashboard.html", {"form": form, "board": board, "charts": board.charts()})
