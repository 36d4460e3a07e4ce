import io
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import FileResponse, Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from roadmap_portal.lockout import lockout_lift, lockouts_current

from . import imports, selectors, services, two_factor
from .forms import ImportUploadForm, LockoutLiftForm, OneTimeCodeForm, PortalPasswordChangeForm, SecurityLogFilterForm
from .models import SecurityEvent
from .roles import ADMINISTRATORS, REVIEWERS, STAFF, Role, access_for, require_role
from .selectors import municipalities_visible_to, security_events
from .services import profile_clear_password_duty

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@login_required
def home(request):
    role = access_for(request).role
    if role == Role.CURATOR:
        return redirect("surveys:my-school")
    if role != Role.NONE:
        return redirect("reports:dashboard")
    return render(request, "home.html")


class PasswordChangeView(auth_views.PasswordChangeView):
    form_class = PortalPasswordChangeForm

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "request": self.request}

    def form_valid(self, form):
        response = super().form_valid(form)
        profile_clear_password_duty(user=self.request.user)
        services.security_event_record(kind=SecurityEvent.Kind.PASSWORD_CHANGED, request=self.request)
        return response


@login_required
def lockout_list(request):
    """Who cannot sign in now because of failed attempts, and a button to let them in again."""
    require_role(request, STAFF, "Блокировки входа видят администраторы и методисты")
    form = LockoutLiftForm(request.POST or None)
    if request.method == "POST":
        if not form.is_valid():
            return render(request, "registration/lockout_list.html", _lockout_context(form), status=400)
        data = form.cleaned_data
        lifted = lockout_lift(username=data["username"], address=data["address"] or "")
        target = f"учётная запись {data['username']}" if data["username"] else f"адрес {data['address']}"
        services.security_event_record(kind=SecurityEvent.Kind.LOCKOUT_LIFTED, request=request, detail=f"{target}: забыто записей о неудачах — {lifted}")
        messages.success(request, f"Блокировка снята: {data['username'] or data['address']}. Счётчик неудачных попыток обнулён.")
        return redirect("lockout-list")
    return render(request, "registration/lockout_list.html", _lockout_context(form))


def _lockout_context(form) -> dict:
    from django.conf import settings

    accounts, addresses = lockouts_current()
    return {
        "form": form,
        "accounts": accounts,
        "addresses": addresses,
        "failure_limit": settings.AXES_FAILURE_LIMIT,
        "address_limit": settings.AXES_ADDRESS_FAILURE_LIMIT,
        "cooloff_minutes": round(settings.AXES_COOLOFF_TIME.total_seconds() / 60),
    }


# --- Two-factor sign-in ------------------------------------------------------------------------


@login_required
def two_factor_overview(request):
    """Whether the account asks for a code after the password, and what can be done about it."""
    context = {
        "enabled": two_factor.enabled(request.user),
        "required": two_factor.required_for(request.user),
        "codes_left": two_factor.recovery_codes_left(request.user),
    }
    return render(request, "registration/two_factor_overview.html", context)


@login_required
@never_cache
def two_factor_setup(request):
    """Scan the QR code, type the first code: the authenticator is confirmed and recovery codes are shown once."""
    if two_factor.enabled(request.user) and two_factor.duty(request) != two_factor.VERIFY:
        return redirect("two-factor")
    device = two_factor.totp_device_pending(request.user)
    form = OneTimeCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        codes = two_factor.totp_confirm(request=request, device=device, token=form.cleaned_data["code"])
        if codes is not None:
            return render(request, "registration/two_factor_codes.html", {"codes": codes, "first": True})
        form.add_error("code", "Код не подошёл. Проверьте, что время на телефоне точное, и введите новый код из приложения.")
    context = {"form": form, "qr": two_factor.qr_svg(device), "secret": two_factor.secret_text(device), "required": two_factor.required_for(request.user)}
    return render(request, "registration/two_factor_setup.html", context, status=400 if form.errors else 200)


@login_required
@never_cache
def two_factor_verify(request):
    """The second step of signing in: a code from the app or a recovery code."""
    if two_factor.duty(request) != two_factor.VERIFY:
        return redirect("home")
    form = OneTimeCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        outcome = two_factor.verify(request=request, token=form.cleaned_data["code"])
        if outcome == two_factor.OK:
            return redirect("home")
        if outcome == two_factor.WAIT:
            form.add_error("code", "Слишком много неверных кодов подряд: подождите несколько секунд и введите код снова.")
        else:
            form.add_error("code", "Код не подошёл. Введите новый код из приложения (он меняется каждые 30 секунд) или код восстановления.")
    return render(request, "registration/two_factor_verify.html", {"form": form}, status=400 if form.errors else 200)


@login_required
@never_cache
def two_factor_recovery(request):
    """New recovery codes (the old ones stop working), shown once."""
    if not two_factor.enabled(request.user):
        return redirect("two-factor")
    if request.method == "POST":
        return render(request, "registration/two_factor_codes.html", {"codes": two_factor.recovery_codes_renew(request=request), "first": False})
    return render(request, "registration/two_factor_recovery.html", {"codes_left": two_factor.recovery_codes_left(request.user)})


@login_required
@require_POST
def two_factor_disable(request):
    if two_factor.required_for(request.user):
        raise PermissionDenied("Для администраторов и методистов двухфакторный вход обязателен: выключить его нельзя")
    two_factor.disable(request=request)
    messages.success(request, "Двухфакторный вход выключен: для входа снова достаточно пароля.")
    return redirect("two-factor")


SECURITY_LOG_PAGE_SIZE = 50


