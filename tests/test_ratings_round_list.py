"""The list of rounds with results: counts over the user's schools, links to the rating and indicators."""

import pytest
from django.urls import reverse

from .factories import CuratorFactory, district_officer, methodologist
from .ratings_world import rated_round

pytestmark = pytest.mark.django_db


def test_rounds_are_listed_with_rated_schools_and_the_mean_score(client):
    submission_round, _schools = rated_round(4)
    client.force_login(methodologist())

    response = client.get(reverse("ratings:round-list"))

    [row] = response.context["rounds"]
    assert (row, row.schools_total, row.schools_rated) == (submission_round, 4, 3)
    assert round(row.mean_score, 1) == 91
    assert reverse("ratings:rating", args=[submission_round.pk]) in response.content.decode()


def test_counts_cover_only_the_schools_the_user_sees_and_a_curator_gets_a_link_to_the_own_card(client):
    submission_round, schools = rated_round(4)
    client.force_login(district_officer(schools[0].district))
    [row] = client.get(reverse("ratings:round-list")).context["rounds"]
    assert (row.schools_total, row.schools_rated) == (2, 2)

    client.force_login(CuratorFactory(school=schools[1]).user)
    page = client.get(reverse("ratings:round-list")).content.decode()
    assert reverse("ratings:school-round", args=[submission_round.pk, schools[1].pk]) in page


def test_without_rounds_the_page_says_when_ratings_appear(client):
    client.force_login(methodologist())
    assert "Рейтинг появится, когда откроется мониторинг" in client.get(reverse("ratings:round-list")).content.decode()


@pytest.mark.parametrize("n_schools", [10, 200])
def test_the_round_list_runs_the_same_queries_for_10_and_200_schools(client, n_schools, django_assert_max_num_queries):
    rated_round(n_schools)
    client.force_login(methodologist())

    # session, user, profile, groups, rounds with counts
    with django_assert_max_num_queries(5):
        client.get(reverse("ratings:round-list"))
