"""Pages of surveys: the curator's school and form, review, a round's completeness and reminders, evidence downloads."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from roadmap_portal.folding import district_table, district_table_live
from schools.models import School, SecurityEvent
from schools.roles import CURATORS, REVIEWERS, access_for, require_role
from schools.selectors import active_curators, districts_visible_to, schools_visible_to
from schools.services import security_event_record

from . import documents, selectors
from .answers import answer_display, client_checks
from .forms import CompletenessFilterForm, ReminderForm, ReviewForm, SubmissionForm, field_name, remove_field_name
from .models import Submission, SubmissionRound
from .pending_uploads import pending_upload_discard
from .services import (
    SubmissionConflictError,
    SubmissionIncompleteError,
    SurveyError,
    reminders_send,
    submission_accept,
    submission_return,
    submission_save_draft,
    submission_submit,
)
from .threads import thread_messages, threads_by_question

# Schools on one page of the completeness table; the counts above it cover all of them.
COMPLETENESS_PAGE_SIZE = 100
# Up to this many schools (ten pages) the completeness page lists them all; beyond (a region), those of one district
# (chosen, or the first of the table) or of a chosen state, so that no request sorts every school of the region.
COMPLETENESS_LIST_WHOLE = 1000


def _curator_school(request) -> School:
    access = require_role(request, CURATORS, "Страница только для кураторов школ.")
    return get_object_or_404(schools_visible_to(access), pk=access.curator_school_id)


@login_required
def my_school(request):
    school = _curator_school(request)
    rounds = list(selectors.rounds_for_school(school_id=school.pk))
    current = selectors.current_round_for_school(school_id=school.pk)
    page = selectors.form_page(submission_round=current, school=school) if current else None
    context = {
        "school": school,
        "page": page,
        "past_rounds": [r for r in rounds if current is None or r.pk != current.pk],
        "timeliness": selectors.school_timeliness(submission_round=current, school_id=school.pk) if current else None,
        "document_requests": documents.requests_for_school(school),
    }
    return render(request, "surveys/school_detail.html", context)


def _question_blocks(
    page: selectors.FormPage,
    form: SubmissionForm | None = None,
    review_form: ReviewForm | None = None,
    versions: dict | None = None,
    threads: dict | None = None,
    pending: dict | None = None,
) -> list[dict]:
    """Sections with, per question, its field, stored answer, previous round's value, reviewer's remark and conversation."""
    threads = threads or {}
    blocks = []
    for section in page.sections:
        rows = []
        for question in section.question_list:
            answer = page.answers.get(question.pk)
            rows.append(
                {
                    "question": question,
                    "field": form[field_name(question)] if form else None,
                    "remove": form[remove_field_name(question)] if form and remove_field_name(question) in form.fields else None,
                    "answer": answer,
                    "display": answer_display(question, answer),
                    "previous": page.previous.get(question.code, ""),
                    "remark": answer.review_comment if answer and page.state == "returned" else "",
                    "comment": review_form[f"comment_{question.pk}"] if review_form else None,
                    "versions": (versions or {}).get(answer.pk, []) if answer else [],
                    "thread": threads.get(question.pk, []),
                    "pending": (pending or {}).get(question.code),
                }
            )
        blocks.append({"section": section, "rows": rows, "has_errors": bool(form) and any(r["field"].errors for r in rows)})
    return blocks


def _save(request, page: selectors.FormPage, form: SubmissionForm):
    """Save the draft, then submit if asked. Returns (redirect or None, conflict or None, form to show)."""
    school, submission_round = page.school, page.submission_round
    try:
        saved = submission_save_draft(
            submission_round=submission_round,
            school=school,
            user=request.user,
            answers=form.answers_for_service(),
            files=form.files_for_service(),
            remove_files=form.removals_for_service(),
            expected_version=form.cleaned_data["version"],
        )
        for kept in form.pending_uploads().values():
            pending_upload_discard(kept.token)  # the answer has the file now
        if "submit" not in request.POST:
            messages.success(request, "Черновик сохранён. Вернуться к анкете можно в любой момент до срока сдачи.")
            return redirect("surveys:submission-form", round_id=submission_round.pk), None, form
        submission_submit(submission_round=submission_round, school=school, user=request.user, expected_version=saved.submission.version)
    except SubmissionIncompleteError as error:
        messages.error(request, error.message)
        form = _rebound(request, selectors.form_page(submission_round=submission_round, school=school))
        form.add_question_errors(error.errors)
        return None, None, form
    except SubmissionConflictError as error:
        form = _rebound(request, page, version=error.submission.version)
        return None, error, form
    except SurveyError as error:
        messages.error(request, error.message)
        return redirect("surveys:submission-form", round_id=submission_round.pk), None, form
    messages.success(request, "Анкета отправлена на проверку. Когда методист её проверит, придёт уведомление (колокольчик вверху страницы и письмо).")
    return redirect("surveys:my-school"), None, form


def _rebound(request, page: selectors.FormPage, version: int | None = None) -> SubmissionForm:
    data = request.POST.copy()
    data["version"] = str(page.version if version is None else version)
    form = SubmissionForm(data, questions=page.questions, answers=page.answers, version=page.version, owner=(request.user.pk, page.submission_round.pk))
    form.is_valid()
    return form


@login_required
def submission_form(request, round_id: int):
    school = _curator_school(request)
    submission_round = _form_round(request, round_id)
    page = selectors.form_page(submission_round=submission_round, school=school)
    form, conflict, pending = None, None, {}
    if page.editable:
        owner = (request.user.pk, submission_round.pk)
        form = SubmissionForm(request.POST or None, request.FILES or None, questions=page.questions, answers=page.answers, version=page.version, owner=owner)
        if request.method == "POST":
            if form.is_valid():
                response, conflict, shown = _save(request, page, form)
                if response:
                    return response
                pending = form.keep_uploads() if conflict else {}
                form = shown
                page = selectors.form_page(submission_round=submission_round, school=school)
            else:
                pending = form.keep_uploads()
                kept = " Прикреплённые файлы сохранены вместе с черновиком формы — выбирать их заново не нужно." if pending else ""
                messages.error(request, "Анкета не сохранена: исправьте ошибки в отмеченных полях. Введённые ответы остались в форме." + kept)
            form.mark_invalid_fields()
    elif request.method == "POST":
        messages.error(request, page.refusal)
        return redirect("surveys:submission-form", round_id=submission_round.pk)
    threads = threads_by_question(submission=page.submission)
    context = {
        "page": page,
        "form": form,
        "conflict": conflict,
        "blocks": _question_blocks(page, form, threads=threads, pending=pending),
        "errors": form.error_summary() if form else [],
        "can_write": page.editable,
        "checks": client_checks(page.questions, page.rules) if form else None,
    }
    return render(request, "surveys/submission_form.html", context)


def _form_round(request, round_id: int) -> SubmissionRound:
    """A round of the curator's school (`rounds_for`): another round is not found."""
    return get_object_or_404(selectors.rounds_for(access_for(request)).select_related("previous"), pk=round_id)  # the form shows its answers


