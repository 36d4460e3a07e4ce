"""The rating table of a round: who sees which rows, filters, order, staleness, pagination and a flat query count."""

import pytest
from django.db.models import F
from django.urls import reverse
from django.utils import timezone

from ratings import views
from ratings.models import Rating
from surveys.models import SubmissionRound

from .factories import CuratorFactory, UserFactory, district_officer, methodologist
from .ratings_world import rated_round

pytestmark = pytest.mark.django_db


def rows_of(response) -> list[str]:
    return [row.school.full_name for row in response.context["page"].object_list]


def test_a_methodologist_sees_every_school_by_rank_with_no_data_last(client):
    submission_round, schools = rated_round(5)
    client.force_login(methodologist())

    response = client.get(reverse("ratings:rating", args=[submission_round.pk]))

    assert response.status_code == 200
    assert rows_of(response) == [s.full_name for s in reversed(schools[:4])] + [schools[4].full_name]
    page = response.content.decode()
    assert "нет данных" in page and "проходит" in page
    assert response.context["summary"].rated == 4


def test_filters_by_district_and_level_and_orders_by_name(client):
    submission_round, schools = rated_round(6)
    client.force_login(methodologist())
    url = reverse("ratings:rating", args=[submission_round.pk])

    by_district = client.get(url, {"district": schools[0].district_id})
    assert set(rows_of(by_district)) == {schools[0].full_name, schools[2].full_name, schools[4].full_name}
    no_data = client.get(url, {"level": "none"})
    assert rows_of(no_data) == [schools[5].full_name]
    by_name = client.get(url, {"order": "name"})
    assert rows_of(by_name) == sorted(s.full_name for s in schools)


def test_a_district_officer_sees_the_schools_of_the_district_and_a_curator_only_the_own_school(client):
    submission_round, schools = rated_round(4)
    url = reverse("ratings:rating", args=[submission_round.pk])

    client.force_login(district_officer(schools[1].district))
    assert set(rows_of(client.get(url))) == {schools[1].full_name, schools[3].full_name}

    client.force_login(CuratorFactory(school=schools[2]).user)
    response = client.get(url)
    assert rows_of(response) == [schools[2].full_name]
    assert schools[0].full_name not in response.content.decode()


def test_a_round_the_user_cannot_see_is_not_found_and_a_user_without_a_role_is_refused(client):
    submission_round, schools = rated_round(2)
    other = SubmissionRound.objects.create(
        title="Другой",
        municipality=submission_round.municipality,
        questionnaire=submission_round.questionnaire,
        year=2026,
        opens_at=submission_round.opens_at,
        closes_at=submission_round.closes_at,
        state="open",
    )
    client.force_login(CuratorFactory(school=schools[0]).user)
    assert client.get(reverse("ratings:rating", args=[other.pk])).status_code == 404

    client.force_login(UserFactory())
    assert client.get(reverse("ratings:rating", args=[submission_round.pk])).status_code == 403


def test_a_stale_round_says_its_data_are_being_recomputed_with_the_time_of_the_last_recompute(client):
    submission_round, _schools = rated_round(2)
    SubmissionRound.objects.filter(pk=submission_round.pk).update(changes_seq=F("changes_seq") + 1)
    client.force_login(methodologist())

    page = client.get(reverse("ratings:rating", args=[submission_round.pk])).content.decode()

    computed = timezone.localtime(SubmissionRound.objects.get(pk=submission_round.pk).computed_at)
    assert "Данные пересчитываются…" in page
    assert f"{computed:%d.%m.%Y %H:%M}" in page


def test_the_change_since_the_previous_round_is_shown_in_points_and_places(client):
    submission_round, schools = rated_round(4)  # 40, 55, 70 Mbit/s: 88, 91, 94 points
    Rating.objects.filter(round=submission_round, school=schools[0]).update(prev_score=50, prev_rank=1)
    client.force_login(methodologist())

    response = client.get(reverse("ratings:rating", args=[submission_round.pk]))

    row = next(r for r in response.context["page"].object_list if r.school_id == schools[0].pk)
    assert (row.score_change, row.rank_change) == (38, -2)
    assert "+38" in response.content.decode() and "−2" in response.content.decode()