@login_required
def security_log(request):
    """Sign-ins and failures, lockouts, exports and downloads of evidence: who, what, when, from where."""
    require_role(request, ADMINISTRATORS, "Журнал безопасности доступен администраторам")
    form = SecurityLogFilterForm(request.GET or None)
    valid = form.is_valid() if form.is_bound else True
    filters = {k: v for k, v in form.cleaned_data.items() if v} if form.is_bound and valid else {}
    page = Paginator(security_events(**filters), SECURITY_LOG_PAGE_SIZE).get_page(request.GET.get("page"))
    query = urlencode({k: v for k, v in request.GET.items() if k != "page" and v})
    return render(request, "registration/security_log.html", {"form": form, "page": page, "query": query}, status=200 if valid else 400)


# --- Imports from Excel (administrators) -------------------------------------------------------

PENDING = "pending_imports"
RESULTS = "import_results"


def _administrator(request):
    return require_role(request, ADMINISTRATORS, "Импорт из Excel доступен администраторам")


def _pending(request, token: str) -> dict:
    pending = request.session.get(PENDING, {}).get(token)
    if pending is None or not imports.pending_path(token).exists():
        raise Http404("Файл для импорта не найден: загрузите его снова")
    return pending


def _plan(request, pending: dict, token: str) -> imports.ImportPlan:
    municipality = get_object_or_404(municipalities_visible_to(access_for(request)), pk=pending["municipality"])
    return imports.plan_file(pending["kind"], imports.pending_path(token), municipality=municipality, create_districts=pending["create_districts"])


@login_required
def import_upload(request):
    access = _administrator(request)
    form = ImportUploadForm(request.POST or None, request.FILES or None, municipalities=municipalities_visible_to(access))
    plan = None
    if request.method == "POST" and form.is_valid():
        token = imports.pending_save(form.cleaned_data["file"])
        pending = {k: form.cleaned_data[k] for k in ("kind", "create_districts")}
        pending.update(municipality=form.cleaned_data["municipality"].pk, filename=form.cleaned_data["file"].name)
        try:
            plan = _plan(request, pending, token)
        except imports.ImportFileError as error:
            form.add_error("file", str(error))
        if plan is not None and plan.ok:
            request.session[PENDING] = {**request.session.get(PENDING, {}), token: pending}
            return redirect("schools:import-preview", token=token)
        imports.pending_path(token).unlink(missing_ok=True)  # nothing is kept from a bad file
    status = 400 if form.errors or (plan and not plan.ok) else 200
    return render(request, "schools/import_upload.html", {"form": form, "plan": plan}, status=status)


@login_required
def import_preview(request, token: str):
    _administrator(request)
    pending = _pending(request, token)
    if request.method == "POST":
        try:
            result = services.import_apply(token=token, pending=pending, path=imports.pending_path(token))
        except services.ImportRejected as rejected:
            return render(request, "schools/import_preview.html", {"plan": rejected.plan, "pending": pending, "token": token}, status=400)
        request.session[RESULTS] = {**request.session.get(RESULTS, {}), token: result}
        request.session[PENDING] = {k: v for k, v in request.session.get(PENDING, {}).items() if k != token}
        return redirect("schools:import-done", token=token)
    return render(request, "schools/import_preview.html", {"plan": _plan(request, pending, token), "pending": pending, "token": token})


@login_required
@never_cache
def import_done(request, token: str):
    _administrator(request)
    results = request.session.get(RESULTS, {})
    if token not in results:
        raise Http404("Итог импорта не найден")
    result = dict(results[token])
    # The one-time passwords are shown once, read from their sealed file; the sheet with them can be downloaded once.
    credentials = [] if result.get("shown") else (imports.credentials_load(token) or [])
    if credentials:
        request.session[RESULTS] = {**results, token: {**result, "shown": True}}
    has_file = imports.credentials_path(token).exists()
    return render(request, "schools/import_done.html", {"result": result, "credentials": credentials, "token": token, "has_file": has_file})


@login_required
@never_cache
def import_credentials(request, token: str):
    _administrator(request)
    credentials = imports.credentials_load(token) if token in request.session.get(RESULTS, {}) else None
    if not credentials:
        raise Http404("Файл с паролями уже скачан или устарел (он хранится не дольше часа)")
    imports.credentials_discard(token)
    services.security_event_record(kind=SecurityEvent.Kind.LOGINS_DOWNLOAD, request=request, detail=f"одноразовые пароли: {len(credentials)} учётных записей")
    buffer = io.BytesIO()
    imports.credentials_workbook(credentials, settings.PORTAL_BASE_URL).save(buffer)
    buffer.seek(0)
    return FileResponse(buffer, as_attachment=True, filename="Кураторы — логины и пароли.xlsx", content_type=XLSX)


@login_required
def import_template(request, kind: str):
    access = _administrator(request)
    if kind not in imports.COLUMNS:
        raise Http404("Такого шаблона нет")
    municipality = municipalities_visible_to(access).annotate(n=Count("schools")).order_by("-n").first()
    buffer = io.BytesIO()
    imports.template_workbook(kind, municipality).save(buffer)
    buffer.seek(0)
    return FileResponse(buffer, as_attachment=True, filename=f"Шаблон — {imports.KIND_LABELS[kind].lower()}.xlsx", content_type=XLSX)


@login_required
def district_search(request):
    """Suggestions of a district filter: `?q=` part of the name, `&municipality=` optionally; at most 20, as JSON."""
    access = require_role(request, REVIEWERS, "Поиск районов — для фильтров сводок и рейтингов")
    try:
        municipality_id = int(request.GET.get("municipality") or 0) or None
    except ValueError:
        municipality_id = None
    districts = selectors.districts_matching(access, request.GET.get("q", "")[:100], municipality_id=municipality_id)
    return JsonResponse({"districts": [{"id": d.pk, "name": d.name, "municipality": d.municipality.name} for d in districts]})
