"""The curator's form and its round: deadlines and extensions, the rounds a school takes part in, the questionnaire's
structure, a submission with its answers and history, the previous round, and everything the form page shows."""

import datetime as dt
from dataclasses import dataclass
from functools import cached_property

from django.db.models import Max, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.utils import timezone

from schools.models import School

from ..models import (
    Answer,
    AnswerChange,
    EvidenceFile,
    Question,
    QuestionMessage,
    QuestionRule,
    RoundExtension,
    Section,
    Submission,
    SubmissionEvent,
    SubmissionRound,
)
from ..participants import NOT_A_PARTICIPANT, is_active_participant
from .states import EDITABLE_STATES, NOT_STARTED, SHORT_STATE_LABELS


def active_extension(*, round_id: int, school_id: int, now: dt.datetime | None = None) -> RoundExtension | None:
    now = now or timezone.now()
    return RoundExtension.objects.filter(round_id=round_id, school_id=school_id, closes_at__gt=now).order_by("-closes_at").first()


def round_deadline_for(submission_round: SubmissionRound, extension: RoundExtension | None) -> dt.datetime:
    if extension is not None and extension.closes_at > submission_round.closes_at:
        return extension.closes_at
    return submission_round.closes_at


def round_accepts_answers(submission_round: SubmissionRound, extension: RoundExtension | None, now: dt.datetime | None = None) -> bool:
    """Whether a school may write now: the round is open and before its deadline, or the school has a running extension."""
    now = now or timezone.now()
    if extension is not None and extension.closes_at > now and submission_round.state != SubmissionRound.State.DRAFT:
        return True
    return submission_round.state == SubmissionRound.State.OPEN and submission_round.opens_at <= now < submission_round.closes_at


def rounds_for_school(*, school_id: int) -> QuerySet[SubmissionRound]:
    """Rounds the school takes part in (open first, newest first), each with the school's submission state."""
    mine = Submission.objects.filter(round=OuterRef("pk"), school_id=school_id)
    return (
        SubmissionRound.objects.filter(schools__pk=school_id)
        .exclude(state=SubmissionRound.State.DRAFT)
        .annotate(
            my_state=Subquery(mine.values("state")[:1]),
            my_submission_id=Subquery(mine.values("pk")[:1]),
            my_updated_at=Subquery(mine.values("updated_at")[:1]),
        )
        .order_by("-opens_at")
    )


def current_round_for_school(*, school_id: int, now: dt.datetime | None = None) -> SubmissionRound | None:
    """The round a curator should work on: one that accepts their answers now, else the latest open one."""
    now = now or timezone.now()
    extended = RoundExtension.objects.filter(school_id=school_id, closes_at__gt=now).values("round_id")
    rounds = rounds_for_school(school_id=school_id)
    return rounds.filter(Q(state=SubmissionRound.State.OPEN) | Q(pk__in=extended)).first()


def questionnaire_sections(*, questionnaire_id: int) -> list[Section]:
    """Sections in order, each with `.question_list` in order (two queries)."""
    questions = Question.objects.filter(questionnaire_id=questionnaire_id).order_by("order", "pk")
    return list(
        Section.objects.filter(questionnaire_id=questionnaire_id)
        .order_by("order", "pk")
        .prefetch_related(Prefetch("questions", queryset=questions, to_attr="question_list"))
    )


def questionnaire_questions(*, questionnaire_id: int) -> list[Question]:
    return list(Question.objects.filter(questionnaire_id=questionnaire_id).select_related("section").order_by("section__order", "section_id", "order", "pk"))


def questionnaire_rules(*, questionnaire_id: int) -> list[QuestionRule]:
    return list(QuestionRule.objects.filter(questionnaire_id=questionnaire_id).select_related("left", "right").order_by("pk"))


def submission_for(*, round_id: int, school_id: int) -> Submission | None:
    return Submission.objects.filter(round_id=round_id, school_id=school_id).select_related("reviewed_by", "updated_by").first()


def answers_by_question(*, submission: Submission | None) -> dict[int, Answer]:
    if submission is None or submission.pk is None:
        return {}
    return {a.question_id: a for a in Answer.objects.filter(submission=submission)}