@require_POST
def submission_autosave(request, round_id: int):
    """The form's draft saved in the background (JSON): the same form, service and version check as «Сохранить черновик».

    Fields that do not parse are left as they are on the server and reported; the answer tells the browser
    the new version, the time of the save, the submit's checks of what is stored and the progress.
    """
    if not request.user.is_authenticated:
        login = redirect_to_login(reverse("surveys:submission-form", args=[round_id]))["Location"]
        return JsonResponse({"status": "signed_out", "login_url": login}, status=401)
    school = _curator_school(request)
    submission_round = _form_round(request, round_id)
    page = selectors.form_page(submission_round=submission_round, school=school)
    if not page.editable:
        return JsonResponse({"status": "refused", "message": page.refusal}, status=409)
    form = SubmissionForm(request.POST, request.FILES, questions=page.questions, answers=page.answers, version=page.version, owner=(request.user.pk, round_id))
    form.is_valid()
    if "version" in form.errors:
        return JsonResponse({"status": "refused", "message": "Обновите страницу: форма пришла без номера версии."}, status=400)
    uploads, kept = form.files_for_service(), form.pending_uploads()
    try:
        saved = submission_save_draft(
            submission_round=submission_round,
            school=school,
            user=request.user,
            answers=form.answers_for_service(valid_only=True),
            files=uploads,
            remove_files=form.removals_for_service(),
            expected_version=form.cleaned_data["version"],
        )
    except SubmissionConflictError as error:
        html = render_to_string("surveys/includes/form_conflict.html", {"conflict": error}, request=request)
        return JsonResponse({"status": "conflict", "version": error.submission.version, "message": error.message, "html": html}, status=409)
    except SurveyError as error:
        return JsonResponse({"status": "refused", "message": error.message}, status=409)
    for pending in kept.values():
        pending_upload_discard(pending.token)  # the answer has the file now
    page = selectors.form_page(submission_round=submission_round, school=school)
    return JsonResponse(_autosave_reply(page, form, saved, touched_files=set(uploads) | set(form.removals_for_service())))


