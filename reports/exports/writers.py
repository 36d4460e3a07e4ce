"""The five exports: rating, answers, completeness of a round, indicator progress, the status annex.
Each writer takes selector output (querysets already scoped to the user's schools) and a path."""

import datetime as dt
import functools
from dataclasses import dataclass, field, replace
from decimal import Decimal

from django.db import connection
from django.db.models import F, FilteredRelation, IntegerField, Max, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Cast
from django.utils import timezone

from indicators.models import Indicator, IndicatorTarget, Roadmap
from ratings.models import IndicatorProgress, Rating, SectionScore, StatusAward, StatusEligibility
from schools.models import Curator, Municipality, School
from schools.roles import Access
from surveys.models import Question, Section, SubmissionRound
from surveys.selectors import NOT_STARTED, STATE_LABELS, round_completeness, round_schools

from .sheets import (
    FORMAT_CHANGE,
    FORMAT_CHANGE_INT,
    FORMAT_DATE,
    FORMAT_DATETIME,
    FORMAT_DECIMAL,
    FORMAT_INT,
    FORMAT_PERCENT,
    FORMAT_SCORE,
    PERCENT,
    Bound,
    Column,
    Parameter,
    Prepared,
    Progress,
    Sheet,
    SubqueryParameter,
    Words,
    chunks,
    fit,
    longest,
    new_workbook,
    report,
)

# --- Rating of a round -------------------------------------------------------------------------


RATING_FIELDS = (
    "rank",
    "district_rank",
    "school__full_name",
    "district__name",  # the district the round keeps for the school, the one its district rank is in
    "school__legal_form",
    "score",
    "points",
    "possible",
    "level",
)
# After the points of each section: the changes since the previous round, and the status eligibility with its criteria.
RATING_TAIL = ("score_change", "rank_change", "status__eligible", *(f"status__{name}" for name in StatusEligibility.CRITERIA))


def rating_rows(round_: SubmissionRound, schools: QuerySet[School], section_ids: list[int], *, pks: Bound | None = None) -> QuerySet | Bound:
    """The round's ratings of the given schools as value tuples in the sheet's order (RATING_FIELDS, the points of
    each section, RATING_TAIL) in one query whatever the number of schools: the section points joined once and folded
    per rating, the status eligibility joined beside them, the changes subtracted by the database. On PostgreSQL the
    query is built and compiled once per process and number of sections, and bound here to the round, its sections
    and the schools (`pks`: their `Bound.subquery`, if compiled already)."""
    if connection.vendor == "postgresql":
        sections = {f"section_{i}": pk for i, pk in enumerate(section_ids)}
        return _prepared_rating_rows(len(section_ids)).bind(round=round_.pk, schools=pks or schools.values("pk"), **sections)
    return _rating_rows(round_.pk, schools.values("pk"), section_ids)


@functools.lru_cache(maxsize=64)
def _prepared_rating_rows(sections: int) -> Prepared:
    return Prepared(_rating_rows(Parameter("round"), SubqueryParameter("schools"), [Parameter(f"section_{i}") for i in range(sections)]))


@functools.lru_cache(maxsize=8)
def _prepared_rating_sections(vendor: str) -> Prepared:
    # Only sections the recompute scored: a section of plain facts (numbers of students, a comment) would be an empty column.
    scored = SectionScore.objects.filter(round_id=Parameter("round")).values("section_id")
    return Prepared(Section.objects.filter(questionnaire_id=Parameter("questionnaire"), pk__in=scored).order_by("order", "pk").values_list("pk", "title"))


