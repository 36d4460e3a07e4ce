"""A synthetic region for load tests: districts, schools, curators and rounds of answers.

Everything drawn comes from one `random.Random(seed)` in a fixed order, so the same
`--schools/--rounds/--seed` give the same region, school by school and answer by answer.
Rows go in with bulk inserts (answers, the biggest table, with COPY on PostgreSQL).
Ratings are not written here: the caller runs the ratings recompute afterwards.
"""

from __future__ import annotations

import datetime as dt
import io
import math
import random
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import connection, transaction
from django.utils import timezone

from schools.models import Curator, District, Municipality, School
from surveys.models import Answer, Question, Questionnaire, RoundParticipant, Submission, SubmissionRound

DEFAULT_QUESTIONNAIRE_TITLE = "Фактическая готовность ОУ к подключению к ЦОС. Инфраструктура сегодня"
DEFAULT_QUESTIONNAIRE_VERSION = 1
BATCH_SIZE = 2000
# Submissions per COPY chunk: keeps the text buffer of answers at a few megabytes.
COPY_CHUNK_SUBMISSIONS = 5000

DISTRICT_BASES = [
    "Центральный",
    "Северный",
    "Южный",
    "Западный",
    "Восточный",
    "Заречный",
    "Приморский",
    "Лесной",
    "Степной",
    "Нагорный",
    "Садовый",
    "Речной",
    "Озёрный",
    "Железнодорожный",
    "Промышленный",
    "Луговой",
    "Полевой",
    "Кировский",
    "Октябрьский",
    "Советский",
]
FIRST_NAMES = ["Ирина", "Елена", "Ольга", "Наталья", "Татьяна", "Светлана", "Марина", "Анна", "Сергей", "Андрей", "Алексей", "Дмитрий"]
LAST_NAMES = ["Иванова", "Петрова", "Смирнова", "Кузнецова", "Попова", "Соколова", "Лебедева", "Козлова", "Новикова", "Морозова", "Волкова", "Фёдорова"]
POSITIONS = ["заместитель директора по УВР", "заместитель директора по ИКТ", "учитель информатики", "методист"]
COMMENTS = [
    "Скорость измерена на сервере школы в учебное время.",
    "Договор на следующий год на согласовании.",
    "Часть рабочих мест комплекта ожидает подключения.",
    "Педагоги проходят диагностику ИКТ-компетенций.",
]
RETURN_COMMENTS = [
    "Уточните скорость Интернета: приложите скриншот замера.",
    "Число рабочих мест со скоростью от 100 Мбит/с больше числа рабочих мест комплекта.",
    "Доля готовых педагогов не совпадает с результатами диагностики.",
]
# (kind code, label in the name, weight) for urban and rural schools.
URBAN_KINDS = [(School.Kind.SCHOOL, "Школа", 45), (School.Kind.SOSH, "СОШ", 30), (School.Kind.GYMNASIUM, "Гимназия", 13), (School.Kind.LYCEUM, "Лицей", 12)]
RURAL_KINDS = [(School.Kind.SOSH, "СОШ", 80), (School.Kind.SCHOOL, "Школа", 20)]
# Probability that a rural district is chosen; the mean is ~0.25, so about a quarter of schools are rural.
DISTRICT_RURAL_SHARES = [0.05, 0.1, 0.15, 0.25, 0.4, 0.6]
PLATFORM_CHANCES = {"sferum": 0.9, "moya_shkola": 0.7, "resh": 0.5, "uchi": 0.4, "yandex": 0.3, "sberclass": 0.15}

# Share of each submission state in a round; what is left over is "no submission at all".
OPEN_ROUND_STATES = [(Submission.State.ACCEPTED, 0.47), (Submission.State.SUBMITTED, 0.40), (Submission.State.RETURNED, 0.04), (Submission.State.DRAFT, 0.04)]
CLOSED_ROUND_STATES = [(Submission.State.ACCEPTED, 0.81), (Submission.State.SUBMITTED, 0.06), (Submission.State.RETURNED, 0.04), (Submission.State.DRAFT, 0.04)]
# Readiness grows by this much from one round to the next.
YEARLY_GROWTH = 0.07
# The region's roadmap copies this municipality's indicators that are computed from the questionnaire.
SOURCE_ROADMAP_MUNICIPALITY = "Ростов-на-Дону"


