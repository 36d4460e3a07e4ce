"""Periods of a roadmap (issue 16 item 6): an ended roadmap says so and shows each result's verdict at its end;
an administrator creates the next period from it; indicators then follow the new period's targets."""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from indicators.models import KeyResult, Roadmap
from indicators.selectors import roadmap_detail
from ratings.selectors import round_indicators
from tests.factories import (
    DeadlineFactory,
    DirectionFactory,
    IndicatorFactory,
    KeyResultFactory,
    ProcessEventFactory,
    RoadmapFactory,
    SubmissionRoundFactory,
    administrator,
    methodologist,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def ended():
    roadmap = RoadmapFactory(title="Дорожная карта 2021–2023", period_start=dt.date(2021, 5, 1), period_end=dt.date(2023, 5, 31))
    direction = DirectionFactory(roadmap=roadmap, number=1, title="Инфраструктура")
    indicator = IndicatorFactory(roadmap=roadmap, code="ROS-SPEED", question_code="internet_speed", aggregation="share")
    held = KeyResultFactory(direction=direction, number="1.1", text="Семинар", deadline_text="Май 2022")
    DeadlineFactory(key_result=held, due_date=dt.date(2022, 5, 31))
    ProcessEventFactory(key_result=held, date=dt.date(2022, 5, 10))
    late = KeyResultFactory(direction=direction, number="1.2", text="Круглый стол", deadline_text="Май 2023")
    DeadlineFactory(key_result=late, due_date=dt.date(2023, 5, 31))
    KeyResultFactory(
        direction=direction, number="1.16", kind="final", text="не менее 70% ОУ", indicator=indicator, target_value=Decimal(70), fact="indicator_verdict"
    )
    return roadmap


def test_an_ended_roadmap_shows_the_verdict_of_each_result_at_its_end(client, ended):
    detail = roadmap_detail(ended, dt.date(2026, 11, 30))
    assert detail.ended
    rows = {row.key_result.number: row for block in detail.directions for row in block.rows}
    assert rows["1.1"].final.state.label == "проведено"
    assert rows["1.2"].final.state.label == "просрочен"
    client.force_login(methodologist())
    page = client.get(reverse("indicators:roadmap-detail", args=[ended.pk])).content.decode()
    assert "Период дорожной карты закончился 31.05.2023" in page and "Итог на 31.05.2023" in page
    assert "Следующий период создаёт администратор" in page


def test_administrator_creates_the_next_period_and_indicators_follow_it(client, ended):
    municipality = ended.municipality
    client.force_login(administrator())
    page = client.get(reverse("indicators:roadmap-detail", args=[ended.pk])).content.decode()
    assert "Создать следующий период" in page
    response = client.post(
        reverse("indicators:roadmap-next-period", args=[ended.pk]),
        {"title": "Дорожная карта 2025–2027", "period_start": "2025-01-01", "period_end": "2027-12-31"},
    )
    new = Roadmap.objects.get(previous=ended)
    assert response.status_code == 302 and response.url == reverse("indicators:roadmap-detail", args=[new.pk])
    copied = {kr.number: kr for kr in KeyResult.objects.filter(roadmap=new)}
    assert set(copied) == {"1.1", "1.2", "1.16"}
    assert copied["1.1"].text == "Семинар" and copied["1.1"].deadline_text == "" and not copied["1.1"].deadlines.exists()
    assert copied["1.16"].fact == "indicator_verdict" and copied["1.16"].target_value is None
    assert copied["1.16"].indicator.roadmap_id == new.pk and copied["1.16"].direction.title == "Инфраструктура"
    round_ = SubmissionRoundFactory(municipality=municipality)
    assert [i.roadmap_id for i in round_indicators(round_)] == [new.pk]  # the ended period's indicator is no longer computed
    page = client.get(reverse("indicators:roadmap-detail", args=[ended.pk])).content.decode()
    assert "Следующий период:" in page
    again = client.post(reverse("indicators:roadmap-next-period", args=[ended.pk]), {"title": "ещё", "period_start": "2025-01-01", "period_end": "2027-12-31"})
    assert again.status_code == 400 and "уже создан" in again.content.decode()


def test_only_the_administrator_creates_a_period(client, ended):
    client.force_login(methodologist())
    assert client.get(reverse("indicators:roadmap-next-period", args=[ended.pk])).status_code == 403


def test_the_dashboard_says_the_roadmap_has_ended_instead_of_listing_every_result_overdue(client):
    from tests.reports_world import small_round

    world = small_round()
    client.force_login(methodologist())
    response = client.get(reverse("reports:dashboard"))
    page = response.content.decode()
    assert f"Период дорожной карты «{world.roadmap.title}» закончился {world.roadmap.period_end:%d.%m.%Y}" in page
    assert response.context["board"].overdue == []
