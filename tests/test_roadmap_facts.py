"""Key results fulfilled by the portal's own data: rounds, ratings, status lists, curators and indicators (issue 16)."""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from indicators.models import Deadline, KeyResult, KeyResultEvidence, Roadmap
from indicators.selectors import roadmap_detail
from ratings.services import key_result_facts_refresh
from surveys.models import Submission, SubmissionRound
from surveys.services import round_reopen
from tests.factories import (
    CuratorFactory,
    DeadlineFactory,
    DirectionFactory,
    KeyResultFactory,
    ProcessEventFactory,
    StatusAwardFactory,
    methodologist,
)
from tests.ratings_world import rated_round

pytestmark = pytest.mark.django_db
Fact = KeyResult.Fact


def closed_round():
    """6 schools, 5 sent their form on time, ratings computed, then the round closed in the past."""
    submission_round, schools = rated_round(6, year=2025)
    tz = timezone.get_current_timezone()
    SubmissionRound.objects.filter(pk=submission_round.pk).update(
        state=SubmissionRound.State.CLOSED,
        opens_at=dt.datetime(2025, 3, 3, 9, tzinfo=tz),
        closes_at=dt.datetime(2025, 4, 18, 18, tzinfo=tz),
        results_fixed_at=dt.datetime(2025, 4, 21, 10, tzinfo=tz),
    )
    Submission.objects.filter(round=submission_round).update(submitted_at=dt.datetime(2025, 4, 1, 12, tzinfo=tz))
    submission_round.refresh_from_db()
    return submission_round, schools


def linked(roadmap, fact, number, **kwargs) -> KeyResult:
    kr = KeyResultFactory(direction=DirectionFactory(roadmap=roadmap), number=number, fact=fact, **kwargs)
    DeadlineFactory(key_result=kr, kind=Deadline.Kind.RECURRING, due_date=None, recurrence=Deadline.Recurrence.YEARLY)
    return kr


def evidence_of(kr: KeyResult) -> KeyResultEvidence:
    return KeyResultEvidence.objects.get(key_result=kr)


def roadmap_of(submission_round) -> Roadmap:
    return Roadmap.objects.filter(municipality=submission_round.municipality).first()


def test_questionnaire_rating_and_certification_are_fulfilled_by_a_closed_round():
    submission_round, _ = closed_round()
    roadmap = roadmap_of(submission_round)
    published = linked(roadmap, Fact.QUESTIONNAIRE_PUBLISHED, "1.2")
    rating = linked(roadmap, Fact.RATING_PUBLISHED, "1.4")
    checked = linked(roadmap, Fact.STATUS_CHECKED, "1.7")

    key_result_facts_refresh(municipality_id=submission_round.municipality_id)

    row = evidence_of(published)
    assert (row.year, row.status, row.happened_on) == (2025, "fulfilled", dt.date(2025, 3, 3))
    assert row.link == reverse("surveys:round-completeness", args=[submission_round.pk])
    row = evidence_of(rating)
    assert (row.status, row.counted, row.total, row.happened_on) == ("fulfilled", 5, 6, dt.date(2025, 4, 21))
    assert row.link == reverse("ratings:rating", args=[submission_round.pk])
    assert evidence_of(checked).status == "fulfilled"


def test_completeness_counts_forms_sent_by_the_deadline_against_the_share():
    submission_round, schools = closed_round()
    roadmap = roadmap_of(submission_round)
    everyone = linked(roadmap, Fact.ROUND_COMPLETENESS, "1.3")
    most = linked(roadmap, Fact.ROUND_COMPLETENESS, "1.3а", fact_share=Decimal(80))
    late = Submission.objects.filter(round=submission_round).first()
    Submission.objects.filter(pk=late.pk).update(submitted_at=submission_round.closes_at + dt.timedelta(hours=1))

    key_result_facts_refresh(municipality_id=submission_round.municipality_id)

    row = evidence_of(everyone)
    assert (row.status, row.counted, row.total) == ("missed", 4, 6)  # the round is over: 4 of 6 on time
    assert "4 из 6 школ к сроку 18.04.2025" in row.summary and "всего отправлено 5" in row.summary
    assert evidence_of(most).status == "missed"  # 4 of 6 is 66.7 % < 80 %
    Submission.objects.filter(pk=late.pk).update(submitted_at=submission_round.closes_at)
    key_result_facts_refresh(municipality_id=submission_round.municipality_id)
    assert evidence_of(most).status == "fulfilled"  # 5 of 6 = 83 %


def test_curators_count_only_with_an_order_dated_by_the_deadline():
    submission_round, schools = closed_round()
    kr = linked(roadmap_of(submission_round), Fact.CURATORS_APPOINTED, "1.5")
    for school in schools[:5]:
        CuratorFactory(school=school, order_number="12-о", order_date=dt.date(2024, 9, 2))
    CuratorFactory(school=schools[5], order_number="", order_date=None)  # appointed, but no order recorded

    key_result_facts_refresh(municipality_id=submission_round.municipality_id)
    assert (evidence_of(kr).status, evidence_of(kr).counted, evidence_of(kr).total) == ("missed", 5, 6)

    schools[5].curators.update(order_number="7", order_date=dt.date(2025, 4, 1))
    key_result_facts_refresh(municipality_id=submission_round.municipality_id)
    assert evidence_of(kr).status == "fulfilled"