class SyntheticRegionError(Exception):
    """Something the user must fix before a region can be generated; the message says what."""


@dataclass
class SyntheticSchool:
    index: int
    district_index: int
    is_urban: bool
    legal_form: str
    kind: str
    full_name: str
    students: int
    teachers: int
    readiness: float
    pk: int | None = None


@dataclass
class GenerationReport:
    municipality_id: int
    round_ids: list[int]
    districts: int = 0
    schools: int = 0
    curators: int = 0
    submissions: int = 0
    answers: int = 0
    states: dict[str, int] = field(default_factory=dict)
    # Seconds per phase: "schools" (districts, schools, curators) and "round 1", "round 2", ...
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def seconds(self) -> float:
        return sum(self.timings.values())


def region_name(seed: int) -> str:
    return f"Синтетический регион S={seed}"


def default_questionnaire() -> Questionnaire:
    questionnaire = Questionnaire.objects.filter(title=DEFAULT_QUESTIONNAIRE_TITLE, version=DEFAULT_QUESTIONNAIRE_VERSION).first()
    if questionnaire is None:
        raise SyntheticRegionError(
            f"Нет опросной формы по умолчанию «{DEFAULT_QUESTIONNAIRE_TITLE}» (версия {DEFAULT_QUESTIONNAIRE_VERSION}). "
            "Сначала загрузите данные: python manage.py load_seed_data"
        )
    return questionnaire


