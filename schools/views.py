from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render

from .roles import Role, access_for
from .services import profile_clear_password_duty


@login_required
def home(request):
    role = access_for(request).role
    if role == Role.CURATOR:
        return redirect("surveys:my-school")
    if role != Role.NONE:
        return redirect("ratings:dashboard")
    return render(request, "home.html")


class PasswordChangeView(auth_views.PasswordChangeView):
    def form_valid(self, form):
        response = super().form_valid(form)
        profile_clear_password_duty(user=self.request.user)
        return response
