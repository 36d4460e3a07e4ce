"""The default questionnaire (`fixtures/questionnaire.json`), its sections linked to the Rostov roadmap's directions.

The questionnaire is a default an administrator may edit (and is frozen once a round opens), so a load only
creates what is missing: existing sections, questions and rules are never overwritten.
"""

from decimal import Decimal

from indicators.models import Direction
from schools.seed import SeedTally, read_fixture

from .models import Question, Questionnaire, QuestionRule, Section


def load(tally: SeedTally) -> Questionnaire:
    data = read_fixture("questionnaire.json")
    questionnaire, created = Questionnaire.objects.get_or_create(title=data["title"], version=data["version"], defaults={"description": data["description"]})
    tally.add("опросных форм", created)
    if questionnaire.is_frozen:
        return questionnaire  # a round already uses it: not a row may change

    directions = {
        direction.number: direction
        for direction in Direction.objects.filter(roadmap__municipality__name=data["roadmap"]["municipality"], roadmap__title=data["roadmap"]["title"])
    }
    questions = {}
    for item in data["sections"]:
        section, created = Section.objects.get_or_create(
            questionnaire=questionnaire,
            order=item["order"],
            defaults={"title": item["title"], "direction": directions.get(item["direction"]) if item["direction"] else None},
        )
        tally.add("разделов анкеты", created)
        for order, row in enumerate(item["questions"], start=1):
            question, created = Question.objects.get_or_create(
                questionnaire=questionnaire,
                code=row["code"],
                defaults={
                    "section": section,
                    "order": order,
                    "text": row["text"],
                    "help_text": row["help_text"],
                    "type": row["type"],
                    "required": row.get("required", True),
                    "min_value": _decimal(row.get("min_value")),
                    "max_value": _decimal(row.get("max_value")),
                    "unit": row.get("unit", ""),
                    "choices": row.get("choices", []),
                },
            )
            questions[question.code] = question
            tally.add("вопросов анкеты", created)

    for row in data["rules"]:
        _, created = QuestionRule.objects.get_or_create(
            questionnaire=questionnaire,
            kind=row["kind"],
            left=questions[row["left"]],
            right=questions[row["right"]],
            defaults={"left_values": row.get("left_values", []), "message": row["message"]},
        )
        tally.add("правил согласованности", created)
    return questionnaire


def _decimal(value) -> Decimal | None:
    return None if value is None else Decimal(str(value))