def region_generate(
    *,
    schools: int,
    rounds: int,
    seed: int,
    districts: int | None = None,
    replace: bool = False,
    password: str | None = None,
    log: Callable[[str], None] | None = None,
) -> GenerationReport:
    """Create the region «Синтетический регион S=<seed>» with its schools, curators and rounds.

    Districts default to one per ~50 schools (at least 3)."""
    if schools < 1 or rounds < 1 or (districts is not None and districts < 1):
        raise SyntheticRegionError("Нужны хотя бы одна школа, один раунд и один район.")
    log = log or (lambda message: None)
    questionnaire = default_questionnaire()
    questions = list(questionnaire.questions.order_by("section__order", "order", "id"))
    name = region_name(seed)
    existing = Municipality.objects.filter(name=name).first()
    if existing is not None:
        if not replace:
            raise SyntheticRegionError(f"«{name}» уже есть. Укажите другой --seed или --replace, чтобы создать его заново.")
        started = time.perf_counter()
        region_delete(municipality=existing)
        log(f"Прежний «{name}» удалён за {time.perf_counter() - started:.1f} с")

    rng = random.Random(seed)
    with transaction.atomic():
        started = time.perf_counter()
        municipality = Municipality.objects.create(name=name, name_genitive=f"Синтетического региона S={seed}", kind=Municipality.Kind.RURAL)
        district_ids, plan = _create_schools(municipality=municipality, schools=schools, districts=districts, rng=rng)
        curators = _create_curators(plan=plan, seed=seed, password=password, rng=rng)
        report = GenerationReport(municipality_id=municipality.pk, round_ids=[], districts=len(district_ids), schools=len(plan), curators=curators)
        report.timings["schools"] = time.perf_counter() - started
        log(f"Районов: {report.districts}, школ: {report.schools}, кураторов: {curators} — {report.timings['schools']:.1f} с")

        _copy_city_indicators(municipality=municipality, seed=seed)
        if questionnaire.frozen_at is None:
            Questionnaire.objects.filter(pk=questionnaire.pk).update(frozen_at=timezone.now())
        generator = AnswerGenerator(questions)
        previous = None
        now = timezone.now()
        for number in range(1, rounds + 1):
            started = time.perf_counter()
            years_back = rounds - number
            is_open = years_back == 0
            opens_at = now - dt.timedelta(days=10) - dt.timedelta(days=365 * years_back)
            round_ = SubmissionRound.objects.create(
                title=f"Мониторинг готовности к ЦОС {opens_at.year} ({name})",
                municipality=municipality,
                questionnaire=questionnaire,
                year=opens_at.year,
                opens_at=opens_at,
                closes_at=opens_at + dt.timedelta(days=30),
                state=SubmissionRound.State.OPEN if is_open else SubmissionRound.State.CLOSED,
                previous=previous,
                # Nothing computed yet: the round says its results lag until the recompute runs.
                changes_seq=1,
            )
            _ensure_status_criteria(municipality=municipality, year=round_.year)
            RoundParticipant.objects.bulk_create(
                [
                    RoundParticipant(round_id=round_.pk, school_id=school.pk, district_id=district_ids[school.district_index], is_urban=school.is_urban)
                    for school in plan
                ],
                batch_size=BATCH_SIZE,
            )
            submissions, answers, states = _create_round(round_=round_, plan=plan, generator=generator, years_back=years_back, rng=rng)
            report.round_ids.append(round_.pk)
            report.submissions += submissions
            report.answers += answers
            for state, count in states.items():
                report.states[state] = report.states.get(state, 0) + count
            report.timings[f"round {number}"] = time.perf_counter() - started
            log(f"Раунд {number} ({'открыт' if is_open else 'закрыт'}): анкет {submissions}, ответов {answers} — {report.timings[f'round {number}']:.1f} с")
            previous = round_
    if connection.vendor == "postgresql":
        # Fresh statistics: right after a bulk load the planner would otherwise pick nested loops over
        # hundreds of thousands of answers (a 10,000-school recompute took minutes instead of seconds).
        started = time.perf_counter()
        with connection.cursor() as cursor:
            for model in (School, Curator, get_user_model(), Submission, Answer, RoundParticipant):
                cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")
        report.timings["analyze"] = time.perf_counter() - started
    return report


def region_delete(*, municipality: Municipality) -> None:
    """Remove a synthetic region and everything hanging off it (only regions made here)."""
    if not municipality.name.startswith("Синтетический регион"):
        raise SyntheticRegionError(f"«{municipality}» не синтетический регион: удалять его этой командой нельзя.")
    User = get_user_model()
    with transaction.atomic():
        rounds = SubmissionRound.objects.filter(municipality=municipality)
        Answer.objects.filter(submission__round__in=rounds).delete()
        rounds.delete()
        user_ids = list(Curator.objects.filter(school__municipality=municipality).values_list("user_id", flat=True))
        School.objects.filter(municipality=municipality).delete()
        User.objects.filter(pk__in=user_ids).delete()
        municipality.status_criteria.all().delete()
        District.objects.filter(municipality=municipality).delete()
        municipality.delete()


def _weighted(rng: random.Random, options: list[tuple]) -> tuple:
    total = sum(option[-1] for option in options)
    point = rng.random() * total
    for option in options:
        point -= option[-1]
        if point < 0:
            return option
    return options[-1]


