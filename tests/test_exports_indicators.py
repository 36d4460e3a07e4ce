"""Indicator progress: target, deadline, the actual of every round and the verdict."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from indicators.models import Indicator
from ratings.models import IndicatorProgress
from reports.exports import export_request_for
from schools.roles import Access
from tests.factories import IndicatorFactory, IndicatorProgressFactory, methodologist
from tests.reports_world import small_round

pytestmark = pytest.mark.django_db
EXPORTED_AT = timezone.make_aware(dt.datetime(2026, 4, 2, 9, 30))


def test_indicators_with_percent_and_count_units(tmp_path):
    world = small_round()
    lessons = IndicatorFactory(roadmap=world.roadmap, code="ROS-LESSONS", name="Открытые уроки «Урок Цифры»", unit=Indicator.Unit.COUNT, order=99)
    IndicatorProgressFactory(round=world.current, indicator=lessons, actual=Decimal(89), target_value=None, verdict="no_target")
    path = tmp_path / "i.xlsx"
    export_request_for(Access(methodologist()), "indicators").write(path, EXPORTED_AT)
    ws = load_workbook(path)["Показатели"]
    assert ws["A1"].value == "Выполнение показателей дорожной карты — Ростов-на-Дону, все раунды, все районы"
    assert [c.value for c in ws[4]] == [
        "Код",
        "Показатель",
        "Единица",
        "Базовое значение",
        "Цель",
        "Срок цели",
        "Факт: Мониторинг 2025",
        "Факт: Мониторинг 2026",
        "Школ с данными",
        "Оценка",
    ]
    speed = [c for c in ws[5]]
    assert [c.value for c in speed] == [
        "ROS-SPEED",
        "Доля ОУ с доступом к Интернету не менее 100 Мбит/с",
        "%",
        None,
        0.9,
        dt.datetime(2022, 5, 31),
        0.5,
        pytest.approx(0.3333),
        3,
        "не достигнут",
    ]
    assert [speed[i].number_format for i in (4, 5, 6, 7, 8)] == ["0.0%", "DD.MM.YYYY", "0.0%", "0.0%", "0"]
    count = [c for c in ws[6]]
    assert [c.value for c in count][6:] == [None, 89, 10, "нет цели"]
    assert count[7].number_format == "#,##0", "a whole number has no dangling comma"
    assert ws.freeze_panes == "C5"


def test_the_target_shown_is_the_one_the_verdict_was_judged_against_with_its_date(tmp_path):
    world = small_round()
    # The roadmap has a later target too; the latest round's verdict was judged against the nearer one.
    IndicatorProgress.objects.filter(round=world.current, indicator__code="ROS-SPEED", school__isnull=True).update(
        target_value=Decimal(60), target_due=dt.date(2026, 12, 31)
    )
    path = tmp_path / "i.xlsx"
    export_request_for(Access(methodologist()), "indicators").write(path, EXPORTED_AT)
    speed = [c.value for c in load_workbook(path)["Показатели"][5]]
    assert speed[0] == "ROS-SPEED"
    assert (speed[4], speed[5]) == (0.6, dt.datetime(2026, 12, 31))
