"""Reads of surveys: rounds, a school's submission with its answers, completeness of a round, history."""

import datetime as dt
import hashlib
from collections import OrderedDict
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cached_property

from django.core.cache import cache
from django.db import connection
from django.db.models import Count, F, FilteredRelation, Max, OuterRef, Prefetch, Q, QuerySet, Subquery, Window
from django.db.models.functions import Coalesce, RowNumber
from django.utils import timezone

from schools.models import Curator, School
from schools.roles import Access
from schools.selectors import districts_visible_to, municipalities_visible_to, schools_visible_to

from .models import (
    Answer,
    AnswerChange,
    EvidenceFile,
    Question,
    QuestionMessage,
    Questionnaire,
    QuestionRule,
    Reminder,
    RoundDistrictCount,
    RoundEvent,
    RoundExtension,
    RoundParticipant,
    Section,
    Submission,
    SubmissionEvent,
    SubmissionRound,
)
from .participants import active_participants

NOT_STARTED = Submission.NOT_STARTED
STATE_LABELS = {state: look[0] for state, look in Submission.STATE_LOOKS.items()}
SHORT_STATE_LABELS = {state: look[1] for state, look in Submission.STATE_LOOKS.items()}
PLURAL_STATE_LABELS = {state: look[2] for state, look in Submission.STATE_LOOKS.items()}
STATE_ICONS = {state: look[3] for state, look in Submission.STATE_LOOKS.items()}
STATE_ORDER = list(Submission.STATE_LOOKS)  # not started first, accepted last
EDITABLE_STATES = (Submission.State.DRAFT, Submission.State.RETURNED)


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


def visible_submission(*, access: Access, submission_id: int) -> Submission | None:
    """A submission whose school the user may see (None otherwise: the view answers 404)."""
    return (
        submissions_visible_to(access)
        .filter(pk=submission_id)
        .select_related("round", "round__questionnaire", "school", "school__district", "reviewed_by", "updated_by")
        .first()
    )


def visible_answer_with_file(*, access: Access, answer_id: int) -> Answer | None:
    return (
        Answer.objects.filter(pk=answer_id, submission__in=submissions_visible_to(access).values("pk"))
        .exclude(file="")
        .select_related("submission", "question")
        .first()
    )


def evidence_versions(*, submission: Submission) -> dict[int, list[EvidenceFile]]:
    """Every file attached to each answer of the submission, oldest first (one query)."""
    versions: dict[int, list[EvidenceFile]] = {}
    for evidence_file in EvidenceFile.objects.filter(answer__submission=submission).select_related("uploaded_by"):
        versions.setdefault(evidence_file.answer_id, []).append(evidence_file)
    return versions


def visible_evidence_file(*, access: Access, pk: int) -> EvidenceFile | None:
    """A version of an evidence file, if the user sees its school and it is still in storage."""
    visible = EvidenceFile.objects.filter(pk=pk, answer__submission__school__in=schools_visible_to(access), removed=False).exclude(file="")
    return visible.select_related("answer__submission").first()


def submission_history(*, submission: Submission, limit: int = 200) -> list[dict]:
    """Answer changes and workflow steps, newest first, as one timeline."""
    changes = AnswerChange.objects.filter(submission=submission).select_related("question", "user")[:limit]
    events = SubmissionEvent.objects.filter(submission=submission).select_related("user")[:limit]
    messages = QuestionMessage.objects.filter(submission=submission).select_related("question", "author").order_by("-created_at", "-pk")[:limit]
    timeline = [{"kind": "change", "at": c.changed_at, "user": c.user, "item": c} for c in changes]
    timeline += [{"kind": "event", "at": e.created_at, "user": e.user, "item": e} for e in events]
    timeline += [{"kind": "message", "at": m.created_at, "user": m.author, "item": m} for m in messages]
    timeline.sort(key=lambda row: (row["at"], row["item"].pk), reverse=True)
    return timeline[:limit]


def changes_since(*, submission: Submission, version: int) -> tuple[list[AnswerChange], list[SubmissionEvent]]:
    changes = list(AnswerChange.objects.filter(submission=submission, version__gt=version).select_related("question", "user").order_by("changed_at", "pk"))
    events = list(SubmissionEvent.objects.filter(submission=submission, version__gt=version).select_related("user").order_by("created_at", "pk"))
    return changes, events


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