def _create_schools(*, municipality: Municipality, schools: int, districts: int | None, rng: random.Random) -> tuple[list[int], list[SyntheticSchool]]:
    district_count = districts or max(3, round(schools / 50))
    names = []
    for index in range(district_count):
        base = DISTRICT_BASES[index % len(DISTRICT_BASES)]
        lap = index // len(DISTRICT_BASES)
        names.append(f"{base} район" if lap == 0 else f"{base} район {lap + 1}")
    District.objects.bulk_create([District(municipality=municipality, name=name) for name in names], batch_size=BATCH_SIZE)
    by_name = dict(District.objects.filter(municipality=municipality).values_list("name", "id"))
    district_ids = [by_name[name] for name in names]
    rural_shares = [rng.choice(DISTRICT_RURAL_SHARES) for _ in district_ids]

    plan = []
    for index in range(schools):
        district_index = rng.randrange(district_count)
        is_urban = rng.random() >= rural_shares[district_index]
        kind, label, _ = _weighted(rng, URBAN_KINDS if is_urban else RURAL_KINDS)
        legal_form = School.LegalForm.MAOU if rng.random() < 0.15 else School.LegalForm.MBOU
        students = max(40, int(rng.lognormvariate(math.log(850 if is_urban else 220), 0.4)))
        teachers = max(6, round(students / rng.uniform(13, 18)))
        readiness = rng.betavariate(2.5, 2.5) - (0.0 if is_urban else 0.12)
        plan.append(
            SyntheticSchool(
                index=index,
                district_index=district_index,
                is_urban=is_urban,
                legal_form=legal_form,
                kind=kind,
                full_name=f"{legal_form} «{label} № {index + 1}»",
                students=students,
                teachers=teachers,
                readiness=readiness,
            )
        )
    School.objects.bulk_create(
        [
            School(
                municipality=municipality,
                district_id=district_ids[school.district_index],
                legal_form=school.legal_form,
                kind=school.kind,
                number=school.index + 1,
                full_name=school.full_name,
                is_urban=school.is_urban,
                students_count=school.students,
                teachers_count=school.teachers,
            )
            for school in plan
        ],
        batch_size=BATCH_SIZE,
    )
    # Read the keys back by name: not every backend returns them from a bulk insert.
    school_ids = dict(School.objects.filter(municipality=municipality).values_list("full_name", "id"))
    for school in plan:
        school.pk = school_ids[school.full_name]
    return district_ids, plan


def _create_curators(*, plan: list[SyntheticSchool], seed: int, password: str | None, rng: random.Random) -> int:
    User = get_user_model()
    # One hash for every account: hashing 40,000 passwords one by one would take minutes.
    password_hash = make_password(password)
    prefix = f"synth{seed}-kurator-"
    width = max(4, len(str(len(plan))))
    users = []
    for school in plan:
        username = f"{prefix}{school.index + 1:0{width}d}"
        users.append(
            User(
                username=username,
                first_name=rng.choice(FIRST_NAMES),
                last_name=rng.choice(LAST_NAMES),
                email=f"{username}@synthetic.invalid",
                password=password_hash,
                is_active=True,
            )
        )
    User.objects.bulk_create(users, batch_size=BATCH_SIZE)
    user_ids = dict(User.objects.filter(username__startswith=prefix).values_list("username", "id"))
    order_date = dt.date(timezone.localdate().year - 1, 9, 1)
    Curator.objects.bulk_create(
        [
            Curator(
                user_id=user_ids[user.username],
                school_id=school.pk,
                position=rng.choice(POSITIONS),
                order_number=f"{school.index + 1}-к",
                order_date=order_date,
                is_active=True,
            )
            for user, school in zip(users, plan, strict=True)
        ],
        batch_size=BATCH_SIZE,
    )
    return len(users)


def _copy_city_indicators(*, municipality: Municipality, seed: int) -> None:
    """Give the region a roadmap with Rostov's questionnaire-linked city indicators and their targets,
    so its recompute computes indicator progress as a real municipality's does."""
    from indicators.models import Indicator, IndicatorTarget, Roadmap

    source = Roadmap.objects.filter(municipality__name=SOURCE_ROADMAP_MUNICIPALITY).order_by("pk").first()
    if source is None:
        return
    roadmap = Roadmap.objects.create(
        kind=Roadmap.Kind.MUNICIPAL,
        municipality=municipality,
        title=f"Дорожная карта синтетического региона S={seed} (показатели как у Ростова-на-Дону)",
        period_start=source.period_start,
        period_end=source.period_end,
        source="generate_region",
    )
    indicators = list(source.indicators.filter(level=Indicator.Level.CITY, parent__isnull=True).exclude(question_code="").prefetch_related("targets"))
    for indicator in indicators:
        targets = list(indicator.targets.all())
        indicator.pk = None
        indicator.roadmap = roadmap
        indicator.save()
        IndicatorTarget.objects.bulk_create(
            [
                IndicatorTarget(indicator=indicator, year=t.year, due_date=t.due_date, value=t.value, absolute_value=t.absolute_value, raw_text=t.raw_text)
                for t in targets
            ]
        )


