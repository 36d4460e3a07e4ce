"""The review queue: questionnaires waiting for review, the next one, and what changed since the last return."""

from django.db.models import Count, Q, QuerySet

from schools.roles import Access
from schools.selectors import schools_visible_to

from ..models import (
    AnswerChange,
    Submission,
    SubmissionEvent,
    SubmissionRound,
)
from .visibility import rounds_for

QUEUE_FLAGS = (("", "все"), ("flagged", "есть отклонения"), ("clean", "без отклонений"))


def review_queue(*, access: Access, district_id: int | None = None, search: str = "", flags: str = "") -> QuerySet[Submission]:
    """Questionnaires waiting for review in the user's rounds and schools, oldest submission first, each with its count of
    answers that jumped against the previous round (`flagged`); filtered in SQL so a page costs the same for any N."""
    waiting = (
        Submission.objects.filter(state=Submission.State.SUBMITTED, school__in=schools_visible_to(access), round__in=rounds_for(access))
        .exclude(round__state=SubmissionRound.State.DRAFT)
        .exclude(round__state=SubmissionRound.State.CLOSED, round__results_fixed_at__isnull=False)  # fixed results: nothing to review
        .annotate(flagged=Count("answers", filter=~Q(answers__deviation_flag="")))
        .select_related("school", "school__district", "round")
    )
    if district_id:
        waiting = waiting.filter(school__district_id=district_id)
    if search.strip():
        waiting = waiting.filter(school__full_name__icontains=search.strip())
    if flags == "flagged":
        waiting = waiting.filter(flagged__gt=0)
    elif flags == "clean":
        waiting = waiting.filter(flagged=0)
    return waiting.order_by("submitted_at", "pk")


def review_queue_next(*, access: Access, submission: Submission) -> Submission | None:
    """The next questionnaire waiting after this one (by time of submission), else the oldest waiting other than this one."""
    waiting = review_queue(access=access).exclude(pk=submission.pk)
    if submission.submitted_at is not None:
        later = waiting.filter(Q(submitted_at__gt=submission.submitted_at) | Q(submitted_at=submission.submitted_at, pk__gt=submission.pk)).first()
        if later is not None:
            return later
    return waiting.first()


def changes_since_last_return(*, submission: Submission) -> tuple[SubmissionEvent | None, list[AnswerChange]]:
    """What the curator changed after the questionnaire was last returned (the return event and the answer changes)."""
    returned = SubmissionEvent.objects.filter(submission=submission, action=SubmissionEvent.Action.RETURNED).order_by("-created_at", "-pk").first()
    if returned is None:
        return None, []
    changes = AnswerChange.objects.filter(submission=submission, version__gt=returned.version).select_related("question", "user").order_by("changed_at", "pk")
    return returned, list(changes)
