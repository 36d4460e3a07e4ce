"""A small readiness questionnaire with the portal's default scoring, and quick ways to submit answers, for ratings tests."""

import datetime as dt
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from ratings.models import ChoicePoints, ScoringRule, ScoringScheme, ScoringStep
from ratings.services import round_results_invalidate
from surveys.models import Answer, Question, Questionnaire, Submission, SubmissionRound
from tests.factories import join_round

from .factories import QuestionFactory, QuestionnaireFactory, SectionFactory, SubmissionRoundFactory

KIT = [["none", "нет"], ["minimal", "минимальный"], ["standard", "стандартный"]]
PLATFORMS = [["sferum", "Сферум"], ["moya_shkola", "Моя школа"], ["resh", "РЭШ"], ["uchi", "Учи.ру"]]
PRACTICE = [["none", "нет"], ["prospective", "перспективная"], ["current", "действующая"]]

# section order → (title, [(code, type, unit, choices)])
QUESTIONS = {
    1: (
        "Инфраструктура",
        [
            ("internet_speed", Question.Type.DECIMAL, "Мбит/с", []),
            ("channel_meets_requirements", Question.Type.YES_NO, "", []),
            ("connection_contract_next_year", Question.Type.YES_NO, "", []),
            ("equipment_kit", Question.Type.SINGLE_CHOICE, "", KIT),
            ("kit_workstations", Question.Type.INTEGER, "шт.", []),
            ("kit_workstations_fast", Question.Type.INTEGER, "шт.", []),
            ("speed_measured_on", Question.Type.DATE, "", []),
        ],
    ),
    2: (
        "Современное управление и кадры",
        [
            ("teachers_ready_share", Question.Type.PERCENT, "%", []),
            ("admin_ready_share", Question.Type.PERCENT, "%", []),
            ("platforms_used", Question.Type.MULTIPLE_CHOICE, "", PLATFORMS),
        ],
    ),
    3: (
        "Лучшие практики и цифровая экосистема",
        [("best_practice", Question.Type.SINGLE_CHOICE, "", PRACTICE), ("ecosystem_member", Question.Type.YES_NO, "", [])],
    ),
    4: ("РИС «Контингент»", [("ris_content_share", Question.Type.PERCENT, "%", []), ("ris_active_users_share", Question.Type.PERCENT, "%", [])]),
    5: ("Услуги для родителей", [("parents_consultation", Question.Type.YES_NO, "", [])]),
    6: (
        "Общие сведения",
        [
            ("students_count", Question.Type.INTEGER, "чел.", []),
            ("certification_request", Question.Type.YES_NO, "", []),
            ("evidence_file", Question.Type.FILE, "", []),
            ("comment", Question.Type.TEXT, "", []),
        ],
    ),
}

# The default scoring of the brief (100 points): code → (kind, max, floor, full, steps or option points).
DEFAULT_RULES = {
    "internet_speed": ("linear", 20, 0, 100, None),
    "channel_meets_requirements": ("yes", 5, None, None, None),
    "connection_contract_next_year": ("yes", 5, None, None, None),
    "equipment_kit": ("choice", 20, None, None, {"none": 0, "minimal": 10, "standard": 20}),
    "teachers_ready_share": ("linear", 20, 0, 100, None),
    "admin_ready_share": ("linear", 5, 0, 100, None),
    "platforms_used": ("choice", 5, None, None, {"sferum": Decimal("2.5"), "moya_shkola": Decimal("2.5")}),
    "best_practice": ("choice", 5, None, None, {"prospective": 3, "current": 5}),
    "ecosystem_member": ("yes", 3, None, None, None),
    "ris_content_share": ("linear", 5, 0, 100, None),
    "ris_active_users_share": ("steps", 5, None, None, {50: 2, 80: 4, 95: 5}),
    "parents_consultation": ("yes", 2, None, None, None),
}

# Answers that earn every point and meet every status criterion.
FULL_MARKS = {
    "internet_speed": 100,
    "channel_meets_requirements": True,
    "connection_contract_next_year": True,
    "equipment_kit": "standard",
    "kit_workstations": 10,
    "kit_workstations_fast": 10,
    "teachers_ready_share": 100,
    "admin_ready_share": 100,
    "platforms_used": "sferum|moya_shkola",
    "best_practice": "current",
    "ecosystem_member": True,
    "ris_content_share": 100,
    "ris_active_users_share": 95,
    "parents_consultation": True,
    "students_count": 800,
    "certification_request": True,
}