def _ensure_status_criteria(*, municipality: Municipality, year: int) -> None:
    from ratings.models import StatusCriteria

    StatusCriteria.objects.get_or_create(municipality=municipality, year=year)


def _create_round(*, round_: SubmissionRound, plan: list[SyntheticSchool], generator: AnswerGenerator, years_back: int, rng: random.Random):
    is_open = round_.state == SubmissionRound.State.OPEN
    weights = OPEN_ROUND_STATES if is_open else CLOSED_ROUND_STATES
    elapsed = (timezone.now() - round_.opens_at) if is_open else (round_.closes_at - round_.opens_at)
    drawn = []  # (school, state, submitted_at, answers)
    for school in plan:
        point = rng.random()
        state = None
        for candidate, share in weights:
            point -= share
            if point < 0:
                state = candidate
                break
        if state is None:
            continue
        moment = round_.opens_at + elapsed * rng.random()
        # Drafts: half are complete and merely not sent, half are left partly filled.
        partial = state == Submission.State.DRAFT and rng.random() < 0.5
        readiness = school.readiness - YEARLY_GROWTH * years_back + rng.gauss(0, 0.03)
        answers = generator.answers(school=school, readiness=readiness, measured_before=moment.date(), partial=partial, rng=rng)
        drawn.append((school, state, moment, answers))

    curator_users = dict(Curator.objects.filter(school__in=[school.pk for school, *_ in drawn], is_active=True).values_list("school_id", "user_id"))
    submissions = []
    states: dict[str, int] = {}
    for school, state, moment, _ in drawn:
        states[state] = states.get(state, 0) + 1
        sent = state != Submission.State.DRAFT
        reviewed = state in (Submission.State.ACCEPTED, Submission.State.RETURNED)
        submissions.append(
            Submission(
                round=round_,
                school_id=school.pk,
                state=state,
                version={Submission.State.DRAFT: 1, Submission.State.SUBMITTED: 2}.get(state, 3),
                updated_by_id=curator_users.get(school.pk),
                submitted_at=moment if sent else None,
                reviewed_at=moment + dt.timedelta(days=2) if reviewed else None,
                return_comment=rng.choice(RETURN_COMMENTS) if state == Submission.State.RETURNED else "",
            )
        )
    Submission.objects.bulk_create(submissions, batch_size=BATCH_SIZE)
    submission_ids = dict(Submission.objects.filter(round=round_).values_list("school_id", "id"))
    rows = ((submission_ids[school.pk], answers) for school, _, _, answers in drawn)
    answer_count = _insert_answers(rows)
    return len(submissions), answer_count, states


