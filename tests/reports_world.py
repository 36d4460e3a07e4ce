"""A small known round for dashboard, school card and export tests: two districts, five schools,
submissions in every state and the rows the recompute would write (ratings, section scores,
eligibility, indicator progress), made directly with factories."""

import datetime as dt
from decimal import Decimal
from types import SimpleNamespace

from django.utils import timezone

from indicators.models import KeyResult
from ratings.models import IndicatorProgress, Rating
from ratings.summaries import district_summaries_write
from schools.models import School
from surveys.models import Question, Submission, SubmissionRound
from tests.factories import district_officer, join_round, methodologist

from .factories import (
    AnswerFactory,
    DeadlineFactory,
    DirectionFactory,
    DistrictFactory,
    IndicatorFactory,
    IndicatorProgressFactory,
    IndicatorTargetFactory,
    KeyResultFactory,
    MunicipalityFactory,
    QuestionFactory,
    QuestionnaireFactory,
    RatingFactory,
    RoadmapFactory,
    SchoolFactory,
    SectionFactory,
    SectionScoreFactory,
    StatusEligibilityFactory,
    SubmissionFactory,
    SubmissionRoundFactory,
)


def aware(year: int, month: int, day: int) -> dt.datetime:
    return timezone.make_aware(dt.datetime(year, month, day, 12, 0))


