"""Writes of submissions: answers and their audit, the review workflow (one by one and in bulk).

Every write that changes results (submit, return, accept, close, reopen, extension) calls
`round_results_invalidate` (`results`) inside its transaction. Writes that change one submission
lock the round row first, then the submission row, always in that order.
"""

import datetime as dt
import logging
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from roadmap_portal.uploads import evidence_check
from schools.models import School

from .. import answers as answer_values
from .. import notices, threads
from ..models import (
    Answer,
    AnswerChange,
    EvidenceFile,
    Question,
    Submission,
    SubmissionEvent,
    SubmissionRound,
)
from ..participants import NOT_A_PARTICIPANT, is_active_participant
from ..selectors import (
    EDITABLE_STATES,
    active_extension,
    changes_since,
    previous_answers_by_code,
    questionnaire_questions,
    questionnaire_rules,
    round_accepts_answers,
    round_deadline_for,
)
from .results import round_results_invalidate

logger = logging.getLogger(__name__)


class SurveyError(Exception):
    """A refused write. `message` tells the person in Russian what happened and what to do next."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class RoundClosedError(SurveyError):
    pass


class SubmissionStateError(SurveyError):
    pass


class SubmissionConflictError(SurveyError):
    """The form was based on an older version: someone saved in between."""

    def __init__(self, message: str, *, submission: Submission, changes: list[AnswerChange], events: list[SubmissionEvent]):
        super().__init__(message)
        self.submission = submission
        self.changes = changes
        self.events = events


class SubmissionIncompleteError(SurveyError):
    """A submit refused by the checks; `errors` maps question codes to messages."""

    def __init__(self, errors: dict[str, list[str]]):
        count = sum(len(messages) for messages in errors.values())
        super().__init__(f"Анкета не отправлена: исправьте ошибки ({count}). Ответы сохранены как черновик.")
        self.errors = errors


@dataclass(frozen=True)
class DraftSaved:
    submission: Submission
    changed: int


def _fmt(moment: dt.datetime) -> str:
    return f"{timezone.localtime(moment):%d.%m.%Y %H:%M}"


def _refuse_unless_accepting(submission_round: SubmissionRound, school_id: int) -> None:
    """The form of a school is written only by an active participant of the round (surveys.participants), while the
    round accepts its answers. The pages check it too; this is the check every write of a form goes through."""
    if not is_active_participant(submission_round=submission_round, school_id=school_id):
        raise RoundClosedError(NOT_A_PARTICIPANT.format(title=submission_round.title))
    now = timezone.now()
    extension = active_extension(round_id=submission_round.pk, school_id=school_id, now=now)
    if round_accepts_answers(submission_round, extension, now):
        return
    title = submission_round.title
    if submission_round.state == SubmissionRound.State.DRAFT or now < submission_round.opens_at:
        raise RoundClosedError(f"Приём анкет в раунде «{title}» ещё не начался.")
    if submission_round.state == SubmissionRound.State.CLOSED:
        raise RoundClosedError(
            f"Раунд «{title}» закрыт, изменения больше не принимаются. "
            "Если нужно что-то исправить, обратитесь к администратору портала: он может продлить срок для вашей школы."
        )
    deadline = round_deadline_for(submission_round, extension)
    raise RoundClosedError(
        f"Срок сдачи анкет в раунде «{title}» истёк {_fmt(deadline)}. Обратитесь к администратору портала, если нужно продлить срок для вашей школы."
    )


def _refuse_review_if_closed(submission_round: SubmissionRound, school_id: int) -> None:
    """Review goes on after closing until the results are fixed (the round pages close first, then fix)."""
    if submission_round.state != SubmissionRound.State.CLOSED or submission_round.results_fixed_at is None:
        return
    if active_extension(round_id=submission_round.pk, school_id=school_id) is None:
        raise RoundClosedError(f"Раунд «{submission_round.title}» закрыт, итоги зафиксированы: анкеты больше не меняются.")


def _lock_round(submission_round: SubmissionRound) -> SubmissionRound:
    return SubmissionRound.objects.select_for_update(no_key=True).get(pk=submission_round.pk)


def _check_version(submission: Submission, expected_version: int) -> None:
    if submission.version == expected_version:
        return
    changes, events = changes_since(submission=submission, version=expected_version)
    raise SubmissionConflictError(
        "Пока вы работали с анкетой, её изменили. Ваши ответы не сохранены, но остались в форме: сверьте их с изменениями ниже и сохраните ещё раз.",
        submission=submission,
        changes=changes,
        events=events,
    )


def _store_evidence(answer: Answer, upload, *, user, version: int) -> EvidenceFile:
    """Put the upload in storage under a random name; the new version's row is saved with the answer."""
    evidence = evidence_check(upload)  # checked before the transaction; this returns the remembered result
    answer.file.save(f"{uuid.uuid4().hex}.{evidence.kind}", upload, save=False)
    answer.file_name = evidence.display_name
    return EvidenceFile(file=answer.file.name, file_name=evidence.display_name, kind=evidence.kind, size=evidence.size, uploaded_by=user, version=version)


