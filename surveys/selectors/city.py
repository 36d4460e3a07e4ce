"""City figures of a round's answers: the median of each numeric question and the share of «да» of each yes/no question."""

from decimal import Decimal

from django.db.models import Count, F, Q, Window
from django.db.models.functions import RowNumber

from ..models import (
    Answer,
    Question,
    Submission,
)


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
