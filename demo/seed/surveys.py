"""The default questionnaire (`fixtures/questionnaire.json`), its sections linked to the Rostov roadmap's directions.

The questionnaire is a default an administrator may edit (and is frozen once a round opens), so a load only
creates what is missing: existing sections, questions and rules are never overwritten.
"""

from decimal import Decimal

from indicators.models import Direction
from surveys.models import Question, Questionnaire, QuestionRule, Section

from .schools import SeedTally, Upsert, read_fixture


def load(tally: SeedTally) -> Questionnaire:
    data = read_fixture("questionnaire.json")
    put_questionnaire = Upsert(Questionnaire.objects.filter(title=data["title"]), ("title", "version"), update=False)
    questionnaire, created = put_questionnaire(data["title"], data["version"], description=data["description"])
    tally.add("опросных форм", created)
    if questionnaire.is_frozen:
        return questionnaire  # a round already uses it: not a row may change

    directions = {
        direction.number: direction
        for direction in Direction.objects.filter(roadmap__municipality__name=data["roadmap"]["municipality"], roadmap__title=data["roadmap"]["title"])
    }
    fixed = {"questionnaire": questionnaire}
    put_section = Upsert(Section.objects.filter(questionnaire=questionnaire), ("order",), fixed=fixed, update=False)
    put_question = Upsert(Question.objects.filter(questionnaire=questionnaire), ("code",), fixed=fixed, update=False)
    put_rule = Upsert(QuestionRule.objects.filter(questionnaire=questionnaire), ("kind", "left", "right"), fixed=fixed, update=False)

    questions = {}
    for item in data["sections"]:
        section, created = put_section(item["order"], title=item["title"], direction=directions.get(item["direction"]))
        tally.add("разделов анкеты", created)
        for order, row in enumerate(item["questions"], start=1):
            questions[row["code"]], created = put_question(
                row["code"],
                section=section,
                order=order,
                text=row["text"],
                help_text=row["help_text"],
                type=row["type"],
                required=row.get("required", True),
                min_value=_decimal(row.get("min_value")),
                max_value=_decimal(row.get("max_value")),
                unit=row.get("unit", ""),
                choices=row.get("choices", []),
            )
            tally.add("вопросов анкеты", created)

    for row in data["rules"]:
        _, created = put_rule(row["kind"], questions[row["left"]], questions[row["right"]], left_values=row.get("left_values", []), message=row["message"])
        tally.add("правил согласованности", created)
    return questionnaire


def _decimal(value) -> Decimal | None:
    return None if value is None else Decimal(str(value))
