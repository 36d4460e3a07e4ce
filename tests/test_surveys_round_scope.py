"""Which rounds a user may see: one selector (`surveys.selectors.rounds_for`) behind the list, completeness and reminders."""

import pytest
from django.urls import reverse

from surveys.models import SubmissionRound
from tests.factories import (
    DistrictFactory,
    MunicipalityFactory,
    SchoolFactory,
    SubmissionRoundFactory,
    administrator,
    district_officer,
    join_round,
    methodologist,
    regional,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    home = MunicipalityFactory(name="Ростов-на-Дону")
    other = MunicipalityFactory(name="Муромский район")
    home_district = DistrictFactory(municipality=home, name="Первомайский")
    other_district = DistrictFactory(municipality=other, name="Ковардицкий")
    home_round = SubmissionRoundFactory(municipality=home, title="Мониторинг Ростова")
    join_round(home_round, [SchoolFactory(district=home_district)])
    other_round = SubmissionRoundFactory(municipality=other, title="Мониторинг Мурома")
    join_round(other_round, [SchoolFactory(district=other_district)])
    draft_round = SubmissionRoundFactory(municipality=home, title="Черновик раунда", state=SubmissionRound.State.DRAFT)
    join_round(draft_round, home_round.schools.all())
    return {"home_district": home_district, "home": home_round, "other": other_round, "draft": draft_round}


def test_district_officer_cannot_open_completeness_of_a_round_without_their_schools(client, world):
    client.force_login(district_officer(world["home_district"]))
    assert client.get(reverse("surveys:round-completeness", args=[world["home"].pk])).status_code == 200
    assert client.get(reverse("surveys:round-completeness", args=[world["other"].pk])).status_code == 404
    assert client.post(reverse("surveys:round-remind", args=[world["other"].pk]), {"target": "all"}).status_code == 404


def test_round_list_of_a_district_officer_names_only_their_opened_rounds(client, world):
    client.force_login(district_officer(world["home_district"]))
    page = client.get(reverse("surveys:round-list")).content.decode()
    assert "Мониторинг Ростова" in page
    assert "Мониторинг Мурома" not in page
    assert "Черновик раунда" not in page


def test_draft_round_is_seen_by_the_administrator_only(client, world):
    client.force_login(methodologist())
    assert client.get(reverse("surveys:round-completeness", args=[world["draft"].pk])).status_code == 404
    client.force_login(administrator())
    assert client.get(reverse("surveys:round-completeness", args=[world["draft"].pk])).status_code == 200


def test_municipal_roles_see_their_municipality_and_the_regional_role_sees_all(client, world):
    home = world["home"].municipality
    for user in (methodologist(municipality=home), administrator(municipality=home)):
        client.force_login(user)
        page = client.get(reverse("surveys:round-list")).content.decode()
        assert "Мониторинг Ростова" in page and "Мониторинг Мурома" not in page
        assert client.get(reverse("surveys:round-completeness", args=[world["other"].pk])).status_code == 404
    client.force_login(regional())
    page = client.get(reverse("surveys:round-list")).content.decode()
    assert "Мониторинг Ростова" in page and "Мониторинг Мурома" in page
    assert client.get(reverse("surveys:round-completeness", args=[world["other"].pk])).status_code == 200
