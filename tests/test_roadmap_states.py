"""States of key results: recurrences expected to date, events held, indicator progress."""

import datetime as dt
from decimal import Decimal

import pytest

from indicators.models import Deadline, KeyResult, Roadmap
from indicators.selectors import key_results_due, recurrence_dates, roadmap_detail
from ratings.models import IndicatorProgress
from tests.factories import (
    DeadlineFactory,
    DirectionFactory,
    IndicatorFactory,
    IndicatorProgressFactory,
    KeyResultFactory,
    ProcessEventFactory,
    RoadmapFactory,
    SubmissionRoundFactory,
)

pytestmark = pytest.mark.django_db
TODAY = dt.date(2022, 6, 10)


def state_of(key_result: KeyResult, today: dt.date = TODAY):
    detail = roadmap_detail(Roadmap.objects.get(pk=key_result.roadmap_id), today)
    return next(row for block in detail.directions for row in block.rows if row.key_result.pk == key_result.pk)


def test_monthly_recurrence_expects_one_event_per_month_end():
    dates = recurrence_dates("monthly", dt.date(2021, 5, 1), dt.date(2021, 8, 20))
    assert dates == [dt.date(2021, 5, 31), dt.date(2021, 6, 30), dt.date(2021, 7, 31)]  # August ends after the period


def test_twice_monthly_recurrence_expects_the_15th_and_the_month_end():
    dates = recurrence_dates("twice_monthly", dt.date(2021, 5, 1), dt.date(2021, 6, 20))
    assert dates == [dt.date(2021, 5, 15), dt.date(2021, 5, 31), dt.date(2021, 6, 15)]


def test_yearly_recurrence_ends_with_the_period():
    dates = recurrence_dates("yearly", dt.date(2021, 5, 1), dt.date(2023, 5, 31))
    assert dates == [dt.date(2021, 12, 31), dt.date(2022, 12, 31), dt.date(2023, 5, 31)]


def test_a_window_keeps_the_dates_of_the_period_that_fall_in_it():
    dates = recurrence_dates("yearly", dt.date(2021, 5, 1), dt.date(2023, 5, 31), within=(dt.date(2022, 4, 1), dt.date(2022, 6, 29)))
    assert dates == []  # the year's event is due on 31.12, not on the window's last day
    assert recurrence_dates("monthly", dt.date(2021, 5, 1), dt.date(2023, 5, 31), within=(dt.date(2022, 4, 1), dt.date(2022, 5, 31))) == [
        dt.date(2022, 4, 30),
        dt.date(2022, 5, 31),
    ]


def test_monthly_result_with_fewer_events_than_months_is_behind_schedule():
    kr = KeyResultFactory(text="Процессный: консультации")
    DeadlineFactory(key_result=kr, kind=Deadline.Kind.RECURRING, due_date=None, recurrence=Deadline.Recurrence.MONTHLY)
    ProcessEventFactory.create_batch(3, key_result=kr)
    row = state_of(kr)
    # May 2021 … May 2022: 13 month ends before 10.06.2022.
    assert (row.expected, row.held) == (13, 3)
    assert row.state.label == "отстаёт от графика"
    assert "проведено 3 из 13 по графику" in row.note


def test_twice_monthly_result_with_enough_events_is_on_schedule():
    kr = KeyResultFactory()
    DeadlineFactory(key_result=kr, kind=Deadline.Kind.RECURRING, due_date=None, recurrence=Deadline.Recurrence.TWICE_MONTHLY)
    ProcessEventFactory.create_batch(26, key_result=kr)
    row = state_of(kr)
    assert (row.expected, row.state.label) == (26, "по графику")


def test_dated_process_result_without_events_after_its_month_is_overdue():
    kr = KeyResultFactory()
    DeadlineFactory(key_result=kr, due_date=dt.date(2021, 5, 31))
    assert state_of(kr).state.label == "просрочен"
    ProcessEventFactory(key_result=kr)
    assert state_of(kr).state.label == "проведено"


def test_future_process_result_is_planned_and_completed_one_is_done():
    kr = KeyResultFactory()
    DeadlineFactory(key_result=kr, due_date=dt.date(2022, 12, 31))
    assert state_of(kr).state.label == "запланирован"
    kr.completed_on = dt.date(2022, 6, 1)
    kr.save()
    assert state_of(kr).state.label == "выполнен"


def _final(target: str, due: dt.date, actual: str | None, verdict=IndicatorProgress.Verdict.NOT_ACHIEVED):
    direction = DirectionFactory()
    indicator = IndicatorFactory(roadmap=direction.roadmap, code="ROS-SPEED")
    kr = KeyResultFactory(direction=direction, kind=KeyResult.Kind.FINAL, indicator=indicator, target_value=Decimal(target), target_unit="%")
    DeadlineFactory(key_result=kr, due_date=due)
    if actual is not None:
        IndicatorProgressFactory(indicator=indicator, actual=Decimal(actual), verdict=verdict, round=SubmissionRoundFactory(title="Мониторинг 2022"))
    return kr


def test_final_result_reaching_its_target_is_achieved():
    row = state_of(_final("70", dt.date(2021, 5, 31), "72.5"))
    assert row.state.label == "достигнут"
    assert row.note == "факт 72,5 % при цели 70 % · Мониторинг 2022"


def test_final_result_below_target_after_its_deadline_is_missed_and_before_it_in_progress_or_at_risk():
    assert state_of(_final("90", dt.date(2022, 5, 31), "60")).state.label == "не достигнут"
    assert state_of(_final("90", dt.date(2023, 5, 31), "60")).state.label == "в работе"
    assert state_of(_final("90", dt.date(2023, 5, 31), "85", IndicatorProgress.Verdict.AT_RISK)).state.label == "под угрозой"


def test_final_result_without_any_round_has_no_data_once_due():
    assert state_of(_final("70", dt.date(2021, 5, 31), None)).state.label == "нет данных"


def test_due_and_overdue_lists_come_from_deadlines_and_states():
    roadmap = RoadmapFactory()
    direction = DirectionFactory(roadmap=roadmap)
    due_soon = KeyResultFactory(direction=direction, text="Семинар в июне")
    DeadlineFactory(key_result=due_soon, due_date=dt.date(2022, 6, 30))
    late = KeyResultFactory(direction=direction, text="Назначение кураторов")
    DeadlineFactory(key_result=late, due_date=dt.date(2021, 5, 31))
    done = KeyResultFactory(direction=direction, text="Выполнено", completed_on=dt.date(2021, 5, 1))
    DeadlineFactory(key_result=done, due_date=dt.date(2022, 6, 20))
    monthly = KeyResultFactory(direction=direction, text="Ежемесячные консультации")
    DeadlineFactory(key_result=monthly, kind=Deadline.Kind.RECURRING, due_date=None, recurrence=Deadline.Recurrence.MONTHLY)

    due, overdue = key_results_due(Roadmap.objects.filter(pk=roadmap.pk), TODAY)

    assert [(r.key_result.text, r.next_due) for r in due] == [("Семинар в июне", dt.date(2022, 6, 30)), ("Ежемесячные консультации", dt.date(2022, 6, 30))]
    assert [r.key_result.text for r in overdue] == ["Назначение кураторов", "Ежемесячные консультации"]
