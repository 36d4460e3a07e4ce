"""The operator's endpoint and the administrators' health page."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST, require_safe

from schools.models import PersonalDataAct
from schools.roles import access_for
from schools.selectors import people_search, person_data
from schools.services import ANONYMISED_PREFIX, person_anonymise, personal_data_access_record, personal_data_notice_accept

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


# --- Personal data (152-ФЗ): everything about one person, its export and destruction -----------------


def _administrator(request):
    if not access_for(request).is_administrator:
        raise PermissionDenied("Персональные данные по запросу человека выдаёт и уничтожает администратор.")


@login_required
@never_cache
def people(request):
    _administrator(request)
    query = request.GET.get("q", "").strip()[:100]
    context = {
        "query": query,
        "found": people_search(query),
        "acts": PersonalDataAct.objects.select_related("performed_by")[:20],
        "retention_days": f"{settings.PERSONAL_DATA_RETENTION_DAYS} дней",
    }
    return render(request, "operations/people.html", context)


@login_required
@never_cache
def person(request, pk: int):
    _administrator(request)
    user = get_object_or_404(get_user_model(), pk=pk)
    data = person_data(user)
    personal_data_access_record(request=request, what="страница «Персональные данные человека»", subjects=[user])
    anonymised = user.username.startswith(ANONYMISED_PREFIX)
    return render(request, "operations/person.html", {"person": user, "data": data, "anonymised": anonymised})


@login_required
@never_cache
def person_export(request, pk: int):
    """What the portal holds about the person, as a file to hand them (JSON, readable and machine-readable)."""
    _administrator(request)
    user = get_object_or_404(get_user_model(), pk=pk)
    personal_data_access_record(request=request, what="выгрузка всех персональных данных человека (JSON)", subjects=[user])
    response = JsonResponse(person_data(user), json_dumps_params={"ensure_ascii": False, "indent": 1})
    response["Content-Disposition"] = f'attachment; filename="personal-data-{user.pk}.json"'
    return response


@login_required
@require_POST
def person_anonymise_view(request, pk: int):
    _administrator(request)
    user = get_object_or_404(get_user_model(), pk=pk)
    if user.is_superuser or user.pk == request.user.pk:
        raise PermissionDenied("Учётные записи администраторов портала обезличивать нельзя: сначала снимите с них права.")
    try:
        act = person_anonymise(user=user, reason=PersonalDataAct.Reason.DECISION, performed_by=request.user)
    except ValueError as error:
        messages.error(request, str(error))
        return redirect("operations:person", pk=pk)
    messages.success(request, f"Персональные данные обезличены. Составлен акт № {act.pk}: в нём перечислено, что уничтожено, и выписка из журнала.")
    return redirect("operations:people")


@login_required
def act_document(request, pk: int):
    _administrator(request)
    act = get_object_or_404(PersonalDataAct, pk=pk)
    return FileResponse(act.document.open("rb"), as_attachment=True, filename=f"akt-unichtozheniya-pd-{act.pk}.docx")


@login_required
@never_cache
def personal_data_notice(request):
    """The notice at the first sign-in: what the portal keeps, why, for how long, and the person's rights; «Принимаю»."""
    version = settings.PERSONAL_DATA_NOTICE_VERSION
    target = request.GET.get("next") or request.POST.get("next") or ""
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        target = ""
    if request.method == "POST" and version:
        personal_data_notice_accept(user=request.user, version=version)
        return redirect(target or "home")
    context = {"version": version, "next": target, "retention_days": settings.PERSONAL_DATA_RETENTION_DAYS}
    return render(request, "operations/personal_data_notice.html", context)