def _retire_evidence(current: EvidenceFile | None, submission: Submission, now) -> str | None:
    """Mark the answer's current file as replaced; the name to delete from storage if no reviewer could have seen it."""
    if current is None:
        return None
    current.replaced_at = now
    seen = submission.submitted_at is not None and current.uploaded_at <= submission.submitted_at
    if seen:
        return None
    name, current.removed = current.file.name, True
    return name


def _delete_files_after_commit(names: list[str]) -> None:
    if not names:
        return
    storage = Answer._meta.get_field("file").storage

    def delete() -> None:
        for name in names:
            try:
                storage.delete(name)
            except OSError:
                logger.warning("Could not delete replaced evidence file %s", name, exc_info=True)

    transaction.on_commit(delete)


def submission_save_draft(
    *,
    submission_round: SubmissionRound,
    school: School,
    user,
    answers: Mapping[str, object],
    expected_version: int,
    files: Mapping[str, object] | None = None,
    remove_files: Iterable[str] = (),
) -> DraftSaved:
    """Save any subset of answers (keyed by question code) without the submit checks; audit every changed answer.

    `expected_version` is the submission version the form was opened with (0 when there was no submission yet).
    """
    files = files or {}
    remove_files = set(remove_files)
    # Checked here, once (the form's check is remembered on the upload), before the transaction holds any lock.
    for upload in files.values():
        evidence_check(upload)
    with transaction.atomic():
        submission_round = SubmissionRound.objects.get(pk=submission_round.pk)  # the state as of now, not as the caller saw it
        _refuse_unless_accepting(submission_round, school.pk)
        submission, created = Submission.objects.select_for_update().get_or_create(round=submission_round, school=school, defaults={"updated_by": user})
        if not created:
            _check_version(submission, expected_version)
        if submission.state not in EDITABLE_STATES:
            raise SubmissionStateError(
                "Анкета уже отправлена на проверку, изменить её нельзя. Если нужно что-то исправить, попросите методиста вернуть её на доработку."
            )
        questions = {q.code: q for q in Question.objects.filter(questionnaire_id=submission_round.questionnaire_id)}
        existing = {a.question_id: a for a in Answer.objects.filter(submission=submission)}
        new_version = submission.version + 1
        now = timezone.now()
        touched: dict[int, Answer] = {}
        changes: list[AnswerChange] = []
        replaced_files: list[str] = []
        new_files: dict[int, EvidenceFile] = {}
        current_files = {f.answer_id: f for f in EvidenceFile.objects.filter(answer__submission=submission, replaced_at=None)} if files or remove_files else {}

        def answer_for(question: Question) -> Answer:
            answer = existing.get(question.pk) or touched.get(question.pk)
            if answer is None:
                answer = Answer(submission=submission, question=question)
            touched[question.pk] = answer
            return answer

        def audit(question: Question, old: str, new: str) -> None:
            changes.append(AnswerChange(submission=submission, question=question, user=user, old_value=old, new_value=new, version=new_version))

        for code, value in answers.items():
            question = questions.get(code)
            if question is None or question.type == Question.Type.FILE:
                continue
            new_storage = answer_values.storage_for(question, value)
            old_storage = answer_values.storage_of(existing.get(question.pk))
            if new_storage == old_storage:
                continue
            answer = answer_for(question)
            for column, column_value in new_storage.items():
                setattr(answer, column, column_value)
            audit(question, answer_values.display(question, old_storage), answer_values.display(question, new_storage))

        for code in set(files) | remove_files:
            question = questions.get(code)
            if question is None or question.type != Question.Type.FILE:
                continue
            answer = answer_for(question)
            old_name = answer.file_name
            if code in files:
                new_files[question.pk] = _store_evidence(answer, files[code], user=user, version=new_version)
            elif answer.file:
                answer.file, answer.file_name = "", ""
            else:
                touched.pop(question.pk, None)
                continue
            if replaced := _retire_evidence(current_files.get(answer.pk), submission, now):
                replaced_files.append(replaced)
            audit(question, old_name, answer.file_name)

        if not changes and not created:
            return DraftSaved(submission=submission, changed=0)
        for answer in touched.values():
            answer.updated_at = now
        Answer.objects.bulk_create([a for a in touched.values() if a.pk is None])
        Answer.objects.bulk_update(
            [a for a in touched.values() if a.pk is not None], ["value_bool", "value_number", "value_text", "value_date", "file", "file_name", "updated_at"]
        )
        AnswerChange.objects.bulk_create(changes)
        retired = [f for f in current_files.values() if f.replaced_at is not None]
        EvidenceFile.objects.bulk_update(retired, ["replaced_at", "removed"])
        for question_id, evidence_file in new_files.items():
            evidence_file.answer = touched[question_id]
        EvidenceFile.objects.bulk_create(new_files.values())
        submission.version = new_version
        submission.updated_by = user
        submission.save(update_fields=["version", "updated_by", "updated_at"])
        _delete_files_after_commit(replaced_files)
    return DraftSaved(submission=submission, changed=len(changes))