def _autosave_reply(page: selectors.FormPage, form: SubmissionForm, saved, touched_files: set[str]) -> dict:
    """What the browser needs after a background save: version, time, the checks of what is stored, progress, files."""
    invalid = {q.code: form.errors[field_name(q)] for q in page.questions if field_name(q) in form.errors}
    files = {
        q.code: render_to_string("surveys/includes/attached_file.html", {"row": {"answer": page.answers.get(q.pk)}, "code": q.code, "editable": True})
        for q in page.questions
        if q.code in touched_files
    }
    return {
        "status": "saved",
        "changed": saved.changed,
        "version": page.version,
        "saved_at": f"{timezone.localtime():%H:%M}",
        "errors": {**page.errors, **invalid},
        "answered": page.answered,
        "total": len(page.questions),
        "files": files,
    }


@login_required
def submission_review(request, submission_id: int):
    access = require_role(request, REVIEWERS)
    submission = selectors.visible_submission(access=access, submission_id=submission_id)
    if submission is None:
        raise Http404("Анкета не найдена")
    page = selectors.form_page(submission_round=submission.round, school=submission.school, submission=submission)
    form = ReviewForm(request.POST or None, questions=page.questions, initial={"version": submission.version})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            if data["action"] == "return":
                submission_return(
                    submission=submission,
                    user=request.user,
                    comment=data["comment"],
                    question_comments=form.question_comments(),
                    expected_version=data["version"],
                )
                messages.success(request, "Анкета возвращена на доработку. Куратор увидит замечания на странице своей школы.")
            else:
                submission_accept(submission=submission, user=request.user, comment=data["comment"], expected_version=data["version"])
                messages.success(request, "Анкета принята.")
            return redirect("surveys:submission-review", submission_id=submission.pk)
        except SurveyError as error:
            messages.error(request, error.message)
    # Closed with fixed results: nothing changes any more (a closed round whose results are not fixed yet is still reviewed).
    round_closed = submission.round.state == SubmissionRound.State.CLOSED and submission.round.results_fixed_at is not None and page.extension is None
    conversation = thread_messages(submission=submission)  # the messages per question and in the history: read once
    context = {
        "page": page,
        "submission": submission,
        "form": form,
        "blocks": _question_blocks(
            page,
            review_form=form,
            versions=selectors.evidence_versions(submission=submission),
            threads=threads_by_question(submission=submission, messages=conversation),
        ),
        "history": selectors.submission_history(submission=submission, messages=conversation),
        "next_waiting": selectors.review_queue_next(access=access, submission=submission),
        "since_return": selectors.changes_since_last_return(submission=submission),
        "curators": list(active_curators().filter(school_id=submission.school_id)),
        "flagged": sum(1 for a in page.answers.values() if a.deviation_flag),
        "round_closed": round_closed,
        "can_act": not round_closed and submission.state in (Submission.State.SUBMITTED, Submission.State.ACCEPTED),
    }
    return render(request, "surveys/submission_review.html", context)


def _evidence_download(request, stored, filename: str, detail: str) -> FileResponse:
    """A file a school attached, to someone who sees the school: logged in the security log, 404 when storage lost it."""
    try:
        handle = stored.open("rb")
    except FileNotFoundError as error:
        raise Http404("Файл не найден в хранилище") from error
    security_event_record(kind=SecurityEvent.Kind.EVIDENCE_DOWNLOAD, request=request, detail=detail)
    return FileResponse(handle, as_attachment=True, filename=filename)


@login_required
def answer_file(request, answer_id: int):
    answer = selectors.visible_answer_with_file(access=access_for(request), answer_id=answer_id)
    if answer is None:
        raise Http404("Файл не найден")
    detail = f"анкета № {answer.submission_id}, вопрос {answer.question.code}: {answer.file_name}"
    return _evidence_download(request, answer.file, answer.file_name, detail)


@login_required
def evidence_file(request, pk: int):
    """One version of an evidence file, also a replaced one, for whoever sees the school."""
    version = selectors.visible_evidence_file(access=access_for(request), pk=pk)
    if version is None:
        raise Http404("Файл не найден")
    detail = f"анкета № {version.answer.submission_id}: {version.file_name} (версия от {timezone.localtime(version.uploaded_at):%d.%m.%Y %H:%M})"
    return _evidence_download(request, version.file, version.file_name, detail)


