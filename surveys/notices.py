"""Notices: what people are told about their questionnaires and rounds, in the portal and by e-mail.

A notice is a row per event and recipient (unique `event_key`), created inside the transaction of the
action that caused it. Its e-mail goes after commit through a Celery task that first claims the row with a
conditional UPDATE (pending → sending), so two workers or a retry never send it twice; an SMTP failure puts
the row back to pending with a later `email_next_at` (backoff), and `notices_send_due` (beat, every minute)
picks up whatever is due — also notices whose task was never queued because the broker was down.
"""

import datetime as dt
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.db.models import F, Q, QuerySet
from django.urls import reverse
from django.utils import timezone

from schools.models import Curator, School
from schools.roles import ADMINISTRATOR_GROUP, METHODOLOGIST_GROUP, Access
from schools.selectors import schools_visible_to

from .models import Notice, NoticeDelivery, NoticePreference, Question, RoundExtension, Submission, SubmissionRound

logger = logging.getLogger(__name__)

# Attempts of one e-mail before it is marked undelivered (about a day with the backoff below).
EMAIL_MAX_ATTEMPTS = 12
# A claim older than this is a worker that died mid-send: the row is offered again.
EMAIL_CLAIM_TIMEOUT = dt.timedelta(minutes=10)
SIGNATURE = "Портал мониторинга дорожной карты ЦОС"


def email_backoff(attempts: int) -> dt.timedelta:
    """Wait before the next attempt: 1, 2, 4, 8 … minutes (NOTICE_RETRY_SECONDS doubled each time), at most two hours."""
    return dt.timedelta(seconds=min(settings.NOTICE_RETRY_SECONDS * 2 ** max(attempts - 1, 0), 7200))


def portal_url(path: str) -> str:
    """An absolute link for an e-mail, from the portal's configured address (PORTAL_BASE_URL)."""
    return settings.PORTAL_BASE_URL.rstrip("/") + path


def _fmt(moment: dt.datetime) -> str:
    return f"{timezone.localtime(moment):%d.%m.%Y %H:%M}"


@dataclass(frozen=True)
class Draft:
    """What a notice says; the same text goes to the portal and to the e-mail."""

    kind: str
    event_key: str
    subject: str
    text: str
    link: str = ""


def notices_create(*, recipients: Iterable, draft: Draft) -> int:
    """Tell each recipient once about an event; e-mail those who want it after the transaction commits.

    Returns how many notices were new (a repeated event creates nothing).
    """
    users = {user.pk: user for user in recipients if user is not None and user.is_active}
    if not users:
        return 0
    portal_only = portal_only_user_ids(user_ids=list(users))
    existing = set(Notice.objects.filter(event_key=draft.event_key, recipient_id__in=list(users)).values_list("recipient_id", flat=True))
    rows = []
    for user_id, user in users.items():
        if user_id in existing:
            continue
        by_email = bool(user.email) and user_id not in portal_only
        rows.append(
            Notice(
                recipient_id=user_id,
                kind=draft.kind,
                event_key=draft.event_key[:120],
                subject=draft.subject[:300],
                text=draft.text,
                link=draft.link[:500],
                email=user.email if by_email else "",
                email_state=Notice.Email.PENDING if by_email else Notice.Email.SKIPPED,
            )
        )
    # A concurrent action creating the same event loses quietly: the unique key keeps one notice.
    Notice.objects.bulk_create(rows, ignore_conflicts=True)
    if any(row.email_state == Notice.Email.PENDING for row in rows):
        key = draft.event_key[:120]
        transaction.on_commit(lambda: notices_email_enqueue(event_key=key))
    return len(rows)


def notices_email_enqueue(*, event_key: str | None = None, notice_ids: Sequence[int] | None = None) -> int:
    """Queue the e-mail task of pending notices; a dead broker only delays them (the beat sweep retries)."""
    from .tasks import send_notice_email

    pending = Notice.objects.filter(email_state=Notice.Email.PENDING)
    if event_key is not None:
        pending = pending.filter(event_key=event_key)
    if notice_ids is not None:
        pending = pending.filter(pk__in=list(notice_ids))
    queued = 0
    for notice_id in pending.values_list("pk", flat=True):
        try:
            send_notice_email.delay(notice_id)
        except Exception:
            logger.warning("Could not queue the e-mail of notice %s; the periodic sweep will send it", notice_id, exc_info=True)
            continue
        queued += 1
    return queued


@dataclass(frozen=True)
class EmailOutcome:
    sent: bool
    retry_in: dt.timedelta | None = None  # set when the attempt failed and another is planned


