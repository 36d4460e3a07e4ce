"""The conversation per question of a submission: the reviewer's remarks (left with a return), the curator's replies
and explanations (a flagged jump against the previous round can be explained before submitting); resolved on acceptance."""

from collections.abc import Sequence

from django.db import transaction
from django.utils import timezone

from .models import Question, QuestionMessage, Submission, SubmissionRound
from .participants import NOT_A_PARTICIPANT, is_active_participant
from .selectors import EDITABLE_STATES, active_extension, round_accepts_answers

MAX_MESSAGE_LENGTH = 2000


class ThreadError(Exception):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def _name(user) -> str:
    return (user.get_full_name() or user.username)[:200] if user is not None else ""


def thread_remarks_add(*, submission: Submission, user, remarks: Sequence[tuple[Question, str]]) -> list[QuestionMessage]:
    """The reviewer's remarks of one return, one message per question (called inside the return's transaction)."""
    messages = [
        QuestionMessage(submission=submission, question=question, kind=QuestionMessage.Kind.REMARK, author=user, author_name=_name(user), text=text)
        for question, text in remarks
    ]
    return QuestionMessage.objects.bulk_create(messages)


def thread_curator_message_add(*, submission_round: SubmissionRound, school_id: int, question_code: str, user, text: str) -> QuestionMessage:
    """The curator answers the remark on a question (or explains an answer) while the form can still be changed."""
    from . import notices

    text = text.strip()
    if not text:
        raise ThreadError("Напишите ответ: пустое сообщение не отправлено.")
    if len(text) > MAX_MESSAGE_LENGTH:
        raise ThreadError(f"Сообщение слишком длинное: не больше {MAX_MESSAGE_LENGTH} знаков.")
    with transaction.atomic():
        question = Question.objects.filter(questionnaire_id=submission_round.questionnaire_id, code=question_code).first()
        if question is None:
            raise ThreadError("Такого вопроса нет в анкете. Обновите страницу.")
        submission_round = SubmissionRound.objects.get(pk=submission_round.pk)
        if not is_active_participant(submission_round=submission_round, school_id=school_id):
            raise ThreadError(NOT_A_PARTICIPANT.format(title=submission_round.title))
        if not round_accepts_answers(submission_round, active_extension(round_id=submission_round.pk, school_id=school_id)):
            raise ThreadError("Приём анкет закрыт: сообщение не отправлено.")
        submission, _ = Submission.objects.select_for_update().get_or_create(round=submission_round, school_id=school_id, defaults={"updated_by": user})
        if submission.state not in EDITABLE_STATES:
            raise ThreadError("Анкета уже на проверке или принята: сообщение можно оставить, когда её вернут на доработку.")
        open_remark = QuestionMessage.objects.filter(
            submission=submission, question=question, kind=QuestionMessage.Kind.REMARK, resolved_at__isnull=True
        ).exists()
        kind = QuestionMessage.Kind.REPLY if open_remark else QuestionMessage.Kind.EXPLANATION
        message = QuestionMessage.objects.create(submission=submission, question=question, kind=kind, author=user, author_name=_name(user), text=text)
        if kind == QuestionMessage.Kind.REPLY:
            submission.round = submission_round
            notices.notify_curator_reply(submission=submission, question=question, text=text, message_id=message.pk)
    return message


def threads_resolve(*, submission: Submission) -> int:
    """On acceptance every open remark of the submission is resolved (the thread stays in the history)."""
    return QuestionMessage.objects.filter(submission=submission, resolved_at__isnull=True).update(resolved_at=timezone.now())


# Reads


def threads_by_question(*, submission: Submission | None, messages: list[QuestionMessage] | None = None) -> dict[int, list[QuestionMessage]]:
    """Every message of the submission grouped by question, oldest first (one query; none when `messages`, the
    submission's `thread_messages`, are given)."""
    if submission is None or submission.pk is None:
        return {}
    if messages is None:
        messages = QuestionMessage.objects.filter(submission=submission).order_by("created_at", "pk")
    grouped: dict[int, list[QuestionMessage]] = {}
    for message in messages:
        grouped.setdefault(message.question_id, []).append(message)
    return grouped


def thread_messages(*, submission: Submission) -> list[QuestionMessage]:
    """The whole conversation for the history, with the questions."""
    return list(QuestionMessage.objects.filter(submission=submission).select_related("question", "author").order_by("created_at", "pk"))