def _insert_answers(rows: Iterable[tuple[int, list[tuple[int, dict]]]]) -> int:
    """Insert answers given as (submission id, [(question id, {field: value})]); COPY on PostgreSQL."""
    now = timezone.now()
    fields = [f for f in Answer._meta.concrete_fields if not f.primary_key]
    defaults = {f.attname: (now if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False) else f.get_default()) for f in fields}
    defaults["submission_id"] = defaults["question_id"] = None
    count = 0
    if connection.vendor != "postgresql":
        batch = []
        for submission_id, answers in rows:
            for question_id, values in answers:
                batch.append(Answer(**{**defaults, **values, "submission_id": submission_id, "question_id": question_id}))
            if len(batch) >= BATCH_SIZE * 10:
                Answer.objects.bulk_create(batch, batch_size=BATCH_SIZE)
                count += len(batch)
                batch = []
        Answer.objects.bulk_create(batch, batch_size=BATCH_SIZE)
        return count + len(batch)

    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    sql = f"COPY {connection.ops.quote_name(Answer._meta.db_table)} ({columns}) FROM STDIN"
    attnames = [f.attname for f in fields]
    with connection.cursor() as cursor:
        for chunk in _chunks(rows, COPY_CHUNK_SUBMISSIONS):
            buffer = io.StringIO()
            for submission_id, answers in chunk:
                for question_id, values in answers:
                    record = {**defaults, **values, "submission_id": submission_id, "question_id": question_id}
                    buffer.write("\t".join(_copy_text(record[name]) for name in attnames))
                    buffer.write("\n")
                    count += 1
            buffer.seek(0)
            cursor.cursor.copy_expert(sql, buffer)
    return count


def _chunks(items: Iterable, size: int) -> Iterator[list]:
    chunk = []
    for item in items:
        chunk.append(item)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _copy_text(value) -> str:
    if value is None:
        return "\\N"
    if value is True:
        return "t"
    if value is False:
        return "f"
    if isinstance(value, dt.datetime):
        return value.isoformat()
    text = str(value)
    if "\\" in text or "\t" in text or "\n" in text or "\r" in text:
        text = text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")
    return text


def _beta_percent(rng: random.Random, mean: float, concentration: float = 8.0) -> float:
    mean = min(0.97, max(0.03, mean))
    return 100 * rng.betavariate(mean * concentration, (1 - mean) * concentration)


