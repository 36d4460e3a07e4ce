from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render

from .roles import Role, access_for
from .selectors import school_card as school_card_data
from .selectors import schools_visible_to
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


@login_required
def school_card(request, pk: int):
    access = access_for(request)
    if access.role == Role.NONE:
        raise PermissionDenied("Карточки школ доступны сотрудникам управления, районов и кураторам")
    school = get_object_or_404(schools_visible_to(access), pk=pk)
    return render(request, "schools/school_card.html", {"card": school_card_data(school)})


def import_upload(request):
    return redirect("home")


import_template = import_preview = import_done = import_credentials = import_upload
