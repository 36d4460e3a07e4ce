"""A small city for the security tests: two districts, a curator's school, a neighbour school in the
same district and a foreign school in another district, each with submissions, answers and files,
plus every role's account. Built from factories so each test gets the same, known objects."""

import datetime as dt
import io
from dataclasses import dataclass, field
from decimal import Decimal

import openpyxl
from django.contrib.auth.models import User
from django.core.files.base import ContentFile
from django.utils import timezone

from indicators.models import Activity, Indicator, KeyResult, LineReport, ProcessEvent, Roadmap
from ratings.models import ActivitySuggestion
from ratings.summaries import district_summaries_write
from reports.models import ExportJob
from schools.models import District, School
from surveys.models import Answer, DocumentRequest, DocumentUpload, EvidenceFile, Question, Questionnaire, Submission, SubmissionRound
from tests.factories import (
    PASSWORD,
    CuratorFactory,
    DirectionFactory,
    DistrictFactory,
    IndicatorFactory,
    KeyResultFactory,
    MunicipalityFactory,
    ProcessEventFactory,
    QuestionFactory,
    RatingFactory,
    RoadmapFactory,
    SchoolFactory,
    SectionFactory,
    StatusAwardFactory,
    StatusEligibilityFactory,
    SubmissionRoundFactory,
    UserFactory,
    administrator,
    district_officer,
    join_round,
    methodologist,
    regional,
)

ROLES = ("anonymous", "curator", "district_officer", "methodologist", "administrator", "regional")
# own: the curator's school (district 1); neighbour: another school of district 1; foreign: a school of district 2;
# other_city: a school of another municipality, seen only by the regional role (methodologist and administrator are Rostov's).
TARGETS = ("own", "neighbour", "foreign", "other_city")
PDF_BYTES = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


@dataclass
class World:
    district: District
    other_district: District
    schools: dict[str, School]
    users: dict[str, User | None]
    other_users: dict[str, User]
    questionnaire: Questionnaire
    questions: dict[str, Question]
    round: SubmissionRound
    closed_round: SubmissionRound
    round_without_own: SubmissionRound  # open, but the curator's school does not take part
    other_city_round: SubmissionRound  # the other municipality's open round
    foreign_round: SubmissionRound  # open, only the foreign school (another district) takes part
    submissions: dict[str, Submission]
    answers_with_file: dict[str, Answer]
    export_jobs: dict[str, ExportJob] = field(default_factory=dict)
    # "city": the municipality's roadmap every role reads; own / neighbour / foreign: each school's own plan.
    roadmaps: dict[str, Roadmap] = field(default_factory=dict)
    key_results: dict[str, KeyResult] = field(default_factory=dict)
    events: dict[str, ProcessEvent] = field(default_factory=dict)
    # Each school plan is reported line by line: an activity with a progress report (and its document), and a
    # result whose done report waits for confirmation (no controlling person named: the administrator confirms).
    activities: dict[str, Activity] = field(default_factory=dict)
    plan_indicators: dict[str, Indicator] = field(default_factory=dict)
    line_reports: dict[str, LineReport] = field(default_factory=dict)
    pending_reports: dict[str, LineReport] = field(default_factory=dict)
    # Documents asked of schools: own and neighbour share their district's request; foreign: the other district's;
    # other_city: the other municipality's. One upload per school.
    document_requests: dict[str, DocumentRequest] = field(default_factory=dict)
    document_uploads: dict[str, DocumentUpload] = field(default_factory=dict)
    suggestion: ActivitySuggestion | None = None  # the methodologists' library of activities per section

    def school(self, target: str) -> School:
        return self.schools[target]

    def round_of(self, target: str) -> SubmissionRound:
        return self.other_city_round if target == "other_city" else self.round

    def submission(self, target: str) -> Submission:
        return self.submissions[target]


def _questionnaire() -> tuple[Questionnaire, dict[str, Question]]:
    section = SectionFactory(title="Инфраструктура", order=1)
    questionnaire = section.questionnaire
    specs = [
        ("internet_speed", Question.Type.DECIMAL, {"min_value": Decimal(0), "max_value": Decimal(10000), "unit": "Мбит/с"}),
        ("channel_meets_requirements", Question.Type.YES_NO, {"min_value": None}),
        (
            "equipment_kit",
            Question.Type.SINGLE_CHOICE,
            {"min_value": None, "choices": [["none", "нет"], ["minimal", "минимальный"], ["standard", "стандартный"]]},
        ),
        ("teachers_ready_share", Question.Type.PERCENT, {"min_value": Decimal(0), "max_value": Decimal(100)}),
        ("platforms_used", Question.Type.MULTIPLE_CHOICE, {"min_value": None, "required": False, "choices": [["sferum", "Сферум"], ["resh", "РЭШ"]]}),
        ("students_count", Question.Type.INTEGER, {"min_value": Decimal(0)}),
        ("speed_measured_on", Question.Type.DATE, {"min_value": None, "required": False}),
        ("evidence_file", Question.Type.FILE, {"min_value": None, "required": False}),
        ("comment", Question.Type.TEXT, {"min_value": None, "required": False}),
    ]
    questions = {}
    for order, (code, kind, extra) in enumerate(specs, start=1):
        questions[code] = QuestionFactory(section=section, questionnaire=questionnaire, order=order, code=code, type=kind, **extra)
    return questionnaire, questions


