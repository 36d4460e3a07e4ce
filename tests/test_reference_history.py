"""History of reference data: who changed a school, a curator, a rule, a criterion, an indicator or a round, when,
and what it was before — in the admin and on the school card."""

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from ratings.models import StatusCriteria
from schools.models import School
from schools.selectors import school_changes
from surveys.models import SubmissionRound

from .factories import CuratorFactory, SchoolFactory, StatusCriteriaFactory, SubmissionRoundFactory
from .security_world import build_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    admin = get_user_model().objects.create_superuser("glavnyj", password="Dlinnyj-parol-1", first_name="Ольга", last_name="Петрова")
    client.force_login(admin)
    return client


def test_an_admin_edit_of_status_criteria_keeps_who_when_and_the_value_before(admin_client):
    criteria = StatusCriteriaFactory(year=2027)
    url = reverse("admin:ratings_statuscriteria_change", args=[criteria.pk])
    data = {
        "municipality": criteria.municipality_id,
        "year": 2027,
        "min_score": "75.0",
        "speed_urban": "100",
        "speed_rural": "50",
        "min_kit": "minimal",
        "require_contract": "on",
        "min_teacher_share": "60",
        "require_certification_request": "on",
    }

    response = admin_client.post(url, data)

    assert response.status_code == 302, response.content.decode()[:2000]
    latest = StatusCriteria.history.filter(id=criteria.pk).latest("history_date")
    assert latest.history_user.username == "glavnyj" and latest.min_score == 75
    page = admin_client.get(reverse("admin:ratings_statuscriteria_history", args=[criteria.pk])).content.decode()
    assert "Рейтинг не ниже:</strong> 80,0&nbsp;&rarr;&nbsp;75,0" in page or "Рейтинг не ниже:</strong> 80.0&nbsp;&rarr;&nbsp;75.0" in page
    assert "Ольга Петрова" in page


def test_the_school_card_lists_changes_of_the_school_and_its_curator_to_reviewers_only(client):
    world = build_world()
    school = world.schools["own"]
    school.is_urban = False
    school.save()
    curator = school.curators.get(is_active=True)
    curator.phone = "+7 863 000-00-00"
    curator.save()

    client.force_login(world.users["methodologist"])
    page = client.get(reverse("reports:school-card", args=[school.pk])).content.decode()
    assert "История изменений школы и её кураторов" in page
    assert "Городская: да → нет" in page
    assert "+7 863 000-00-00" in page

    client.force_login(world.users["curator"])
    assert "История изменений" not in client.get(reverse("reports:school-card", args=[school.pk])).content.decode()


def test_school_changes_reads_in_a_fixed_number_of_queries(django_assert_max_num_queries):
    school = SchoolFactory()
    CuratorFactory(school=school)
    for number in range(10):
        s = School.objects.get(pk=school.pk)
        s.students_count = 100 + number
        s.save()

    with django_assert_max_num_queries(6):  # school history, districts, municipalities; curator history, users, schools
        entries = school_changes(school)

    assert [e.changes[0].new for e in entries if e.subject == "школа" and e.action == "изменение"][:2] == ["109", "108"]


def test_round_history_keeps_settings_not_the_recompute_bookkeeping():
    submission_round = SubmissionRoundFactory()
    SubmissionRound.objects.filter(pk=submission_round.pk).update(changes_seq=5)  # what a submit does: no history row
    submission_round.refresh_from_db()
    submission_round.deviation_threshold = 30
    submission_round.save()

    records = SubmissionRound.history.filter(id=submission_round.pk)
    assert records.count() == 2  # created, then the threshold changed
    assert not hasattr(records.first(), "changes_seq")


def test_a_round_s_results_name_the_versions_of_rules_and_criteria_they_were_computed_with(client):
    import datetime as dt

    from django.utils import timezone

    from ratings.models import ScoringRule
    from ratings.selectors import round_rule_versions

    from .ratings_world import scored_round

    submission_round = scored_round(schools=[SchoolFactory()])
    criteria = StatusCriteriaFactory(municipality=submission_round.municipality, year=submission_round.year)
    computed = timezone.now() + dt.timedelta(seconds=1)
    SubmissionRound.objects.filter(pk=submission_round.pk).update(computed_at=computed)
    used = ScoringRule.history.order_by("-history_date", "-history_id").first()
    rule = ScoringRule.objects.first()
    rule.max_points += 1
    rule.save()  # a later change: not what the results were computed with (its time is after `computed`)
    ScoringRule.history.filter(history_id=ScoringRule.history.latest("history_id").history_id).update(history_date=computed + dt.timedelta(minutes=5))
    submission_round.refresh_from_db()

    versions = round_rule_versions(submission_round)

    assert versions.rules.history_id == used.history_id
    assert versions.criteria.history_id == StatusCriteria.history.get(id=criteria.pk).history_id
