from django.shortcuts import redirect
from django.urls import reverse


class ForcePasswordChangeMiddleware:
    """A curator created by an import must replace the one-time password before anything else."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            profile = getattr(user, "profile", None) if hasattr(user, "profile") else None
            if profile is not None and profile.must_change_password:
                allowed = {reverse("password_change"), reverse("password_change_done"), reverse("logout")}
                if request.path not in allowed and not request.path.startswith("/static/"):
                    return redirect("password_change")
        return self.get_response(request)


class TwoFactorMiddleware:
    """A session that signed in with the password still owes the second factor: the code (an account with an
    authenticator) or setting one up (a role that requires it). Until then only those pages and «Выйти» open."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from . import two_factor

        user = getattr(request, "user", None)
        owed = two_factor.duty(request) if user is not None and user.is_authenticated else ""
        if owed:
            target = "two-factor-verify" if owed == two_factor.VERIFY else "two-factor-setup"
            allowed = {reverse(target), reverse("logout")}
            if request.path not in allowed and not request.path.startswith("/static/"):
                return redirect(target)
        return self.get_response(request)


class PersonalDataNoticeMiddleware:
    """At the first sign-in (and after the notice changes) the person reads how the portal processes their personal
    data and accepts it before anything else; the acceptance is recorded with its date (PersonalDataConsent)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from django.conf import settings

        from .models import PersonalDataConsent

        user = getattr(request, "user", None)
        version = settings.PERSONAL_DATA_NOTICE_VERSION
        if version and user is not None and user.is_authenticated and not request.path.startswith(("/static/", "/admin/")):
            allowed = {reverse("operations:personal-data-notice"), reverse("logout")}
            if request.path not in allowed and not PersonalDataConsent.objects.filter(user=user, notice_version=version).exists():
                return redirect(f"{reverse('operations:personal-data-notice')}?next={request.get_full_path()}")
        return self.get_response(request)
