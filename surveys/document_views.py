"""Documents due from schools: the administrator asks, curators upload, reviewers see who has not and remind."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from schools.models import School
from schools.roles import REVIEWERS, Role, access_for, require_role

from . import documents
from .forms import DocumentRequestForm, DocumentUploadForm


def _reader(request):
    return require_role(request, REVIEWERS, "Страница для методистов, районных отделов и администраторов.")


@login_required
def document_list(request):
    access = _reader(request)
    form = None
    if access.is_administrator:
        form = DocumentRequestForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                created = documents.document_request_create(user=request.user, **form.cleaned_data)
            except documents.DocumentError as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(request, f"Запрос «{created.title}» отправлен кураторам школ: срок — {created.due_date:%d.%m.%Y}.")
                return redirect("surveys:document-detail", pk=created.pk)
    elif request.method == "POST":
        raise PermissionDenied("Запрашивать документы у школ может администратор.")
    rows = [(r, documents.request_counts(r, access)) for r in documents.requests_visible_to(access)]
    return render(request, "surveys/document_list.html", {"rows": rows, "form": form}, status=400 if form is not None and form.errors else 200)


@login_required
def document_detail(request, pk: int):
    access = _reader(request)
    document_request = get_object_or_404(documents.requests_visible_to(access), pk=pk)
    missing_only = request.GET.get("state") == "missing"
    context = {
        "document_request": document_request,
        "counts": documents.request_counts(document_request, access),
        "schools": documents.request_school_rows(document_request, access, missing_only=missing_only),
        "missing_only": missing_only,
        "overdue": document_request.due_date < timezone.localdate(),
    }
    return render(request, "surveys/document_detail.html", context)


@login_required
@require_POST
def document_remind(request, pk: int):
    access = _reader(request)
    document_request = get_object_or_404(documents.requests_visible_to(access), pk=pk)
    told = documents.document_reminders_send(document_request=document_request)
    if told:
        messages.success(request, f"Напоминание отправлено кураторам школ, не представивших документ: {told}.")
    else:
        messages.info(request, "Новых напоминаний нет: все школы представили документ или сегодня им уже напоминали.")
    return redirect("surveys:document-detail", pk=pk)


@login_required
@require_POST
def document_upload(request, pk: int):
    access = access_for(request)
    if access.role != Role.CURATOR:
        raise PermissionDenied("Документ школы загружает её куратор.")
    school = get_object_or_404(School, pk=access.curator_school_id)
    document_request = get_object_or_404(documents.requests_visible_to(access), pk=pk)
    form = DocumentUploadForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            upload = documents.document_upload(document_request=document_request, school=school, user=request.user, **form.cleaned_data)
        except (documents.DocumentError, ValidationError) as exc:
            messages.error(request, " ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc))
        else:
            messages.success(request, f"Документ «{upload.file_name}» загружен: «{document_request.title}» представлен.")
    else:
        messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
    return redirect(reverse("surveys:my-school") + f"#document-{pk}")


@login_required
def document_file(request, pk: int):
    upload = get_object_or_404(documents.uploads_visible_to(access_for(request)), pk=pk)
    return FileResponse(upload.file.open("rb"), as_attachment=True, filename=upload.file_name)
