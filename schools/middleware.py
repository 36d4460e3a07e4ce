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