def notice_email_send(*, notice_id: int, now: dt.datetime | None = None) -> EmailOutcome | None:
    """Send one notice's e-mail if it is still pending and due; None when another worker has it or it is done."""
    now = now or timezone.now()
    due = Q(email_next_at__isnull=True) | Q(email_next_at__lte=now)
    claimed = Notice.objects.filter(due, pk=notice_id, email_state=Notice.Email.PENDING).update(
        email_state=Notice.Email.SENDING, email_attempts=F("email_attempts") + 1, email_next_at=now + EMAIL_CLAIM_TIMEOUT
    )
    if claimed != 1:
        return None
    notice = Notice.objects.select_related("recipient").get(pk=notice_id)
    body = notice.text
    if notice.link:
        body += f"\n\nОткрыть на портале: {portal_url(notice.link)}"
    body += f"\n\n—\n{SIGNATURE}\nНастроить уведомления: {portal_url(reverse('notices:settings'))}"
    message = EmailMessage(subject=notice.subject, body=body, from_email=settings.DEFAULT_FROM_EMAIL, to=[notice.email])
    try:
        with get_connection(fail_silently=False) as connection:
            message.connection = connection
            message.send()
    except Exception as error:  # any SMTP or network error: try later, never lose the notice
        return _email_failed(notice, error, now)
    sending = Notice.objects.filter(pk=notice.pk, email_state=Notice.Email.SENDING)
    sending.update(email_state=Notice.Email.SENT, email_sent_at=timezone.now(), email_next_at=None)
    _log(notice, NoticeDelivery.Outcome.SENT)
    return EmailOutcome(sent=True)


def _email_failed(notice: Notice, error: Exception, now: dt.datetime) -> EmailOutcome:
    logger.warning("E-mail of notice %s to %s failed (attempt %s): %s", notice.pk, notice.email, notice.email_attempts, error)
    if notice.email_attempts >= EMAIL_MAX_ATTEMPTS:
        Notice.objects.filter(pk=notice.pk, email_state=Notice.Email.SENDING).update(email_state=Notice.Email.FAILED, email_next_at=None)
        _log(notice, NoticeDelivery.Outcome.GAVE_UP, error)
        return EmailOutcome(sent=False)
    delay = email_backoff(notice.email_attempts)
    Notice.objects.filter(pk=notice.pk, email_state=Notice.Email.SENDING).update(email_state=Notice.Email.PENDING, email_next_at=now + delay)
    _log(notice, NoticeDelivery.Outcome.FAILED, error)
    return EmailOutcome(sent=False, retry_in=delay)


def _log(notice: Notice, outcome: str, error: Exception | None = None) -> None:
    NoticeDelivery.objects.create(
        notice=notice,
        recipient_id=notice.recipient_id,
        kind=notice.kind,
        email=notice.email,
        attempt=notice.email_attempts,
        outcome=outcome,
        error=(f"{type(error).__name__}: {error}" if error else "")[:500],
    )


def notices_send_due(*, now: dt.datetime | None = None, limit: int = 500) -> int:
    """The safety net (beat): e-mails that are due — retries after a failure, tasks lost with the broker, dead workers' claims."""
    now = now or timezone.now()
    Notice.objects.filter(email_state=Notice.Email.SENDING, email_next_at__lte=now).update(email_state=Notice.Email.PENDING)
    due = Notice.objects.filter(Q(email_next_at__isnull=True) | Q(email_next_at__lte=now), email_state=Notice.Email.PENDING).order_by("pk")
    sent = 0
    for notice_id in due.values_list("pk", flat=True)[:limit]:
        outcome = notice_email_send(notice_id=notice_id, now=now)
        sent += bool(outcome and outcome.sent)
    return sent


def notices_mark_read(*, user, notice_ids: Sequence[int] | None = None) -> int:
    unread = Notice.objects.filter(recipient=user, read_at__isnull=True)
    if notice_ids is not None:
        unread = unread.filter(pk__in=list(notice_ids))
    return unread.update(read_at=timezone.now())


def notice_preference_set(*, user, by_email: bool) -> NoticePreference:
    preference, _ = NoticePreference.objects.update_or_create(user=user, defaults={"by_email": by_email})
    return preference


# Reads


def notices_for(*, user) -> QuerySet[Notice]:
    return Notice.objects.filter(recipient=user).order_by("-created_at", "-pk")


def notices_unread_count(*, user) -> int:
    return Notice.objects.filter(recipient=user, read_at__isnull=True).count()


def notice_prefers_email(*, user) -> bool:
    return not NoticePreference.objects.filter(user=user, by_email=False).exists()


def portal_only_user_ids(*, user_ids: Sequence[int]) -> set[int]:
    """Users who chose to be told in the portal only (no e-mail)."""
    return set(NoticePreference.objects.filter(user_id__in=list(user_ids), by_email=False).values_list("user_id", flat=True))


