"""The review queue (waiting questionnaires across the reviewer's rounds, bulk accept with confirmation) and the curator's
messages in the conversation per question."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from schools.roles import REVIEWERS, require_role
from schools.selectors import districts_visible_to

from . import selectors
from .forms import BulkAcceptForm, QuestionMessageForm, ReviewQueueFilterForm
from .models import SubmissionRound
from .services import submissions_accept_bulk
from .threads import ThreadError, thread_curator_message_add
from .views import _curator_school

QUEUE_PAGE_SIZE = 50


@login_required
def review_queue(request):
    access = require_role(request, REVIEWERS)
    filters = ReviewQueueFilterForm(request.GET or None, districts=districts_visible_to(access))
    chosen = filters.cleaned_data if filters.is_valid() else {}
    district_id = chosen["district"].pk if chosen.get("district") else None
    rows = selectors.review_queue(access=access, district_id=district_id, search=chosen.get("q", ""), flags=chosen.get("flags", ""))
    page = Paginator(rows, QUEUE_PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {"filters": filters, "page": page, "rows": page.object_list, "query": query.urlencode()}
    return render(request, "surveys/review_queue.html", context)


@login_required
@require_POST
def review_bulk_accept(request):
    """Two steps: the chosen questionnaires are listed for confirmation; the confirmed form accepts them."""
    access = require_role(request, REVIEWERS)
    form = BulkAcceptForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Отметьте анкеты, которые нужно принять.")
        return redirect("surveys:review-queue")
    chosen = list(selectors.review_queue(access=access).filter(pk__in=form.cleaned_data["submission"]))
    if not form.cleaned_data["confirmed"]:
        return render(request, "surveys/review_bulk_confirm.html", {"rows": chosen, "clean": [s for s in chosen if not s.flagged]})
    result = submissions_accept_bulk(submissions=[s for s in chosen if not s.flagged], versions=form.versions(), user=request.user)
    if result.accepted:
        messages.success(request, f"Принято анкет: {len(result.accepted)}. Кураторам отправлены уведомления.")
    for submission, reason in result.skipped:
        messages.warning(request, f"{submission.school}: не принята — {reason}.")
    return redirect("surveys:review-queue")


@login_required
@require_POST
def question_message_add(request, round_id: int):
    school = _curator_school(request)
    submission_round = get_object_or_404(SubmissionRound.objects.exclude(state=SubmissionRound.State.DRAFT), pk=round_id, schools=school)
    form = QuestionMessageForm(request.POST)
    code = request.POST.get("question", "")
    anchor = reverse("surveys:submission-form", args=[submission_round.pk]) + (f"#question-{code}" if code.replace("_", "").isalnum() else "")
    if not form.is_valid():
        messages.error(request, "Сообщение не отправлено: напишите текст (не больше 2000 знаков).")
        return redirect(anchor)
    try:
        thread_curator_message_add(
            submission_round=submission_round,
            school_id=school.pk,
            question_code=form.cleaned_data["question"],
            user=request.user,
            text=form.cleaned_data["text"],
        )
    except ThreadError as error:
        messages.error(request, error.message)
        return redirect(anchor)
    messages.success(request, "Сообщение добавлено к вопросу. Проверяющий увидит его рядом с ответом.")
    return redirect(anchor)