def round_schools(*, submission_round: SubmissionRound, schools: QuerySet[School]) -> QuerySet[School]:
    """The one definition of "a round's schools with their submission": the participants among `schools` that the round
    counts, each with its submission's id, state, sending and last change (None for a school that has not started)."""
    # One LEFT JOIN to the school's submission of the round (unique per round and school), not a subquery per column:
    # the planner then hashes the round's submissions once instead of probing them for every school.
    return (
        # The round's active participants (surveys.participants), in the district the round keeps for each.
        schools.filter(round_participations__round=submission_round, round_participations__is_active=True)
        .annotate(this_round=FilteredRelation("submissions", condition=Q(submissions__round=submission_round)))
        .annotate(
            round_district_id=F("round_participations__district_id"),
            round_district_name=F("round_participations__district__name"),
            submission_id=F("this_round__pk"),
            submission_state=F("this_round__state"),
            submitted_at=F("this_round__submitted_at"),
            submission_updated_at=F("this_round__updated_at"),
        )
    )


def _round_schools(*, submission_round: SubmissionRound, access: Access) -> QuerySet[School]:
    return round_schools(submission_round=submission_round, schools=schools_visible_to(access))


def round_school_rows(*, submission_round: SubmissionRound, access: Access, district_id: int | None = None, state: str | None = None) -> QuerySet[School]:
    """Participating schools the user may see, each with its submission's id, state and last change, and its active curators;
    filtered in SQL so that a page of them costs the same for 100 or 40,000 schools."""
    rows = _round_schools(submission_round=submission_round, access=access)
    if district_id:
        rows = rows.filter(round_district_id=district_id)
    if state == NOT_STARTED:
        rows = rows.filter(submission_id__isnull=True)
    elif state:
        rows = rows.filter(submission_state=state)
    curators = Curator.objects.filter(is_active=True).select_related("user").order_by("pk")
    return rows.prefetch_related(Prefetch("curators", queryset=curators, to_attr="active_curators")).order_by(
        "round_district_name", "number", "full_name", "pk"
    )


@dataclass
class DistrictCompleteness:
    district_id: int | None
    name: str
    total: int = 0
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(STATE_ORDER, 0))

    @property
    def submitted(self) -> int:
        return self.counts["submitted"] + self.counts["accepted"]

    @property
    def awaiting(self) -> int:
        return self.total - self.submitted

    @property
    def submitted_percent(self) -> int:
        return round(100 * self.submitted / self.total) if self.total else 0

    # The words of the dashboard and the export for the same figures.
    district = property(lambda self: self.name)
    done = property(lambda self: self.submitted)
    percent = property(lambda self: self.submitted_percent)


def in_districts(district_ids: list[int | None], field: str = "district_id") -> Q:
    """Schools (or rows) of the given districts; None stands for schools without a district."""
    known = [pk for pk in district_ids if pk is not None]
    condition = Q(**{f"{field}__in": known})
    return condition | Q(**{f"{field}__isnull": True}) if None in district_ids else condition


def completeness_by_district(
    *,
    submission_round: SubmissionRound,
    access: Access | None = None,
    schools: QuerySet[School] | None = None,
    district_ids: list[int | None] | None = None,
) -> tuple[list[DistrictCompleteness], DistrictCompleteness]:
    """Counts per district and state of the participating schools (the user's, or `schools` narrowed further by a page's
    filters), and their total: one grouped query. With `district_ids`, of those districts only (the total is then
    theirs, not the round's: see `completeness_total`). The completeness page, the dashboard and the export all use it."""
    schools = round_schools(submission_round=submission_round, schools=schools if schools is not None else schools_visible_to(access))
    if district_ids is not None:
        schools = schools.filter(in_districts(district_ids, "round_district_id"))
    grouped = schools.values("round_district_id", "round_district_name", "submission_state").annotate(n=Count("pk")).order_by("round_district_name")
    districts: OrderedDict[int | None, DistrictCompleteness] = OrderedDict()
    total = DistrictCompleteness(district_id=None, name="Всего")
    for row in grouped:
        key = row["round_district_id"]
        if key not in districts:
            districts[key] = DistrictCompleteness(district_id=key, name=row["round_district_name"] or "Без района")
        state = row["submission_state"] or NOT_STARTED
        for bucket in (districts[key], total):
            bucket.total += row["n"]
            bucket.counts[state] += row["n"]
    return list(districts.values()), total