@login_required
def round_list(request):
    access = require_role(request, REVIEWERS)
    # A methodologist's own drafts are not in rounds_visible_to (it shows opened rounds): listed apart for the round pages.
    drafts = selectors.rounds_managed_by(access).filter(state=SubmissionRound.State.DRAFT) if access.sees_city and not access.is_administrator else []
    return render(request, "surveys/round_list.html", {"rounds": selectors.rounds_visible_to(access), "drafts": drafts})


@login_required
def round_completeness(request, round_id: int):
    access = require_role(request, REVIEWERS)
    submission_round = get_object_or_404(selectors.rounds_for(access), pk=round_id)
    table, total = _completeness_table(submission_round, access, request.GET)
    filters = CompletenessFilterForm(request.GET or None, districts=districts_visible_to(access).filter(municipality_id=submission_round.municipality_id))
    filters.fields["district"].widget.attrs["data-municipality"] = submission_round.municipality_id
    chosen = filters.cleaned_data if filters.is_valid() else {}
    district_id = chosen["district"].pk if chosen.get("district") else None
    # A region's tens of thousands of schools are not sorted into one list on every request: until a district or a
    # state is chosen, the list shows the schools of the first district of the table above (when folded, the weakest).
    shown_district = None
    if total.total > COMPLETENESS_LIST_WHOLE and not district_id and not chosen.get("state"):
        shown_district = next((d for d in table.rows if d.district_id is not None), None)
        district_id = shown_district.district_id if shown_district else None
    rows = selectors.RoundSchoolList(submission_round=submission_round, access=access, district_id=district_id, state=chosen.get("state"))
    page = Paginator(rows, COMPLETENESS_PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "round": submission_round,
        "rows": page.object_list,
        "page": page,
        "shown_district": shown_district,
        "query": query.urlencode(),
        "districts": table.rows,
        "district_table": table,
        "total": total,
        "filters": filters,
        "reminders": list(selectors.round_reminders(submission_round=submission_round, access=access)),
        **_timeliness_context(submission_round, schools_visible_to(access), request.GET),
        "can_remind": submission_round.state == SubmissionRound.State.OPEN,
    }
    return render(request, "surveys/round_completeness.html", context)


def _completeness_table(submission_round: SubmissionRound, access, get) -> tuple:
    """A region's hundreds of districts: the 20 with the smallest share sent first (as of the last recompute), every
    district on demand; the counts shown are live, for the districts shown only."""
    order = selectors.round_district_order(submission_round=submission_round, access=access)
    if order is None:  # never recomputed yet: count every district now
        districts, total = selectors.completeness_by_district(submission_round=submission_round, access=access)
        return district_table(districts, weakest_first=selectors.DistrictCompleteness.weakest_first, get=get, param="districts"), total
    table = district_table_live(
        order,
        get=get,
        param="districts",
        live=lambda ids: selectors.completeness_by_district(submission_round=submission_round, access=access, district_ids=ids)[0],
    )
    return table, selectors.completeness_total(submission_round=submission_round, access=access, order=order)


def _timeliness_context(submission_round: SubmissionRound, schools, get) -> dict:
    rows, total = selectors.timeliness_by_district(submission_round=submission_round, schools=schools)
    table = district_table(rows, weakest_first=selectors.timeliness_weakest_first, get=get, param="timeliness")
    return {"timeliness": table.rows, "timeliness_table": table, "timeliness_total": total, "timeliness_rule": selectors.TIMELINESS_RULE}


@login_required
@require_POST
def round_remind(request, round_id: int):
    access = require_role(request, REVIEWERS)
    submission_round = get_object_or_404(selectors.rounds_for(access), pk=round_id)
    visible = set(schools_visible_to(access).filter(rounds=submission_round).values_list("pk", flat=True))
    form = ReminderForm(request.POST, school_ids=sorted(visible))
    back = reverse("surveys:round-completeness", args=[submission_round.pk]) + "#reminders"
    if submission_round.state != SubmissionRound.State.OPEN:
        messages.error(request, "Раунд не открыт: напоминать о сдаче анкет не нужно.")
    elif not form.is_valid():
        messages.error(request, " ".join(form.non_field_errors()) or "Не удалось понять, кому отправить напоминание. Обновите страницу и попробуйте снова.")
    else:
        chosen = form.cleaned_data["schools"] if form.cleaned_data["target"] == "chosen" else visible
        sent = reminders_send(submission_round=submission_round, school_ids=chosen, sent_by=request.user)
        delivered = sum(1 for r in sent if r.ok)
        if sent:
            messages.success(request, f"Напоминания отправлены: {delivered} из {len(sent)}. Журнал — внизу страницы.")
        else:
            messages.info(request, "Все выбранные школы уже отправили анкеты: напоминать некому.")
    return redirect(back)