def test_long_ratings_are_paginated(client, monkeypatch):
    monkeypatch.setattr(views, "PAGE_SIZE", 2)
    submission_round, schools = rated_round(5)
    client.force_login(methodologist())
    url = reverse("ratings:rating", args=[submission_round.pk])

    second = client.get(url, {"page": 2, "order": "name"})

    assert rows_of(second) == sorted(s.full_name for s in schools)[2:4]
    assert "Школы 3–4 из 5" in second.content.decode()


@pytest.mark.parametrize("n_schools", [10, 200])
def test_the_rating_page_runs_the_same_queries_for_10_and_200_schools(client, n_schools, django_assert_max_num_queries):
    submission_round, _schools = rated_round(n_schools)
    client.force_login(methodologist())

    # session, user, profile (district), groups, round, rows count, summary aggregate, eligible count, scoring scheme,
    # districts of the filter, page rows (with eligibility subqueries);
    # the versions the results were computed with: scheme, its history, rules', steps' and choices' history, criteria history
    with django_assert_max_num_queries(16):
        response = client.get(reverse("ratings:rating", args=[submission_round.pk]))

    assert response.status_code == 200


def test_pages_by_rank_list_every_school_once_and_in_order_across_tied_ranks(client, monkeypatch):
    """A page of the whole round by rank is found by rank (ties as the recompute gives them: 1, 1, 1, 4, …), not by
    skipping rows: every page holds exactly the rows the plain order would put there, the unranked ones last by name."""
    monkeypatch.setattr(views, "PAGE_SIZE", 3)
    submission_round, _schools = rated_round(12)
    ranked = list(Rating.objects.filter(round=submission_round, rank__isnull=False).order_by("rank", "school__full_name"))
    assert len(ranked) == 11
    for rating, rank in zip(ranked, [1, 1, 1, 1, 5, 5, 7, 8, 8, 8, 8], strict=True):  # ties across every page boundary
        Rating.objects.filter(pk=rating.pk).update(rank=rank)
    expected = [
        r.school.full_name
        for r in sorted(Rating.objects.filter(round=submission_round).select_related("school"), key=lambda r: (r.rank is None, r.rank or 0, r.school.full_name))
    ]
    client.force_login(methodologist())
    url = reverse("ratings:rating", args=[submission_round.pk])

    pages = [client.get(url, {"page": n}) for n in range(1, 6)]

    assert [rows_of(page) for page in pages] == [expected[i : i + 3] for i in range(0, 12, 3)] + [expected[9:12]]
    assert "Школы 10–12 из 12" in pages[3].content.decode()


def test_the_figures_above_the_rating_agree_with_its_rows_for_a_methodologist_and_a_district_officer(client):
    from ratings.models import DistrictSummary

    submission_round, schools = rated_round(9)
    url = reverse("ratings:rating", args=[submission_round.pk])
    rows = Rating.objects.filter(round=submission_round)

    client.force_login(methodologist())
    summary = client.get(url).context["summary"]
    assert (summary.total, summary.rated, summary.by_level["none"]) == (9, 8, 1)
    assert summary.mean == pytest.approx(sum(r.score for r in rows if r.score is not None) / 8)
    filtered = client.get(url, {"district": schools[0].district_id, "level": "high"})
    expected = rows.filter(district_id=schools[0].district_id, level="high").count()
    assert filtered.context["page"].paginator.count == len(rows_of(filtered)) == expected

    DistrictSummary.objects.filter(round=submission_round).delete()  # a round computed before the summaries existed
    assert (client.get(url).context["summary"].total, client.get(url).context["summary"].rated) == (9, 8)

    client.force_login(district_officer(schools[1].district))
    summary = client.get(url).context["summary"]
    district_rows = rows.filter(district=schools[1].district)
    assert (summary.total, summary.rated) == (district_rows.count(), district_rows.filter(score__isnull=False).count())
