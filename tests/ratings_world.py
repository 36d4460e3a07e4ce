"""A small readiness questionnaire with the portal's default scoring, and schools' forms filled in, sent and reviewed
through the surveys services (as curators and methodologists do), for ratings tests."""

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal

from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group, User
from django.utils import timezone

from ratings.models import ChoicePoints, ScoringRule, ScoringScheme, ScoringStep
from schools.models import UserProfile
from schools.roles import ADMINISTRATOR_GROUP, METHODOLOGIST_GROUP
from surveys.models import Question, Questionnaire, QuestionRule, Submission, SubmissionRound
from surveys.services import SubmissionIncompleteError, submission_accept, submission_return, submission_save_draft, submission_submit

from .factories import QuestionFactory, QuestionnaireFactory, SectionFactory, SubmissionRoundFactory, join_round

KIT = [["none", "нет"], ["minimal", "минимальный"], ["standard", "стандартный"]]
PLATFORMS = [["sferum", "Сферум"], ["moya_shkola", "Моя школа"], ["resh", "РЭШ"], ["uchi", "Учи.ру"]]
PRACTICE = [["none", "нет"], ["prospective", "перспективная"], ["current", "действующая"]]

# section order → (title, [(code, type, unit, choices, bounds and required as in fixtures/questionnaire.json)])
QUESTIONS = {
    1: (
        "Инфраструктура",
        [
            ("internet_speed", Question.Type.DECIMAL, "Мбит/с", [], {"max_value": 10000}),
            ("channel_meets_requirements", Question.Type.YES_NO, "", [], {"min_value": None}),
            ("connection_contract_next_year", Question.Type.YES_NO, "", [], {"min_value": None}),
            ("equipment_kit", Question.Type.SINGLE_CHOICE, "", KIT, {"min_value": None}),
            ("kit_workstations", Question.Type.INTEGER, "шт.", [], {"max_value": 10000}),
            ("kit_workstations_fast", Question.Type.INTEGER, "шт.", [], {"max_value": 10000}),
            ("speed_measured_on", Question.Type.DATE, "", [], {"min_value": None, "required": False}),
        ],
    ),
    2: (
        "Современное управление и кадры",
        [
            ("teachers_ready_share", Question.Type.PERCENT, "%", [], {"max_value": 100}),
            ("admin_ready_share", Question.Type.PERCENT, "%", [], {"max_value": 100}),
            ("platforms_used", Question.Type.MULTIPLE_CHOICE, "", PLATFORMS, {"min_value": None, "required": False}),
        ],
    ),
    3: (
        "Лучшие практики и цифровая экосистема",
        [
            ("best_practice", Question.Type.SINGLE_CHOICE, "", PRACTICE, {"min_value": None}),
            ("ecosystem_member", Question.Type.YES_NO, "", [], {"min_value": None}),
        ],
    ),
    4: (
        "РИС «Контингент»",
        [
            ("ris_content_share", Question.Type.PERCENT, "%", [], {"max_value": 100}),
            ("ris_active_users_share", Question.Type.PERCENT, "%", [], {"max_value": 100}),
        ],
    ),
    5: ("Услуги для родителей", [("parents_consultation", Question.Type.YES_NO, "", [], {"min_value": None})]),
    6: (
        "Общие сведения",
        [
            ("students_count", Question.Type.INTEGER, "чел.", [], {"max_value": 10000}),
            ("certification_request", Question.Type.YES_NO, "", [], {"min_value": None}),
            ("evidence_file", Question.Type.FILE, "", [], {"min_value": None, "required": False}),
            ("comment", Question.Type.TEXT, "", [], {"min_value": None, "required": False}),
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

# An answer to every required question that earns no point under the default scoring: a school that has nothing yet.
# Tests that are about one answer start from it ({**NO_MARKS, "internet_speed": 50}), since a real submit needs them all.
NO_MARKS = {
    "internet_speed": 0,
    "channel_meets_requirements": False,
    "connection_contract_next_year": False,
    "equipment_kit": "none",
    "kit_workstations": 0,
    "kit_workstations_fast": 0,
    "teachers_ready_share": 0,
    "admin_ready_share": 0,
    "best_practice": "none",
    "ecosystem_member": False,
    "ris_content_share": 0,
    "ris_active_users_share": 0,
    "parents_consultation": False,
    "students_count": 800,
    "certification_request": False,
}


def unanswered(*answer_sets: dict) -> set[str]:
    """The questions left without an answer (None or "") in any of the answer sets: a form is sent without them only
    where the questionnaire does not require them (`scored_questionnaire(optional=…)`)."""
    return {code for answers in answer_sets for code, value in answers.items() if value is None or value == ""}


def scored_questionnaire(*, rules: dict | None = None, optional: Iterable[str] = (), extra_choices: dict | None = None) -> Questionnaire:
    """The default questionnaire's questions (fewer words), with its required flags, bounds and cross rules, and the
    default scoring rules. `optional`: questions an administrator made optional; `extra_choices`: options added to a question."""
    optional, extra_choices = set(optional), extra_choices or {}
    questionnaire = QuestionnaireFactory()
    for order, (title, questions) in QUESTIONS.items():
        section = SectionFactory(questionnaire=questionnaire, order=order, title=title)
        for position, (code, kind, unit, choices, limits) in enumerate(questions):
            limits = {**limits, "required": False} if code in optional else limits
            QuestionFactory(
                section=section,
                questionnaire=questionnaire,
                order=position,
                code=code,
                text=f"Вопрос {code}",
                type=kind,
                unit=unit,
                choices=choices + extra_choices.get(code, []),
                **limits,
            )
    by_code = {q.code: q for q in questionnaire.questions.all()}
    fast, total = by_code["kit_workstations_fast"], by_code["kit_workstations"]
    QuestionRule.objects.create(questionnaire=questionnaire, kind=QuestionRule.Kind.LTE, left=fast, right=total)
    QuestionRule.objects.create(
        questionnaire=questionnaire,
        kind=QuestionRule.Kind.REQUIRES_POSITIVE,
        left=by_code["equipment_kit"],
        right=by_code["kit_workstations"],
        left_values=["minimal", "standard"],
    )
    scheme = ScoringScheme.objects.create(questionnaire=questionnaire)
    for code, (kind, top, floor, full, extra) in (DEFAULT_RULES if rules is None else rules).items():
        rule = ScoringRule.objects.create(scheme=scheme, question=by_code[code], kind=kind, max_points=top, floor_value=floor, full_value=full)
        if kind == "steps":
            ScoringStep.objects.bulk_create([ScoringStep(rule=rule, threshold=t, points=p) for t, p in extra.items()])
        if kind == "choice":
            ChoicePoints.objects.bulk_create([ChoicePoints(rule=rule, value=v, points=p) for v, p in extra.items()])
    return questionnaire


def scored_round(*, schools, questionnaire: Questionnaire | None = None, **kwargs) -> SubmissionRound:
    """An open round (accepting answers) of the schools' municipality with `schools` as its participants."""
    if schools:
        kwargs.setdefault("municipality", schools[0].municipality)
    submission_round = SubmissionRoundFactory(questionnaire=questionnaire or scored_questionnaire(), **kwargs)
    join_round(submission_round, schools)
    return submission_round


def form_values(questions: dict[str, Question], values: dict) -> tuple[dict, dict]:
    """A test's answers ({code: value}) as the form hands them to the service: typed answers and uploads.

    None or "" is a question left unanswered; a multiple choice may be written «a|b»; a file is a SimpleUploadedFile."""
    answers, files = {}, {}
    for code, value in values.items():
        if value is None or value == "":
            continue
        question = questions[code]
        if question.type in Question.CHOICE_TYPES:
            chosen = value.split("|") if isinstance(value, str) else list(value)
            unknown = set(chosen) - set(question.choice_labels)
            assert not unknown, f"{code}: {unknown} is not an option of the question, the form offers {list(question.choice_labels)}"
        if question.type == Question.Type.FILE:
            files[code] = value
        elif question.type == Question.Type.MULTIPLE_CHOICE:
            answers[code] = chosen
        elif question.type in Question.NUMERIC_TYPES:
            answers[code] = Decimal(str(value))
        else:
            answers[code] = value
    return answers, files


def world_curator() -> User:
    """The curator who fills in the world's forms (the schools' Curator rows are the tests' own, where a test signs in as
    one). Never signs in: no password to hash."""
    user, _ = User.objects.get_or_create(username="kurator-world", defaults={"first_name": "Ольга", "last_name": "Кураторова", "password": make_password(None)})
    return user


def _world_staff(username: str, group: str, municipality) -> User:
    user, created = User.objects.get_or_create(username=username, defaults={"first_name": "Елена", "last_name": "Иванова", "password": make_password(None)})
    if created:
        user.groups.add(Group.objects.get_or_create(name=group)[0])
        UserProfile.objects.update_or_create(user=user, defaults={"municipality": municipality})
    return user


def world_reviewer(municipality) -> User:
    """A methodologist of the round's municipality who reviews the world's forms (never signs in either)."""
    return _world_staff(f"metodist-world-{municipality.pk}", METHODOLOGIST_GROUP, municipality)


def world_administrator(municipality) -> User:
    """An administrator of the round's municipality who opens and closes its rounds (never signs in either)."""
    return _world_staff(f"admin-world-{municipality.pk}", ADMINISTRATOR_GROUP, municipality)


def submit_answers(submission_round: SubmissionRound, answers_by_school: dict, *, state: str = Submission.State.SUBMITTED) -> list[Submission]:
    """Each school's form filled in and brought to `state` the way people do it: the curator saves the answers
    ({school: {code: value}}, `submission_save_draft`) and submits them (`submission_submit`, which checks them like the
    form and invalidates the round); a methodologist then accepts or returns the form. Answers a real school could not
    submit fail the test with the form's own messages."""
    questions = {q.code: q for q in Question.objects.filter(questionnaire_id=submission_round.questionnaire_id)}
    curator = world_curator()
    submissions = []
    for school, values in answers_by_school.items():
        answers, files = form_values(questions, values)
        version = Submission.objects.filter(round=submission_round, school=school).values_list("version", flat=True).first() or 0
        submission = submission_save_draft(
            submission_round=submission_round, school=school, user=curator, answers=answers, files=files, expected_version=version
        ).submission
        if state != Submission.State.DRAFT:
            try:
                submission = submission_submit(submission_round=submission_round, school=school, user=curator, expected_version=submission.version)
            except SubmissionIncompleteError as error:
                raise AssertionError(f"{school}: the form refuses these answers: {error.errors}") from error
        if state == Submission.State.ACCEPTED:
            submission = accept(submission)
        elif state == Submission.State.RETURNED:
            submission = return_to_curator(submission)
        submissions.append(submission)
    return submissions


def accept(submission: Submission) -> Submission:
    """The methodologist accepts the sent form."""
    submission = Submission.objects.select_related("round").get(pk=submission.pk)
    return submission_accept(submission=submission, user=world_reviewer(submission.round.municipality), expected_version=submission.version)


def return_to_curator(submission: Submission) -> Submission:
    """The methodologist returns the form for rework with a comment."""
    submission = Submission.objects.select_related("round").get(pk=submission.pk)
    reviewer = world_reviewer(submission.round.municipality)
    return submission_return(submission=submission, user=reviewer, comment="Уточните ответы", question_comments={}, expected_version=submission.version)


def submit_again(submission: Submission) -> Submission:
    """The curator sends a returned form again, answers unchanged."""
    submission = Submission.objects.select_related("round", "school").get(pk=submission.pk)
    return submission_submit(submission_round=submission.round, school=submission.school, user=world_curator(), expected_version=submission.version)


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
