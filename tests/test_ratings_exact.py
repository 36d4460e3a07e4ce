"""Exact arithmetic: points summed exactly, the score rounded once (half up, one decimal); level, rank and
eligibility follow the score the user sees. The recipe of issue 12, «What is wrong», item 1."""

from decimal import Decimal

import pytest

from ratings.models import Rating, SectionScore, StatusEligibility
from ratings.services import rating_recompute_round

from .factories import SchoolFactory, StatusCriteriaFactory
from .ratings_world import scored_round, submit_answers

pytestmark = pytest.mark.django_db

# Exact points 79.945 of 100: administration «54,9» gives 5 × 54.9 / 100 = 2.745.
RECIPE = {
    "internet_speed": 100,
    "channel_meets_requirements": True,
    "connection_contract_next_year": True,
    "equipment_kit": "standard",
    "kit_workstations": 10,
    "kit_workstations_fast": 10,
    "teachers_ready_share": 60,
    "admin_ready_share": "54.9",
    "platforms_used": "sferum|moya_shkola",
    "ris_content_share": 4,
    "ris_active_users_share": 30,
    "best_practice": "current",
    "ecosystem_member": True,
    "parents_consultation": True,
    "certification_request": True,
}


def test_a_school_with_exact_points_79_945_scores_79_9_medium_and_not_eligible():
    school = SchoolFactory()
    submission_round = scored_round(schools=[school])
    StatusCriteriaFactory(municipality=submission_round.municipality, year=submission_round.year, min_score=80, min_teacher_share=60)
    submit_answers(submission_round, {school: RECIPE})
    rating_recompute_round(round_id=submission_round.pk)

    rating = Rating.objects.get(round=submission_round, school=school)
    assert rating.score == Decimal("79.9"), rating.score
    assert rating.points == Decimal("79.945")
    assert rating.possible == Decimal(100)
    assert rating.score == Decimal("79.9")
    assert rating.level == Rating.Level.MEDIUM
    eligibility = StatusEligibility.objects.get(round=submission_round, school=school)
    assert not eligibility.ok_score
    assert not eligibility.eligible
    # The sections add up to the total exactly.
    assert sum(SectionScore.objects.filter(round=submission_round, school=school).values_list("points", flat=True)) == Decimal("79.945")
