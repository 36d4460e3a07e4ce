"""Key results the portal's own data fulfils (issue 16): for every key result linked to a kind of portal fact
(`KeyResult.fact`), one evidence row per year, computed from rounds, submissions, ratings, status awards and curators.

Why here: those facts live in surveys, ratings and schools — all below or in this app — while indicators sits below
surveys and may not read them. Indicators defines the link and stores the evidence it is given
(`indicators.services.key_result_evidence_sync`); its selectors derive the key result's state from those rows.
The rows are rewritten after every recompute and status confirmation, by the hourly beat task and by
`manage.py refresh_key_result_facts`.

The rules, as the roadmap page explains them:
- опросная форма опубликована: the year's round has opened (its questionnaire is then frozen);
- анкеты собраны к сроку: schools that sent their form by the round's deadline, of its participants, reach the share;
- рейтинг сформирован: the year's round is closed and its ratings are computed from every counted form;
- кураторы назначены: active participating schools with an active curator whose appointment order (number and date,
  dated no later than the round's deadline) is recorded, reach the share;
- проверка на статус: the year's round is closed and every school that sent its form was checked against the status criteria;
- список статуса утверждён: the status of the year is awarded to at least one school (the administrator confirmed the list);
- показатель к сроку: the city value of the indicator in the latest round closed by the key result's deadline meets
  the key result's target (no such round: «нет данных к сроку»).
"""

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal

from django.db.models import Count, Max, Q
from django.urls import reverse
from django.utils import timezone

from indicators.models import Deadline, KeyResult, KeyResultEvidence
from roadmap_portal.formatting import format_number
from schools.models import Curator
from surveys.models import Submission, SubmissionRound
from surveys.participants import active_participants

from .models import IndicatorProgress, Rating, StatusAward, StatusEligibility

Fact = KeyResult.Fact
Status = KeyResultEvidence.Status
FULL_SHARE = Decimal(100)


def _date(value: dt.datetime | None) -> dt.date | None:
    return timezone.localdate(value) if value else None


def _share_reached(counted: int, total: int, share: Decimal | None) -> bool:
    return total > 0 and Decimal(counted) * 100 >= (share if share is not None else FULL_SHARE) * total


def _share_text(share: Decimal | None) -> str:
    value = share if share is not None else FULL_SHARE
    return format_number(value) + " %"


