"""Views of the reports: the dashboard, the school card and the Excel exports."""

from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from ratings.selectors import status_municipalities, status_year
from schools.models import SecurityEvent
from schools.roles import ADMINISTRATORS, REVIEWERS, SIGNED_IN, access_for, require_role
from schools.selectors import school_changes, schools_visible_to
from schools.services import personal_data_access_record, security_event_record

from .dashboard import DashboardFilterForm, ExportChoiceForm, ExportDistrictForm, dashboard, dashboard_round, rounds_reported, status_years
from .documents import default_template, status_context
from .documents import render as render_document
from .exports import EXPORTS, ExportDistrictUnknown, ExportNotFound, export_request_for, export_to_tempfile
from .models import DocumentTemplate, ExportJob
from .passport import docx_to_pdf, passport_docx, passport_filename, pdf_available
from .selectors import export_jobs_visible_to
from .selectors import school_card as school_card_data
from .services import export_job_start

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# Exports with more rows than this are built by the worker (settings.EXPORT_ASYNC_ROWS overrides).
DEFAULT_ASYNC_ROWS = 300


@login_required
def dashboard_view(request):
    access = require_role(request, REVIEWERS, "Сводка доступна методистам, администраторам и районным отделам образования")
    rounds = list(rounds_reported(access))
    year = request.GET.get("year", "")
    shown = dashboard_round(rounds, int(year) if year.isdigit() else None)
    form = DashboardFilterForm(
        request.GET or None, access=access, years=sorted({r.year for r in rounds}, reverse=True), municipality_id=shown.municipality_id if shown else None
    )
    board = dashboard(access, form.filters() if form.is_bound else {}, rounds, timezone.localdate(), request.GET)
    return render(request, "reports/dashboard.html", {"form": form, "board": board, "charts": board.charts()})


@login_required
def school_card(request, pk: int):
    access = require_role(request, SIGNED_IN, "Карточки школ доступны сотрудникам управления, районов и кураторам")
    school = get_object_or_404(schools_visible_to(access), pk=pk)
    card = school_card_data(school, min_schools=access.aggregate_min_schools)
    if card.curator is not None:  # the card shows the curator's name, e-mail, phone and appointment order
        personal_data_access_record(request=request, what=f"карточка школы «{school}»: контакты куратора", subjects=[card.curator.user])
    context = {
        "card": card,
        # Curators' contacts are in it: for the department's and districts' staff only.
        "changes": school_changes(school) if access.can_review else [],
        "pdf_available": pdf_available(),
    }
    return render(request, "reports/school_card.html", context)


# --- Excel exports -----------------------------------------------------------------------------


def _async_threshold() -> int:
    return getattr(settings, "EXPORT_ASYNC_ROWS", DEFAULT_ASYNC_ROWS)


@login_required
def export_list(request):
    access = require_role(request, REVIEWERS, "Сводка доступна методистам, администраторам и районным отделам образования")
    rounds = list(rounds_reported(access))
    form = ExportChoiceForm(request.GET or None, rounds=rounds, years=status_years(access))
    chosen = form.chosen() if form.is_bound else form.defaults()
    jobs = export_jobs_visible_to(access)[:8]
    # A round's exports may be narrowed to a district (the passports must be): typed, with suggestions of the round's municipality.
    exports = [
        (spec, ExportDistrictForm(kind=spec.kind, municipality_id=chosen["round"].municipality_id) if spec.needs == "round" and chosen["round"] else None)
        for spec in EXPORTS.values()
    ]
    context = {"form": form, "chosen": chosen, "exports": exports, "jobs": jobs, "threshold": _async_threshold()}
    return render(request, "reports/export_list.html", context)


@login_required
@require_POST
def export_create(request, kind: str):
    access = require_role(request, REVIEWERS, "Сводка доступна методистам, администраторам и районным отделам образования")
    try:
        export = export_request_for(access, kind, round_id=request.POST.get("round"), year=request.POST.get("year"), district=request.POST.get("district"))
    except ExportDistrictUnknown as error:
        messages.error(request, str(error))
        back = {name: request.POST[name] for name in ("round", "year") if request.POST.get(name)}
        return redirect(reverse("reports:export-list") + (f"?{urlencode(back)}" if back else ""))
    except ExportNotFound as error:
        raise Http404("Такой выгрузки нет") from error
    rows = export.count_rows()
    if rows > _async_threshold() or export.spec.always_job:
        job = export_job_start(request=export, user=request.user, total_rows=rows)
        return redirect("reports:export-job", pk=job.pk)
    security_event_record(kind=SecurityEvent.Kind.EXPORT, request=request, detail=f"{export.filename} ({rows} строк)")
    _log_personal_data(request, export, export.filename)
    return FileResponse(export_to_tempfile(export), as_attachment=True, filename=export.filename, content_type=XLSX)


def _log_personal_data(request, export, filename: str) -> None:
    if export.spec.personal_data:
        what = f"выгрузка «{filename}»: {export.spec.personal_data}"
        personal_data_access_record(request=request, what=what, subjects=export.personal_data_subjects())


