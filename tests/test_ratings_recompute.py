"""The recompute of a round: ranks with ties, district ranks, «нет данных», change since the previous round,
idempotence, the submission states that count, staleness bookkeeping and a query count that does not grow."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from ratings.models import IndicatorProgress, Rating, SectionScore, StatusEligibility
from ratings.services import rating_recompute_round
from surveys.models import RoundParticipant, Submission, SubmissionRound
from surveys.services import round_close

from .factories import DistrictFactory, IndicatorFactory, IndicatorTargetFactory, SchoolFactory, StatusCriteriaFactory
from .ratings_world import FULL_MARKS, NO_MARKS, return_to_curator, scored_questionnaire, scored_round, submit_again, submit_answers, world_administrator

pytestmark = pytest.mark.django_db


def speed(mbps) -> dict:
    """Answers worth mbps / 100 × 20 points of 100 (every other answer worth nothing): the score equals mbps / 5."""
    return {**NO_MARKS, "internet_speed": mbps}


def ratings_of(submission_round) -> dict:
    return {r.school_id: r for r in Rating.objects.filter(round=submission_round)}


def test_tied_scores_share_a_rank_and_the_next_rank_is_skipped():
    schools = SchoolFactory.create_batch(5)
    submission_round = scored_round(schools=schools)
    submit_answers(submission_round, {schools[0]: speed(100), schools[1]: speed(50), schools[2]: speed(50), schools[3]: speed(25), schools[4]: speed(0)})
    rating_recompute_round(round_id=submission_round.pk)

    ratings = ratings_of(submission_round)
    assert [ratings[s.pk].rank for s in schools] == [1, 2, 2, 4, 5]
    assert [ratings[s.pk].score for s in schools] == [Decimal(20), Decimal(10), Decimal(10), Decimal(5), Decimal(0)]


def test_district_ranks_are_counted_within_each_district_with_ties():
    north, south = DistrictFactory(name="Северный"), DistrictFactory(name="Южный")
    n1, n2, n3 = SchoolFactory.create_batch(3, district=north)
    s1, s2 = SchoolFactory.create_batch(2, district=south)
    submission_round = scored_round(schools=[n1, n2, n3, s1, s2])
    submit_answers(submission_round, {n1: speed(40), n2: speed(40), n3: speed(90), s1: speed(60), s2: speed(10)})
    rating_recompute_round(round_id=submission_round.pk)

    ratings = ratings_of(submission_round)
    assert [(ratings[s.pk].rank, ratings[s.pk].district_rank) for s in (n3, s1, n1, n2, s2)] == [(1, 1), (2, 1), (3, 2), (3, 2), (5, 2)]
    assert ratings[n1.pk].district_id == north.pk


def test_participants_without_a_counted_submission_are_listed_as_no_data_and_not_ranked():
    sent, draft, returned, silent = SchoolFactory.create_batch(4)
    submission_round = scored_round(schools=[sent, draft, returned, silent])
    submit_answers(submission_round, {sent: speed(10)})
    submit_answers(submission_round, {draft: FULL_MARKS}, state=Submission.State.DRAFT)
    submit_answers(submission_round, {returned: FULL_MARKS}, state=Submission.State.RETURNED)
    rating_recompute_round(round_id=submission_round.pk)

    ratings = ratings_of(submission_round)
    assert ratings[sent.pk].rank == 1
    for school in (draft, returned, silent):
        row = ratings[school.pk]
        assert (row.level, row.score, row.rank, row.district_rank, row.points, row.submission_id) == ("none", None, None, None, None, None)
    assert SectionScore.objects.filter(round=submission_round).values("school").distinct().count() == 1


def test_an_accepted_submission_counts_like_a_submitted_one_and_only_the_round_s_participants_are_rated():
    listed, outsider = SchoolFactory.create_batch(2)
    submission_round = scored_round(schools=[listed, outsider])
    submit_answers(submission_round, {listed: speed(50)}, state=Submission.State.ACCEPTED)
    submit_answers(submission_round, {outsider: speed(100)})
    # A form left behind by a school that is no longer the round's (the services refuse forms of non-participants, so
    # only such a leftover row can hold one): the recompute does not rate it either.
    RoundParticipant.objects.filter(round=submission_round, school=outsider).delete()
    rating_recompute_round(round_id=submission_round.pk)

    ratings = ratings_of(submission_round)
    # The round's participants are its one definition of who takes part (surveys.participants).
    assert ratings[listed.pk].rank == 1 and outsider.pk not in ratings


def test_a_returned_submission_drops_out_and_comes_back_when_sent_again():
    first, second = SchoolFactory.create_batch(2)
    submission_round = scored_round(schools=[first, second])
    submission, _ = submit_answers(submission_round, {first: speed(100), second: speed(50)})
    rating_recompute_round(round_id=submission_round.pk)
    assert ratings_of(submission_round)[second.pk].rank == 2

    return_to_curator(submission)
    rating_recompute_round(round_id=submission_round.pk)
    ratings = ratings_of(submission_round)
    assert (ratings[first.pk].level, ratings[second.pk].rank) == ("none", 1)

    submit_again(submission)
    rating_recompute_round(round_id=submission_round.pk)
    ratings = ratings_of(submission_round)
    assert (ratings[first.pk].rank, ratings[first.pk].score, ratings[second.pk].rank) == (1, Decimal(20), 2)


def test_change_since_the_previous_round_is_taken_from_its_ratings():
    up, down, new = SchoolFactory.create_batch(3)
    questionnaire = scored_questionnaire()
    # Opened 400 days ago; its forms came in while it was open, then an administrator closed it and its results were fixed.
    earlier = scored_round(schools=[up, down], questionnaire=questionnaire, opens_at=timezone.now() - dt.timedelta(days=400))
    submit_answers(earlier, {up: speed(20), down: speed(90)})
    round_close(submission_round=earlier, user=world_administrator(earlier.municipality))
    rating_recompute_round(round_id=earlier.pk)
    later = scored_round(schools=[up, down, new], questionnaire=questionnaire)  # no explicit `previous`: the latest earlier round
    submit_answers(later, {up: speed(95), down: speed(60), new: speed(10)})
    rating_recompute_round(round_id=later.pk)

    ratings = ratings_of(later)
    assert (ratings[up.pk].score_change, ratings[up.pk].rank_change) == (Decimal(15), 1)
    assert (ratings[down.pk].score_change, ratings[down.pk].rank_change) == (Decimal(-6), -1)
    assert (ratings[new.pk].prev_score, ratings[new.pk].score_change) == (None, None)


def _rows(model, submission_round, *fields):
    return sorted(model.objects.filter(round=submission_round).values_list(*fields))


def test_running_the_recompute_twice_gives_identical_rows():
    schools = SchoolFactory.create_batch(6)
    submission_round = scored_round(schools=schools)
    StatusCriteriaFactory(municipality=submission_round.municipality, year=submission_round.year)
    IndicatorTargetFactory(
        indicator=IndicatorFactory(roadmap__municipality=submission_round.municipality, question_code="internet_speed", aggregation="share", threshold_urban=50)
    )
    submit_answers(submission_round, {s: {**FULL_MARKS, "internet_speed": 20 * n} for n, s in enumerate(schools[:5])})
    tables = [
        (Rating, ("school", "district", "submission", "points", "possible", "score", "rank", "district_rank", "level", "prev_score", "prev_rank")),
        (SectionScore, ("school", "section", "points", "possible")),
        (StatusEligibility, ("school", "eligible", "ok_score", "ok_speed", "ok_kit", "ok_contract", "ok_teachers", "ok_certification")),
        (IndicatorProgress, ("indicator", "school", "actual", "schools_with_data", "schools_meeting", "target_value", "target_due", "verdict")),
    ]

    rating_recompute_round(round_id=submission_round.pk)
    first = [_rows(model, submission_round, *fields) for model, fields in tables]
    again = rating_recompute_round(round_id=submission_round.pk, force=True)
    second = [_rows(model, submission_round, *fields) for model, fields in tables]

    assert again.computed
    assert first == second
    assert [len(rows) for rows in first] == [6, 5 * 5, 5, 1]


def test_a_recompute_writes_only_the_rows_that_changed():
    schools = SchoolFactory.create_batch(3)
    submission_round = scored_round(schools=schools)
    submit_answers(submission_round, {schools[0]: speed(100), schools[1]: speed(50), schools[2]: speed(20)})
    first = rating_recompute_round(round_id=submission_round.pk)
    assert (first.section_scores, first.ratings) == (3 * 5, 3)

    # The third school's form comes back for rework; its curator corrects the speed and sends it again.
    return_to_curator(Submission.objects.get(round=submission_round, school=schools[2]))
    submit_answers(submission_round, {schools[2]: speed(60)})
    second = rating_recompute_round(round_id=submission_round.pk, force=True)

    # One section of one school; that school's score and rank and the rank of the school it overtook.
    assert (second.section_scores, second.ratings) == (1, 2)
    assert [ratings_of(submission_round)[s.pk].rank for s in schools] == [1, 3, 2]


def test_the_recompute_records_what_it_saw_and_does_nothing_when_results_are_current():
    school = SchoolFactory()
    submission_round = scored_round(schools=[school])
    submit_answers(submission_round, {school: speed(10)})
    submission_round.refresh_from_db()
    assert submission_round.results_stale

    result = rating_recompute_round(round_id=submission_round.pk)
    submission_round.refresh_from_db()
    assert (result.computed, result.ratings, submission_round.computed_seq, submission_round.results_stale) == (True, 1, 1, False)
    assert submission_round.computed_at is not None

    assert rating_recompute_round(round_id=submission_round.pk).computed is False


def test_the_recompute_clears_the_queued_mark_so_later_changes_queue_a_new_one():
    school = SchoolFactory()
    submission_round = scored_round(schools=[school], recompute_queued_at=timezone.now())
    submit_answers(submission_round, {school: speed(10)})

    rating_recompute_round(round_id=submission_round.pk)

    assert SubmissionRound.objects.get(pk=submission_round.pk).recompute_queued_at is None


def test_a_round_without_scoring_rules_lists_every_school_without_a_score():
    school = SchoolFactory()
    submission_round = scored_round(schools=[school], questionnaire=scored_questionnaire(rules={}))
    submit_answers(submission_round, {school: speed(10)})

    rating_recompute_round(round_id=submission_round.pk)

    assert Rating.objects.get(round=submission_round).level == "none"


def test_a_deleted_round_is_nothing_to_recompute():
    assert rating_recompute_round(round_id=987654) is None


def _round_with(n_schools: int) -> SubmissionRound:
    districts = DistrictFactory.create_batch(3)
    schools = [SchoolFactory(district=districts[n % 3], is_urban=n % 4 != 0) for n in range(n_schools)]
    submission_round = scored_round(schools=schools)
    StatusCriteriaFactory(municipality=submission_round.municipality, year=submission_round.year)
    for code in ("internet_speed", "equipment_kit", "teachers_ready_share"):
        IndicatorTargetFactory(indicator=IndicatorFactory(roadmap__municipality=submission_round.municipality, question_code=code, aggregation="mean"))
    submit_answers(submission_round, {s: {**FULL_MARKS, "internet_speed": n % 150} for n, s in enumerate(schools[: n_schools - 2])})
    return submission_round


@pytest.mark.parametrize("n_schools", [10, 200])
def test_the_recompute_runs_the_same_number_of_queries_for_10_and_200_schools(n_schools, django_assert_max_num_queries):
    submission_round = _round_with(n_schools)

    # clear the queued mark, savepoint, serialize (PostgreSQL: advisory lock; SQLite: write lock), read the round,
    # its scheme, its criteria, the previous round; delete eligibility, ratings, section scores, progress; insert
    # section scores, ratings; kit options; insert eligibility; delete and insert the districts' counts of participants
    # and sent forms, delete and insert the district summaries; the indicators, their answers grouped, their targets,
    # insert progress; record the seq; release the savepoint; and the participants whose school changed since (none).
    with django_assert_max_num_queries(26):
        result = rating_recompute_round(round_id=submission_round.pk)

    assert result.ratings == n_schools
    assert result.eligibility == n_schools - 2
    assert result.indicator_progress == 3