class RoundFacts:
    """What one year's round of a municipality says, read once for all its key results (a fixed number of queries)."""

    def __init__(self, submission_round: SubmissionRound, today: dt.date) -> None:
        self.round = submission_round
        self.today = today
        self.deadline = _date(submission_round.closes_at)
        self.closed = submission_round.state == SubmissionRound.State.CLOSED
        participants = active_participants(submission_round).values("school_id")
        self.total = active_participants(submission_round).count()
        counted = Submission.objects.filter(round=submission_round, school__in=participants, state__in=Submission.COUNTED_STATES)
        self.sent = counted.count()
        self.sent_on_time = counted.filter(submitted_at__lte=submission_round.closes_at).count()
        self.last_sent = _date(counted.aggregate(last=Max("submitted_at"))["last"])
        ratings = Rating.objects.filter(round=submission_round)
        self.rated = ratings.filter(score__isnull=False).count()
        checked = StatusEligibility.objects.filter(round=submission_round).aggregate(
            n=Count("pk"), eligible=Count("pk", filter=Q(eligible=True)), requested=Count("pk", filter=Q(ok_certification=True))
        )
        self.checked, self.eligible, self.requested = checked["n"], checked["eligible"], checked["requested"]
        curators = Curator.objects.filter(is_active=True, school__in=participants).exclude(order_number="").filter(order_date__lte=self.deadline)
        self.with_curator = curators.values("school_id").distinct().count()
        awards = StatusAward.objects.filter(municipality_id=submission_round.municipality_id, year=submission_round.year)
        award = awards.aggregate(n=Count("pk"), last=Max("confirmed_at"))
        self.awarded, self.awarded_on = award["n"], _date(award["last"])

    @property
    def past(self) -> bool:
        return self.deadline is not None and self.deadline < self.today

    def _pending_or_missed(self) -> str:
        return Status.MISSED if self.past and self.closed else Status.PENDING

    def evidence(self, key_result: KeyResult) -> KeyResultEvidence | None:
        r, year = self.round, self.round.year
        row = KeyResultEvidence(key_result=key_result, year=year, source=f"раунд «{r.title}»")
        if key_result.fact == Fact.QUESTIONNAIRE_PUBLISHED:
            row.status, row.happened_on = Status.FULFILLED, _date(r.opens_at)
            row.summary = f"Опросная форма «{r.questionnaire.title}» (версия {r.questionnaire.version}) опубликована: раунд открыт {row.happened_on:%d.%m.%Y}"
            row.link = reverse("surveys:round-completeness", args=[r.pk])
        elif key_result.fact == Fact.ROUND_COMPLETENESS:
            row.counted, row.total, row.happened_on = self.sent_on_time, self.total, self.last_sent
            reached = _share_reached(self.sent_on_time, self.total, key_result.fact_share)
            row.status = Status.FULFILLED if reached else self._pending_or_missed()
            row.summary = (
                f"Анкеты отправили {self.sent_on_time} из {self.total} школ к сроку {self.deadline:%d.%m.%Y} (нужно {_share_text(key_result.fact_share)})"
            )
            if self.sent != self.sent_on_time:
                row.summary += f"; всего отправлено {self.sent}"
            row.link = reverse("surveys:round-completeness", args=[r.pk])
        elif key_result.fact == Fact.RATING_PUBLISHED:
            row.counted, row.total = self.rated, self.total
            done = self.closed and not r.results_stale and self.rated > 0
            row.status = Status.FULFILLED if done else Status.PENDING
            row.happened_on = _date(r.results_fixed_at or r.computed_at) if done else None
            row.summary = (
                f"Рейтинг сформирован: {self.rated} школ из {self.total} получили балл, итоги раунда от {row.happened_on:%d.%m.%Y}"
                if done
                else f"Рейтинг предварительный: раунд ещё {r.get_state_display()}, балл есть у {self.rated} школ из {self.total}"
            )
            row.link = reverse("ratings:rating", args=[r.pk])
        elif key_result.fact == Fact.CURATORS_APPOINTED:
            row.counted, row.total = self.with_curator, self.total
            reached = _share_reached(self.with_curator, self.total, key_result.fact_share)
            row.status = Status.FULFILLED if reached else self._pending_or_missed()
            row.summary = (
                f"Куратор с приказом о назначении к {self.deadline:%d.%m.%Y} есть у {self.with_curator} из {self.total} школ "
                f"(нужно {_share_text(key_result.fact_share)})"
            )
            row.link = reverse("surveys:round-completeness", args=[r.pk])
        elif key_result.fact == Fact.STATUS_CHECKED:
            row.counted, row.total = self.checked, self.sent
            done = self.closed and self.sent > 0 and self.checked >= self.sent
            row.status = Status.FULFILLED if done else Status.PENDING
            row.happened_on = _date(r.results_fixed_at or r.computed_at) if done else None
            row.summary = (
                f"По критериям статуса проверено {self.checked} школ из {self.sent} отправивших анкету: "
                f"заявку подали {self.requested}, проходят {self.eligible}"
            )
            row.link = reverse("ratings:status", args=[year])
        elif key_result.fact == Fact.STATUS_CONFIRMED:
            row.counted, row.happened_on = self.awarded, self.awarded_on
            row.status = Status.FULFILLED if self.awarded else self._pending_or_missed()
            row.summary = (
                f"Список школ со статусом {year} года утверждён {self.awarded_on:%d.%m.%Y}, школ в списке: {self.awarded}"
                if self.awarded
                else f"Список школ со статусом {year} года ещё не утверждён"
            )
            row.link, row.source = reverse("ratings:status", args=[year]), f"статус «Цифровая школа» {year}"
        else:
            return None
        return row