def _flag_deviations(submission_round: SubmissionRound, school_id: int, questions: list[Question], answers: Mapping[int, Answer]) -> None:
    previous = previous_answers_by_code(submission_round=submission_round, school_id=school_id)
    flagged = []
    for question in questions:
        answer = answers.get(question.pk)
        if answer is None:
            continue
        note = answer_values.deviation_note(question, answer, previous.get(question.code), submission_round.deviation_threshold)[:200]
        if note != answer.deviation_flag:
            answer.deviation_flag = note
            flagged.append(answer)
    Answer.objects.bulk_update(flagged, ["deviation_flag"])


def submission_submit(*, submission_round: SubmissionRound, school: School, user, expected_version: int) -> Submission:
    """Check every answer (required, bounds, cross rules) and send the form for review; flag big deviations."""
    with transaction.atomic():
        submission_round = _lock_round(submission_round)
        _refuse_unless_accepting(submission_round, school.pk)
        questions = questionnaire_questions(questionnaire_id=submission_round.questionnaire_id)
        rules = questionnaire_rules(questionnaire_id=submission_round.questionnaire_id)
        submission = Submission.objects.select_for_update().filter(round=submission_round, school=school).first()
        if submission is None:
            raise SubmissionIncompleteError(answer_values.submission_errors(questions, rules, {}))
        _check_version(submission, expected_version)
        if submission.state not in EDITABLE_STATES:
            raise SubmissionStateError("Анкета уже отправлена на проверку.")
        answers = {a.question_id: a for a in Answer.objects.filter(submission=submission)}
        errors = answer_values.submission_errors(questions, rules, answers)
        if errors:
            raise SubmissionIncompleteError(errors)
        _flag_deviations(submission_round, school.pk, questions, answers)
        from_state = submission.state
        submission.state = Submission.State.SUBMITTED
        submission.submitted_at = timezone.now()
        submission.version += 1
        submission.updated_by = user
        submission.save(update_fields=["state", "submitted_at", "version", "updated_by", "updated_at"])
        SubmissionEvent.objects.create(
            submission=submission,
            action=SubmissionEvent.Action.SUBMITTED,
            from_state=from_state,
            to_state=submission.state,
            user=user,
            version=submission.version,
        )
        round_results_invalidate(round_id=submission_round.pk)
    return submission


def _lock_for_review(submission: Submission, expected_version: int) -> Submission:
    submission_round = _lock_round(submission.round)
    _refuse_review_if_closed(submission_round, submission.school_id)
    locked = Submission.objects.select_for_update().get(pk=submission.pk)
    _check_version(locked, expected_version)
    locked.round = submission_round
    return locked


