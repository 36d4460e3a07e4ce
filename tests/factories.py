"""factory_boy factories for every model the tests create. Add new ones at the end of the file."""

import datetime as dt
from decimal import Decimal

import factory
from django.contrib.auth.models import Group, User
from django.utils import timezone

from schools.models import Curator, District, Municipality, School, UserProfile
from schools.roles import ADMINISTRATOR_GROUP, DISTRICT_OFFICER_GROUP, METHODOLOGIST_GROUP, REGIONAL_GROUP
from surveys.models import (
    Answer,
    Notice,
    NoticeDelivery,
    Question,
    QuestionMessage,
    Questionnaire,
    QuestionRule,
    RoundEvent,
    Section,
    Submission,
    SubmissionRound,
)

PASSWORD = "Portal-test-pass-42"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = "Ирина"
    last_name = factory.Sequence(lambda n: f"Петрова{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.org")

    @factory.post_generation
    def password(self, create, extracted, **kwargs):
        self.set_password(extracted or PASSWORD)
        if create:
            self.save(update_fields=["password"])


def _user_in_group(group_name: str, **kwargs) -> User:
    user = UserFactory(**kwargs)
    user.groups.add(Group.objects.get_or_create(name=group_name)[0])
    return user


def _municipal(group: str, municipality, **kwargs) -> User:
    """An administrator or methodologist of `municipality` (the factories' default municipality if none is given)."""
    user = _user_in_group(group, **kwargs)
    UserProfile.objects.update_or_create(user=user, defaults={"municipality": municipality or MunicipalityFactory()})
    return user


def administrator(municipality=None, **kwargs) -> User:
    return _municipal(ADMINISTRATOR_GROUP, municipality, **kwargs)


def methodologist(municipality=None, **kwargs) -> User:
    return _municipal(METHODOLOGIST_GROUP, municipality, **kwargs)


def regional(**kwargs) -> User:
    """The regional role: every municipality."""
    return _user_in_group(REGIONAL_GROUP, **kwargs)


def district_officer(district, **kwargs) -> User:
    user = _user_in_group(DISTRICT_OFFICER_GROUP, **kwargs)
    UserProfile.objects.update_or_create(user=user, defaults={"district": district})
    return user


class MunicipalityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Municipality
        django_get_or_create = ("name",)

    name = "Ростов-на-Дону"
    name_genitive = "Ростова-на-Дону"


class DistrictFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = District

    municipality = factory.SubFactory(MunicipalityFactory)
    name = factory.Sequence(lambda n: f"Район {n}")


class SchoolFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = School

    district = factory.SubFactory(DistrictFactory)
    municipality = factory.LazyAttribute(lambda s: s.district.municipality)
    legal_form = School.LegalForm.MBOU
    number = factory.Sequence(lambda n: n + 1)
    full_name = factory.LazyAttribute(lambda s: f"МБОУ «Школа № {s.number}»")
    students_count = 800
    teachers_count = 50


class CuratorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Curator

    user = factory.SubFactory(UserFactory)
    school = factory.SubFactory(SchoolFactory)
    order_number = factory.Sequence(lambda n: f"{n}-к")
    order_date = dt.date(2022, 6, 1)


class QuestionnaireFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Questionnaire

    title = factory.Sequence(lambda n: f"Анкета {n}")
    version = 1


class SectionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Section

    questionnaire = factory.SubFactory(QuestionnaireFactory)
    order = factory.Sequence(lambda n: n)
    title = factory.Sequence(lambda n: f"Раздел {n}")


class QuestionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Question

    section = factory.SubFactory(SectionFactory)
    questionnaire = factory.LazyAttribute(lambda q: q.section.questionnaire)
    order = factory.Sequence(lambda n: n)
    code = factory.Sequence(lambda n: f"q{n}")
    text = factory.Sequence(lambda n: f"Вопрос {n}")
    type = Question.Type.INTEGER
    required = True
    min_value = Decimal(0)


class SubmissionRoundFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SubmissionRound

    title = factory.Sequence(lambda n: f"Мониторинг {n}")
    municipality = factory.SubFactory(MunicipalityFactory)
    questionnaire = factory.SubFactory(QuestionnaireFactory)
    year = 2026
    opens_at = factory.LazyFunction(lambda: timezone.now() - dt.timedelta(days=7))
    closes_at = factory.LazyFunction(lambda: timezone.now() + dt.timedelta(days=7))
    state = SubmissionRound.State.OPEN


class SubmissionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Submission

    round = factory.SubFactory(SubmissionRoundFactory)
    school = factory.SubFactory(SchoolFactory)


class AnswerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Answer

    submission = factory.SubFactory(SubmissionFactory)
    question = factory.SubFactory(QuestionFactory)


# --- Roadmaps, indicators and precomputed results (added for dashboards, exports and roadmap pages) ---
from indicators.models import Deadline, Direction, Indicator, IndicatorTarget, KeyResult, LineReport, ProcessEvent, Roadmap  # noqa: E402
from ratings.models import IndicatorProgress, Rating, SectionScore, StatusAward, StatusEligibility  # noqa: E402


class RoadmapFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Roadmap

    municipality = factory.SubFactory(MunicipalityFactory)
    title = factory.Sequence(lambda n: f"Дорожная карта {n}")
    period_start = dt.date(2021, 5, 1)
    period_end = dt.date(2023, 5, 31)


class DirectionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Direction

    roadmap = factory.SubFactory(RoadmapFactory)
    number = factory.Sequence(lambda n: n + 1)
    title = factory.Sequence(lambda n: f"Направление {n}")


class IndicatorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Indicator

    roadmap = factory.SubFactory(RoadmapFactory)
    code = factory.Sequence(lambda n: f"IND-{n}")
    order = factory.Sequence(lambda n: n)
    name = factory.Sequence(lambda n: f"Доля ОУ, выполняющих условие {n}")
    unit = Indicator.Unit.PERCENT
    level = Indicator.Level.CITY


class IndicatorTargetFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = IndicatorTarget

    indicator = factory.SubFactory(IndicatorFactory)
    due_date = dt.date(2022, 5, 31)
    year = factory.LazyAttribute(lambda t: t.due_date.year)
    value = Decimal(70)


class KeyResultFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = KeyResult

    direction = factory.SubFactory(DirectionFactory)
    roadmap = factory.LazyAttribute(lambda k: k.direction.roadmap)
    number = factory.Sequence(lambda n: f"{n + 1}.")
    order = factory.Sequence(lambda n: n)
    kind = KeyResult.Kind.PROCESS
    text = factory.Sequence(lambda n: f"Процессный: проведение семинара {n}")


class DeadlineFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Deadline

    key_result = factory.SubFactory(KeyResultFactory)
    kind = Deadline.Kind.MONTH
    due_date = dt.date(2022, 5, 31)


class ProcessEventFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ProcessEvent

    key_result = factory.SubFactory(KeyResultFactory)
    date = dt.date(2022, 3, 15)
    title = factory.Sequence(lambda n: f"Семинар «Дорожная карта. ЦОС» № {n + 1}")
    schools_count = 10
    participants_count = 25


class RatingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Rating

    round = factory.SubFactory(SubmissionRoundFactory)
    school = factory.SubFactory(SchoolFactory)
    district = factory.LazyAttribute(lambda r: r.school.district)
    points = Decimal("60.00")
    possible = Decimal("100.00")
    score = Decimal("60.0")
    rank = 1
    district_rank = 1
    level = Rating.Level.MEDIUM


class SectionScoreFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SectionScore

    round = factory.SubFactory(SubmissionRoundFactory)
    school = factory.SubFactory(SchoolFactory)
    section = factory.SubFactory(SectionFactory)
    points = Decimal("10.00")
    possible = Decimal("20.00")


class IndicatorProgressFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = IndicatorProgress

    round = factory.SubFactory(SubmissionRoundFactory)
    indicator = factory.SubFactory(IndicatorFactory)
    actual = Decimal("50.00")
    schools_with_data = 10
    schools_meeting = 5
    target_value = Decimal("70.00")
    target_due = dt.date(2022, 5, 31)
    verdict = IndicatorProgress.Verdict.NOT_ACHIEVED


class StatusEligibilityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = StatusEligibility

    round = factory.SubFactory(SubmissionRoundFactory)
    school = factory.SubFactory(SchoolFactory)
    eligible = True
    ok_score = True
    ok_speed = True
    ok_kit = True
    ok_contract = True
    ok_teachers = True
    ok_certification = True


class StatusAwardFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = StatusAward

    school = factory.SubFactory(SchoolFactory)
    municipality = factory.LazyAttribute(lambda a: a.school.municipality)
    year = 2022


class QuestionRuleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = QuestionRule

    questionnaire = factory.LazyAttribute(lambda r: r.left.questionnaire)
    kind = QuestionRule.Kind.LTE
    left = factory.SubFactory(QuestionFactory)
    right = factory.SubFactory(QuestionFactory)


def readiness_questionnaire(*, extra_questions: int = 0) -> Questionnaire:
    """A small questionnaire with every answer type and both kinds of cross rule (like the default one, shorter).

    `extra_questions` adds optional integer questions in a third section (for query-count tests).
    """
    infra = SectionFactory(title="Инфраструктура", order=1)
    questionnaire = infra.questionnaire
    staff = SectionFactory(questionnaire=questionnaire, title="Кадры и общие сведения", order=2)
    kit_choices = [["none", "нет"], ["minimal", "минимальный"], ["standard", "стандартный"]]
    specs = [
        (infra, "internet_speed", "Скорость подключения к Интернету", Question.Type.DECIMAL, {"max_value": Decimal(10000), "unit": "Мбит/с"}),
        (infra, "channel_meets_requirements", "Канал соответствует требованиям ЦОС", Question.Type.YES_NO, {"min_value": None}),
        (infra, "equipment_kit", "Комплект средств обучения ЦОС", Question.Type.SINGLE_CHOICE, {"min_value": None, "choices": kit_choices}),
        (infra, "kit_workstations", "Рабочих мест в комплекте", Question.Type.INTEGER, {"unit": "шт."}),
        (infra, "kit_workstations_fast", "Рабочих мест со скоростью не менее 100 Мбит/с", Question.Type.INTEGER, {"unit": "шт."}),
        (infra, "speed_measured_on", "Дата замера скорости", Question.Type.DATE, {"min_value": None, "required": False}),
        (staff, "teachers_ready_share", "Доля педагогов, готовых работать в ЦОС", Question.Type.PERCENT, {"max_value": Decimal(100)}),
        (
            staff,
            "platforms_used",
            "Какие платформы используются",
            Question.Type.MULTIPLE_CHOICE,
            {"min_value": None, "required": False, "choices": [["sferum", "Сферум"], ["moya_shkola", "Моя школа"], ["resh", "РЭШ"]]},
        ),
        (staff, "students_count", "Число обучающихся", Question.Type.INTEGER, {"unit": "чел."}),
        (staff, "evidence_file", "Подтверждающий документ", Question.Type.FILE, {"min_value": None, "required": False}),
        (staff, "comment", "Комментарий", Question.Type.TEXT, {"min_value": None, "required": False}),
    ]
    questions = {}
    for order, (section, code, text, kind, extra) in enumerate(specs, start=1):
        questions[code] = QuestionFactory(section=section, questionnaire=questionnaire, order=order, code=code, text=text, type=kind, **extra)
    if extra_questions:
        more = SectionFactory(questionnaire=questionnaire, title="Дополнительно", order=3)
        for n in range(extra_questions):
            QuestionFactory(section=more, questionnaire=questionnaire, order=n, code=f"extra_{n}", text=f"Дополнительный вопрос {n + 1}", required=False)
    QuestionRuleFactory(questionnaire=questionnaire, kind=QuestionRule.Kind.LTE, left=questions["kit_workstations_fast"], right=questions["kit_workstations"])
    QuestionRuleFactory(
        questionnaire=questionnaire,
        kind=QuestionRule.Kind.REQUIRES_POSITIVE,
        left=questions["equipment_kit"],
        right=questions["kit_workstations"],
        left_values=["minimal", "standard"],
    )
    return questionnaire


