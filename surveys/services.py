"""Writes of surveys: answers and their audit, the review workflow, rounds, questionnaire versions, reminders.

Every write that changes results (submit, return, accept, close, reopen, extension) calls
`ratings.services.round_results_invalidate` inside its transaction. Writes that change one submission
lock the round row first, then the submission row, always in that order.
"""

import datetime as dt
import logging
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone

from ratings.services import round_results_invalidate, scoring_scheme_copy
from roadmap_portal.uploads import evidence_check
from schools.models import Curator, School

from . import answers as answer_values
from . import notices, threads
from .models import (
    Answer,
    AnswerChange,
    EvidenceFile,
    Question,
    Questionnaire,
    QuestionRule,
    Reminder,
    RoundEvent,
    RoundExtension,
    RoundParticipant,
    Section,
    Submission,
    SubmissionEvent,
    SubmissionRound,
)
from .participants import participants_facts_refresh, participants_record
from .selectors import (
    EDITABLE_STATES,
    active_extension,
    changes_since,
    previous_answers_by_code,
    previous_round_of,
    questionnaire_questions,
    questionnaire_rules,
    round_accepts_answers,
    round_deadline_for,
    round_deadlines_by_school,
    schools_awaiting_submission,
)

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


def _refuse_if_closed(submission_round: SubmissionRound, school_id: int) -> None:
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
        _refuse_if_closed(submission_round, school.pk)
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
        _refuse_if_closed(submission_round, school.pk)
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


# Rounds


def round_event_record(*, submission_round: SubmissionRound, action: str, user=None, comment: str = "") -> RoundEvent:
    """A line of the round's history: what was done, by whom, when (inside the action's transaction)."""
    name = (user.get_full_name() or user.username)[:200] if user is not None else "система"
    return RoundEvent.objects.create(round=submission_round, action=action, user=user, user_name=name, comment=comment)


def round_create(
    *,
    title: str,
    municipality,
    questionnaire: Questionnaire,
    year: int,
    opens_at: dt.datetime,
    closes_at: dt.datetime,
    previous: SubmissionRound | None = None,
    deviation_threshold: int = 50,
    schools: Iterable[School] | None = None,
    user=None,
) -> SubmissionRound:
    """A round in preparation; participating schools default to every active school of the municipality."""
    submission_round = SubmissionRound(
        title=title,
        municipality=municipality,
        questionnaire=questionnaire,
        year=year,
        opens_at=opens_at,
        closes_at=closes_at,
        previous=previous,
        deviation_threshold=deviation_threshold,
    )
    submission_round.full_clean()
    with transaction.atomic():
        submission_round.save()
        round_schools_set_default(submission_round=submission_round, schools=schools)
        count = submission_round.schools.count()
        round_event_record(
            submission_round=submission_round,
            action=RoundEvent.Action.CREATED,
            user=user,
            comment=f"{questionnaire}; приём {_fmt(opens_at)} — {_fmt(closes_at)}; школ-участников: {count}",
        )
    return submission_round


def round_schools_set_default(*, submission_round: SubmissionRound, schools: Iterable[School] | None = None) -> None:
    """The round's participants: the schools given (others leave), else, when it has none, every active school of the municipality."""
    if schools is not None:
        schools = list(schools)
        RoundParticipant.objects.filter(round=submission_round).exclude(school__in=[school.pk for school in schools]).delete()
        participants_record(submission_round=submission_round, schools=schools)
    elif not submission_round.schools.exists():
        participants_record(submission_round=submission_round, schools=School.objects.filter(municipality_id=submission_round.municipality_id, is_active=True))


