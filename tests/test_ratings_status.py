"""Status «Цифровая школа»: each criterion on its own, urban and rural speed thresholds, and confirming the year's list."""

from decimal import Decimal

import pytest

from ratings.models import Rating, StatusAward, StatusEligibility
from ratings.services import StatusConfirmError, criteria_results_invalidate, rating_recompute_round, status_awards_confirm
from surveys.models import Submission, SubmissionRound
from surveys.services import round_close

from .factories import SchoolFactory, StatusCriteriaFactory, administrator
from .ratings_world import FULL_MARKS, accept, scored_questionnaire, scored_round, submit_answers, unanswered, world_administrator

pytestmark = pytest.mark.django_db

CRITERIA = ("ok_score", "ok_speed", "ok_kit", "ok_contract", "ok_teachers", "ok_certification")
# 100 − (3 + 5 + 2 + 5 + 5 + 5) = 75: below the minimum score, every other criterion met.
LOW_SCORE = {
    "ecosystem_member": False,
    "best_practice": "none",
    "parents_consultation": False,
    "platforms_used": "",
    "ris_content_share": 0,
    "ris_active_users_share": 0,
}


def eligibility_for(answers: dict, *, is_urban: bool = True, **criteria) -> StatusEligibility:
    school = SchoolFactory(is_urban=is_urban)
    # A question left unanswered (None) is one this questionnaire does not require: a required one cannot be sent empty.
    submission_round = scored_round(schools=[school], questionnaire=scored_questionnaire(optional=unanswered(answers)))
    StatusCriteriaFactory(municipality=school.municipality, year=submission_round.year, **criteria)
    submit_answers(submission_round, {school: answers})
    rating_recompute_round(round_id=submission_round.pk)
    return StatusEligibility.objects.get(round=submission_round, school=school)


def failed(row: StatusEligibility) -> list[str]:
    return [name for name in CRITERIA if not getattr(row, name)]


def test_a_school_meeting_every_criterion_is_eligible():
    row = eligibility_for(FULL_MARKS)
    assert (row.eligible, failed(row)) == (True, [])


@pytest.mark.parametrize(
    ("change", "criterion"),
    [
        (LOW_SCORE, "ok_score"),
        ({"internet_speed": "99.9"}, "ok_speed"),
        ({"internet_speed": None}, "ok_speed"),
        ({"equipment_kit": "none"}, "ok_kit"),
        ({"equipment_kit": None}, "ok_kit"),
        ({"connection_contract_next_year": False}, "ok_contract"),
        ({"teachers_ready_share": "59.9"}, "ok_teachers"),
        ({"certification_request": False}, "ok_certification"),
        ({"certification_request": None}, "ok_certification"),
    ],
)
def test_each_failed_criterion_is_named_on_its_own(change, criterion):
    row = eligibility_for({**FULL_MARKS, **change})
    assert (row.eligible, failed(row)) == (False, [criterion])


def test_criteria_are_met_exactly_at_their_thresholds():
    row = eligibility_for({**FULL_MARKS, "equipment_kit": "minimal", "teachers_ready_share": 60, "internet_speed": 100, "parents_consultation": False})
    assert (row.eligible, failed(row)) == (True, [])


@pytest.mark.parametrize(("is_urban", "mbps", "ok"), [(True, 100, True), (True, 99, False), (False, 50, True), (False, "49.9", False), (False, 100, True)])
def test_the_speed_threshold_is_100_for_urban_and_50_for_rural_schools(is_urban, mbps, ok):
    row = eligibility_for({**FULL_MARKS, "internet_speed": mbps}, is_urban=is_urban, min_score=Decimal(0))
    assert row.ok_speed is ok


def test_criteria_that_do_not_require_a_contract_certification_or_kit_let_those_answers_be_anything():
    relaxed = eligibility_for(
        {**FULL_MARKS, "connection_contract_next_year": False, "certification_request": False, "equipment_kit": "none"},
        require_contract=False,
        require_certification_request=False,
        min_kit="none",
        min_score=Decimal(70),
    )
    assert (relaxed.eligible, failed(relaxed)) == (True, [])


def test_a_standard_kit_requirement_fails_a_minimal_kit():
    strict = eligibility_for({**FULL_MARKS, "equipment_kit": "minimal"}, min_kit="standard")
    assert failed(strict) == ["ok_kit"]


def test_without_criteria_for_the_year_nobody_is_checked_and_unrated_schools_are_never_checked():
    school, silent = SchoolFactory.create_batch(2)
    submission_round = scored_round(schools=[school, silent])
    submit_answers(submission_round, {school: FULL_MARKS})
    rating_recompute_round(round_id=submission_round.pk)
    assert not StatusEligibility.objects.exists()

    StatusCriteriaFactory(municipality=school.municipality, year=submission_round.year)
    assert criteria_results_invalidate(municipality_id=school.municipality_id, year=submission_round.year) == [submission_round.pk]
    rating_recompute_round(round_id=submission_round.pk)
    assert list(StatusEligibility.objects.values_list("school_id", "eligible")) == [(school.pk, True)]