def _rating_rows(round_id, school_ids, section_ids: list) -> QuerySet:
    """`rating_rows`' query, its values given (SQLite) or `Parameter`s (PostgreSQL, prepared)."""
    # Each section's aggregate refers to the joined row's section and points by name (not the join path again).
    per_section = {f"section_{i}": Max("section_points", filter=Q(section_of_row=pk)) for i, pk in enumerate(section_ids)}
    return (
        Rating.objects.filter(round_id=round_id, school_id__in=school_ids)
        .annotate(
            status=FilteredRelation("school__status_eligibility", condition=Q(school__status_eligibility__round_id=round_id)),
            section_rows=FilteredRelation("school__section_scores", condition=Q(school__section_scores__round_id=round_id)),
        )
        .alias(section_of_row=F("section_rows__section_id"), section_points=F("section_rows__points"))
        .annotate(**per_section, score_change=F("score") - F("prev_score"), rank_change=F("prev_rank") - F("rank"))  # up: positive
        .order_by(F("rank").asc(nulls_last=True), "district__name", "school__full_name", "pk")
        .values_list(*RATING_FIELDS, *per_section, *RATING_TAIL)
    )


LEVELS = dict(Rating.Level.choices)


def write_rating(
    path, *, round_: SubmissionRound, schools: QuerySet[School], exported_at: dt.datetime, scope: str = "", progress: Progress | None = None
) -> int:
    sections = _prepared_rating_sections(connection.vendor).fetch(round=round_.pk, questionnaire=round_.questionnaire_id)
    pks = Bound.subquery(schools.values("pk"))  # the user's schools compiled once, for the rows and the widths
    rows = rating_rows(round_, schools, [pk for pk, _title in sections], pks=pks)
    widths = longest(schools, "full_name", "district__name", pks=pks)
    other_form = School.LegalForm.OTHER
    labels = list(StatusEligibility.CRITERIA.values())
    columns = [
        Column("Место", 8, FORMAT_INT),
        Column("Место в районе", 9, FORMAT_INT),
        Column("Школа", fit("Школа", widths["full_name"])),
        Column("Район", fit("Район", widths["district__name"])),
        Column("Форма", 9, words=Words(lambda form: "иная" if form == other_form else form)),
        Column("Рейтинг", 10, FORMAT_SCORE),
        Column("Баллы", 9, FORMAT_DECIMAL),
        Column("Из возможных", 10, FORMAT_DECIMAL),
        Column("Уровень", 12, words=Words(lambda level: LEVELS.get(level, level))),
        *(Column(f"Баллы: {title}", fit("", 0, minimum=14, maximum=18), FORMAT_DECIMAL) for _pk, title in sections),
        Column("Изменение рейтинга", 12, FORMAT_CHANGE),
        Column("Изменение места", 11, FORMAT_CHANGE_INT),
        Column("Проходит на статус", 11, words=Words(lambda eligible: None if eligible is None else ("да" if eligible else "нет"))),
        # Keyed by the criteria's (ok, ok, …) flags: a label for each one failed.
        Column("Не выполнены критерии", 30, wrap=True, words=Words(lambda oks: ", ".join(label for label, ok in zip(labels, oks, strict=True) if ok is False))),
    ]
    workbook = new_workbook()
    sheet = Sheet(
        workbook,
        "Рейтинг",
        "Рейтинг готовности ОУ к подключению к ЦОС",
        columns,
        exported_at,
        scope=scope,
        note="Место — среди школ с рейтингом; «нет данных» — анкета не отправлена. Изменение — к прошлому раунду.",
        freeze_cols=3,
    )
    flags = -len(StatusEligibility.CRITERIA)
    done = 0
    for chunk in chunks(rows):
        for row in chunk:
            sheet.append([*row[:flags], row[flags:]])
        done += len(chunk)
        report(progress, done)
    if sheet.rows:
        first, last = sheet.header_row + 1, sheet.last_data_row
        sheet.append_total(
            ["Всего", None, f"=COUNTA(C{first}:C{last})", None, "Средний", f'=IFERROR(AVERAGE(F{first}:F{last}),"")', *([None] * (len(columns) - 6))]
        )
    sheet.close()
    workbook.save(path)
    return done


# --- All answers of a round ---------------------------------------------------------------------

ANSWER_FORMATS = {
    Question.Type.INTEGER: FORMAT_INT,
    Question.Type.DECIMAL: FORMAT_DECIMAL,
    Question.Type.PERCENT: FORMAT_PERCENT,
    Question.Type.DATE: FORMAT_DATE,
}