def completeness_total(*, submission_round: SubmissionRound, access: Access) -> DistrictCompleteness:
    """The user's participating schools by the state of their form, all districts together. For a user who sees the
    whole city: two counts on indexes (the round's participants; their submissions by state), whatever the size."""
    if not access.sees_city:
        return completeness_by_district(submission_round=submission_round, access=access)[1]
    participants = active_participants(submission_round)
    total = DistrictCompleteness(district_id=None, name="Всего", total=participants.count())
    states = Submission.objects.filter(round=submission_round, school__in=participants.values("school_id")).values("state").annotate(n=Count("pk")).order_by()
    for row in states:
        total.counts[row["state"]] += row["n"]
    total.counts[NOT_STARTED] = total.total - sum(total.counts[state] for state in STATE_ORDER if state != NOT_STARTED)
    return total


@dataclass(frozen=True)
class DistrictOrder:
    """A district of a round with its participants and sent forms as of the last recompute (`RoundDistrictCount`)."""

    district_id: int | None
    name: str
    participants: int
    sent: int

    def weakest_first(self) -> tuple:
        return (self.sent / self.participants if self.participants else 1, self.name)


def round_district_order(*, submission_round: SubmissionRound, access: Access) -> list[DistrictOrder] | None:
    """The round's districts the user may see, by name, from the last recompute; None before the first one."""
    rows = RoundDistrictCount.objects.filter(round=submission_round)
    if not access.sees_city:
        rows = rows.filter(in_districts(list(districts_visible_to(access).values_list("pk", flat=True))))
    found = [
        DistrictOrder(district_id, name or "Без района", participants, sent)
        for district_id, name, participants, sent in rows.values_list("district_id", "district__name", "participants", "sent")
    ]
    if not found and not RoundDistrictCount.objects.filter(round=submission_round).exists():
        return None
    return sorted(found, key=lambda d: (d.name, d.district_id or 0))


def round_reminders(*, submission_round: SubmissionRound, access: Access, limit: int = 100) -> QuerySet[Reminder]:
    return (
        Reminder.objects.filter(round=submission_round, school__in=schools_visible_to(access))
        .select_related("school", "recipient", "sent_by")
        .order_by("-sent_at", "-pk")[:limit]
    )


def schools_awaiting_submission(*, submission_round: SubmissionRound) -> QuerySet[School]:
    """Active participants of the round that have not sent their form (no submission, draft or returned)."""
    counted = Submission.objects.filter(round=submission_round, state__in=Submission.COUNTED_STATES).values("school_id")
    return School.objects.filter(pk__in=active_participants(submission_round).values("school_id")).exclude(pk__in=counted)


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

    @property
    def state(self) -> str:
        return self.submission.state if self.submission else NOT_STARTED

    @property
    def state_label(self) -> str:
        return SHORT_STATE_LABELS[self.state]

    @property
    def editable(self) -> bool:
        return self.accepts_answers and self.state in (NOT_STARTED, *EDITABLE_STATES)

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
        from .answers import submission_errors

        return submission_errors(self.questions, self.rules, self.answers)

    @property
    def answered(self) -> int:
        """Questions answered and passing the submit's checks: the progress shown to the curator."""
        from .answers import is_empty

        return sum(1 for q in self.questions if not is_empty(q, self.answers.get(q.pk)) and q.code not in self.errors)

    @property
    def saved_at(self) -> dt.datetime | None:
        """When the curator last saved an answer (a reviewer's return does not count)."""
        from .answers import is_empty

        saved = [self.answers[q.pk].updated_at for q in self.questions if not is_empty(q, self.answers.get(q.pk))]
        return max(saved, default=None)