def small_round() -> SimpleNamespace:
    city = MunicipalityFactory()
    pervomaysky = DistrictFactory(municipality=city, name="Первомайский")
    sovetsky = DistrictFactory(municipality=city, name="Советский")
    s10 = SchoolFactory(district=pervomaysky, number=10, full_name="МАОУ «Школа № 10»", legal_form=School.LegalForm.MAOU)
    s97 = SchoolFactory(district=pervomaysky, number=97, full_name="МБОУ «Школа № 97»")
    s16 = SchoolFactory(district=pervomaysky, number=16, full_name="МБОУ «Школа № 16»", is_urban=False)
    s87 = SchoolFactory(district=sovetsky, number=87, full_name="МБОУ «Школа № 87»")
    s58 = SchoolFactory(district=sovetsky, number=58, full_name="МБОУ «Лицей № 58»")
    schools = [s10, s97, s16, s87, s58]

    questionnaire = QuestionnaireFactory(title="Фактическая готовность ОУ к подключению к ЦОС")
    infra = SectionFactory(questionnaire=questionnaire, order=1, title="Инфраструктура")
    staff = SectionFactory(questionnaire=questionnaire, order=2, title="Современное управление и кадры")
    kit = [["none", "нет"], ["minimal", "минимальный"], ["standard", "стандартный"]]
    platforms = [["sferum", "Сферум"], ["resh", "РЭШ"]]

    def question(section, order, code, text, kind, **extra):
        return QuestionFactory(section=section, questionnaire=questionnaire, order=order, code=code, text=text, type=kind, **extra)

    q = SimpleNamespace(
        speed=question(infra, 1, "internet_speed", "Скорость подключения к Интернету", Question.Type.DECIMAL, unit="Мбит/с"),
        channel=question(infra, 2, "channel_meets_requirements", "Канал соответствует требованиям ЦОС", Question.Type.YES_NO, min_value=None),
        kit=question(infra, 3, "equipment_kit", "Комплект средств обучения ЦОС", Question.Type.SINGLE_CHOICE, min_value=None, choices=kit),
        measured=question(infra, 4, "speed_measured_on", "Дата замера скорости", Question.Type.DATE, min_value=None, required=False),
        teachers=question(staff, 1, "teachers_ready_share", "Доля педагогов, готовых работать в ЦОС", Question.Type.PERCENT, max_value=Decimal(100)),
        platforms=question(staff, 2, "platforms_used", "Какие платформы используются", Question.Type.MULTIPLE_CHOICE, min_value=None, choices=platforms),
        comment=question(staff, 3, "comment", "Комментарий", Question.Type.TEXT, min_value=None, required=False),
    )

    previous = SubmissionRoundFactory(
        title="Мониторинг 2025",
        municipality=city,
        questionnaire=questionnaire,
        year=2025,
        opens_at=aware(2025, 3, 1),
        closes_at=aware(2025, 4, 1),
        state=SubmissionRound.State.CLOSED,
    )
    current = SubmissionRoundFactory(
        title="Мониторинг 2026",
        municipality=city,
        questionnaire=questionnaire,
        year=2026,
        opens_at=aware(2026, 3, 1),
        closes_at=aware(2026, 4, 1),
        state=SubmissionRound.State.OPEN,
        previous=previous,
    )
    for round_ in (previous, current):
        join_round(round_, schools)

    states = {s10: Submission.State.ACCEPTED, s97: Submission.State.SUBMITTED, s87: Submission.State.SUBMITTED, s16: Submission.State.DRAFT}
    submissions = {school: SubmissionFactory(round=current, school=school, state=state) for school, state in states.items()}
    answers = {
        s10: {"speed": Decimal(120), "channel": True, "kit": "standard", "measured": dt.date(2026, 3, 5), "teachers": Decimal(85), "platforms": "sferum|resh"},
        s97: {"speed": Decimal(80), "channel": True, "kit": "minimal", "teachers": Decimal("62.5"), "platforms": "sferum"},
        s87: {"speed": Decimal(40), "channel": False, "kit": "none", "teachers": Decimal(30), "comment": "Ждём подключения"},
        s16: {"speed": Decimal(10)},  # a draft: not counted anywhere
    }
    for school, values in answers.items():
        for name, value in values.items():
            question_ = getattr(q, name)
            field = {
                Question.Type.YES_NO: "value_bool",
                Question.Type.DATE: "value_date",
                Question.Type.SINGLE_CHOICE: "value_text",
                Question.Type.MULTIPLE_CHOICE: "value_text",
                Question.Type.TEXT: "value_text",
            }.get(question_.type, "value_number")
            AnswerFactory(submission=submissions[school], question=question_, **{field: value})

    def rating(round_, school, score, rank, level, prev_score=None, prev_rank=None, sections=()):
        RatingFactory(
            round=round_,
            school=school,
            score=None if score is None else Decimal(score),
            points=None if score is None else Decimal(score),
            possible=Decimal(100),
            rank=rank,
            district_rank=rank,
            level=level,
            prev_score=None if prev_score is None else Decimal(prev_score),
            prev_rank=prev_rank,
        )
        for section, points, possible in sections:
            SectionScoreFactory(round=round_, school=school, section=section, points=Decimal(points), possible=Decimal(possible))

    rating(previous, s10, "80.0", 1, Rating.Level.HIGH, sections=[(infra, 45, 60), (staff, 35, 40)])
    rating(previous, s97, "65.0", 2, Rating.Level.MEDIUM, sections=[(infra, 40, 60), (staff, 25, 40)])
    rating(current, s10, "85.5", 1, Rating.Level.HIGH, "80.0", 1, sections=[(infra, 50, 60), (staff, "35.5", 40)])
    rating(current, s97, "62.0", 2, Rating.Level.MEDIUM, "65.0", 2, sections=[(infra, 40, 60), (staff, 22, 40)])
    rating(current, s87, "40.0", 3, Rating.Level.LOW, sections=[(infra, 20, 60), (staff, 20, 40)])
    rating(current, s16, None, None, Rating.Level.NO_DATA)
    rating(current, s58, None, None, Rating.Level.NO_DATA)
    StatusEligibilityFactory(round=current, school=s10)
    StatusEligibilityFactory(round=current, school=s97, eligible=False, ok_score=False, ok_kit=False)
    StatusEligibilityFactory(round=current, school=s87, eligible=False, ok_score=False, ok_speed=False, ok_kit=False, ok_contract=False, ok_teachers=False)
    for round_ in (previous, current):
        district_summaries_write(round_id=round_.pk)

    roadmap = RoadmapFactory(municipality=city, title="Цифровая трансформация системы образования города Ростова-на-Дону")
    speed = IndicatorFactory(roadmap=roadmap, code="ROS-SPEED", name="Доля ОУ с доступом к Интернету не менее 100 Мбит/с", question_code="internet_speed")
    IndicatorTargetFactory(indicator=speed, due_date=dt.date(2021, 5, 31), value=Decimal(70))
    IndicatorTargetFactory(indicator=speed, due_date=dt.date(2022, 5, 31), value=Decimal(90))
    IndicatorProgressFactory(round=previous, indicator=speed, actual=Decimal("50.00"), schools_with_data=2, schools_meeting=1, target_value=Decimal(90))
    IndicatorProgressFactory(round=current, indicator=speed, actual=Decimal("33.33"), schools_with_data=3, schools_meeting=1, target_value=Decimal(90))
    IndicatorProgressFactory(round=current, indicator=speed, school=s10, actual=Decimal(100), verdict=IndicatorProgress.Verdict.ACHIEVED)
    direction = DirectionFactory(roadmap=roadmap, number=1, title="Формирование современной инфраструктуры образовательных организаций")
    speed_result = KeyResultFactory(
        direction=direction,
        kind=KeyResult.Kind.FINAL,
        text="Окончательный: обеспеченность ОУ доступом к сети Интернет со скоростью не менее 100 Мб/с: не менее 90% ОУ",
        deadline_text="Май 2022",
        indicator=speed,
        target_value=Decimal(90),
        target_unit="%",
    )
    DeadlineFactory(key_result=speed_result, due_date=dt.date(2022, 5, 31))

    return SimpleNamespace(
        city=city,
        pervomaysky=pervomaysky,
        sovetsky=sovetsky,
        s10=s10,
        s97=s97,
        s16=s16,
        s87=s87,
        s58=s58,
        schools=schools,
        questionnaire=questionnaire,
        infra=infra,
        staff=staff,
        q=q,
        previous=previous,
        current=current,
        submissions=submissions,
        roadmap=roadmap,
        speed=speed,
        speed_result=speed_result,
    )


def many_schools(world: SimpleNamespace, count: int) -> None:
    """Add `count` rated schools with accepted submissions to the world's current round."""
    for n in range(count):
        district = world.pervomaysky if n % 2 else world.sovetsky
        school = SchoolFactory(district=district, number=1000 + n, full_name=f"МБОУ «Школа № {1000 + n}»")
        join_round(world.current, [school], replace=False)
        SubmissionFactory(round=world.current, school=school, state=Submission.State.ACCEPTED)
        RatingFactory(round=world.current, school=school, score=Decimal(n % 100), rank=4 + n, level=Rating.Level.LOW)
        SectionScoreFactory(round=world.current, school=school, section=world.infra)
        StatusEligibilityFactory(round=world.current, school=school, eligible=n % 3 == 0)
    district_summaries_write(round_id=world.current.pk)


def exports_one_after_another(world) -> list[tuple]:
    """(label, user, round) of four exports in one process, as the exports' tests of queries compiled once per process
    (reports/exports/sheets.py: Prepared) make them: a whole city, one district, the previous round, the city again."""
    return [
        ("city", methodologist(), world.current),
        ("district", district_officer(world.sovetsky), world.current),
        ("previous", methodologist(), world.previous),
        ("city again", methodologist(), world.current),
    ]