# What an answer stores, by the question's type: named once for the whole pivot, so that each question's aggregate
# refers to a name instead of walking the school → submission → answer path again (a fixed cost of every export).
ANSWER_VALUES = {
    "answer_number": F("this_round__answers__value_number"),
    "answer_date": F("this_round__answers__value_date"),
    "answer_yes": Cast("this_round__answers__value_bool", IntegerField()),
    "answer_text": F("this_round__answers__value_text"),
    "answer_file": F("this_round__answers__file_name"),
}


def answer_value(question: Question) -> str:
    """Which of ANSWER_VALUES holds a question's answer: numbers as numbers (percents 0–100, made fractions by
    their column), dates as dates, yes/no as 1/0 and choices as their stored codes (made words by answer_words)."""
    kind = question.type
    if kind in Question.NUMERIC_TYPES:
        return "answer_number"
    if kind == Question.Type.DATE:
        return "answer_date"
    if kind == Question.Type.YES_NO:
        return "answer_yes"
    if kind == Question.Type.FILE:
        return "answer_file"
    return "answer_text"


def answer_words(question: Question) -> Words | None:
    """The words of a yes/no or choice column, each stored value spelled once (None: the column has no words)."""
    if question.type == Question.Type.YES_NO:
        return Words(lambda v: None if v is None else ("да" if v else "нет"))
    if question.type in Question.CHOICE_TYPES:
        labels = question.choice_labels
        return Words(lambda v: None if v is None else ", ".join(labels.get(c, c) for c in v.split("|") if c))
    return None


def answer_rows(round_: SubmissionRound, schools: QuerySet[School], questions: list[Question], *, pks: Bound | None = None) -> QuerySet | Bound:
    """Participating schools with their form's state, its first sending and every answer, one column per question
    (one answer per question and submission, picked by an aggregate): one query, pivoted by the database as a bare
    writer would, streamed. On PostgreSQL the query is built and compiled once per process and layout of the
    questions (which value each one takes), and bound here to the round, the questions and the schools (`pks`:
    their `Bound.subquery`, if compiled already)."""
    values = tuple(answer_value(q) for q in questions)
    if connection.vendor == "postgresql":
        ids = {f"question_{i}": q.pk for i, q in enumerate(questions)}
        return _prepared_answer_rows(values).bind(round=round_.pk, schools=pks or schools.values("pk"), **ids)
    return _answer_rows(round_, schools.values("pk"), [(value, q.pk) for value, q in zip(values, questions, strict=True)])


@functools.lru_cache(maxsize=64)
def _prepared_answer_rows(values: tuple[str, ...]) -> Prepared:
    return Prepared(_answer_rows(Parameter("round"), SubqueryParameter("schools"), [(value, Parameter(f"question_{i}")) for i, value in enumerate(values)]))


def _answer_rows(round_, school_ids, questions: list[tuple]) -> QuerySet:
    """`answer_rows`' query, its round and questions (ANSWER_VALUES' name, id) given (SQLite) or `Parameter`s
    (PostgreSQL, prepared)."""
    aggregates = {f"answer_{i}": Max(value, filter=Q(answer_question=pk)) for i, (value, pk) in enumerate(questions)}
    return (
        round_schools(submission_round=round_, schools=School.objects.filter(pk__in=school_ids))
        .alias(answer_question=F("this_round__answers__question_id"), **ANSWER_VALUES)
        .annotate(**aggregates)
        .order_by("round_district_name", "number", "full_name", "pk")
        .values_list("full_name", "round_district_name", "submission_state", "submitted_at", *aggregates)
    )


ANSWER_QUESTION_FIELDS = ("pk", "text", "unit", "type", "choices")


@functools.lru_cache(maxsize=8)
def _prepared_answer_questions(vendor: str) -> Prepared:
    questions = Question.objects.filter(questionnaire_id=Parameter("questionnaire")).order_by("section__order", "order", "pk")
    return Prepared(questions.values_list(*ANSWER_QUESTION_FIELDS))