def previous_round_of(submission_round: SubmissionRound) -> SubmissionRound | None:
    """The one answer to "which round came before": the round's own link (set when it opens, editable by an administrator),
    else the latest opened round of the same municipality that opened earlier. Hints, deviations and score changes use it."""
    if submission_round.previous_id:
        return submission_round.previous
    return (
        SubmissionRound.objects.filter(municipality_id=submission_round.municipality_id, opens_at__lt=submission_round.opens_at)
        .exclude(pk=submission_round.pk)
        .exclude(state=SubmissionRound.State.DRAFT)
        .order_by("-opens_at", "-pk")
        .first()
    )


def previous_answers_by_code(*, submission_round: SubmissionRound, school_id: int) -> dict[str, Answer]:
    """The school's answers in the previous round, matched by question code (stable across versions)."""
    previous = previous_round_of(submission_round)
    if previous is None:
        return {}
    answers = Answer.objects.filter(submission__round=previous, submission__school_id=school_id).select_related("question")
    return {a.question.code: a for a in answers}


def evidence_versions(*, submission: Submission) -> dict[int, list[EvidenceFile]]:
    """Every file attached to each answer of the submission, oldest first (one query)."""
    versions: dict[int, list[EvidenceFile]] = {}
    for evidence_file in EvidenceFile.objects.filter(answer__submission=submission).select_related("uploaded_by"):
        versions.setdefault(evidence_file.answer_id, []).append(evidence_file)
    return versions


def submission_history(*, submission: Submission, limit: int = 200, messages: list[QuestionMessage] | None = None) -> list[dict]:
    """Answer changes, workflow steps and messages, newest first, as one timeline (`messages`: the submission's messages
    with their questions and authors, when the page has read them already)."""
    changes = AnswerChange.objects.filter(submission=submission).select_related("question", "user")[:limit]
    events = SubmissionEvent.objects.filter(submission=submission).select_related("user")[:limit]
    if messages is None:
        messages = QuestionMessage.objects.filter(submission=submission).select_related("question", "author").order_by("-created_at", "-pk")[:limit]
    else:
        messages = sorted(messages, key=lambda m: (m.created_at, m.pk), reverse=True)[:limit]
    timeline = [{"kind": "change", "at": c.changed_at, "user": c.user, "item": c} for c in changes]
    timeline += [{"kind": "event", "at": e.created_at, "user": e.user, "item": e} for e in events]
    timeline += [{"kind": "message", "at": m.created_at, "user": m.author, "item": m} for m in messages]
    timeline.sort(key=lambda row: (row["at"], row["item"].pk), reverse=True)
    return timeline[:limit]


def changes_since(*, submission: Submission, version: int) -> tuple[list[AnswerChange], list[SubmissionEvent]]:
    changes = list(AnswerChange.objects.filter(submission=submission, version__gt=version).select_related("question", "user").order_by("changed_at", "pk"))
    events = list(SubmissionEvent.objects.filter(submission=submission, version__gt=version).select_related("user").order_by("created_at", "pk"))
    return changes, events


def round_deadlines_by_school(*, submission_round: SubmissionRound, school_ids: list[int]) -> dict[int, dt.datetime]:
    """Each school's deadline: the round's (no later than its closing, once closed), or the school's own extension when later (one query)."""
    base = submission_round.closes_at
    if submission_round.state == SubmissionRound.State.CLOSED:
        base = min(base, submission_round.results_fixed_at or timezone.now())
    deadlines = dict.fromkeys(school_ids, base)
    extended = RoundExtension.objects.filter(round_id=submission_round.pk, school_id__in=school_ids).values("school_id").annotate(latest=Max("closes_at"))
    for row in extended:
        deadlines[row["school_id"]] = max(deadlines[row["school_id"]], row["latest"])
    return deadlines


