"""The operator's endpoint and the administrators' health page."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from schools.roles import access_for

from . import selectors
from .health import run_checks


@require_safe
@never_cache
def health(request):
    """For a load balancer or monitoring: 200 when every part answers, 503 naming the parts that fail. No sign-in, no details."""
    results = run_checks()
    failing = [result.name for result in results if result.failed]
    body = {
        "status": "fail" if failing else "ok",
        "failing": failing,
        "checks": {result.name: {"status": result.status, "ms": result.milliseconds} for result in results},
    }
    return JsonResponse(body, status=503 if failing else 200)


@login_required
@never_cache
def health_page(request):
    if not access_for(request).is_administrator:
        raise PermissionDenied("Состояние портала видят только администраторы.")
    return render(request, "operations/health_page.html", {"page": selectors.health_page()})