def closed_round_with(answers_by_school: dict, *, unreviewed=()) -> SubmissionRound:
    """Every school sends its form, a methodologist accepts all but `unreviewed`, an administrator closes the round
    (as its page does: without fixing the results, so review can go on) and the recompute the close queued runs."""
    schools = list(answers_by_school)
    submission_round = scored_round(schools=schools)
    StatusCriteriaFactory(municipality=schools[0].municipality, year=submission_round.year)
    for submission in submit_answers(submission_round, answers_by_school):
        if submission.school not in unreviewed:
            accept(submission)
    round_close(submission_round=submission_round, user=world_administrator(submission_round.municipality), fix=False)
    rating_recompute_round(round_id=submission_round.pk)
    return submission_round


def test_confirming_the_list_awards_every_eligible_school_for_the_year():
    good, better, weak = SchoolFactory.create_batch(3)
    submission_round = closed_round_with({good: FULL_MARKS, better: FULL_MARKS, weak: {**FULL_MARKS, "internet_speed": 10}})
    admin = administrator()

    awards = status_awards_confirm(municipality_id=good.municipality_id, year=submission_round.year, user=admin, order_reference="Приказ № УОПР-500")

    assert {a.school_id for a in awards} == {good.pk, better.pk}
    award = StatusAward.objects.get(school=good)
    assert (award.year, award.round_id, award.confirmed_by, award.order_reference) == (submission_round.year, submission_round.pk, admin, "Приказ № УОПР-500")


def test_confirmed_awards_are_permanent_and_confirming_again_adds_only_new_schools():
    first, later = SchoolFactory.create_batch(2)
    submission_round = closed_round_with({first: FULL_MARKS, later: {**FULL_MARKS, "certification_request": False}})
    status_awards_confirm(municipality_id=first.municipality_id, year=submission_round.year, user=administrator())
    with pytest.raises(StatusConfirmError, match="Новых школ"):
        status_awards_confirm(municipality_id=first.municipality_id, year=submission_round.year, user=administrator())

    StatusEligibility.objects.filter(school=later).update(eligible=True)
    StatusEligibility.objects.filter(school=first).update(eligible=False)
    added = status_awards_confirm(municipality_id=first.municipality_id, year=submission_round.year, user=administrator())

    assert [a.school_id for a in added] == [later.pk]
    assert set(StatusAward.objects.values_list("school_id", flat=True)) == {first.pk, later.pk}


def test_the_list_is_confirmed_only_after_the_round_closes_and_its_results_are_current():
    school = SchoolFactory()
    open_round = scored_round(schools=[school])
    StatusCriteriaFactory(municipality=school.municipality, year=open_round.year)
    submit_answers(open_round, {school: FULL_MARKS})
    rating_recompute_round(round_id=open_round.pk)
    with pytest.raises(StatusConfirmError, match="ещё не закрыт"):
        status_awards_confirm(municipality_id=school.municipality_id, year=open_round.year, user=administrator())

    round_close(submission_round=open_round, user=world_administrator(open_round.municipality), fix=False)  # queues a recompute, not run yet
    with pytest.raises(StatusConfirmError, match="пересчитываются"):
        status_awards_confirm(municipality_id=school.municipality_id, year=open_round.year, user=administrator())
    with pytest.raises(StatusConfirmError, match="не было раунда"):
        status_awards_confirm(municipality_id=school.municipality_id, year=2019, user=administrator())
    assert not StatusAward.objects.exists()


def test_the_status_is_awarded_only_from_accepted_answers_and_each_award_keeps_its_basis():
    reviewed, waiting = SchoolFactory.create_batch(2)
    submission_round = closed_round_with({reviewed: FULL_MARKS, waiting: FULL_MARKS}, unreviewed=[waiting])

    with pytest.raises(StatusConfirmError, match=f"только по принятым анкетам.*{waiting.full_name}"):
        status_awards_confirm(municipality_id=reviewed.municipality_id, year=submission_round.year, user=administrator())
    assert not StatusAward.objects.exists()

    accepted = accept(Submission.objects.get(round=submission_round, school=waiting))
    rating_recompute_round(round_id=submission_round.pk)  # the recompute the acceptance queued
    status_awards_confirm(municipality_id=reviewed.municipality_id, year=submission_round.year, user=administrator())

    basis = StatusAward.objects.get(school=waiting).basis
    rating = Rating.objects.get(round=submission_round, school=waiting)
    assert basis["rating"]["score"] == str(rating.score) and basis["rating"]["level"] == rating.level
    assert basis["criteria"]["min_score"] == "80.0"
    assert basis["checks"] == dict.fromkeys(CRITERIA, True)
    # Versions of the form: created and saved by the curator (1, 2), sent (3), accepted (4).
    assert (basis["submission"]["state"], basis["submission"]["version"]) == ("accepted", accepted.version) == ("accepted", 4)
    assert basis["answers"]["internet_speed"]["value"].startswith("100")
    assert basis["round"]["id"] == submission_round.pk