def round_participants_add(*, submission_round: SubmissionRound, schools: Iterable[School], user=None) -> int:
    """Schools join a round (in preparation or open); a school that appeared while the round is open is told it has opened."""
    with transaction.atomic():
        locked = _lock_round(submission_round)
        if locked.state == SubmissionRound.State.CLOSED:
            raise SurveyError(f"Раунд «{locked.title}» закрыт: новые участники в него не добавляются.")
        present = set(locked.schools.values_list("pk", flat=True))
        joining = [school for school in schools if school.pk not in present and school.municipality_id == locked.municipality_id]
        if not joining:
            return 0
        participants_record(submission_round=locked, schools=joining)
        names = ", ".join(str(school) for school in joining[:20]) + (" …" if len(joining) > 20 else "")
        event = round_event_record(submission_round=locked, action=RoundEvent.Action.PARTICIPANTS, user=user, comment=f"добавлены ({len(joining)}): {names}")
        if locked.state == SubmissionRound.State.OPEN:
            round_results_invalidate(round_id=locked.pk)
            notices.notify_round_opened(submission_round=locked, event_id=event.pk, school_ids=[school.pk for school in joining])
    return len(joining)


def round_participants_remove(*, submission_round: SubmissionRound, schools: Iterable[School], user=None) -> int:
    """Only a round in preparation loses participants: once open, a school's answers belong to it."""
    with transaction.atomic():
        locked = _lock_round(submission_round)
        if locked.state != SubmissionRound.State.DRAFT:
            raise SurveyError("Убрать школу можно только из раунда, который ещё не открыт.")
        leaving = [school for school in schools if locked.schools.filter(pk=school.pk).exists()]
        if not leaving:
            return 0
        RoundParticipant.objects.filter(round=locked, school__in=[school.pk for school in leaving]).delete()
        names = ", ".join(str(school) for school in leaving[:20]) + (" …" if len(leaving) > 20 else "")
        round_event_record(submission_round=locked, action=RoundEvent.Action.PARTICIPANTS, user=user, comment=f"исключены ({len(leaving)}): {names}")
    return len(leaving)


def round_open(*, submission_round: SubmissionRound, user=None) -> SubmissionRound:
    """Start accepting answers: freezes the questionnaire version, fills default schools and previous round; curators are told."""
    with transaction.atomic():
        locked = _lock_round(submission_round)
        if locked.state != SubmissionRound.State.DRAFT:
            raise SurveyError(f"Раунд «{locked.title}» уже открыт или закрыт.")
        if locked.closes_at <= timezone.now():
            raise SurveyError(f"Срок сдачи раунда «{locked.title}» уже прошёл: укажите новую дату закрытия и откройте раунд снова.")
        Questionnaire.objects.filter(pk=locked.questionnaire_id, frozen_at__isnull=True).update(frozen_at=timezone.now())
        round_schools_set_default(submission_round=locked)
        locked.previous = previous_round_of(locked)
        locked.state = SubmissionRound.State.OPEN
        locked.save(update_fields=["state", "previous"])
        event = round_event_record(submission_round=locked, action=RoundEvent.Action.OPENED, user=user, comment=f"срок сдачи {_fmt(locked.closes_at)}")
        round_results_invalidate(round_id=locked.pk)
        notices.notify_round_opened(submission_round=locked, event_id=event.pk)
    return locked


def round_close(*, submission_round: SubmissionRound, user=None, fix: bool = True) -> SubmissionRound:
    """Stop accepting answers and (unless `fix` is False) fix the round's results: they are recomputed once more from what was sent.

    The round pages close without fixing, so that schools with an extension can still finish; `round_results_fix` follows.
    """
    with transaction.atomic():
        locked = _lock_round(submission_round)
        if locked.state != SubmissionRound.State.OPEN:
            raise SurveyError(f"Закрыть можно только открытый раунд; «{locked.title}» — {locked.get_state_display()}.")
        locked.state = SubmissionRound.State.CLOSED
        if fix:
            # The facts the round keeps of its schools are frozen from here on.
            participants_facts_refresh(submission_round=locked)
        locked.results_fixed_at = timezone.now() if fix else None
        locked.save(update_fields=["state", "results_fixed_at"])
        event = round_event_record(submission_round=locked, action=RoundEvent.Action.CLOSED, user=user, comment="итоги зафиксированы" if fix else "")
        round_results_invalidate(round_id=locked.pk)
        notices.notify_round_closed(submission_round=locked, event_id=event.pk)
    return locked


