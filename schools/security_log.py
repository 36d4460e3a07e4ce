"""Receivers of the sign-in signals: each writes one entry of the security log (schools.services)."""

from .models import SecurityEvent
from .services import security_event_record


def on_sign_in(sender, request, user, **kwargs):
    from . import two_factor

    security_event_record(kind=SecurityEvent.Kind.SIGN_IN, request=request, user=user)
    if request is not None and hasattr(request, "session"):
        two_factor.duty_at_sign_in(request, user)


def on_sign_out(sender, request, user, **kwargs):
    if user is not None:
        security_event_record(kind=SecurityEvent.Kind.SIGN_OUT, request=request, user=user)


def on_sign_in_failed(sender, credentials, request=None, **kwargs):
    if request is None:
        return
    username = str((credentials or {}).get("username") or "")
    detail = "при смене пароля" if request.path.startswith("/accounts/password") else ""
    security_event_record(kind=SecurityEvent.Kind.SIGN_IN_FAILED, request=request, user=None, username=username, detail=detail)


def on_locked_out(sender, request, username=None, ip_address=None, **kwargs):
    security_event_record(kind=SecurityEvent.Kind.LOCKED_OUT, request=request, user=None, username=str(username or ""))