def answer_questions(round_: SubmissionRound) -> list[Question]:
    """The questions of the round's form in the form's order, with what their columns need (text, unit, type, choices)."""
    choices = Question._meta.get_field("choices")
    return [
        Question(pk=pk, text=text, unit=unit, type=kind, choices=choices.from_db_value(raw, None, connection))
        for pk, text, unit, kind, raw in _prepared_answer_questions(connection.vendor).fetch(questionnaire=round_.questionnaire_id)
    ]


def write_answers(
    path, *, round_: SubmissionRound, schools: QuerySet[School], exported_at: dt.datetime, scope: str = "", progress: Progress | None = None
) -> int:
    questions = answer_questions(round_)
    pks = Bound.subquery(schools.values("pk"))  # the user's schools compiled once, for the rows and the widths
    widths = longest(schools, "full_name", "district__name", pks=pks)
    columns = [
        Column("Школа", fit("Школа", widths["full_name"])),
        Column("Район", fit("Район", widths["district__name"])),
        Column("Состояние анкеты", 16, words=Words(lambda state: STATE_LABELS[state or NOT_STARTED])),
        Column("Отправлена", 16, FORMAT_DATETIME),
        *(
            Column(
                q.text + (f", {q.unit}" if q.unit and q.type != Question.Type.PERCENT else ""),
                16 if q.type in Question.NUMERIC_TYPES or q.type in (Question.Type.DATE, Question.Type.YES_NO) else 28,
                ANSWER_FORMATS.get(q.type),
                wrap=q.type in (Question.Type.TEXT, Question.Type.MULTIPLE_CHOICE),
                kind=PERCENT if q.type == Question.Type.PERCENT else "",
                words=answer_words(q),
            )
            for q in questions
        ),
    ]
    workbook = new_workbook()
    sheet = Sheet(
        workbook,
        "Ответы",
        "Ответы школ",
        columns,
        exported_at,
        scope=scope,
        note="Строка над заголовком — коды вопросов. Проценты — в формате процентов; пустая ячейка — нет ответа.",
        freeze_cols=1,
    )
    done = 0
    for chunk in chunks(answer_rows(round_, schools, questions, pks=pks)):
        for row in chunk:
            sheet.append(row)
        done += len(chunk)
        report(progress, done)
    sheet.close()
    workbook.save(path)
    return done


# --- Completeness of a round -------------------------------------------------------------------


