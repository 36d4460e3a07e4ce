"""Pages of notices: the list behind the bell, its unread count, opening one, and how a person wants to be told."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from . import notices
from .forms import NoticePreferenceForm

NOTICES_PAGE_SIZE = 50


@login_required
def notice_list(request):
    page = Paginator(notices.notices_for(user=request.user), NOTICES_PAGE_SIZE).get_page(request.GET.get("page"))
    context = {"page": page, "items": page.object_list, "unread": notices.notices_unread_count(user=request.user), "query": ""}
    return render(request, "notices/notice_list.html", context)


@login_required
def notice_count(request):
    return JsonResponse({"unread": notices.notices_unread_count(user=request.user)})


@login_required
@require_POST
def notice_open(request, notice_id: int):
    notice = get_object_or_404(notices.notices_for(user=request.user), pk=notice_id)
    notices.notices_mark_read(user=request.user, notice_ids=[notice.pk])
    if notice.link and url_has_allowed_host_and_scheme(notice.link, allowed_hosts=None):
        return redirect(notice.link)
    return redirect("notices:list")


@login_required
@require_POST
def notice_read_all(request):
    count = notices.notices_mark_read(user=request.user)
    messages.success(request, f"Отмечено прочитанными: {count}." if count else "Непрочитанных уведомлений нет.")
    return redirect("notices:list")


@login_required
def notice_settings(request):
    initial = {"by_email": notices.notice_prefers_email(user=request.user)}
    form = NoticePreferenceForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        notices.notice_preference_set(user=request.user, by_email=form.cleaned_data["by_email"] == "email")
        messages.success(request, "Настройка сохранена.")
        return redirect("notices:settings")
    return render(request, "notices/notice_settings.html", {"form": form, "email": request.user.email})