def form_page(*, submission_round: SubmissionRound, school: School) -> FormPage:
    from .answers import answer_display

    sections = questionnaire_sections(questionnaire_id=submission_round.questionnaire_id)
    questions = [q for section in sections for q in section.question_list]
    submission = submission_for(round_id=submission_round.pk, school_id=school.pk)
    extension = active_extension(round_id=submission_round.pk, school_id=school.pk)
    previous = previous_answers_by_code(submission_round=submission_round, school_id=school.pk)
    return FormPage(
        submission_round=submission_round,
        school=school,
        sections=sections,
        questions=questions,
        rules=questionnaire_rules(questionnaire_id=submission_round.questionnaire_id),
        submission=submission,
        answers=answers_by_question(submission=submission),
        previous={code: answer_display(a.question, a) for code, a in previous.items()},
        extension=extension,
        deadline=round_deadline_for(submission_round, extension),
        accepts_answers=round_accepts_answers(submission_round, extension),
    )


# --- City figures of a round's answers --------------------------------------------------------


def _median(values: list[Decimal]) -> Decimal | None:
    return sum(values, Decimal(0)) / len(values) if values else None


def city_medians(round_id: int, *, min_schools: int = 1) -> dict[int, Decimal]:
    """The median answer of every numeric question over the round's counted submissions, for questions that at
    least `min_schools` schools answered. One query: a window ranks the answers per question and only the one or
    two middle rows come back."""
    middle = (
        Answer.objects.filter(
            submission__round_id=round_id,
            submission__state__in=Submission.COUNTED_STATES,
            question__type__in=Question.NUMERIC_TYPES,
            value_number__isnull=False,
        )
        .annotate(
            position=Window(RowNumber(), partition_by=[F("question_id")], order_by=[F("value_number").asc(), F("pk").asc()]),
            answered=Window(Count("pk"), partition_by=[F("question_id")]),
        )
        .filter(position__gte=(F("answered") + 1) / 2, position__lte=(F("answered") + 2) / 2)
        .values_list("question_id", "value_number", "answered")
    )
    values: dict[int, list[Decimal]] = {}
    for question_id, value, answered in middle:
        if answered >= min_schools:
            values.setdefault(question_id, []).append(value)
    return {question_id: _median(pair) for question_id, pair in values.items()}


def city_yes_shares(round_id: int, *, min_schools: int = 1) -> dict[int, Decimal]:
    """The share (percent) of «да» among counted answers to each yes/no question of the round that at least
    `min_schools` schools answered. One query."""
    rows = (
        Answer.objects.filter(
            submission__round_id=round_id,
            submission__state__in=Submission.COUNTED_STATES,
            question__type=Question.Type.YES_NO,
            value_bool__isnull=False,
        )
        .values("question_id")
        .annotate(yes=Count("pk", filter=Q(value_bool=True)), answered=Count("pk"))
        .order_by()
    )
    return {r["question_id"]: Decimal(100 * r["yes"]) / r["answered"] for r in rows if r["answered"] >= min_schools}


@dataclass(frozen=True)
class RecomputeSummary:
    """For the operator: when results were last recomputed and which rounds wait for a recompute."""

    last_computed_at: dt.datetime | None
    last_round_title: str
    stale_rounds: list[SubmissionRound]


def recompute_summary() -> RecomputeSummary:
    last = SubmissionRound.objects.filter(computed_at__isnull=False).order_by("-computed_at").only("title", "computed_at").first()
    stale = list(SubmissionRound.objects.filter(computed_seq__lt=F("changes_seq")).only("title", "recompute_queued_at").order_by("pk"))
    return RecomputeSummary(last.computed_at if last else None, last.title if last else "", stale)


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


# The review queue

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


# Running a round (the round pages of methodologists and administrators)


def rounds_managed_by(access: Access) -> QuerySet[SubmissionRound]:
    """Rounds a methodologist or administrator runs from the round pages, drafts included, of their municipality
    (the regional role: of every one); nobody else runs any."""
    if not access.sees_city:
        return SubmissionRound.objects.none()
    rounds = SubmissionRound.objects.select_related("questionnaire", "municipality")
    return rounds if access.sees_region else rounds.filter(municipality_id=access.municipality_id)


def questionnaires_current() -> list[Questionnaire]:
    """The latest version of each questionnaire (what a new round is offered by default)."""
    latest: dict[str, Questionnaire] = {}
    for questionnaire in Questionnaire.objects.order_by("title", "-version"):
        latest.setdefault(questionnaire.title, questionnaire)
    return list(latest.values())