def _indicator_evidence(key_result: KeyResult, rounds: list[SubmissionRound], progress: dict, today: dt.date) -> KeyResultEvidence | None:
    """The indicator's city value in the latest round closed by the key result's (last dated) deadline, against its target."""
    dated = sorted(d.due_date for d in key_result.deadlines.all() if d.kind != Deadline.Kind.RECURRING and d.due_date)
    if key_result.indicator is None or not dated:
        return None
    due = dated[-1]
    row = KeyResultEvidence(key_result=key_result, year=due.year)
    by_due = [r for r in rounds if r.state == SubmissionRound.State.CLOSED and _date(r.closes_at) <= due]
    found = next((progress[(key_result.indicator_id, r.pk)] for r in reversed(by_due) if (key_result.indicator_id, r.pk) in progress), None)
    unit = key_result.indicator.get_unit_display()
    if found is None or found.actual is None:
        row.status = Status.NO_DATA if due < today else Status.PENDING
        row.summary = f"К сроку {due:%d.%m.%Y} раунда мониторинга с этим показателем не было"
        row.source = f"показатель {key_result.indicator.code}"
        return row
    target = key_result.target_value if key_result.target_value is not None else found.target_value
    reached = target is not None and (found.actual >= target if key_result.indicator.higher_is_better else found.actual <= target)
    row.status = Status.FULFILLED if reached else (Status.MISSED if due < today else Status.PENDING)
    row.summary = f"Факт {format_number(found.actual)} {unit} при цели {format_number(target)} {unit} к сроку {due:%d.%m.%Y}"
    row.happened_on, row.source = _date(found.round.closes_at), f"раунд «{found.round.title}»"
    row.link = reverse("ratings:indicator-progress", args=[found.round_id])
    return row


def year_rounds(municipality_id: int) -> list[SubmissionRound]:
    """The municipality's opened rounds, one per year (the latest of the year), oldest first."""
    rounds = SubmissionRound.objects.filter(municipality_id=municipality_id).exclude(state=SubmissionRound.State.DRAFT)
    latest: dict[int, SubmissionRound] = {}
    for r in rounds.select_related("questionnaire").order_by("year", "closes_at", "pk"):
        latest[r.year] = r
    return list(latest.values())


def fact_key_results(municipality_id: int) -> Iterable[KeyResult]:
    return (
        KeyResult.objects.filter(roadmap__municipality_id=municipality_id)
        .exclude(fact="")
        .select_related("indicator", "roadmap")
        .prefetch_related("deadlines")
        .order_by("pk")
    )


def key_result_evidence(municipality_id: int, today: dt.date) -> tuple[list[int], list[KeyResultEvidence]]:
    """(ids of the municipality's fact-linked key results, their evidence rows) — nothing written."""
    key_results = list(fact_key_results(municipality_id))
    if not key_results:
        return [], []
    all_rounds = list(SubmissionRound.objects.filter(municipality_id=municipality_id).exclude(state=SubmissionRound.State.DRAFT).order_by("closes_at", "pk"))
    per_year = [RoundFacts(r, today) for r in year_rounds(municipality_id)]
    progress = {
        (p.indicator_id, p.round_id): p
        for p in IndicatorProgress.objects.filter(round__in=all_rounds, school__isnull=True, indicator__key_results__in=key_results).select_related("round")
    }
    rows: list[KeyResultEvidence] = []
    for key_result in key_results:
        if key_result.fact == Fact.INDICATOR_VERDICT:
            row = _indicator_evidence(key_result, all_rounds, progress, today)
            rows += [row] if row else []
            continue
        for facts in per_year:
            row = facts.evidence(key_result)
            rows += [row] if row else []
    return [kr.pk for kr in key_results], rows