# What each event says


def _curator_users(school_ids: Iterable[int]) -> list:
    curators = Curator.objects.filter(is_active=True, school_id__in=list(school_ids), user__is_active=True).select_related("user")
    return [curator.user for curator in curators]


def _curators_by_school(school_ids: Iterable[int]) -> dict[int, list]:
    by_school: dict[int, list] = {}
    for curator in Curator.objects.filter(is_active=True, school_id__in=list(school_ids), user__is_active=True).select_related("user"):
        by_school.setdefault(curator.school_id, []).append(curator.user)
    return by_school


def _form_link(round_id: int, question: Question | None = None) -> str:
    link = reverse("surveys:submission-form", args=[round_id])
    return f"{link}#question-{question.code}" if question is not None else link


def notify_submission_returned(*, submission: Submission, comment: str, remarks: Sequence[tuple[Question, str]]) -> int:
    """The school's curators: what to correct — the general comment and each remark with a link to its question."""
    submission_round = submission.round
    lines = [f"Анкета школы {submission.school.quoted_name} в мониторинге «{submission_round.title}» возвращена на доработку."]
    if comment:
        lines += ["", "Комментарий проверяющего:", comment]
    if remarks:
        lines += ["", "Замечания к вопросам:"]
        for question, text in remarks:
            lines.append(f"• {question.text}\n  {text}\n  {portal_url(_form_link(submission_round.pk, question))}")
    lines += ["", "Исправьте ответы (на замечание можно ответить прямо под вопросом) и отправьте анкету снова."]
    draft = Draft(
        kind=Notice.Kind.RETURNED,
        event_key=f"returned:{submission.pk}:{submission.version}",
        subject=f"Анкета возвращена на доработку — «{submission_round.title}»",
        text="\n".join(lines),
        link=_form_link(submission_round.pk),
    )
    return notices_create(recipients=_curator_users([submission.school_id]), draft=draft)


def notify_submission_accepted(*, submission: Submission) -> int:
    submission_round = submission.round
    draft = Draft(
        kind=Notice.Kind.ACCEPTED,
        event_key=f"accepted:{submission.pk}:{submission.version}",
        subject=f"Анкета принята — «{submission_round.title}»",
        text=f"Анкета школы {submission.school.quoted_name} в мониторинге «{submission_round.title}» проверена и принята. Больше ничего делать не нужно.",
        link=reverse("surveys:my-school"),
    )
    return notices_create(recipients=_curator_users([submission.school_id]), draft=draft)


def notify_deadline_extended(*, extensions: Sequence[RoundExtension]) -> int:
    created = 0
    by_school = _curators_by_school(e.school_id for e in extensions)
    for extension in extensions:
        submission_round = extension.round
        reason = f"\nПричина: {extension.reason}" if extension.reason else ""
        draft = Draft(
            kind=Notice.Kind.EXTENDED,
            event_key=f"extended:{extension.pk}",
            subject=f"Срок сдачи анкеты продлён до {_fmt(extension.closes_at)} — «{submission_round.title}»",
            text=(
                f"Для школы {extension.school.quoted_name} срок сдачи анкеты в мониторинге «{submission_round.title}» "
                f"продлён до {_fmt(extension.closes_at)}.{reason}"
            ),
            link=_form_link(submission_round.pk),
        )
        created += notices_create(recipients=by_school.get(extension.school_id, []), draft=draft)
    return created


def notify_round_opened(*, submission_round: SubmissionRound, event_id: int, school_ids: Sequence[int] | None = None) -> int:
    """The curators of the participating schools (or of the schools that have just joined) learn the round is open."""
    if school_ids is None:
        school_ids = submission_round.schools.filter(is_active=True).values_list("pk", flat=True)
    draft = Draft(
        kind=Notice.Kind.ROUND_OPENED,
        event_key=f"round_opened:{submission_round.pk}:{event_id}",
        subject=f"Открыт мониторинг «{submission_round.title}» — срок до {_fmt(submission_round.closes_at)}",
        text=(
            f"Открыт мониторинг «{submission_round.title}». Заполните анкету «{submission_round.questionnaire.title}» "
            f"своей школы до {_fmt(submission_round.closes_at)}. Черновик можно сохранять сколько угодно раз."
        ),
        link=_form_link(submission_round.pk),
    )
    return notices_create(recipients=_curator_users(school_ids), draft=draft)


