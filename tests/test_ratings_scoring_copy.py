"""Scoring carried over to a new questionnaire version: thresholds, rules, steps and option points, matched by question code."""

from decimal import Decimal

import pytest

from ratings.models import ScoringRule, ScoringScheme
from ratings.services import scoring_scheme_copy

from .factories import QuestionFactory, QuestionnaireFactory, SectionFactory
from .ratings_world import scored_questionnaire

pytestmark = pytest.mark.django_db


def new_version_with(codes: list[str]):
    target = QuestionnaireFactory()
    section = SectionFactory(questionnaire=target)
    for code in codes:
        QuestionFactory(section=section, questionnaire=target, code=code)
    return target


def rules_of(questionnaire) -> dict:
    return {
        rule.question.code: (
            rule.kind,
            rule.max_points,
            sorted((s.threshold, s.points) for s in rule.steps.all()),
            sorted((c.value, c.points) for c in rule.choice_points.all()),
        )
        for rule in ScoringRule.objects.filter(question__questionnaire=questionnaire).select_related("question").prefetch_related("steps", "choice_points")
    }


def test_rules_of_shared_questions_are_copied_with_their_steps_and_option_points():
    source = scored_questionnaire()
    ScoringScheme.objects.filter(questionnaire=source).update(level_high=85, level_medium=55)
    target = new_version_with(["internet_speed", "equipment_kit", "ris_active_users_share", "new_question"])

    scheme = scoring_scheme_copy(source=source, target=target)

    assert (scheme.level_high, scheme.level_medium) == (Decimal(85), Decimal(55))
    copied = rules_of(target)
    assert set(copied) == {"internet_speed", "equipment_kit", "ris_active_users_share"}
    assert copied["equipment_kit"] == rules_of(source)["equipment_kit"]
    assert copied["ris_active_users_share"][2] == [(Decimal(50), Decimal(2)), (Decimal(80), Decimal(4)), (Decimal(95), Decimal(5))]


def test_copying_twice_gives_the_same_rules_and_a_question_map_may_be_given():
    source = scored_questionnaire()
    target = new_version_with(["internet_speed"])
    question_map = {source.questions.get(code="internet_speed").pk: target.questions.get()}

    scoring_scheme_copy(source=source, target=target, question_map=question_map)
    scoring_scheme_copy(source=source, target=target, question_map=question_map)

    assert rules_of(target) == {"internet_speed": ("linear", Decimal(20), [], [])}


def test_a_questionnaire_without_scoring_copies_nothing():
    assert scoring_scheme_copy(source=QuestionnaireFactory(), target=QuestionnaireFactory()) is None


def test_a_new_questionnaire_version_is_rated_as_the_previous_one():
    """surveys copies the questionnaire and says so (questionnaire_versioned); ratings copies the scoring in that transaction."""
    from surveys.services import questionnaire_new_version

    source = scored_questionnaire()
    ScoringScheme.objects.filter(questionnaire=source).update(level_high=85, level_medium=55)

    copy = questionnaire_new_version(questionnaire=source)

    scheme = ScoringScheme.objects.get(questionnaire=copy)
    assert (copy.version, scheme.level_high, scheme.level_medium) == (source.version + 1, Decimal(85), Decimal(55))
    assert rules_of(copy) == rules_of(source)
    assert not ScoringRule.objects.filter(question__questionnaire=copy).exclude(scheme=scheme).exists()
