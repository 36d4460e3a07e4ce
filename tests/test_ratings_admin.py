"""Administration of ratings: scoring rules explained and editable, a change queues a recompute; computed rows read-only; awards permanent."""

import pytest
from django.urls import reverse

from ratings.models import IndicatorProgress, Rating, ScoringRule, ScoringScheme, StatusAward, StatusCriteria, StatusEligibility
from surveys.models import SubmissionRound

from .factories import StatusAwardFactory, UserFactory
from .ratings_world import rated_round

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    return client


@pytest.mark.parametrize("model", [ScoringScheme, ScoringRule, StatusCriteria, StatusAward, Rating, StatusEligibility, IndicatorProgress])
def test_every_ratings_list_and_change_page_opens(admin_client, model):
    submission_round, schools = rated_round(3)
    StatusAwardFactory(school=schools[0], year=2022)
    meta = model._meta
    assert admin_client.get(reverse(f"admin:{meta.app_label}_{meta.model_name}_changelist")).status_code == 200
    obj = model.objects.first()
    assert admin_client.get(reverse(f"admin:{meta.app_label}_{meta.model_name}_change", args=[obj.pk])).status_code == 200


def test_the_scheme_page_explains_how_the_score_is_computed(admin_client):
    submission_round, _schools = rated_round(2)
    scheme = ScoringScheme.objects.get(questionnaire=submission_round.questionnaire)

    page = admin_client.get(reverse("admin:ratings_scoringscheme_change", args=[scheme.pk])).content.decode()

    assert "Рейтинг школы = набранные баллы / возможные баллы × 100" in page
    assert "активные пользователи РИС 5 (ступени 50 % → 2, 80 % → 4, 95 % → 5)" in page


def test_saving_a_rule_in_the_admin_marks_the_rounds_of_its_questionnaire_for_recompute(admin_client):
    submission_round, _schools = rated_round(2)
    rule = ScoringRule.objects.get(question__questionnaire=submission_round.questionnaire, question__code="internet_speed")
    data = {
        "scheme": rule.scheme_id,
        "question": rule.question_id,
        "kind": "linear",
        "max_points": "30",
        "floor_value": "0",
        "full_value": "100",
        **{f"{prefix}-{key}": value for prefix in ("steps", "choice_points") for key, value in (("TOTAL_FORMS", 0), ("INITIAL_FORMS", 0))},
    }

    response = admin_client.post(reverse("admin:ratings_scoringrule_change", args=[rule.pk]), data)

    assert response.status_code == 302
    assert ScoringRule.objects.get(pk=rule.pk).max_points == 30
    assert SubmissionRound.objects.get(pk=submission_round.pk).results_stale


def test_a_linear_rule_without_bounds_is_refused_with_a_message(admin_client):
    submission_round, _schools = rated_round(2)
    rule = ScoringRule.objects.get(question__questionnaire=submission_round.questionnaire, question__code="teachers_ready_share")
    data = {"scheme": rule.scheme_id, "question": rule.question_id, "kind": "linear", "max_points": "20", "floor_value": "", "full_value": ""}
    data |= {f"{prefix}-{key}": 0 for prefix in ("steps", "choice_points") for key in ("TOTAL_FORMS", "INITIAL_FORMS")}

    response = admin_client.post(reverse("admin:ratings_scoringrule_change", args=[rule.pk]), data)

    assert response.status_code == 200
    assert "Укажите значение, при котором баллов ещё нет." in response.content.decode()


def test_awards_cannot_be_deleted_and_computed_rows_cannot_be_edited(admin_client):
    submission_round, schools = rated_round(2)
    award = StatusAwardFactory(school=schools[0], year=2022)

    assert admin_client.post(reverse("admin:ratings_statusaward_delete", args=[award.pk]), {"post": "yes"}).status_code == 403
    assert StatusAward.objects.filter(pk=award.pk).exists()
    assert admin_client.get(reverse("admin:ratings_rating_add")).status_code == 403
