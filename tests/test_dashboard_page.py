"""The city dashboard: completeness, rating distribution, levels, top and bottom, indicators, due results."""

import datetime as dt
import json
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from indicators.models import Deadline
from tests.factories import CuratorFactory, DeadlineFactory, DirectionFactory, KeyResultFactory, UserFactory, administrator, district_officer, methodologist
from tests.reports_world import many_schools, small_round

pytestmark = pytest.mark.django_db
URL = reverse("reports:dashboard")


def charts(response) -> dict:
    return response.context["charts"]


def test_methodologist_sees_completeness_of_the_open_round_by_district(client):
    world = small_round()
    client.force_login(methodologist())
    response = client.get(URL)
    assert response.status_code == 200
    board = response.context["board"]
    assert board.round == world.current
    rows = {r.district: (r.total, r.counts) for r in board.completeness}
    assert rows["Первомайский"] == (3, {"accepted": 1, "submitted": 1, "returned": 0, "draft": 1, "none": 0})
    assert rows["Советский"] == (2, {"accepted": 0, "submitted": 1, "returned": 0, "draft": 0, "none": 1})
    assert (board.completeness_total.done, board.completeness_total.percent) == (3, 60)
    assert charts(response)["completeness"]["series"][0] == {"label": "приняты", "key": "accepted", "data": [1, 0]}


def test_histogram_levels_and_top_bottom_come_from_the_ratings(client):
    world = small_round()
    client.force_login(methodologist())
    board = client.get(URL).context["board"]
    assert board.stats.histogram == [0, 0, 0, 0, 1, 0, 1, 0, 1, 0]
    assert (board.stats.rated, round(board.stats.average, 1), board.stats.eligible) == (3, 62.5, 1)
    assert board.stats.by_level == {"high": 1, "medium": 1, "low": 1, "none": 2}
    assert board.levels == [
        {"district": "Первомайский", "total": 3, "levels": [1, 1, 0, 1], "average": Decimal("73.75")},
        {"district": "Советский", "total": 2, "levels": [0, 0, 1, 1], "average": Decimal("40.0")},
    ]
    assert [r.school for r in board.top] == [world.s10, world.s97, world.s87]
    assert board.bottom == []  # three rated schools: all of them are among the best five


def test_every_city_indicator_is_drawn_against_its_targets_with_the_verdict(client):
    world = small_round()
    client.force_login(methodologist())
    response = client.get(URL)
    chart = charts(response)["indicators"][f"indicator-{world.speed.pk}"]
    assert chart == {
        "dates": ["2021-05-31", "2022-05-31", "2025-04-01", "2026-04-01"],
        "labels": ["31.05.2021", "31.05.2022", "01.04.2025", "01.04.2026"],
        "actual": [None, None, 50.0, 33.33],
        "target": [70.0, 90.0, None, None],
        "unit": "%",
    }
    text = response.content.decode()
    assert "Доля ОУ с доступом к Интернету не менее 100 Мбит/с" in text
    assert "не достигнут" in text
    data = json.loads(text.split('id="dashboard-data" type="application/json">')[1].split("</script>")[0])
    assert data["histogram"]["data"] == [0, 0, 0, 0, 1, 0, 1, 0, 1, 0]


def test_every_chart_has_its_numbers_in_a_table(client):
    small_round()
    client.force_login(methodologist())
    text = client.get(URL).content.decode()
    assert text.count("<canvas") == 4
    assert text.count("<details") == 4
    assert "<script>" not in text and 'style="' not in text


