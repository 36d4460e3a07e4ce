"""Pages shown when a request is refused: a stale form (CSRF) and a login lockout, in Russian."""

from django.conf import settings
from django.shortcuts import render


def csrf_failure(request, reason: str = "", template_name: str = "403_csrf.html"):
    """A form sent after its security token changed (re-login in another tab, a long pause)."""
    return render(request, template_name, {"reason": reason}, status=403)


def lockout_response(request, credentials=None):
    """django-axes calls this when an account or an address is locked; 429 tells robots to slow down."""
    minutes = max(1, round(settings.AXES_COOLOFF_TIME.total_seconds() / 60))
    return render(request, settings.AXES_LOCKOUT_TEMPLATE, {"cooloff_minutes": minutes, "failure_limit": settings.AXES_FAILURE_LIMIT}, status=429)
