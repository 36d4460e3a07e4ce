"""Pages shown when a request is refused: a stale form (CSRF) and a login lockout, in Russian."""

from django.conf import settings
from django.shortcuts import render

from .lockout import ACCOUNT, ADDRESS, lock_for


def csrf_failure(request, reason: str = "", template_name: str = "403_csrf.html"):
    """A form sent after its security token changed (re-login in another tab, a long pause)."""
    return render(request, template_name, {"reason": reason}, status=403)


def lockout_response(request, credentials=None):
    """django-axes calls this when a sign-in is refused; 429 tells robots to slow down."""
    lock = getattr(request, "portal_lock", None)
    if lock is None:
        username = (credentials or {}).get("username") or request.POST.get("username")
        lock = lock_for(username=username, address=getattr(request, "axes_ip_address", None))
    context = {
        "lock": lock,
        "kind": lock.kind if lock else ACCOUNT,
        "ADDRESS": ADDRESS,
        "ACCOUNT": ACCOUNT,
        "minutes_left": max(1, round(lock.seconds_left / 60)) if lock else round(settings.AXES_COOLOFF_TIME.total_seconds() / 60),
        "failure_limit": settings.AXES_FAILURE_LIMIT,
        "address_limit": settings.AXES_ADDRESS_FAILURE_LIMIT,
    }
    response = render(request, settings.AXES_LOCKOUT_TEMPLATE, context, status=429)
    if lock:
        response["Retry-After"] = str(lock.seconds_left)
    return response
