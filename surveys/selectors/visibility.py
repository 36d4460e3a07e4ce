"""Which rounds, submissions, answers' files and evidence files a user may see: the one rule for each."""

from django.db.models import Count, OuterRef, Q, QuerySet, Subquery

from schools.roles import Access
from schools.selectors import municipalities_visible_to, schools_visible_to

from ..models import (
    Answer,
    EvidenceFile,
    RoundParticipant,
    Submission,
    SubmissionRound,
)


def rounds_for(access: Access) -> QuerySet[SubmissionRound]:
    """The one answer to "which rounds may this user see": an administrator every round of their municipality, drafts
    too; a methodologist (the regional role: of every municipality) its opened rounds; anyone else the opened rounds
    their visible schools take part in."""
    rounds = SubmissionRound.objects.select_related("questionnaire", "municipality")
    if access.sees_city:
        if not access.sees_region:
            rounds = rounds.filter(municipality_id__in=municipalities_visible_to(access).values("pk"))
        return rounds if access.is_administrator else rounds.exclude(state=SubmissionRound.State.DRAFT)
    taking_part = RoundParticipant.objects.filter(school__in=schools_visible_to(access)).values("round_id")
    return rounds.exclude(state=SubmissionRound.State.DRAFT).filter(pk__in=taking_part)


def submissions_visible_to(access: Access) -> QuerySet[Submission]:
    """The one answer to "which submissions may this user see": of the schools they see, in the rounds they see."""
    return Submission.objects.filter(school__in=schools_visible_to(access).values("pk"), round__in=rounds_for(access).values("pk"))


def rounds_visible_to(access: Access) -> QuerySet[SubmissionRound]:
    """Rounds with how many of the user's visible schools take part, submitted and accepted."""
    schools = schools_visible_to(access).values("pk")
    counted = Q(submissions__state__in=Submission.COUNTED_STATES, submissions__school__in=schools)
    participants = RoundParticipant.objects.filter(round_id=OuterRef("pk"), school__in=schools).values("round_id").annotate(n=Count("pk")).values("n")
    return (
        rounds_for(access)
        .annotate(
            participants=Subquery(participants),
            submitted=Count("submissions", filter=counted, distinct=True),
            accepted=Count("submissions", filter=Q(submissions__state=Submission.State.ACCEPTED, submissions__school__in=schools), distinct=True),
            returned=Count("submissions", filter=Q(submissions__state=Submission.State.RETURNED, submissions__school__in=schools), distinct=True),
        )
        .order_by("-opens_at")
    )


def visible_submission(*, access: Access, submission_id: int) -> Submission | None:
    """A submission whose school the user may see (None otherwise: the view answers 404)."""
    return (
        submissions_visible_to(access)
        .filter(pk=submission_id)
        .select_related("round", "round__questionnaire", "round__previous", "school", "school__district", "reviewed_by", "updated_by")
        .first()
    )


def visible_answer_with_file(*, access: Access, answer_id: int) -> Answer | None:
    return (
        Answer.objects.filter(pk=answer_id, submission__in=submissions_visible_to(access).values("pk"))
        .exclude(file="")
        .select_related("submission", "question")
        .first()
    )


def visible_evidence_file(*, access: Access, pk: int) -> EvidenceFile | None:
    """A version of an evidence file, if the user sees its school and it is still in storage."""
    visible = EvidenceFile.objects.filter(pk=pk, answer__submission__school__in=schools_visible_to(access), removed=False).exclude(file="")
    return visible.select_related("answer__submission").first()