def submission_return(*, submission: Submission, user, comment: str, question_comments: Mapping[int, str], expected_version: int) -> Submission:
    """Send a submitted (or accepted) form back to the curator with a general comment and/or comments per question."""
    comment = comment.strip()
    question_comments = {qid: text.strip() for qid, text in question_comments.items() if text and text.strip()}
    if not comment and not question_comments:
        raise SurveyError("Напишите, что нужно исправить: общий комментарий или замечание к вопросу.")
    with transaction.atomic():
        locked = _lock_for_review(submission, expected_version)
        if locked.state not in (Submission.State.SUBMITTED, Submission.State.ACCEPTED):
            raise SubmissionStateError("Вернуть на доработку можно только отправленную или принятую анкету.")
        questions = {q.pk: q for q in Question.objects.filter(questionnaire_id=locked.round.questionnaire_id, pk__in=list(question_comments))}
        answers = {a.question_id: a for a in Answer.objects.filter(submission=locked)}
        for answer in answers.values():
            answer.review_comment = question_comments.get(answer.question_id, "")
        Answer.objects.bulk_update(list(answers.values()), ["review_comment"])
        Answer.objects.bulk_create(
            [Answer(submission=locked, question=q, review_comment=question_comments[qid]) for qid, q in questions.items() if qid not in answers]
        )
        lines = [comment] if comment else []
        lines += [f"{questions[qid].text}: {text}" for qid, text in question_comments.items() if qid in questions]
        _review_transition(
            locked,
            to_state=Submission.State.RETURNED,
            action=SubmissionEvent.Action.RETURNED,
            user=user,
            return_comment=comment,
            event_comment="\n".join(lines),
        )
        remarks = [(questions[qid], text) for qid, text in question_comments.items() if qid in questions]
        threads.thread_remarks_add(submission=locked, user=user, remarks=remarks)
        notices.notify_submission_returned(submission=locked, comment=comment, remarks=remarks)
    return locked


def submission_accept(*, submission: Submission, user, expected_version: int, comment: str = "") -> Submission:
    """Accept a submitted form; earlier remarks are cleared (they stay in the history)."""
    with transaction.atomic():
        locked = _lock_for_review(submission, expected_version)
        if locked.state != Submission.State.SUBMITTED:
            raise SubmissionStateError("Принять можно только отправленную анкету.")
        Answer.objects.filter(submission=locked).exclude(review_comment="").update(review_comment="")
        _review_transition(
            locked, to_state=Submission.State.ACCEPTED, action=SubmissionEvent.Action.ACCEPTED, user=user, return_comment="", event_comment=comment.strip()
        )
        threads.threads_resolve(submission=locked)
        notices.notify_submission_accepted(submission=locked)
    return locked


def _review_transition(locked: Submission, *, to_state: str, action: str, user, return_comment: str, event_comment: str) -> None:
    """A reviewer's step on a locked submission: new state and version, the workflow event, stale results."""
    from_state = locked.state
    locked.state = to_state
    locked.return_comment = return_comment
    locked.reviewed_at = timezone.now()
    locked.reviewed_by = user
    locked.version += 1
    locked.save(update_fields=["state", "return_comment", "reviewed_at", "reviewed_by", "version", "updated_at"])
    SubmissionEvent.objects.create(
        submission=locked, action=action, from_state=from_state, to_state=to_state, comment=event_comment, user=user, version=locked.version
    )
    round_results_invalidate(round_id=locked.round_id)


# Review queue


@dataclass(frozen=True)
class BulkAcceptResult:
    accepted: list[Submission]
    skipped: list[tuple[Submission, str]]  # with the reason, in Russian


def submissions_accept_bulk(*, submissions: Iterable[Submission], versions: Mapping[int, int], user) -> BulkAcceptResult:
    """Accept several questionnaires at once — only those without flagged answers and unchanged since the reviewer saw them
    (`versions`: the version shown on the confirmation page). Each is accepted in its own transaction, so one refusal
    does not undo the others."""
    accepted: list[Submission] = []
    skipped: list[tuple[Submission, str]] = []
    for submission in submissions:
        if Answer.objects.filter(submission=submission).exclude(deviation_flag="").exists():
            skipped.append((submission, "есть ответы с отклонением от прошлого мониторинга — проверьте её отдельно"))
            continue
        try:
            accepted.append(submission_accept(submission=submission, user=user, expected_version=versions.get(submission.pk, -1)))
        except SurveyError as error:
            skipped.append((submission, error.message))
    return BulkAcceptResult(accepted=accepted, skipped=skipped)
