"""Fixed means fixed: once a closed round's results are computed, nothing recomputes them — not a rule or criteria
edit, not the task, not the command — except an administrator's correction, shown school by school and logged."""

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from ratings.models import IndicatorProgress, Rating, RatingCorrection, ScoringRule, SectionScore, StatusCriteria, StatusEligibility, format_number
from ratings.services import criteria_results_invalidate, rating_recompute_round, rounds_recompute_stale, scoring_results_invalidate
from surveys.models import Answer, SubmissionRound
from surveys.services import round_close

from .factories import UserFactory
from .ratings_world import rated_round

pytestmark = pytest.mark.django_db


def fixed_round():
    submission_round, schools = rated_round(4)
    round_close(submission_round=submission_round)
    rating_recompute_round(round_id=submission_round.pk)
    submission_round.refresh_from_db()
    assert submission_round.results_final and not submission_round.results_stale
    return submission_round, schools


def figures(submission_round) -> list:
    """Every stored figure of the round, field by field."""
    return [
        list(model.objects.filter(round=submission_round).order_by("pk").values_list())
        for model in (Rating, SectionScore, StatusEligibility, IndicatorProgress)
    ]


def test_nothing_recomputes_a_fixed_round_short_of_the_correction_page():
    submission_round, schools = fixed_round()
    before = figures(submission_round)
    # Inputs change: a rule, the year's criteria, an answer.
    ScoringRule.objects.filter(question__questionnaire=submission_round.questionnaire, question__code="internet_speed").update(max_points=60)
    StatusCriteria.objects.filter(municipality=submission_round.municipality, year=submission_round.year).update(min_score=10)
    Answer.objects.filter(submission__round=submission_round, question__code="teachers_ready_share").update(value_number=0)

    assert scoring_results_invalidate(questionnaire_id=submission_round.questionnaire_id) == []
    assert criteria_results_invalidate(municipality_id=submission_round.municipality_id, year=submission_round.year) == []
    result = rating_recompute_round(round_id=submission_round.pk, force=True)
    assert result.final and not result.computed
    assert rounds_recompute_stale() == []
    with pytest.raises(CommandError, match="зафиксированы"):
        call_command("recompute_ratings", round=submission_round.pk)
    call_command("recompute_ratings", stale=True)

    assert figures(submission_round) == before
    assert not SubmissionRound.objects.get(pk=submission_round.pk).results_stale


@pytest.fixture
def admin_client(client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True, username="admin-fix", first_name="Анна", last_name="Админова"))
    return client


def test_the_correction_page_shows_each_change_asks_why_and_logs_before_and_after(admin_client):
    submission_round, schools = fixed_round()
    school = schools[0]
    old = Rating.objects.get(round=submission_round, school=school)
    # An answer corrected after closing (e.g. a school given an extension): the fixed figures stay as they were...
    Answer.objects.filter(submission__round=submission_round, submission__school=school, question__code="teachers_ready_share").update(value_number=0)
    url = reverse("ratings:round-correction", args=[submission_round.pk])

    page = admin_client.get(url).content.decode()
    assert "Что изменится: школ — 1" in page
    assert f"{format_number(old.score)} → " in page
    assert Rating.objects.get(pk=old.pk).score == old.score  # the preview wrote nothing

    refused = admin_client.post(url, {"reason": "ошибка"})
    assert refused.status_code == 200 and "invalid-feedback" in refused.content.decode()
    assert not RatingCorrection.objects.exists()

    response = admin_client.post(url, {"reason": "Школа исправила долю педагогов по письму № 12 от 01.06"})
    assert response.status_code == 302
    correction = RatingCorrection.objects.get()
    assert correction.corrected_by_name == "Анна Админова"
    assert correction.changed_schools == 1
    assert correction.before[str(school.pk)]["score"] == str(old.score)
    new = Rating.objects.get(round=submission_round, school=school)
    assert correction.after[str(school.pk)]["score"] == str(new.score) != str(old.score)
    assert "Школа исправила долю педагогов" in admin_client.get(url).content.decode()


def test_only_an_administrator_opens_the_correction_page(client):
    submission_round, _schools = fixed_round()
    from django.contrib.auth.models import Group

    user = UserFactory(username="metodist-fix")
    user.groups.add(Group.objects.get_or_create(name="methodologist")[0])
    client.force_login(user)
    assert client.get(reverse("ratings:round-correction", args=[submission_round.pk])).status_code == 403


def test_rules_and_criteria_of_a_fixed_round_are_read_only_in_the_admin(admin_client):
    submission_round, _schools = fixed_round()
    rule = ScoringRule.objects.get(question__questionnaire=submission_round.questionnaire, question__code="internet_speed")
    criteria = StatusCriteria.objects.get(municipality=submission_round.municipality, year=submission_round.year)

    page = admin_client.get(reverse("admin:ratings_scoringrule_change", args=[rule.pk])).content.decode()
    assert "больше не меняются" in page
    assert 'name="_save"' not in page
    assert admin_client.post(reverse("admin:ratings_scoringrule_change", args=[rule.pk]), {"max_points": "60"}).status_code == 403
    assert ScoringRule.objects.get(pk=rule.pk).max_points == rule.max_points
    assert admin_client.post(reverse("admin:ratings_statuscriteria_change", args=[criteria.pk]), {"min_score": "10"}).status_code == 403
