"""The status page of a year: confirmed awards grouped by district as in the order's annex, eligible schools, confirming the list."""

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from ratings.models import StatusAward
from ratings.services import rating_recompute_round
from surveys.models import Submission
from surveys.services import round_close

from .factories import CuratorFactory, DistrictFactory, SchoolFactory, StatusAwardFactory, administrator, district_officer, methodologist
from .ratings_world import accept, rated_round, world_administrator

pytestmark = pytest.mark.django_db


def closed(submission_round, *, accepted: bool = True) -> None:
    """A methodologist accepts every sent form (unless `accepted` is False), an administrator closes the round as its
    page does, and the recompute the close queued runs."""
    if accepted:  # reviewed: the state the status is awarded from (the recompute counts submitted and accepted alike)
        for submission in Submission.objects.filter(round=submission_round, state=Submission.State.SUBMITTED):
            accept(submission)
    round_close(submission_round=submission_round, user=world_administrator(submission_round.municipality), fix=False)
    rating_recompute_round(round_id=submission_round.pk)


def test_awards_of_a_year_are_grouped_by_district_like_the_annex_of_the_order(client):
    first, second = DistrictFactory(name="Ворошиловский"), DistrictFactory(name="Советский")
    for district, names in ((second, ["МБОУ «Школа № 31»", "МБОУ «Лицей № 58»"]), (first, ["МАОУ «Гимназия № 76»"])):
        for name in names:
            StatusAwardFactory(school=SchoolFactory(district=district, full_name=name), year=2022)
    client.force_login(methodologist())

    response = client.get(reverse("ratings:status", args=[2022]))

    groups = [(group.name, group.names) for group in response.context["overview"].awards]
    assert groups == [("Ворошиловский", "МАОУ «Гимназия № 76»"), ("Советский", "МБОУ «Школа № 31», МБОУ «Лицей № 58»")]
    page = response.content.decode()
    assert "Статус «Цифровая школа Ростова-на-Дону 2022»" in page
    assert "В 2022 году мониторинга не было" in page


def test_the_status_list_opens_on_the_latest_year_with_the_eligible_schools_of_its_round(client):
    submission_round, schools = rated_round(4)  # 40, 55, 70 Mbit/s: only ≥ 100 urban / 50 rural pass — the rural school at 70
    StatusAwardFactory(school=schools[0], year=2022)
    client.force_login(methodologist())

    response = client.get(reverse("ratings:status-list"))

    overview = response.context["overview"]
    assert (overview.year, overview.deciding_round, overview.awards_count) == (submission_round.year, submission_round, 0)
    assert [row.school for group in overview.eligible for row in group.schools] == [schools[2]]
    assert overview.failures["скорость Интернета"] == 2


def test_an_administrator_confirms_the_list_and_the_awards_are_recorded(client):
    submission_round, schools = rated_round(4)
    closed(submission_round)
    admin = administrator()
    client.force_login(admin)

    response = client.post(reverse("ratings:status-confirm", args=[submission_round.year]), {"order_reference": "от 30.08.2026 № УОПР-500"})

    assert response.status_code == 302
    award = StatusAward.objects.get()
    assert (award.school, award.year, award.order_reference, award.confirmed_by) == (schools[2], submission_round.year, "от 30.08.2026 № УОПР-500", admin)
    assert "Список подтверждён" in str(next(iter(get_messages(response.wsgi_request))))
    page = client.get(response["Location"]).content.decode()
    assert "Все школы, прошедшие по критериям, уже в списке." in page


def test_confirming_an_open_round_is_refused_with_the_reason(client):
    submission_round, _schools = rated_round(3)
    client.force_login(administrator())

    response = client.post(reverse("ratings:status-confirm", args=[submission_round.year]), follow=True)

    assert "ещё не закрыт" in response.content.decode()
    assert not StatusAward.objects.exists()


def test_only_an_administrator_may_confirm(client):
    submission_round, _schools = rated_round(3)
    closed(submission_round)
    client.force_login(methodologist())

    assert client.post(reverse("ratings:status-confirm", args=[submission_round.year])).status_code == 403
    assert not StatusAward.objects.exists()


def test_district_officers_and_curators_see_only_their_schools_in_the_lists(client):
    submission_round, schools = rated_round(4)
    for school in schools:
        StatusAwardFactory(school=school, year=2022)

    client.force_login(district_officer(schools[1].district))
    overview = client.get(reverse("ratings:status", args=[2022])).context["overview"]
    assert {row.school for group in overview.awards for row in group.schools} == {schools[1], schools[3]}

    client.force_login(CuratorFactory(school=schools[2]).user)
    page = client.get(reverse("ratings:status", args=[2022])).content.decode()
    assert schools[2].full_name in page and schools[0].full_name not in page


@pytest.mark.parametrize("n_schools", [10, 200])
def test_the_status_page_runs_the_same_queries_for_10_and_200_schools(client, n_schools, django_assert_max_num_queries):
    submission_round, schools = rated_round(n_schools)
    for school in schools:
        StatusAwardFactory(school=school, year=submission_round.year)
    client.force_login(administrator())

    # session, user, profile, groups, municipalities, years of awards / criteria / rounds, awards, deciding round,
    # eligible rows with scores, failures per criterion, criteria
    with django_assert_max_num_queries(13):
        response = client.get(reverse("ratings:status-list"))

    assert response.context["overview"].awards_count == n_schools


def test_unreviewed_answers_block_the_confirmation_and_the_page_lists_them_with_links(client):
    submission_round, schools = rated_round(4)
    closed(submission_round, accepted=False)
    client.force_login(administrator())

    page = client.get(reverse("ratings:status", args=[submission_round.year])).content.decode()

    submission = Submission.objects.get(round=submission_round, school=schools[2])
    assert "Статус присваивается только по проверенным анкетам" in page
    assert reverse("surveys:submission-review", args=[submission.pk]) in page
    assert "отправлена" in page
    assert 'disabled aria-describedby="confirm-title"' in page
    response = client.post(reverse("ratings:status-confirm", args=[submission_round.year]), follow=True)
    assert "только по принятым анкетам" in response.content.decode()
    assert not StatusAward.objects.exists()

    accept(submission)
    rating_recompute_round(round_id=submission_round.pk)  # the recompute the acceptance queued
    page = client.get(reverse("ratings:status", args=[submission_round.year])).content.decode()
    assert "принята" in page and "disabled" not in page.split("confirm-title")[1]