def scored_questionnaire(*, rules: dict | None = None) -> Questionnaire:
    """The default questionnaire's questions (fewer words) with the default scoring rules."""
    questionnaire = QuestionnaireFactory()
    for order, (title, questions) in QUESTIONS.items():
        section = SectionFactory(questionnaire=questionnaire, order=order, title=title)
        for position, (code, kind, unit, choices) in enumerate(questions):
            QuestionFactory(
                section=section, questionnaire=questionnaire, order=position, code=code, text=f"Вопрос {code}", type=kind, unit=unit, choices=choices
            )
    scheme = ScoringScheme.objects.create(questionnaire=questionnaire)
    by_code = {q.code: q for q in questionnaire.questions.all()}
    for code, (kind, top, floor, full, extra) in (DEFAULT_RULES if rules is None else rules).items():
        rule = ScoringRule.objects.create(scheme=scheme, question=by_code[code], kind=kind, max_points=top, floor_value=floor, full_value=full)
        if kind == "steps":
            ScoringStep.objects.bulk_create([ScoringStep(rule=rule, threshold=t, points=p) for t, p in extra.items()])
        if kind == "choice":
            ChoicePoints.objects.bulk_create([ChoicePoints(rule=rule, value=v, points=p) for v, p in extra.items()])
    return questionnaire


def scored_round(*, schools, questionnaire: Questionnaire | None = None, **kwargs) -> SubmissionRound:
    if schools:
        kwargs.setdefault("municipality", schools[0].municipality)
    submission_round = SubmissionRoundFactory(questionnaire=questionnaire or scored_questionnaire(), **kwargs)
    join_round(submission_round, schools)
    return submission_round


def _answer(question: Question, value) -> Answer:
    answer = Answer(question=question)
    if value is None:
        return answer
    if question.type == Question.Type.YES_NO:
        answer.value_bool = bool(value)
    elif question.type in Question.NUMERIC_TYPES:
        answer.value_number = Decimal(str(value))
    elif question.type == Question.Type.DATE:
        answer.value_date = value
    elif question.type == Question.Type.FILE:
        answer.file = value
        answer.file_name = value.rsplit("/", 1)[-1]
    else:
        answer.value_text = str(value)
    return answer


def submit_answers(submission_round: SubmissionRound, answers_by_school: dict, *, state: str = Submission.State.SUBMITTED) -> list[Submission]:
    """Submissions in `state` with the given answers ({school: {code: value}}), in bulk; invalidates the round like a submit."""
    questions = {q.code: q for q in Question.objects.filter(questionnaire_id=submission_round.questionnaire_id)}
    now = timezone.now()
    with transaction.atomic():
        submissions = Submission.objects.bulk_create(
            [Submission(round=submission_round, school=school, state=state, submitted_at=now) for school in answers_by_school]
        )
        answers = []
        for submission, values in zip(submissions, answers_by_school.values(), strict=True):
            for code, value in values.items():
                answer = _answer(questions[code], value)
                answer.submission = submission
                answers.append(answer)
        Answer.objects.bulk_create(answers)
        round_results_invalidate(round_id=submission_round.pk)
    return submissions


def set_state(submission: Submission, state: str) -> None:
    """Change a submission's state the way the review workflow does: inside a transaction that invalidates the round."""
    with transaction.atomic():
        Submission.objects.filter(pk=submission.pk).update(state=state)
        round_results_invalidate(round_id=submission.round_id)


def yesterday() -> dt.date:
    return timezone.localdate() - dt.timedelta(days=1)


def rated_round(n_schools: int = 6, *, n_districts: int = 2, **round_kwargs) -> tuple[SubmissionRound, list]:
    """A recomputed round: schools over districts (every third rural), all but the last submitted with rising speeds,
    status criteria for its year and one speed indicator with a target."""
    from ratings.services import rating_recompute_round

    from .factories import DistrictFactory, IndicatorFactory, IndicatorTargetFactory, SchoolFactory, StatusCriteriaFactory

    districts = [DistrictFactory(name=f"Район {chr(0x410 + n)}") for n in range(n_districts)]
    schools = [SchoolFactory(district=districts[n % n_districts], is_urban=n % 3 != 2) for n in range(n_schools)]
    submission_round = scored_round(schools=schools, **round_kwargs)
    StatusCriteriaFactory(municipality=submission_round.municipality, year=submission_round.year)
    indicator = IndicatorFactory(
        roadmap__municipality=submission_round.municipality,
        code="ROS-SPEED",
        name="Доля ОУ со скоростью Интернета не ниже 100 Мбит/с (сельские — 50 Мбит/с)",
        question_code="internet_speed",
        aggregation="share",
        threshold_urban=100,
        threshold_rural=50,
    )
    IndicatorTargetFactory(indicator=indicator, due_date=timezone.localdate() + dt.timedelta(days=200), value=Decimal(90))
    submit_answers(submission_round, {school: {**FULL_MARKS, "internet_speed": 40 + 15 * n} for n, school in enumerate(schools[:-1])})
    rating_recompute_round(round_id=submission_round.pk)
    return submission_round, schools