from ratings.models import ChoicePoints, ScoringRule, ScoringScheme, ScoringStep, StatusCriteria  # noqa: E402


class ScoringSchemeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ScoringScheme
        django_get_or_create = ("questionnaire",)

    questionnaire = factory.SubFactory(QuestionnaireFactory)


class ScoringRuleFactory(factory.django.DjangoModelFactory):
    """A rule for `question`; its scheme is the question's questionnaire's (made if missing)."""

    class Meta:
        model = ScoringRule

    question = factory.SubFactory(QuestionFactory)
    scheme = factory.LazyAttribute(lambda r: ScoringSchemeFactory(questionnaire=r.question.questionnaire))
    kind = ScoringRule.Kind.YES
    max_points = Decimal(5)


class ScoringStepFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ScoringStep

    rule = factory.SubFactory(ScoringRuleFactory, kind=ScoringRule.Kind.STEPS)
    threshold = Decimal(50)
    points = Decimal(2)


class ChoicePointsFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ChoicePoints

    rule = factory.SubFactory(ScoringRuleFactory, kind=ScoringRule.Kind.CHOICE)
    value = factory.Sequence(lambda n: f"option{n}")
    points = Decimal(1)


class StatusCriteriaFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = StatusCriteria
        django_get_or_create = ("municipality", "year")

    municipality = factory.SubFactory(MunicipalityFactory)
    year = 2026


class LineReportFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = LineReport

    key_result = factory.SubFactory(KeyResultFactory)
    roadmap = factory.LazyAttribute(lambda r: r.key_result.roadmap)
    progress = LineReport.Progress.DONE
    comment = "Выполнено, акт приложен"
    review = LineReport.Review.PENDING


class NoticeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Notice

    recipient = factory.SubFactory(UserFactory)
    kind = Notice.Kind.ACCEPTED
    event_key = factory.Sequence(lambda n: f"test:{n}")
    subject = "Анкета принята"
    text = "Анкета школы проверена и принята."
    link = "/rounds/my-school/"


class NoticeDeliveryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = NoticeDelivery

    notice = factory.SubFactory(NoticeFactory)
    recipient = factory.LazyAttribute(lambda d: d.notice.recipient)
    kind = factory.LazyAttribute(lambda d: d.notice.kind)
    email = "kurator@example.org"
    attempt = 1
    outcome = NoticeDelivery.Outcome.SENT


class QuestionMessageFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = QuestionMessage

    # An existing submission when there is one: a new numbered «Школа № N» would shift the school sequence into the seeded names.
    submission = factory.LazyFunction(lambda: Submission.objects.order_by("pk").first() or SubmissionFactory())
    question = factory.SubFactory(QuestionFactory)
    kind = QuestionMessage.Kind.REMARK
    author_name = "Методист"
    text = "Уточните значение"


class RoundEventFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RoundEvent

    round = factory.SubFactory(SubmissionRoundFactory)
    action = RoundEvent.Action.CREATED
    user_name = "Методист"


def join_round(submission_round, schools, *, replace: bool = True) -> None:
    """Schools take part in a round the way the services record it (with each school's facts for the round).

    replace: the round's participants become exactly `schools` (like `.schools.set`); else they are added.
    """
    from surveys.participants import participants_record
    from surveys.services import round_schools_set_default

    schools = list(schools)
    if replace:
        round_schools_set_default(submission_round=submission_round, schools=schools)
    else:
        participants_record(submission_round=submission_round, schools=schools)
