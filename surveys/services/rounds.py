"""Writes of rounds: create, participants, open, close, fix, reopen, extensions; every step in the round's history."""

import datetime as dt
from collections.abc import Iterable

from django.db import transaction
from django.utils import timezone

from schools.models import School

from .. import notices
from ..models import (
    Questionnaire,
    RoundEvent,
    RoundExtension,
    RoundParticipant,
    SubmissionRound,
)
from ..participants import participants_facts_refresh, participants_record
from ..selectors import (
    previous_round_of,
    round_deadlines_by_school,
)
from .results import round_results_invalidate
from .submissions import SurveyError, _fmt, _lock_round

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
