"""Defaults of the ratings app (`fixtures/scoring.json`) and the 2022 «Цифровая школа» awards of seed 002 (`fixtures/schools.json`).

Scoring rules and status criteria are defaults an administrator tunes, so a load creates them only when missing and
never overwrites an edit. The 2022 awards are facts of the order of seed 002: found by (year, school) and kept as written.
"""

from decimal import Decimal

from ratings.models import ChoicePoints, ScoringRule, ScoringScheme, ScoringStep, StatusAward, StatusCriteria
from schools.models import Municipality, School
from surveys.models import Question, Questionnaire

from .schools import SeedTally, Upsert, read_fixture

CRITERIA_FIELDS = ("min_score", "speed_urban", "speed_rural", "min_kit", "require_contract", "min_teacher_share", "require_certification_request")


def load(tally: SeedTally) -> None:
    load_scoring(tally)
    load_awards(tally)


def load_scoring(tally: SeedTally) -> ScoringScheme:
    data = read_fixture("scoring.json")
    questionnaire = Questionnaire.objects.get(**data["questionnaire"])
    put_scheme = Upsert(ScoringScheme.objects.filter(questionnaire=questionnaire), ("questionnaire",), update=False)
    scheme, created = put_scheme(questionnaire, level_high=_decimal(data["scheme"]["level_high"]), level_medium=_decimal(data["scheme"]["level_medium"]))
    tally.add("схем рейтингования", created)

    questions = {question.code: question for question in Question.objects.filter(questionnaire=questionnaire)}
    put_rule = Upsert(ScoringRule.objects.filter(question__questionnaire=questionnaire), ("question",), update=False)
    for row in data["rules"]:
        rule, created = put_rule(
            questions[row["question"]],
            scheme=scheme,
            kind=row["kind"],
            max_points=_decimal(row["max_points"]),
            floor_value=_decimal(row.get("floor_value")),
            full_value=_decimal(row.get("full_value")),
        )
        tally.add("правил начисления баллов", created)
        if not created:
            continue  # its steps and choice points are the administrator's now
        ScoringStep.objects.bulk_create(ScoringStep(rule=rule, threshold=_decimal(t), points=_decimal(p)) for t, p in row.get("steps", []))
        ChoicePoints.objects.bulk_create(ChoicePoints(rule=rule, value=v, points=_decimal(p)) for v, p in row.get("choice_points", {}).items())

    criteria = data["status_criteria"]
    municipality = Municipality.objects.get(name=criteria["municipality"])
    put_criteria = Upsert(StatusCriteria.objects.filter(municipality=municipality), ("year",), fixed={"municipality": municipality}, update=False)
    values = {field: criteria[field] for field in CRITERIA_FIELDS}
    for field in ("min_score", "speed_urban", "speed_rural", "min_teacher_share"):
        values[field] = _decimal(values[field])
    for year in criteria["years"]:
        _, created = put_criteria(year, **values)
        tally.add("критериев статуса по годам", created)
    return scheme


def load_awards(tally: SeedTally) -> None:
    rostov = read_fixture("schools.json")["rostov"]
    annex = rostov["annex_2022"]
    municipality = Municipality.objects.get(name=rostov["municipality"])
    schools = {school.full_name: school for school in School.objects.filter(municipality=municipality)}
    put_award = Upsert(StatusAward.objects.filter(year=annex["year"]), ("year", "school"))
    for names in annex["districts"].values():
        for full_name in names:
            _, created = put_award(annex["year"], schools[full_name], municipality=municipality, order_reference=annex["order_reference"])
            tally.add(f"статусов «Цифровая школа» {annex['year']}", created)


def _decimal(value) -> Decimal | None:
    return None if value is None else Decimal(str(value))