def _own_job(request, pk: int) -> ExportJob:
    access = require_role(request, REVIEWERS, "Выгрузки доступны методистам, администраторам и районным отделам образования")
    return get_object_or_404(export_jobs_visible_to(access), pk=pk)


@login_required
def export_job(request, pk: int):
    job = _own_job(request, pk)
    return render(request, "reports/export_job.html", {"job": job, "spec": EXPORTS.get(job.kind)})


@login_required
def export_job_status(request, pk: int):
    job = _own_job(request, pk)
    done = job.state == ExportJob.State.DONE
    return JsonResponse(
        {
            "state": job.state,
            "state_label": job.get_state_display(),
            "done": job.done_rows,
            "total": job.total_rows,
            "percent": job.percent,
            "download": reverse("reports:export-job-download", args=[job.pk]) if done else "",
            "error": job.error,
        }
    )


@login_required
def export_job_download(request, pk: int):
    job = _own_job(request, pk)
    if job.state != ExportJob.State.DONE or not job.file:
        raise Http404("Файл ещё не готов")
    filename = job.params.get("filename") or "выгрузка.xlsx"
    security_event_record(kind=SecurityEvent.Kind.EXPORT, request=request, detail=f"{filename} (фоновая выгрузка № {job.pk})")
    spec = EXPORTS.get(job.kind)
    if spec is not None and spec.personal_data:
        params = job.params
        try:
            export = export_request_for(access_for(request), job.kind, round_id=params.get("round"), year=params.get("year"), district=params.get("district"))
        except ExportNotFound:
            export = None
        if export is not None:
            _log_personal_data(request, export, filename)
    content_type = "application/zip" if filename.endswith(".zip") else XLSX
    return FileResponse(job.file.open("rb"), as_attachment=True, filename=filename, content_type=content_type)


# --- Word documents of the status list ---------------------------------------------------------------

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
STATUS_DOCUMENTS = {
    "annex": (DocumentTemplate.Kind.STATUS_ANNEX, "prilozhenie-k-prikazu-status"),
    "order": (DocumentTemplate.Kind.STATUS_ORDER, "proekt-prikaza-status"),
}


def _docx_response(body: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(body, content_type=DOCX)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@login_required
def status_document(request, year: int, kind: str):
    """The annex (schools by district, as the status page lists them for this user) or a draft of the order, in Word."""
    access = require_role(request, REVIEWERS, "Документы статуса доступны методистам, администраторам и районным отделам образования")
    if kind not in STATUS_DOCUMENTS:
        raise Http404("Нет такого документа")
    if kind == "order" and not access.sees_city:
        raise PermissionDenied("Проект приказа готовят администраторы и методисты управления образования.")
    municipalities = list(status_municipalities(access))
    chosen = request.GET.get("m")
    if chosen:
        municipalities = [m for m in municipalities if str(m.pk) == chosen]
    if not municipalities:
        raise Http404("Муниципалитет не найден")
    # Without ?m= (a link from elsewhere): the first of the user's municipalities that has a confirmed list that year.
    overviews = (status_year(access, m, year) for m in municipalities)
    overview = next((o for o in overviews if o.awards), None) or status_year(access, municipalities[0], year)
    municipality = overview.municipality
    if not overview.awards:
        messages.warning(request, f"Список {year} года ещё не подтверждён: документы появятся после подтверждения списка на этой странице.")
        return redirect(reverse("ratings:status", args=[year]) + f"?m={municipality.pk}")
    template_kind, name = STATUS_DOCUMENTS[kind]
    body = render_document(template_kind, status_context(municipality=municipality, year=year, groups=overview.awards))
    return _docx_response(body, f"{name}-{year}.docx")


@login_required
def document_template_default(request, kind: str):
    """The built-in template, to edit in Word and upload in the admin as the department's own."""
    require_role(request, ADMINISTRATORS, "Шаблоны документов меняют администраторы.")
    if kind not in DocumentTemplate.Kind.values:
        raise Http404("Нет такого шаблона")
    return _docx_response(default_template(kind), f"shablon-{kind}.docx")


# --- A school's readiness passport -------------------------------------------------------------------


@login_required
def school_passport(request, pk: int, fmt: str):
    """The passport of a school for a round (?round=, else the latest rated), as DOCX or PDF."""
    access = require_role(request, SIGNED_IN, "Паспорта школ доступны сотрудникам управления, районов и кураторам")
    if fmt not in ("docx", "pdf"):
        raise Http404("Нет такого формата")
    school = get_object_or_404(schools_visible_to(access), pk=pk)
    round_id = request.GET.get("round")
    body = passport_docx(school_card_data(school, min_schools=access.aggregate_min_schools), int(round_id) if str(round_id).isdigit() else None)
    if fmt == "docx":
        return _docx_response(body, passport_filename(school, "docx"))
    if not pdf_available():
        raise Http404("PDF недоступен: на сервере не установлен LibreOffice. Скачайте паспорт в Word.")
    response = HttpResponse(docx_to_pdf(body), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{passport_filename(school, "pdf")}"'
    return response