def round_events(*, submission_round: SubmissionRound, limit: int = 200) -> list[RoundEvent]:
    return list(RoundEvent.objects.filter(round=submission_round).order_by("-created_at", "-pk")[:limit])


@dataclass
class RoundSummary:
    """What closing a round means: counts per state and the schools that have not got to «принята»."""

    total: DistrictCompleteness
    unfinished: list[School]

    @property
    def waiting(self) -> int:
        return self.total.counts["submitted"]


def round_summary(*, submission_round: SubmissionRound, access: Access, limit: int = 500) -> RoundSummary:
    _, total = completeness_by_district(submission_round=submission_round, access=access)
    rows = round_school_rows(submission_round=submission_round, access=access).filter(
        Q(submission_state__isnull=True) | ~Q(submission_state=Submission.State.ACCEPTED)  # a NULL state (not started) is unfinished too
    )
    return RoundSummary(total=total, unfinished=list(rows[:limit]))


def round_participants(*, submission_round: SubmissionRound) -> QuerySet[School]:
    """Participating schools with their submission state and own deadline (extension), in district order."""
    mine = Submission.objects.filter(round=submission_round, school=OuterRef("pk"))
    latest_extension = RoundExtension.objects.filter(round=submission_round, school=OuterRef("pk")).order_by("-closes_at")
    return (
        submission_round.schools.select_related("district")
        .annotate(submission_state=Subquery(mine.values("state")[:1]), extended_to=Subquery(latest_extension.values("closes_at")[:1]))
        .order_by("district__name", "number", "full_name", "pk")
    )


def round_joinable_schools(*, submission_round: SubmissionRound) -> QuerySet[School]:
    """Active schools of the round's municipality that do not take part in it (new, imported or reactivated ones)."""
    return (
        School.objects.filter(municipality_id=submission_round.municipality_id, is_active=True)
        .exclude(pk__in=RoundParticipant.objects.filter(round_id=submission_round.pk).values("school_id"))
        .select_related("district")
        .order_by("district__name", "number", "full_name", "pk")
    )


def open_rounds_with_joinable_schools(*, access: Access) -> list[tuple[SubmissionRound, int]]:
    """Each open round the user runs and how many active schools of its municipality are not in it yet."""
    result = []
    for submission_round in rounds_managed_by(access).filter(state=SubmissionRound.State.OPEN).order_by("-opens_at"):
        count = round_joinable_schools(submission_round=submission_round).count()
        if count:
            result.append((submission_round, count))
    return result


# Timeliness: submitted by the school's deadline or late, per district

TIMELINESS_RULE = (
    "Вовремя — анкета впервые отправлена не позже срока школы (срока раунда или продлённого для неё срока). "
    "С опозданием — отправлена позже срока или не отправлена, когда срок уже прошёл. "
    "Медиана опоздания — по анкетам, отправленным с опозданием, в сутках. Доли — от всех школ-участников."
)


@dataclass
class Timeliness:
    district_id: int | None
    name: str
    total: int = 0
    on_time: int = 0
    late: int = 0
    pending: int = 0  # not sent yet, the deadline still ahead
    days_late: list[float] = field(default_factory=list)
    counted_median: float | None = None  # the median as the database computed it (PostgreSQL), when days_late is not fetched

    @property
    def on_time_percent(self) -> int:
        return round(100 * self.on_time / self.total) if self.total else 0

    @property
    def late_percent(self) -> int:
        return round(100 * self.late / self.total) if self.total else 0

    @property
    def median_days_late(self) -> float | None:
        values = sorted(self.days_late)
        if not values:
            return self.counted_median
        middle = len(values) // 2
        return values[middle] if len(values) % 2 else (values[middle - 1] + values[middle]) / 2


def timeliness_weakest_first(row: Timeliness) -> tuple:
    """The order of a folded timeliness table: the smallest share on time first."""
    return (row.on_time / row.total if row.total else 1, row.name)


