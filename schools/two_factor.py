"""Two-factor sign-in (TOTP, django-otp): a code from an authenticator app after the password, and one-time
recovery codes for a lost phone.

Required for administrators and methodologists where TWO_FACTOR_REQUIRED is on (by default in production);
offered to everyone else. What a signed-in session still has to do is kept in the session at sign-in
(`two_factor_duty`), so ordinary pages cost no extra query: «verify» (the account has a device, the code is not
yet entered) or «setup» (the role requires a device the account does not have).
"""

import base64

import segno
from django.conf import settings
from django.db import transaction
from django_otp import devices_for_user, user_has_device
from django_otp import login as otp_login
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from .models import SecurityEvent
from .roles import Access

SESSION_KEY = "two_factor_duty"
VERIFY, SETUP = "verify", "setup"
RECOVERY_CODES = 10
DEVICE_NAME = "Приложение-аутентификатор"


def required_for(user) -> bool:
    return settings.TWO_FACTOR_REQUIRED and Access(user).sees_city


def duty_at_sign_in(request, user) -> None:
    """Called at every sign-in: what the new session must do before it may open the portal."""
    if user_has_device(user):
        request.session[SESSION_KEY] = VERIFY
    elif required_for(user):
        request.session[SESSION_KEY] = SETUP
    else:
        request.session.pop(SESSION_KEY, None)


def duty(request) -> str:
    return request.session.get(SESSION_KEY, "")


def enabled(user) -> bool:
    return user_has_device(user)


def totp_device_pending(user) -> TOTPDevice:
    """The account's not yet confirmed authenticator, made once (reloading the page keeps the same QR code)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    return device or TOTPDevice.objects.create(user=user, name=DEVICE_NAME, confirmed=False)


def qr_svg(device: TOTPDevice) -> str:
    """The otpauth:// address as an inline SVG QR code, drawn here (no request leaves the portal)."""
    return segno.make(device.config_url, error="m").svg_inline(scale=4, dark="#000", light="#fff")


def secret_text(device: TOTPDevice) -> str:
    """The key in base32, in groups of four, for typing into an app by hand."""
    key = base64.b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(key[i : i + 4] for i in range(0, len(key), 4))


def _fresh_codes(user) -> list[str]:
    device, _ = StaticDevice.objects.get_or_create(user=user, name="Коды восстановления", defaults={"confirmed": True})
    device.token_set.all().delete()
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODES)]
    StaticToken.objects.bulk_create([StaticToken(device=device, token=code) for code in codes])
    return codes


@transaction.atomic
def totp_confirm(*, request, device: TOTPDevice, token: str) -> list[str] | None:
    """Confirm the authenticator with its first code; the recovery codes to show once, or None for a wrong code."""
    from .services import security_event_record

    if not device.verify_is_allowed()[0] or not device.verify_token(token.replace(" ", "")):
        return None
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    TOTPDevice.objects.filter(user=device.user, confirmed=False).delete()
    codes = _fresh_codes(device.user)
    otp_login(request, device)
    request.session.pop(SESSION_KEY, None)
    security_event_record(kind=SecurityEvent.Kind.TWO_FACTOR, request=request, detail="двухфакторный вход включён")
    return codes


OK, WRONG, WAIT = "ok", "wrong", "wait"


def verify(*, request, token: str) -> str:
    """Check a code from the app or a recovery code (used up). After each wrong code django-otp makes the devices
    wait 1, 2, 4, 8 … seconds: WAIT means the code was not even checked."""
    from .services import security_event_record

    token = token.replace(" ", "").strip()
    devices = list(devices_for_user(request.user, confirmed=True))
    allowed = [device for device in devices if device.verify_is_allowed()[0]]
    if not allowed:
        return WAIT
    for device in allowed:
        if device.verify_token(token):
            otp_login(request, device)
            request.session.pop(SESSION_KEY, None)
            how = "кодом восстановления" if isinstance(device, StaticDevice) else "кодом из приложения"
            security_event_record(kind=SecurityEvent.Kind.TWO_FACTOR, request=request, detail=f"вход подтверждён {how}")
            return OK
    security_event_record(kind=SecurityEvent.Kind.TWO_FACTOR, request=request, detail="неверный код второго фактора")
    return WRONG


def recovery_codes_renew(*, request) -> list[str]:
    from .services import security_event_record

    codes = _fresh_codes(request.user)
    security_event_record(kind=SecurityEvent.Kind.TWO_FACTOR, request=request, detail="выпущены новые коды восстановления")
    return codes


def recovery_codes_left(user) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


@transaction.atomic
def disable(*, request) -> None:
    from .services import security_event_record

    TOTPDevice.objects.filter(user=request.user).delete()
    StaticDevice.objects.filter(user=request.user).delete()
    security_event_record(kind=SecurityEvent.Kind.TWO_FACTOR, request=request, detail="двухфакторный вход выключен")