def round_results_fix(*, submission_round: SubmissionRound, user=None) -> SubmissionRound:
    """Fix the results of a closed round: one last recompute from what was sent, after which nothing recomputes them
    except an administrator's logged correction."""
    with transaction.atomic():
        locked = _lock_round(submission_round)
        if locked.state != SubmissionRound.State.CLOSED:
            raise SurveyError("Зафиксировать итоги можно только после закрытия раунда.")
        if locked.results_fixed_at is not None:
            raise SurveyError(f"Итоги раунда «{locked.title}» уже зафиксированы.")
        # The facts the round keeps of its schools are frozen from here on.
        participants_facts_refresh(submission_round=locked)
        locked.results_fixed_at = timezone.now()
        locked.save(update_fields=["results_fixed_at"])
        round_event_record(submission_round=locked, action=RoundEvent.Action.FIXED, user=user)
        round_results_invalidate(round_id=locked.pk)
    return locked


def round_update(*, submission_round: SubmissionRound, user=None, **fields) -> SubmissionRound:
    """Change a round in preparation (title, dates, threshold); an open round changes its deadline only by extension."""
    allowed = {"title", "year", "opens_at", "closes_at", "deviation_threshold", "questionnaire"}
    with transaction.atomic():
        locked = _lock_round(submission_round)
        if locked.state != SubmissionRound.State.DRAFT:
            raise SurveyError("Изменить настройки можно только у раунда, который ещё не открыт. Срок открытого раунда продлевается на его странице.")
        for name, value in fields.items():
            if name in allowed:
                setattr(locked, name, value)
        locked.full_clean()
        locked.save()
        comment = f"приём {_fmt(locked.opens_at)} — {_fmt(locked.closes_at)}"
        round_event_record(submission_round=locked, action=RoundEvent.Action.CHANGED, user=user, comment=comment)
    return locked


def round_reopen(*, submission_round: SubmissionRound, closes_at: dt.datetime, user=None, reason: str = "") -> SubmissionRound:
    """Open a closed round again for everyone until a new deadline (never earlier than the one it had); its results are no longer fixed."""
    if closes_at <= timezone.now():
        raise SurveyError("Новый срок должен быть в будущем.")
    with transaction.atomic():
        locked = _lock_round(submission_round)
        if locked.state != SubmissionRound.State.CLOSED:
            raise SurveyError(f"Открыть заново можно только закрытый раунд; «{locked.title}» — {locked.get_state_display()}.")
        if closes_at < locked.closes_at:
            raise SurveyError(f"Новый срок не может быть раньше прежнего ({_fmt(locked.closes_at)}): выберите дату не раньше её.")
        locked.state = SubmissionRound.State.OPEN
        locked.closes_at = closes_at
        locked.results_fixed_at = None
        locked.save(update_fields=["state", "closes_at", "results_fixed_at"])
        comment = f"новый срок {_fmt(closes_at)}" + (f"; причина: {reason.strip()}" if reason.strip() else "")
        event = round_event_record(submission_round=locked, action=RoundEvent.Action.REOPENED, user=user, comment=comment)
        round_results_invalidate(round_id=locked.pk)
        notices.notify_round_opened(submission_round=locked, event_id=event.pk)
    return locked


def round_extension_grant(*, submission_round: SubmissionRound, school: School, closes_at: dt.datetime, user, reason: str = "") -> RoundExtension:
    """Let one school write after the deadline (even in a closed round) until `closes_at`; recorded with who and why."""
    return round_deadline_extend(submission_round=submission_round, closes_at=closes_at, user=user, schools=[school], reason=reason)[0]