def _first_submitted_and_deadline(submission_round: SubmissionRound, schools: QuerySet[School]) -> QuerySet:
    """Each participating school with the time it first sent its form and its own deadline (extension), in one query."""
    first_event = SubmissionEvent.objects.filter(
        submission__round_id=submission_round.pk, submission__school=OuterRef("pk"), action=SubmissionEvent.Action.SUBMITTED
    ).order_by("created_at")
    sent_at = Submission.objects.filter(round_id=submission_round.pk, school=OuterRef("pk"), submitted_at__isnull=False)
    extension = RoundExtension.objects.filter(round_id=submission_round.pk, school=OuterRef("pk")).order_by("-closes_at")
    return (
        schools.filter(round_participations__round=submission_round, round_participations__is_active=True)
        .annotate(
            first_sent=Coalesce(Subquery(first_event.values("created_at")[:1]), Subquery(sent_at.values("submitted_at")[:1])),
            own_deadline=Subquery(extension.values("closes_at")[:1]),
            round_district_id=F("round_participations__district_id"),
            round_district_name=F("round_participations__district__name"),
        )
        .values_list("pk", "round_district_id", "round_district_name", "first_sent", "own_deadline")
        .order_by("round_district_name", "pk")
    )


def _count_timeliness(bucket: Timeliness, first_sent, deadline, now) -> None:
    bucket.total += 1
    if first_sent is not None and first_sent <= deadline:
        bucket.on_time += 1
    elif first_sent is not None:
        bucket.late += 1
        bucket.days_late.append(round((first_sent - deadline).total_seconds() / 86400, 1))
    elif now > deadline:
        bucket.late += 1
    else:
        bucket.pending += 1


def timeliness_by_district(
    *, submission_round: SubmissionRound, schools: QuerySet[School], now: dt.datetime | None = None
) -> tuple[list[Timeliness], Timeliness]:
    """Per district of the given schools (those taking part in the round): on time, late, median days late (one query).
    On PostgreSQL the database counts (a few hundred rows come back for 40,000 schools) and the figures are kept for a
    minute (see `_timeliness_cached`); elsewhere Python counts."""
    if connection.vendor == "postgresql":
        if now is not None:
            return _timeliness_counted(submission_round, schools, now)
        return _timeliness_cached(submission_round, schools)
    now = now or timezone.now()
    districts: OrderedDict[int | None, Timeliness] = OrderedDict()
    total = Timeliness(district_id=None, name="Всего")
    for _pk, district_id, district_name, first_sent, own_deadline in _first_submitted_and_deadline(submission_round, schools):
        if district_id not in districts:
            districts[district_id] = Timeliness(district_id=district_id, name=district_name or "Без района")
        deadline = max(submission_round.closes_at, own_deadline) if own_deadline else submission_round.closes_at
        for bucket in (districts[district_id], total):
            _count_timeliness(bucket, first_sent, deadline, now)
    return list(districts.values()), total


# The same rule as `_count_timeliness`, counted by PostgreSQL: per district and, by the empty grouping set, in total.
# Positional parameters, in order: the round's deadline, the round (×3), the «submitted» action, the round, the visible
# schools' own parameters, now (×2).
_TIMELINESS_SQL = """
WITH per_school AS (
    SELECT rs.district_id, COALESCE(fe.first_at, sub.submitted_at) AS first_sent, GREATEST(%s, ext.closes_at) AS deadline
    FROM schools_school s
    -- The round's active participants, in the district the round keeps for each (surveys.participants).
    JOIN {participants} rs ON rs.school_id = s.id AND rs.submissionround_id = %s AND rs.is_active
    LEFT JOIN {submission} sub ON sub.round_id = %s AND sub.school_id = s.id
    LEFT JOIN (
        SELECT e.submission_id, MIN(e.created_at) AS first_at
        FROM {event} e JOIN {submission} x ON x.id = e.submission_id
        WHERE x.round_id = %s AND e.action = %s
        GROUP BY e.submission_id
    ) fe ON fe.submission_id = sub.id
    LEFT JOIN (SELECT school_id, MAX(closes_at) AS closes_at FROM {extension} WHERE round_id = %s GROUP BY school_id) ext ON ext.school_id = s.id
    WHERE s.id IN ({visible})
),
judged AS (
    SELECT district_id,
           CASE WHEN first_sent IS NOT NULL AND first_sent <= deadline THEN 1 ELSE 0 END AS on_time,
           CASE WHEN first_sent > deadline OR (first_sent IS NULL AND %s > deadline) THEN 1 ELSE 0 END AS late,
           CASE WHEN first_sent IS NULL AND %s <= deadline THEN 1 ELSE 0 END AS pending,
           CASE WHEN first_sent > deadline THEN ROUND(CAST(EXTRACT(EPOCH FROM first_sent - deadline) / 86400 AS NUMERIC), 1) END AS days_late
    FROM per_school
)
SELECT GROUPING(j.district_id), j.district_id, MAX(d.name), COUNT(*), SUM(j.on_time), SUM(j.late), SUM(j.pending),
       PERCENTILE_CONT(0.5) WITHIN GROUP (ORDER BY j.days_late)
FROM judged j LEFT JOIN schools_district d ON d.id = j.district_id
GROUP BY GROUPING SETS ((j.district_id), ())
ORDER BY 1, 3, 2
"""


