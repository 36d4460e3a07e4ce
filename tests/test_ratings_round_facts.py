"""A round keeps its own facts of its schools (district, urban/rural, active): followed while the results are open,
frozen once they are fixed; one rule for inactive schools, applied by every figure of the round."""

import pytest

from ratings.models import IndicatorProgress, Rating, StatusEligibility
from ratings.services import rating_recompute_round
from schools.roles import Access
from surveys.models import RoundParticipant
from surveys.selectors import completeness_by_district, schools_awaiting_submission
from surveys.services import round_close

from .factories import DistrictFactory, regional
from .ratings_world import rated_round

pytestmark = pytest.mark.django_db


def methodologist_access() -> Access:
    return Access(regional())


def test_while_open_the_round_follows_a_school_that_moves_and_once_fixed_it_keeps_the_old_district():
    submission_round, schools = rated_round(6)
    mover = schools[0]
    new_district = DistrictFactory(municipality=mover.municipality, name="Новый район")

    mover.district = new_district
    mover.is_urban = False
    mover.save()
    rating_recompute_round(round_id=submission_round.pk, force=True)
    assert Rating.objects.get(round=submission_round, school=mover).district_id == new_district.pk
    assert RoundParticipant.objects.get(round=submission_round, school=mover).is_urban is False

    round_close(submission_round=submission_round)
    rating_recompute_round(round_id=submission_round.pk)
    fixed = list(Rating.objects.filter(round=submission_round).order_by("pk").values_list())
    old_district = mover.district_id
    mover.district = schools[1].district
    mover.is_urban = True
    mover.save()
    rating_recompute_round(round_id=submission_round.pk, force=True)

    assert list(Rating.objects.filter(round=submission_round).order_by("pk").values_list()) == fixed
    participant = RoundParticipant.objects.get(round=submission_round, school=mover)
    assert (participant.district_id, participant.is_urban) == (old_district, False)
    districts, _total = completeness_by_district(submission_round=submission_round, access=methodologist_access())
    assert "Новый район" in [d.name for d in districts]


def test_a_school_deactivated_mid_round_drops_out_of_every_figure_of_the_round():
    submission_round, schools = rated_round(6)
    closed_school = schools[0]  # submitted (every school but the last did)
    silent = schools[-1]  # did not submit: a reminder target until it closes
    assert Rating.objects.filter(round=submission_round, school=closed_school).exists()
    assert silent in schools_awaiting_submission(submission_round=submission_round)

    for school in (closed_school, silent):
        school.is_active = False
        school.save()
    rating_recompute_round(round_id=submission_round.pk, force=True)

    assert not Rating.objects.filter(round=submission_round, school__in=[closed_school, silent]).exists()
    assert not StatusEligibility.objects.filter(round=submission_round, school=closed_school).exists()
    assert Rating.objects.filter(round=submission_round).count() == 4
    assert sorted(Rating.objects.filter(round=submission_round).exclude(rank=None).values_list("rank", flat=True))[0] == 1
    assert IndicatorProgress.objects.get(round=submission_round, school__isnull=True).schools_with_data == 4
    _districts, total = completeness_by_district(submission_round=submission_round, access=methodologist_access())
    assert total.total == 4
    assert silent not in schools_awaiting_submission(submission_round=submission_round)
