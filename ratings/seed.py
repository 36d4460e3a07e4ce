"""Defaults of the ratings app (`fixtures/scoring.json`) and the 2022 «Цифровая школа» awards of seed 002 (`fixtures/schools.json`).

Scoring rules and status criteria are defaults an administrator tunes, so a load creates them only when missing and
never overwrites an edit. The 2022 awards are facts of the order of seed 002: found by (year, school) and kept as written.
"""

from decimal import Decimal

from schools.models import Municipality, School
from schools.seed import SeedTally, read_fixture
from surveys.models import Question, Questionnaire

from .models import ChoicePoints, ScoringRule, ScoringScheme, ScoringStep, StatusAward, StatusCriteria


def load(tally: SeedTally) -> None:
    load_scoring(tally)
    load_awards(tally)


def load_scoring(tally: SeedTally) -> ScoringScheme:
    data = read_fixture("scoring.json")
    questionnaire = Questionnaire.objects.get(**data["questionnaire"])
    scheme, created = ScoringScheme.objects.get_or_create(
        questionnaire=questionnaire, defaults={"level_high": _decimal(data["scheme"]["level_high"]), "level_medium": _decimal(data["scheme"]["level_medium"])}
    )
    tally.add("схем рейтингования", created)

    questions = {question.code: question for question in Question.objects.filter(questionnaire=questionnaire)}
    for row in data["rules"]:
        rule, created = ScoringRule.objects.get_or_create(
            question=questions[row["question"]],
            defaults={
                "scheme": scheme,
                "kind": row["kind"],
                "max_points": _decimal(row["max_points"]),
                "floor_value": _decimal(row.get("floor_value")),
                "full_value": _decimal(row.get("full_value")),
            },
        )
        tally.add("правил начисления баллов", created)
        if not created:
            continue  # its steps and choice points are the administrator's now
        for threshold, points in row.get("steps", []):
            ScoringStep.objects.create(rule=rule, threshold=_decimal(threshold), points=_decimal(points))
        for value, points in row.get("choice_points", {}).items():
            ChoicePoints.objects.create(rule=rule, value=value, points=_decimal(points))

    criteria = data["status_criteria"]
    municipality = Municipality.objects.get(name=criteria["municipality"])
    defaults = {field: value for field, value in criteria.items() if field not in ("municipality", "years")}
    for year in criteria["years"]:
        _, created = StatusCriteria.objects.get_or_create(
            municipality=municipality,
            year=year,
            defaults={field: _decimal(value) if isinstance(value, int | float) and not isinstance(value, bool) else value for field, value in defaults.items()},
        )
        tally.add("критериев статуса по годам", created)
    return scheme


def load_awards(tally: SeedTally) -> None:
    rostov = read_fixture("schools.json")["rostov"]
    annex = rostov["annex_2022"]
    municipality = Municipality.objects.get(name=rostov["municipality"])
    schools = {school.full_name: school for school in School.objects.filter(municipality=municipality)}
    for names in annex["districts"].values():
        for full_name in names:
            _, created = StatusAward.objects.update_or_create(
                year=annex["year"],
                school=schools[full_name],
                defaults={"municipality": municipality, "order_reference": annex["order_reference"]},
            )
            tally.add(f"статусов «Цифровая школа» {annex['year']}", created)


def _decimal(value) -> Decimal | None:
    return None if value is None else Decimal(str(value))