def notify_round_deadline_moved(*, submission_round: SubmissionRound, previous: dt.datetime, reason: str) -> int:
    """Every participating school learns the round's new deadline."""
    school_ids = submission_round.schools.filter(is_active=True).values_list("pk", flat=True)
    because = f"\nПричина: {reason}" if reason else ""
    draft = Draft(
        kind=Notice.Kind.EXTENDED,
        event_key=f"deadline:{submission_round.pk}:{submission_round.closes_at.isoformat()}",
        subject=f"Срок сдачи анкеты продлён до {_fmt(submission_round.closes_at)} — «{submission_round.title}»",
        text=(
            f"Срок сдачи анкет в мониторинге «{submission_round.title}» продлён для всех школ: "
            f"был {_fmt(previous)}, теперь {_fmt(submission_round.closes_at)}.{because}"
        ),
        link=_form_link(submission_round.pk),
    )
    return notices_create(recipients=_curator_users(school_ids), draft=draft)


def notify_round_closed(*, submission_round: SubmissionRound, event_id: int) -> int:
    school_ids = submission_round.schools.values_list("pk", flat=True)
    draft = Draft(
        kind=Notice.Kind.ROUND_CLOSED,
        event_key=f"round_closed:{submission_round.pk}:{event_id}",
        subject=f"Мониторинг «{submission_round.title}» закрыт",
        text=f"Мониторинг «{submission_round.title}» закрыт: анкеты больше не принимаются и не меняются. Ответы школы остаются доступны для просмотра.",
        link=reverse("surveys:my-school"),
    )
    return notices_create(recipients=_curator_users(school_ids), draft=draft)


REMINDER_STATE_TEXT = {
    "none": "ещё не начата: откройте анкету и заполните её",
    Submission.State.DRAFT: "сохранена как черновик, но ещё не отправлена на проверку",
    Submission.State.RETURNED: "возвращена на доработку: исправьте ответы по замечаниям и отправьте её снова",
}


def reminder_draft(*, reminder_id: int, submission_round: SubmissionRound, school: School, state: str, deadline: dt.datetime) -> Draft:
    """The reminder's text is right for the school's state: not started, draft or returned."""
    status = REMINDER_STATE_TEXT.get(state, REMINDER_STATE_TEXT["none"])
    return Draft(
        kind=Notice.Kind.REMINDER,
        event_key=f"reminder:{reminder_id}",
        subject=f"Напоминание: анкета мониторинга «{submission_round.title}» — срок до {_fmt(deadline)}",
        text=(
            f"Напоминаем: анкета «{submission_round.questionnaire.title}» школы {school.quoted_name} в мониторинге «{submission_round.title}» "
            f"{status}. Срок сдачи — {_fmt(deadline)}.\n"
            "Черновик можно сохранять в любой момент, а отправить — когда все обязательные вопросы заполнены.\n"
            "С вопросами обращайтесь к методистам МАУ ИМЦО."
        ),
        link=_form_link(submission_round.pk),
    )


def notify_curator_reply(*, submission: Submission, question: Question, text: str, message_id: int) -> int:
    """The reviewer who returned the questionnaire learns that the curator answered a remark."""
    if submission.reviewed_by_id is None:
        return 0
    user = get_user_model().objects.filter(pk=submission.reviewed_by_id).first()
    draft = Draft(
        kind=Notice.Kind.REPLY,
        event_key=f"reply:{message_id}",
        subject=f"Куратор ответил на замечание — {submission.school}",
        text=f"Школа {submission.school.quoted_name}, вопрос «{question.text}»:\n{text}",
        link=reverse("surveys:submission-review", args=[submission.pk]) + f"#question-{question.code}",
    )
    return notices_create(recipients=[user], draft=draft)


def notices_review_digest(*, today: dt.date | None = None) -> int:
    """Once a day, each methodologist and administrator learns how many questionnaires wait for review in their schools."""
    today = today or timezone.localdate()
    users = (
        get_user_model()
        .objects.filter(Q(groups__name__in=[METHODOLOGIST_GROUP, ADMINISTRATOR_GROUP]) | Q(is_superuser=True), is_active=True)
        .distinct()
        .order_by("pk")
    )
    created = 0
    for user in users:
        waiting = Submission.objects.filter(state=Submission.State.SUBMITTED, school__in=schools_visible_to(Access(user))).exclude(
            round__state=SubmissionRound.State.DRAFT
        )
        count = waiting.count()
        if not count:
            continue
        oldest = waiting.order_by("submitted_at").values_list("submitted_at", flat=True).first()
        since = f" Самая давняя отправлена {_fmt(oldest)}." if oldest else ""
        draft = Draft(
            kind=Notice.Kind.REVIEW_DIGEST,
            event_key=f"digest:{today.isoformat()}",
            subject=f"Ждут проверки: {count} анкет(ы)",
            text=f"Анкет, ожидающих проверки: {count}.{since} Очередь отсортирована по времени отправки.",
            link=reverse("surveys:review-queue"),
        )
        created += notices_create(recipients=[user], draft=draft)
    return created