def _fill(submission: Submission, questions: dict[str, Question], speed: int, file_name: str) -> Answer:
    values = {
        "internet_speed": {"value_number": Decimal(speed)},
        "channel_meets_requirements": {"value_bool": True},
        "equipment_kit": {"value_text": "standard"},
        "teachers_ready_share": {"value_number": Decimal(70)},
        "platforms_used": {"value_text": "sferum|resh"},
        "students_count": {"value_number": Decimal(800)},
        "speed_measured_on": {"value_date": dt.date(2026, 3, 1)},
        "comment": {"value_text": "Секретная пометка школы"},
    }
    for code, columns in values.items():
        Answer.objects.create(submission=submission, question=questions[code], **columns)
    answer = Answer(submission=submission, question=questions["evidence_file"], file_name=file_name)
    answer.file.save(file_name, ContentFile(PDF_BYTES), save=False)
    answer.save()
    EvidenceFile.objects.create(answer=answer, file=answer.file.name, file_name=file_name, kind="pdf", size=len(PDF_BYTES))
    return answer


def _workbook_bytes(rows: list[list]) -> bytes:
    workbook = openpyxl.Workbook()
    for row in rows:
        workbook.active.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def build_world() -> World:
    municipality = MunicipalityFactory()
    other_city = MunicipalityFactory(name="Муром", name_genitive="Мурома")
    district = DistrictFactory(municipality=municipality, name="Первомайский")
    other_district = DistrictFactory(municipality=municipality, name="Советский")
    schools = {
        "own": SchoolFactory(district=district, number=10, full_name="МАОУ «Школа № 10»", legal_form=School.LegalForm.MAOU),
        "neighbour": SchoolFactory(district=district, number=97, full_name="МБОУ «Школа № 97»"),
        "foreign": SchoolFactory(district=other_district, number=87, full_name="МБОУ «Школа № 87»"),
        "other_city": SchoolFactory(district=DistrictFactory(municipality=other_city, name="Округ Муром"), number=1, full_name="МБОУ «Муромская школа № 1»"),
    }
    curators = {target: CuratorFactory(school=school, user=UserFactory(username=f"kurator-{school.number}")) for target, school in schools.items()}
    users = {
        "anonymous": None,
        "curator": curators["own"].user,
        "district_officer": district_officer(district, username="rayon-pervomaysky"),
        "methodologist": methodologist(username="metodist"),
        "administrator": administrator(username="admin-portal"),
        "regional": regional(username="minobr"),
    }
    other_users = {
        "curator_neighbour": curators["neighbour"].user,
        "curator_foreign": curators["foreign"].user,
        "curator_other_city": curators["other_city"].user,
        "district_officer_foreign": district_officer(other_district, username="rayon-sovetsky"),
        "administrator": administrator(username="admin-2"),
    }
    questionnaire, questions = _questionnaire()
    now = timezone.now()
    closed_round = SubmissionRoundFactory(
        title="Мониторинг 2025",
        municipality=municipality,
        questionnaire=questionnaire,
        year=2025,
        opens_at=now - dt.timedelta(days=400),
        closes_at=now - dt.timedelta(days=300),
        state=SubmissionRound.State.CLOSED,
    )
    round_ = SubmissionRoundFactory(title="Мониторинг 2026", municipality=municipality, questionnaire=questionnaire, year=2026, previous=closed_round)
    round_without_own = SubmissionRoundFactory(title="Мониторинг для других школ", municipality=municipality, questionnaire=questionnaire, year=2026)
    other_city_round = SubmissionRoundFactory(title="Мониторинг Мурома 2026", municipality=other_city, questionnaire=questionnaire, year=2026)
    foreign_round = SubmissionRoundFactory(title="Мониторинг Советского района", municipality=municipality, questionnaire=questionnaire, year=2026)
    join_round(foreign_round, [schools["foreign"]])
    rostov_schools = [schools[t] for t in ("own", "neighbour", "foreign")]
    for r in (round_, closed_round):
        join_round(r, rostov_schools)
    join_round(round_without_own, [schools["neighbour"], schools["foreign"]])
    join_round(other_city_round, [schools["other_city"]])
    submissions = {
        "own": Submission.objects.create(round=round_, school=schools["own"], state=Submission.State.SUBMITTED, submitted_at=now),
        "neighbour": Submission.objects.create(round=round_, school=schools["neighbour"], state=Submission.State.DRAFT),
        "foreign": Submission.objects.create(round=round_, school=schools["foreign"], state=Submission.State.SUBMITTED, submitted_at=now),
        "other_city": Submission.objects.create(round=other_city_round, school=schools["other_city"], state=Submission.State.SUBMITTED, submitted_at=now),
    }
    answers_with_file = {
        target: _fill(submission, questions, speed=100 + n * 10, file_name=f"prikaz-{target}.pdf") for n, (target, submission) in enumerate(submissions.items())
    }
    world = World(
        district=district,
        other_district=other_district,
        schools=schools,
        users=users,
        other_users=other_users,
        questionnaire=questionnaire,
        questions=questions,
        round=round_,
        closed_round=closed_round,
        round_without_own=round_without_own,
        other_city_round=other_city_round,
        foreign_round=foreign_round,
        submissions=submissions,
        answers_with_file=answers_with_file,
    )
    owners = [(role, users[role]) for role in ("district_officer", "methodologist", "administrator", "regional")]
    for owner_key, owner in [*owners, ("other_administrator", other_users["administrator"])]:
        job = ExportJob(kind="rating", params={"round": round_.pk}, user=owner, state=ExportJob.State.DONE, total_rows=1, done_rows=1, finished_at=now)
        job.file.save("rating.xlsx", ContentFile(_workbook_bytes([["Рейтинг", owner_key]])), save=False)
        job.save()
        world.export_jobs[owner_key] = job
    _roadmaps(world, municipality)
    _results(world)
    _documents(world)
    world.suggestion = ActivitySuggestion.objects.create(section_title="Инфраструктура", title="Замер скорости канала")
    return world