TIMELINESS_CACHE_SECONDS = 60


def _timeliness_cached(submission_round: SubmissionRound, schools: QuerySet[School]) -> tuple[list[Timeliness], Timeliness]:
    """The figures counted over every school of the round (40,000 in a region) once a minute per round and set of
    schools, not on every request. The key holds the round's change counter, which every submit, return, acceptance
    and deadline extension raises: such a change shows at once; only «срок прошёл» of a school that sent nothing waits
    up to a minute."""
    now = timezone.now()
    scope = hashlib.sha1(str(schools.order_by().values("pk").query).encode(), usedforsecurity=False).hexdigest()[:16]
    key = f"timeliness:{submission_round.pk}:{submission_round.changes_seq}:{scope}:{int(now.timestamp()) // TIMELINESS_CACHE_SECONDS}"
    found = cache.get(key)
    if found is None:
        found = _timeliness_counted(submission_round, schools, now)
        cache.set(key, found, TIMELINESS_CACHE_SECONDS)
    return found


def _timeliness_counted(submission_round: SubmissionRound, schools: QuerySet[School], now: dt.datetime) -> tuple[list[Timeliness], Timeliness]:
    visible, visible_params = schools.order_by().values("pk").query.sql_with_params()
    sql = _TIMELINESS_SQL.format(
        participants=RoundParticipant._meta.db_table,
        submission=Submission._meta.db_table,
        event=SubmissionEvent._meta.db_table,
        extension=RoundExtension._meta.db_table,
        visible=visible,
    )
    round_id = submission_round.pk
    params = [submission_round.closes_at, round_id, round_id, round_id, SubmissionEvent.Action.SUBMITTED.value, round_id, *visible_params, now, now]
    districts: list[Timeliness] = []
    total = Timeliness(district_id=None, name="Всего")
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        for grouping, district_id, name, count, on_time, late, pending, median in cursor.fetchall():
            row = total if grouping else Timeliness(district_id=district_id, name=name or "Без района")
            row.total, row.on_time, row.late, row.pending = count, on_time or 0, late or 0, pending or 0
            row.counted_median = None if median is None else float(median)
            if not grouping:
                districts.append(row)
    return districts, total


@dataclass(frozen=True)
class SchoolTimeliness:
    deadline: dt.datetime
    first_sent: dt.datetime | None
    days_late: float | None  # None: on time or not sent yet

    @property
    def on_time(self) -> bool:
        return self.first_sent is not None and self.first_sent <= self.deadline


def school_timeliness(*, submission_round: SubmissionRound, school_id: int) -> SchoolTimeliness | None:
    """The school's own line: its deadline, when it first sent the form, how many days late (one query)."""
    row = _first_submitted_and_deadline(submission_round, School.objects.filter(pk=school_id)).first()
    if row is None:
        return None
    _pk, _district, _name, first_sent, own_deadline = row
    deadline = max(submission_round.closes_at, own_deadline) if own_deadline else submission_round.closes_at
    late = round((first_sent - deadline).total_seconds() / 86400, 1) if first_sent and first_sent > deadline else None
    return SchoolTimeliness(deadline=deadline, first_sent=first_sent, days_late=late)