@dataclass
class FormPage:
    """Everything the curator's form shows, loaded with a fixed number of queries."""

    submission_round: SubmissionRound
    school: School
    sections: list[Section]
    questions: list[Question]
    rules: list[QuestionRule]
    submission: Submission | None
    answers: dict[int, Answer]
    previous: dict[str, str]
    extension: RoundExtension | None
    deadline: dt.datetime
    accepts_answers: bool
    participating: bool  # an active participant of the round (surveys.participants): only then is the form written

    @property
    def state(self) -> str:
        return self.submission.state if self.submission else NOT_STARTED

    @property
    def state_label(self) -> str:
        return SHORT_STATE_LABELS[self.state]

    @property
    def editable(self) -> bool:
        return self.accepts_answers and self.participating and self.state in (NOT_STARTED, *EDITABLE_STATES)

    @property
    def refusal(self) -> str:
        """What a save of a form that is not editable is told."""
        if not self.participating:
            return NOT_A_PARTICIPANT.format(title=self.submission_round.title)
        return "Анкета сейчас доступна только для просмотра: изменения не сохранены."

    @property
    def urgent(self) -> bool:
        """Less than three days left: the deadline is shown in red."""
        return self.accepts_answers and self.deadline - timezone.now() < dt.timedelta(days=3)

    @property
    def version(self) -> int:
        return self.submission.version if self.submission else 0

    @property
    def remarks(self) -> list[tuple[Question, str]]:
        """The reviewer's remarks per question, in questionnaire order (shown while the form is returned)."""
        if self.state != Submission.State.RETURNED:
            return []
        return [(q, self.answers[q.pk].review_comment) for q in self.questions if q.pk in self.answers and self.answers[q.pk].review_comment]

    @cached_property
    def errors(self) -> dict[str, list[str]]:
        """What would block a submit of the stored answers, by question code (the submit's own checks)."""
        from ..answers import submission_errors

        return submission_errors(self.questions, self.rules, self.answers)

    @property
    def answered(self) -> int:
        """Questions answered and passing the submit's checks: the progress shown to the curator."""
        from ..answers import is_empty

        return sum(1 for q in self.questions if not is_empty(q, self.answers.get(q.pk)) and q.code not in self.errors)

    @property
    def saved_at(self) -> dt.datetime | None:
        """When the curator last saved an answer (a reviewer's return does not count)."""
        from ..answers import is_empty

        saved = [self.answers[q.pk].updated_at for q in self.questions if not is_empty(q, self.answers.get(q.pk))]
        return max(saved, default=None)


def answers_with_previous(*, submission_round: SubmissionRound, school_id: int, submission: Submission | None) -> tuple[dict[int, Answer], dict[str, Answer]]:
    """The submission's answers by question, and the school's answers in the previous round by question code
    (`previous_answers_by_code`): one query for both."""
    previous_round = previous_round_of(submission_round)
    own = submission if submission is not None and submission.pk is not None else None
    round_ids = ([submission_round.pk] if own else []) + ([previous_round.pk] if previous_round else [])
    answers: dict[int, Answer] = {}
    previous: dict[str, Answer] = {}
    if round_ids:
        for answer in Answer.objects.filter(submission__school_id=school_id, submission__round_id__in=round_ids).select_related("question"):
            if own is not None and answer.submission_id == own.pk:
                answers[answer.question_id] = answer
            else:
                previous[answer.question.code] = answer
    return answers, previous


def form_page(*, submission_round: SubmissionRound, school: School, submission: Submission | None = None) -> FormPage:
    """`submission`: the school's submission of the round, when the caller has read it already (the review page)."""
    from ..answers import answer_display

    sections = questionnaire_sections(questionnaire_id=submission_round.questionnaire_id)
    questions = [q for section in sections for q in section.question_list]
    if submission is None:
        submission = submission_for(round_id=submission_round.pk, school_id=school.pk)
    extension = active_extension(round_id=submission_round.pk, school_id=school.pk)
    answers, previous = answers_with_previous(submission_round=submission_round, school_id=school.pk, submission=submission)
    return FormPage(
        submission_round=submission_round,
        school=school,
        sections=sections,
        questions=questions,
        rules=questionnaire_rules(questionnaire_id=submission_round.questionnaire_id),
        submission=submission,
        answers=answers,
        previous={code: answer_display(a.question, a) for code, a in previous.items()},
        extension=extension,
        deadline=round_deadline_for(submission_round, extension),
        accepts_answers=round_accepts_answers(submission_round, extension),
        participating=is_active_participant(submission_round=submission_round, school_id=school.pk),
    )
