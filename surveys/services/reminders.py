"""Reminders to curators who have not sent their form: by hand and automatically before the deadline."""

import datetime as dt
from collections.abc import Iterable

from django.db import IntegrityError, transaction
from django.utils import timezone

from schools.models import Curator

from .. import notices
from ..models import (
    Reminder,
    Submission,
    SubmissionRound,
)
from ..selectors import (
    round_deadlines_by_school,
    schools_awaiting_submission,
)

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