class AnswerGenerator:
    """Draws one school's answers to the questionnaire; questions it does not know get plausible values by type."""

    def __init__(self, questions: list[Question]):
        self.questions = questions

    def answers(self, *, school: SyntheticSchool, readiness: float, measured_before: dt.date, partial: bool, rng: random.Random) -> list[tuple[int, dict]]:
        r = min(1.0, max(0.0, readiness))
        drawn: dict[str, object] = {}
        result = []
        for question in self.questions:
            value = self._value(question, school=school, r=r, drawn=drawn, measured_before=measured_before, rng=rng)
            # A partly filled draft leaves about a third of the questions empty.
            if value is None or (partial and rng.random() < 0.35):
                continue
            drawn[question.code] = value
            result.append((question.pk, self._stored(question, value)))
        return result

    def _value(self, question: Question, *, school: SyntheticSchool, r: float, drawn: dict, measured_before: dt.date, rng: random.Random):
        code = question.code
        choices = [str(value) for value, _ in question.choices]
        threshold = 100 if school.is_urban else 50
        if code == "internet_speed":
            median = 100 * math.exp(1.4 * (r - 0.5)) * (1.0 if school.is_urban else 0.55)
            speed = median * rng.lognormvariate(0, 0.45)
            return self._number(question, round(speed, -1) if rng.random() < 0.3 else round(speed, 1))
        if code == "channel_meets_requirements":
            return rng.random() < (0.9 if float(drawn.get("internet_speed", 0)) >= threshold else 0.3)
        if code == "connection_contract_next_year":
            return rng.random() < 0.55 + 0.4 * r
        if code == "equipment_kit" and {"none", "minimal", "standard"} <= set(choices):
            point = rng.random()
            if point < max(0.03, 0.35 - 0.4 * r):
                return "none"
            return "standard" if point > 1 - (0.1 + 0.6 * r) else "minimal"
        if code == "kit_workstations":
            kit = drawn.get("equipment_kit")
            count = {"none": 0 if rng.random() < 0.7 else rng.randint(1, 3), "minimal": rng.randint(4, 12), "standard": rng.randint(12, 35)}.get(
                kit, rng.randint(0, 20)
            )
            return self._number(question, count)
        if code == "kit_workstations_fast":
            workstations = int(drawn.get("kit_workstations", 0))
            share = min(1.0, float(drawn.get("internet_speed", 0)) / 150) * rng.uniform(0.6, 1.0)
            return self._number(question, min(workstations, round(workstations * share)))
        if code == "speed_measured_on":
            return measured_before - dt.timedelta(days=rng.randint(0, 60)) if rng.random() < 0.75 else None
        if code == "teachers_ready_share":
            return self._number(question, round(_beta_percent(rng, 0.35 + 0.55 * r), 1))
        if code == "admin_ready_share":
            return self._number(question, round(_beta_percent(rng, 0.45 + 0.5 * r), 1))
        if code == "platforms_used":
            picked = [value for value in choices if rng.random() < PLATFORM_CHANCES.get(value, 0.3) * (0.7 + 0.4 * r)]
            return "|".join(picked) or None
        if code == "best_practice" and {"none", "prospective", "current"} <= set(choices):
            point = rng.random()
            if point < 0.05 + 0.15 * r:
                return "current"
            return "prospective" if point < 0.15 + 0.4 * r else "none"
        if code == "ecosystem_member":
            return rng.random() < 0.2 + 0.6 * r
        if code == "ris_content_share":
            return self._number(question, round(_beta_percent(rng, 0.6 + 0.35 * r, 12), 1))
        if code == "ris_active_users_share":
            return self._number(question, round(_beta_percent(rng, 0.5 + 0.45 * r, 10), 1))
        if code == "parents_consultation":
            return rng.random() < 0.5 + 0.45 * r
        if code == "students_count":
            return self._number(question, round(school.students * rng.uniform(0.97, 1.03)))
        if code == "teachers_count":
            return self._number(question, round(school.teachers * rng.uniform(0.95, 1.05)))
        if code == "certification_request":
            return rng.random() < 0.1 + 0.6 * r * r
        if code == "comment":
            return rng.choice(COMMENTS) if rng.random() < 0.08 else None
        return self._by_type(question, r=r, measured_before=measured_before, rng=rng)

    def _by_type(self, question: Question, *, r: float, measured_before: dt.date, rng: random.Random):
        kind = question.type
        choices = [str(value) for value, _ in question.choices]
        if not question.required and rng.random() < 0.3:
            return None
        if kind == Question.Type.YES_NO:
            return rng.random() < 0.3 + 0.6 * r
        if kind == Question.Type.PERCENT:
            return self._number(question, round(_beta_percent(rng, 0.3 + 0.6 * r), 1))
        if kind in (Question.Type.INTEGER, Question.Type.DECIMAL):
            low = float(question.min_value) if question.min_value is not None else 0.0
            high = float(question.max_value) if question.max_value is not None else low + 100
            value = low + (high - low) * min(1.0, rng.betavariate(2, 5) * (0.6 + r))
            return self._number(question, value)
        if kind == Question.Type.SINGLE_CHOICE and choices:
            return choices[min(len(choices) - 1, int(rng.random() * (0.5 + r) * len(choices)))]
        if kind == Question.Type.MULTIPLE_CHOICE and choices:
            return "|".join(value for value in choices if rng.random() < 0.3 + 0.5 * r) or None
        if kind == Question.Type.DATE:
            return measured_before - dt.timedelta(days=rng.randint(0, 90))
        if kind == Question.Type.TEXT and question.required:
            return "Сведения уточняются."
        return None

    @staticmethod
    def _number(question: Question, value) -> Decimal | int:
        low = question.min_value
        high = question.max_value
        number = Decimal(str(value))
        if low is not None:
            number = max(number, low)
        if high is not None:
            number = min(number, high)
        if question.type == Question.Type.INTEGER:
            return int(number)
        return number.quantize(Decimal("0.1"))

    @staticmethod
    def _stored(question: Question, value) -> dict:
        if isinstance(value, bool):
            return {"value_bool": value}
        if isinstance(value, (int, Decimal)):
            return {"value_number": Decimal(value)}
        if isinstance(value, dt.date):
            return {"value_date": value}
        return {"value_text": value}