def write_completeness(
    path,
    *,
    round_: SubmissionRound,
    access: Access,
    schools: QuerySet[School],
    district_ids: list[int | None] | None = None,
    exported_at: dt.datetime,
    scope: str = "",
    progress: Progress | None = None,
) -> int:
    """The districts' sheet says what the completeness page says to the same user (`round_completeness`: as of the last
    recompute for one who sees the whole city, and then says so); the schools' sheet, as the page's list, is as of now.
    `schools` are the user's (narrowed to `district_ids` if chosen)."""
    from ..dashboard import SUBMISSION_STATES

    rows = (
        round_schools(submission_round=round_, schools=schools)
        .order_by("district__name", "number", "full_name", "pk")
        .annotate(
            curator_name=Subquery(
                Curator.objects.filter(school=OuterRef("pk"), is_active=True).values("user__last_name")[:1],
            ),
            curator_first=Subquery(Curator.objects.filter(school=OuterRef("pk"), is_active=True).values("user__first_name")[:1]),
            curator_email=Subquery(Curator.objects.filter(school=OuterRef("pk"), is_active=True).values("user__email")[:1]),
        )
    )
    widths = longest(schools, "full_name", "district__name")
    workbook = new_workbook()
    by_district, total = round_completeness(submission_round=round_, access=access, district_ids=district_ids)
    note = f"Срок приёма анкет: {timezone.localtime(round_.closes_at):%d.%m.%Y %H:%M}. Отправлено — принятые и отправленные на проверку."
    if total.as_of is not None:
        note = (
            f"Цифры — по состоянию на {timezone.localtime(total.as_of):%d.%m.%Y %H:%M} (последний пересчёт раунда, как на странице полноты); "
            f"лист «По школам» — на момент выгрузки. {note}"
        )
    summary = Sheet(
        workbook,
        "По районам",
        "Полнота заполнения",
        [
            Column("Район", fit("Район", widths["district__name"])),
            Column("Школ", 8, FORMAT_INT),
            *(Column(label.capitalize(), 12, FORMAT_INT) for _name, label in SUBMISSION_STATES),
            Column("Отправлено", 12, FORMAT_PERCENT),
        ],
        exported_at,
        scope=scope,
        note=note,
        freeze_cols=1,
    )
    for r in by_district:
        summary.append([r.district, r.total, *(r.counts[name] for name, _l in SUBMISSION_STATES), Decimal(r.done) / r.total if r.total else None])
    summary.append_total(
        [total.district, total.total, *(total.counts[name] for name, _l in SUBMISSION_STATES), Decimal(total.done) / total.total if total.total else None]
    )
    summary.close()

    sheet = Sheet(
        workbook,
        "По школам",
        "Анкеты школ",
        [
            Column("Район", fit("Район", widths["district__name"])),
            Column("Школа", fit("Школа", widths["full_name"])),
            Column("Состояние анкеты", 16),
            Column("Отправлена", 16, FORMAT_DATETIME),
            Column("Изменена", 16, FORMAT_DATETIME),
            Column("Куратор", 28),
            Column("E-mail куратора", 30),
        ],
        exported_at,
        scope=scope,
        freeze_cols=2,
    )
    done = 0
    fields = ("round_district_name", "full_name", "submission_state", "submitted_at", "submission_updated_at", "curator_name", "curator_first", "curator_email")
    for chunk in chunks(rows.values_list(*fields)):
        for district, name, state, submitted_at, updated_at, last_name, first_name, email in chunk:
            curator = " ".join(p for p in (last_name, first_name) if p)
            sheet.append([district or "", name, STATE_LABELS[state or NOT_STARTED], submitted_at, updated_at, curator or "не назначен", email or ""])
        done += len(chunk)
        report(progress, done)
    sheet.close()
    workbook.save(path)
    return done


# --- Indicator progress ------------------------------------------------------------------------


@dataclass
class IndicatorRow:
    indicator: Indicator
    target: IndicatorTarget | None
    actual: dict[int, Decimal | None] = field(default_factory=dict)
    latest: IndicatorProgress | None = None


def indicator_rows(municipality: Municipality) -> tuple[list[SubmissionRound], list[IndicatorRow]]:
    """City indicators of the municipality's roadmaps, their last target and the actual of every round."""
    rounds = list(SubmissionRound.objects.filter(municipality=municipality).exclude(state=SubmissionRound.State.DRAFT).order_by("opens_at", "pk"))
    indicators = list(
        Indicator.objects.filter(roadmap__municipality=municipality, roadmap__kind=Roadmap.Kind.MUNICIPAL, level=Indicator.Level.CITY)
        .select_related("roadmap")
        .prefetch_related("targets")
        .order_by("roadmap__period_start", "order", "code")
    )
    rows = {i.pk: IndicatorRow(i, (list(i.targets.all()) or [None])[-1]) for i in indicators}
    for progress in IndicatorProgress.objects.filter(indicator__in=indicators, school__isnull=True, round__in=rounds).order_by("round__opens_at"):
        row = rows[progress.indicator_id]
        row.actual[progress.round_id] = progress.actual
        row.latest = progress
    return rounds, list(rows.values())


