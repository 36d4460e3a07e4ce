"""Writes of questionnaires: a new version with its sections, questions, rules and scoring."""

from django.db import transaction
from django.db.models import Max

from ..models import (
    Question,
    Questionnaire,
    QuestionRule,
    Section,
)
from ..signals import questionnaire_versioned

# Questionnaires


def questionnaire_new_version(*, questionnaire: Questionnaire) -> Questionnaire:
    """Copy a questionnaire with its sections, questions and rules as the next version (not frozen).

    Apps above are told in the same transaction (`surveys.signals.questionnaire_versioned`): ratings copies the scoring
    rules, so the new version is rated the same way.
    """
    with transaction.atomic():
        latest = Questionnaire.objects.filter(title=questionnaire.title).aggregate(v=Max("version"))["v"] or questionnaire.version
        copy = Questionnaire.objects.create(title=questionnaire.title, version=latest + 1, previous=questionnaire, description=questionnaire.description)
        section_map: dict[int, Section] = {}
        for section in questionnaire.sections.order_by("order", "pk"):
            section_map[section.pk] = Section.objects.create(questionnaire=copy, order=section.order, title=section.title, direction_id=section.direction_id)
        question_map: dict[int, Question] = {}
        for question in questionnaire.questions.order_by("pk"):
            old_pk = question.pk
            question.pk = None
            question.id = None
            question.questionnaire = copy
            question.section = section_map[question.section_id]
            question.save()
            question_map[old_pk] = question
        QuestionRule.objects.bulk_create(
            [
                QuestionRule(
                    questionnaire=copy,
                    kind=rule.kind,
                    left=question_map[rule.left_id],
                    right=question_map[rule.right_id],
                    left_values=rule.left_values,
                    message=rule.message,
                )
                for rule in questionnaire.rules.all()
            ]
        )
        questionnaire_versioned.send(sender=Questionnaire, source=questionnaire, target=copy, question_map=question_map)
    return copy