def round_deadline_extend(
    *, submission_round: SubmissionRound, closes_at: dt.datetime, user, schools: Iterable[School] | None = None, reason: str = ""
) -> list[RoundExtension]:
    """Move the deadline for every school (`schools` None: the round's own deadline) or for the chosen ones (an extension each).

    A new deadline is never earlier than the current one of anyone it applies to; the schools are told.
    """
    if closes_at <= timezone.now():
        raise SurveyError("Новый срок должен быть в будущем.")
    reason = reason.strip()[:300]
    with transaction.atomic():
        locked = _lock_round(submission_round)
        if locked.state == SubmissionRound.State.DRAFT:
            raise SurveyError("Раунд ещё не открыт: измените срок сдачи в его настройках.")
        if schools is None:
            if locked.state != SubmissionRound.State.OPEN:
                raise SurveyError("Раунд закрыт: чтобы продлить срок для всех, откройте его заново.")
            if closes_at <= locked.closes_at:
                raise SurveyError(f"Новый срок должен быть позже нынешнего ({_fmt(locked.closes_at)}).")
            previous = locked.closes_at
            locked.closes_at = closes_at
            locked.save(update_fields=["closes_at"])
            round_event_record(
                submission_round=locked,
                action=RoundEvent.Action.EXTENDED,
                user=user,
                comment=f"для всех школ: {_fmt(previous)} → {_fmt(closes_at)}" + (f"; причина: {reason}" if reason else ""),
            )
            round_results_invalidate(round_id=locked.pk)
            notices.notify_round_deadline_moved(submission_round=locked, previous=previous, reason=reason)
            return []
        schools = list(schools)
        participating = set(locked.schools.filter(pk__in=[s.pk for s in schools]).values_list("pk", flat=True))
        outsiders = [str(school) for school in schools if school.pk not in participating]
        if outsiders:
            raise SurveyError(f"Не участвуют в раунде «{locked.title}»: {', '.join(outsiders)}.")
        if not schools:
            raise SurveyError("Выберите хотя бы одну школу.")
        deadlines = round_deadlines_by_school(submission_round=locked, school_ids=[s.pk for s in schools])
        earlier = [str(school) for school in schools if closes_at <= deadlines[school.pk]]
        if earlier:
            raise SurveyError(f"Новый срок должен быть позже нынешнего срока каждой выбранной школы; не позже для: {', '.join(earlier)}.")
        extensions = [RoundExtension(round=locked, school=school, closes_at=closes_at, reason=reason, granted_by=user) for school in schools]
        for extension in extensions:
            extension.full_clean(exclude=["granted_by"])  # a system extension has no one who granted it
        extensions = RoundExtension.objects.bulk_create(extensions)
        if not all(e.pk for e in extensions):  # SQLite before 3.35 does not return ids
            extensions = list(RoundExtension.objects.filter(round=locked, granted_by=user, closes_at=closes_at, school__in=schools).order_by("pk"))
        names = ", ".join(str(school) for school in schools[:20]) + (" …" if len(schools) > 20 else "")
        round_event_record(
            submission_round=locked,
            action=RoundEvent.Action.EXTENDED,
            user=user,
            comment=f"до {_fmt(closes_at)} для: {names}" + (f"; причина: {reason}" if reason else ""),
        )
        round_results_invalidate(round_id=locked.pk)
        for extension in extensions:
            extension.round = locked
        notices.notify_deadline_extended(extensions=extensions)
    return extensions


# Questionnaires


def questionnaire_new_version(*, questionnaire: Questionnaire) -> Questionnaire:
    """Copy a questionnaire with its sections, questions and rules as the next version (not frozen).

    The scoring rules (ratings' ScoringScheme) are copied too, so the new version is rated the same way.
    """
    with transaction.atomic():
        latest = Questionnaire.objects.filter(title=questionnaire.title).aggregate(v=Max("version"))["v"] or questionnaire.version
        copy = Questionnaire.objects.create(title=questionnaire.title, version=latest + 1, previous=questionnaire, description=questionnaire.description)
        section_map: dict[int, Section] = {}
        for section in questionnaire.sections.order_by("order", "pk"):
            section_map[section.pk] = Section.objects.create(questionnaire=copy, order=section.order, title=section.title, direction_id=section.direction_id)
        question_map: dict[int, Question] = {}
        for question in questionnaire.questions.order_by("pk"):
            old_pk = question.pk
            question.pk = None
            question.id = None
            question.questionnaire = copy
            question.section = section_map[question.section_id]
            question.save()
            question_map[old_pk] = question
        QuestionRule.objects.bulk_create(
            [
                QuestionRule(
                    questionnaire=copy,
                    kind=rule.kind,
                    left=question_map[rule.left_id],
                    right=question_map[rule.right_id],
                    left_values=rule.left_values,
                    message=rule.message,
                )
                for rule in questionnaire.rules.all()
            ]
        )
        scoring_scheme_copy(source=questionnaire, target=copy, question_map=question_map)
    return copy