def write_indicators(path, *, municipality: Municipality, exported_at: dt.datetime, scope: str = "", progress: Progress | None = None) -> int:
    rounds, rows = indicator_rows(municipality)
    longest_name = max((len(r.indicator.name) for r in rows), default=20)
    columns = [
        Column("Код", 16),
        Column("Показатель", fit("Показатель", longest_name, maximum=70), wrap=True),
        Column("Единица", 9),
        Column("Базовое значение", 11, FORMAT_DECIMAL),
        Column("Цель", 10, FORMAT_DECIMAL),
        Column("Срок цели", 12, FORMAT_DATE),
        *(Column(f"Факт: {r.title}", 14, FORMAT_DECIMAL) for r in rounds),
        Column("Школ с данными", 10, FORMAT_INT),
        Column("Оценка", 14),
    ]
    workbook = new_workbook()
    sheet = Sheet(
        workbook,
        "Показатели",
        "Выполнение показателей дорожной карты",
        columns,
        exported_at,
        scope=scope,
        note="Цель и её срок — те, с которыми сравнивался факт последнего раунда (ближайший срок не раньше его закрытия); "
        "факт — по отправленным анкетам каждого раунда; оценка — по последнему раунду.",
        freeze_cols=2,
    )
    # Rows of a percent indicator: the decimal columns hold 0–100 values, shown as percents.
    percent_columns = [replace(c, number_format=FORMAT_PERCENT, kind=PERCENT) if c.number_format == FORMAT_DECIMAL else c for c in columns]
    for row in rows:
        ind = row.indicator
        is_percent = ind.unit == Indicator.Unit.PERCENT

        sheet.append(
            [
                ind.code,
                ind.name,
                ind.get_unit_display(),
                ind.base_value,
                # The target the verdict was judged against (the latest round's), else the roadmap's last one.
                row.latest.target_value if row.latest else (row.target.value if row.target else None),
                row.latest.target_due if row.latest else (row.target.due_date if row.target else None),
                *(row.actual.get(r.pk) for r in rounds),
                row.latest.schools_with_data if row.latest else None,
                row.latest.get_verdict_display() if row.latest else "нет данных",
            ],
            columns=percent_columns if is_percent else None,
        )
    sheet.close()
    workbook.save(path)
    report(progress, len(rows))
    return len(rows)


# --- The status list of a year: the annex of the order ----------------------------------------


def status_annex_rows(municipality: Municipality, year: int, schools: QuerySet[School]) -> list[tuple[str, list[str]]]:
    """(district, [schools by number]) as the annex of seed 002 lists them."""
    awards = (
        StatusAward.objects.filter(municipality=municipality, year=year, school__in=schools.values("pk"))
        .select_related("school__district")
        .order_by("school__district__name", F("school__number").asc(nulls_last=True), "school__full_name")
    )
    grouped: dict[str, list[str]] = {}
    for award in awards:
        grouped.setdefault(award.school.district.name if award.school.district else "Без района", []).append(award.school.full_name)
    return list(grouped.items())


def status_title(municipality: Municipality, year: int) -> str:
    return f"«Цифровая школа {municipality.name_genitive or municipality.name} {year}»"


def write_status(
    path, *, municipality: Municipality, year: int, schools: QuerySet[School], exported_at: dt.datetime, scope: str = "", progress: Progress | None = None
) -> int:
    rows = status_annex_rows(municipality, year, schools)
    workbook = new_workbook()
    annex = Sheet(
        workbook,
        "Приложение",
        f"Список общеобразовательных учреждений, получивших статус {status_title(municipality, year)}",
        [Column("Район", fit("Район", max((len(d) for d, _s in rows), default=10))), Column("ОУ", 110, wrap=True)],
        exported_at,
        scope=scope,
        note="Школы района — через запятую, по номерам, как в приложении к приказу."
        if rows
        else f"Статусы за {year} год ещё не подтверждены: список появится, когда администратор подтвердит его на странице статуса.",
    )
    for district, names in rows:
        annex.append([district, ", ".join(names)])
    annex.close()
    detail = Sheet(
        workbook,
        "По школам",
        f"Статус {status_title(municipality, year)}: по школам",
        [Column("Район", 20), Column("ОУ", fit("ОУ", max((len(n) for _d, ns in rows for n in ns), default=10))), Column("№ в районе", 10, FORMAT_INT)],
        exported_at,
        scope=scope,
    )
    count = 0
    for district, names in rows:
        for n, name in enumerate(names, start=1):
            detail.append([district, name, n])
            count += 1
    if count:
        detail.append_total(["Всего школ", f"=COUNTA(B{detail.header_row + 1}:B{detail.last_data_row})", None])
    detail.close()
    workbook.save(path)
    report(progress, count)
    return count