def test_key_results_due_in_30_days_and_overdue_ones_are_listed(client):
    world = small_round()
    today = timezone.localdate()
    direction = DirectionFactory(roadmap=world.roadmap)
    world.roadmap.period_end = today + dt.timedelta(days=365)
    world.roadmap.save()
    soon = KeyResultFactory(direction=direction, text="Процессный: семинар для кураторов")
    DeadlineFactory(key_result=soon, due_date=today + dt.timedelta(days=10))
    late = KeyResultFactory(direction=direction, text="Процессный: назначение куратора от каждого ОУ")
    DeadlineFactory(key_result=late, kind=Deadline.Kind.MONTH, due_date=today - dt.timedelta(days=40))
    client.force_login(methodologist())
    board = client.get(URL).context["board"]
    assert [r.key_result.text for r in board.due] == ["Процессный: семинар для кураторов"]
    assert [r.key_result.text for r in board.overdue] == [world.speed_result.text, "Процессный: назначение куратора от каждого ОУ"]
    assert board.overdue[0].state.label == "не достигнут"  # 33,33 % against 90 % due in May 2022


def test_filters_narrow_every_block(client):
    world = small_round()
    client.force_login(administrator())
    board = client.get(URL, {"district": world.sovetsky.pk}).context["board"]
    assert [r.district for r in board.completeness] == ["Советский"]
    assert [r.school for r in board.top] == [world.s87]
    board = client.get(URL, {"legal_form": "МАОУ"}).context["board"]
    assert [r.school for r in board.top] == [world.s10]
    board = client.get(URL, {"area": "rural"}).context["board"]
    assert board.completeness_total.total == 1 and board.top == []
    board = client.get(URL, {"level": "medium"}).context["board"]
    assert [r.school for r in board.top] == [world.s97]
    assert board.stats.by_level["high"] == 0
    board = client.get(URL, {"year": 2025}).context["board"]
    assert board.round == world.previous
    assert [r.school for r in board.top] == [world.s10, world.s97]


def test_district_officer_sees_only_their_district(client):
    world = small_round()
    client.force_login(district_officer(world.sovetsky))
    response = client.get(URL)
    board = response.context["board"]
    assert [r.district for r in board.completeness] == ["Советский"]
    assert [r.school for r in board.top] == [world.s87]
    assert "МАОУ «Школа № 10»" not in response.content.decode()
    assert list(response.context["form"].fields["district"].queryset) == [world.sovetsky]
    # Asking for another district's schools gives nothing of theirs.
    response = client.get(URL, {"district": world.pervomaysky.pk})
    assert "МАОУ «Школа № 10»" not in response.content.decode()


def test_curator_and_user_without_role_are_refused(client):
    world = small_round()
    client.force_login(CuratorFactory(school=world.s10).user)
    assert client.get(URL).status_code == 403
    client.force_login(UserFactory())
    assert client.get(URL).status_code == 403


def test_dashboard_without_rounds_says_what_comes_next(client):
    client.force_login(methodologist())
    response = client.get(URL)
    assert response.status_code == 200
    assert "Мониторингов пока не было" in response.content.decode()


@pytest.mark.parametrize("extra_schools", [5, 195])
def test_dashboard_queries_are_the_same_for_10_and_200_schools(client, django_assert_num_queries, extra_schools):
    world = small_round()
    many_schools(world, extra_schools)
    world.roadmap.period_end = timezone.localdate() + dt.timedelta(days=365)  # a running roadmap: its results are listed
    world.roadmap.save(update_fields=["period_end"])
    client.force_login(methodologist())
    # session, user, profile (password duty), groups (role), rounds (the district filter renders no options: no query),
    # completeness: the districts of the last recompute with their forms by state (the round's totals summed from them),
    # live counts of the districts shown; the rating figures summed from the district summaries,
    # levels by district (summaries), top, bottom,
    # indicators, targets, progress rows, the latest period of each roadmap, key results, deadlines, evidence of key results,
    # progress for key results, timeliness (first submit and own deadline of every school, one query)
    with django_assert_num_queries(20):
        response = client.get(URL)
    board = response.context["board"]
    assert board.completeness_total.total == 5 + extra_schools
    assert len(board.bottom) == min(5, 3 + extra_schools - 5) and not set(board.top) & set(board.bottom)