# Reminders


def reminders_send(
    *, submission_round: SubmissionRound, school_ids: Iterable[int] | None = None, kind: str = Reminder.Kind.MANUAL, sent_by=None
) -> list[Reminder]:
    """Remind the curators of schools that have not sent their form (all of them, or the chosen ones); log each reminder.

    Each reminder is a notice (in the portal, and by e-mail after commit for those who want it) whose text fits the
    school's state: not started, draft or returned. Automatic kinds go once per school: the log row is claimed
    first (unique constraint) and a school with a later deadline of its own is not reminded of the round's one.
    """
    schools = list(schools_awaiting_submission(submission_round=submission_round).select_related("district"))
    if school_ids is not None:
        chosen = set(school_ids)
        schools = [school for school in schools if school.pk in chosen]
    ids = [school.pk for school in schools]
    curators: dict[int, list[Curator]] = {}
    for curator in Curator.objects.filter(is_active=True, school_id__in=ids).select_related("user"):
        curators.setdefault(curator.school_id, []).append(curator)
    states = dict(Submission.objects.filter(round=submission_round, school_id__in=ids).values_list("school_id", "state"))
    deadlines = round_deadlines_by_school(submission_round=submission_round, school_ids=ids)
    portal_only = notices.portal_only_user_ids(user_ids=[c.user_id for group in curators.values() for c in group])
    sent: list[Reminder] = []
    with transaction.atomic():
        for school in schools:
            if kind != Reminder.Kind.MANUAL and deadlines[school.pk] > submission_round.closes_at:
                continue  # the school's own deadline is later: the round's reminder would mislead
            for curator in curators.get(school.pk) or [None]:
                user = curator.user if curator else None
                email = user.email if user and user.is_active and user.pk not in portal_only else ""
                reminder = Reminder(round=submission_round, school=school, recipient=user, email=email, kind=kind, sent_by=sent_by, ok=bool(user))
                try:
                    with transaction.atomic():
                        reminder.save()
                except IntegrityError:
                    continue  # this automatic reminder already went to the school
                if user is not None:
                    draft = notices.reminder_draft(
                        reminder_id=reminder.pk,
                        submission_round=submission_round,
                        school=school,
                        state=states.get(school.pk, "none"),
                        deadline=deadlines[school.pk],
                    )
                    notices.notices_create(recipients=[user], draft=draft)
                sent.append(reminder)
    return sent


AUTO_REMINDERS = ((dt.timedelta(days=1), Reminder.Kind.AUTO_1D), (dt.timedelta(days=3), Reminder.Kind.AUTO_3D))


def reminders_send_due(*, now: dt.datetime | None = None) -> int:
    """Automatic reminders 3 days and 1 day before each open round's deadline; each kind goes once per school."""
    now = now or timezone.now()
    total = 0
    rounds = SubmissionRound.objects.filter(state=SubmissionRound.State.OPEN, opens_at__lte=now, closes_at__gt=now, closes_at__lte=now + AUTO_REMINDERS[-1][0])
    for submission_round in rounds.select_related("questionnaire"):
        left = submission_round.closes_at - now
        kind = next(kind for window, kind in AUTO_REMINDERS if left <= window)
        total += len(reminders_send(submission_round=submission_round, kind=kind))
    return total


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