def _documents(world: World) -> None:
    due = timezone.localdate() + dt.timedelta(days=10)
    by_district: dict[int, DocumentRequest] = {}
    for target, school in world.schools.items():
        if school.district_id not in by_district:
            by_district[school.district_id] = DocumentRequest.objects.create(
                municipality_id=school.municipality_id, district_id=school.district_id, title=f"Копия приказа ({school.district})", due_date=due
            )
        request = by_district[school.district_id]
        upload = DocumentUpload(request=request, school=school, file_name=f"prikaz-{target}.pdf")
        upload.file.save(f"prikaz-{target}.pdf", ContentFile(PDF_BYTES), save=False)
        upload.save()
        world.document_requests[target], world.document_uploads[target] = request, upload


def _roadmaps(world: World, municipality) -> None:
    owners = {"city": {"municipality": municipality}} | {t: {"municipality": None, "school": world.schools[t]} for t in TARGETS}
    for key, owner in owners.items():
        roadmap = RoadmapFactory(title=f"Дорожная карта ЦОС ({key})", tracks_reports=key != "city", **owner)
        key_result = KeyResultFactory(direction=DirectionFactory(roadmap=roadmap), roadmap=roadmap)
        event = ProcessEventFactory(key_result=key_result, recorded_by=world.users["methodologist"])
        event.document.save(f"protokol-{key}.pdf", ContentFile(PDF_BYTES))
        world.roadmaps[key], world.key_results[key], world.events[key] = roadmap, key_result, event
        if key == "city":
            continue
        world.plan_indicators[key] = IndicatorFactory(roadmap=roadmap, code=f"PLAN-{key}", level="school")
        activity = Activity.objects.create(roadmap=roadmap, number="1", title=f"Мероприятие плана ({key})", end_date=dt.date(2030, 12, 31))
        report = LineReport(roadmap=roadmap, activity=activity, progress="in_work", comment="Идёт работа")
        report.document.save(f"otchet-{key}.pdf", ContentFile(PDF_BYTES))
        pending = LineReport.objects.create(roadmap=roadmap, key_result=key_result, progress="done", comment="Выполнено", review="pending")
        world.activities[key], world.line_reports[key], world.pending_reports[key] = activity, report, pending


def _results(world: World) -> None:
    """Ratings and status rows as the recompute would write them, so result pages have rows to show."""
    for rank, (target, school) in enumerate(world.schools.items(), start=1):
        RatingFactory(round=world.round_of(target), school=school, submission=world.submissions[target], rank=rank, district_rank=1)
        StatusEligibilityFactory(round=world.round_of(target), school=school, eligible=target != "neighbour")
        if target != "other_city":
            RatingFactory(round=world.closed_round, school=school, rank=rank, district_rank=1)
            StatusAwardFactory(school=school, year=2025, round=world.closed_round)
    rounds = [world.round.pk, world.closed_round.pk, world.other_city_round.pk]
    for round_id in rounds:
        district_summaries_write(round_id=round_id)
    SubmissionRound.objects.filter(pk__in=rounds).update(changes_seq=1, computed_seq=1, computed_at=timezone.now())


__all__ = ["PASSWORD", "ROLES", "TARGETS", "World", "build_world"]