def test_status_list_confirmed_is_fulfilled_by_an_award_of_the_year():
    submission_round, schools = closed_round()
    kr = linked(roadmap_of(submission_round), Fact.STATUS_CONFIRMED, "1.8")
    key_result_facts_refresh(municipality_id=submission_round.municipality_id)
    assert evidence_of(kr).status == "missed"
    StatusAwardFactory(municipality=submission_round.municipality, year=2025, school=schools[0], round=submission_round)
    StatusAwardFactory(municipality=submission_round.municipality, year=2024, school=schools[1])  # another year counts for nothing
    key_result_facts_refresh(municipality_id=submission_round.municipality_id)
    row = evidence_of(kr)
    assert (row.status, row.counted) == ("fulfilled", 1)
    assert row.link == reverse("ratings:status", args=[2025])


def test_indicator_verdict_is_taken_at_the_key_results_deadline():
    submission_round, _ = closed_round()
    roadmap = roadmap_of(submission_round)
    indicator = roadmap.indicators.get(code="ROS-SPEED")
    direction = DirectionFactory(roadmap=roadmap)
    verdict = {"kind": "final", "fact": Fact.INDICATOR_VERDICT, "indicator": indicator}
    early = KeyResultFactory(direction=direction, target_value=Decimal(40), **verdict)
    DeadlineFactory(key_result=early, due_date=dt.date(2023, 5, 31))
    after = KeyResultFactory(direction=direction, target_value=Decimal(40), **verdict)
    DeadlineFactory(key_result=after, due_date=dt.date(2025, 12, 31))
    high = KeyResultFactory(direction=direction, target_value=Decimal(90), **verdict)
    DeadlineFactory(key_result=high, due_date=dt.date(2025, 5, 31))

    key_result_facts_refresh(municipality_id=submission_round.municipality_id)

    assert (evidence_of(early).status, evidence_of(early).year) == ("no_data", 2023)  # no round closed by 31.05.2023
    actual = submission_round.indicator_progress.get(indicator=indicator, school__isnull=True).actual
    assert actual == 40  # 2 of 5 schools at 100 Mbit/s (rural: 50)
    assert evidence_of(after).status == "fulfilled"
    assert f"Факт {actual.normalize():f}".replace(".", ",") in evidence_of(after).summary
    assert evidence_of(high).status == "missed"


def test_the_state_of_a_fact_linked_result_is_its_latest_year_and_portal_years_count_as_events():
    submission_round, _ = closed_round()
    roadmap = roadmap_of(submission_round)
    kr = linked(roadmap, Fact.ROUND_COMPLETENESS, "1.3")
    ProcessEventFactory(key_result=kr, date=dt.date(2022, 3, 1))
    Submission.objects.filter(round=submission_round).update(submitted_at=submission_round.opens_at)
    # Every participant sent on time: 6 of 6 after the last one is added.
    last = submission_round.schools.exclude(pk__in=Submission.objects.filter(round=submission_round).values("school_id")).get()
    Submission.objects.create(round=submission_round, school=last, state="accepted", submitted_at=submission_round.opens_at)
    key_result_facts_refresh(municipality_id=submission_round.municipality_id)

    detail = roadmap_detail(roadmap, dt.date(2026, 1, 10))
    row = next(r for b in detail.directions for r in b.rows if r.key_result.pk == kr.pk)
    assert row.state.label == "выполнен"
    assert row.note.startswith("2025: выполнен — Анкеты отправили 6 из 6 школ")
    assert row.held == 2  # one event recorded by a methodologist + the year 2025 fulfilled by the portal


def test_refresh_is_safe_to_run_twice_and_runs_after_a_recompute(django_capture_on_commit_callbacks):
    submission_round, _ = closed_round()
    kr = linked(roadmap_of(submission_round), Fact.RATING_PUBLISHED, "1.4")
    assert key_result_facts_refresh() == 1
    assert key_result_facts_refresh() == 1
    assert KeyResultEvidence.objects.filter(key_result=kr).count() == 1

    from ratings.tasks import recompute_round

    # A recompute of an open round (a closed one is fixed and never recomputed) refreshes the evidence.
    KeyResultEvidence.objects.all().delete()
    round_reopen(submission_round=submission_round, closes_at=timezone.now() + dt.timedelta(days=7), reason="Школы досдают анкеты")
    recompute_round(submission_round.pk)
    assert KeyResultEvidence.objects.get(key_result=kr).status == "pending"  # the round is open again: the rating is preliminary


def test_key_result_page_shows_the_evidence_with_its_link(client):
    submission_round, _ = closed_round()
    kr = linked(roadmap_of(submission_round), Fact.RATING_PUBLISHED, "1.4")
    key_result_facts_refresh()
    client.force_login(methodologist())
    page = client.get(reverse("indicators:keyresult-detail", args=[kr.pk])).content.decode()
    assert "По данным портала: рейтинг готовности по итогам раунда сформирован" in page
    assert reverse("ratings:rating", args=[submission_round.pk]) in page
    assert "Рейтинг сформирован: 5 школ из 6" in page
    roadmap_page = client.get(reverse("indicators:roadmap-detail", args=[kr.roadmap_id])).content.decode()
    assert "2025: выполнен" in roadmap_page and "по данным портала" in roadmap_page


def test_roadmap_page_query_count_does_not_grow_with_evidence(client, django_assert_max_num_queries):
    submission_round, _ = closed_round()
    roadmap = roadmap_of(submission_round)
    for n in range(10):
        linked(roadmap, Fact.RATING_PUBLISHED, f"1.{n}")
    key_result_facts_refresh()
    client.force_login(methodologist())
    # session, user, profile, groups, roadmap, progress, key results, deadlines, evidence, directions, indicators, targets, activities,
    # next periods (the roadmap has ended)
    with django_assert_max_num_queries(14):
        assert client.get(reverse("indicators:roadmap-detail", args=[roadmap.pk])).status_code == 200
