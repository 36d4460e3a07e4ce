"""`manage.py load_seed_data`: what the three roadmaps, the schools and the defaults look like after a load, and that a second load changes nothing."""

import datetime as dt
import re
from collections import Counter
from decimal import Decimal
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db.models import Max
from django.test import TestCase

from demo.seed.schools import read_fixture, resolve_school
from indicators.models import Activity, Deadline, Direction, Indicator, IndicatorTarget, KeyResult, Roadmap
from ratings.models import ChoicePoints, ScoringRule, ScoringScheme, ScoringStep, StatusAward, StatusCriteria
from schools.models import District, Municipality, School
from surveys.models import Question, Questionnaire, QuestionRule, Section

SEEDS = Path(__file__).resolve().parents[2] / "shared" / "seeds"
ROSTOV_TITLE = "Дорожная карта «Цифровой трансформации системы образования города Ростова-на-Дону» на период май 2021 – май 2023"
QUESTIONNAIRE_TITLE = "Фактическая готовность ОУ к подключению к ЦОС. Инфраструктура сегодня"
SEEDED_MODELS = [
    Municipality,
    District,
    School,
    Roadmap,
    Direction,
    KeyResult,
    Deadline,
    Indicator,
    IndicatorTarget,
    Activity,
    Questionnaire,
    Section,
    Question,
    QuestionRule,
    ScoringScheme,
    ScoringRule,
    ScoringStep,
    ChoicePoints,
    StatusCriteria,
    StatusAward,
]


def load() -> str:
    out = StringIO()
    call_command("load_seed_data", stdout=out)
    return out.getvalue()


def seed_raw(name_prefix: str) -> str:
    if not SEEDS.is_dir():
        pytest.skip(f"Seed documents not found at {SEEDS} (they live in shared/seeds beside the clone)")
    [path] = SEEDS.glob(f"{name_prefix}_*.txt")
    return path.read_text(encoding="utf-8")


def seed_text(name_prefix: str) -> str:
    """A seed document with runs of whitespace (tabs, line and page breaks) made single spaces."""
    return re.sub(r"\s+", " ", seed_raw(name_prefix))


def snapshot() -> dict[str, tuple[int, int | None]]:
    return {model.__name__: (model.objects.count(), model.objects.aggregate(top=Max("pk"))["top"]) for model in SEEDED_MODELS}


class RostovRoadmapTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.output = load()
        cls.roadmap = Roadmap.objects.get(municipality__name="Ростов-на-Дону", title=ROSTOV_TITLE)
        cls.key_results = {kr.number: kr for kr in KeyResult.objects.filter(roadmap=cls.roadmap).prefetch_related("deadlines")}

    def test_the_command_prints_a_russian_summary(self):
        assert "Демонстрационные данные загружены." in self.output
        assert "ключевых результатов: 91 (новых 91)" in self.output

    def test_five_directions_hold_22_17_11_11_and_8_key_results(self):
        per_direction = Counter(kr.direction.number for kr in KeyResult.objects.filter(roadmap=self.roadmap).select_related("direction"))
        assert dict(per_direction) == {1: 22, 2: 17, 3: 11, 4: 11, 5: 8}
        assert self.roadmap.period_start == dt.date(2021, 5, 1)
        assert self.roadmap.period_end == dt.date(2023, 5, 31)

    def test_kind_comes_from_the_prefix_which_is_not_kept_in_the_text(self):
        kinds = Counter(kr.kind for kr in self.key_results.values())
        assert kinds == {KeyResult.Kind.PROCESS: 28, KeyResult.Kind.FINAL: 41}
        assert not any(kr.text.startswith(("Процессный", "Окончательный")) for kr in self.key_results.values())
        assert self.key_results["2.8"].kind == KeyResult.Kind.PROCESS  # the kind stands in its own column there
        assert self.key_results["2.9"].kind == KeyResult.Kind.FINAL

    def test_every_key_result_has_parsed_deadlines(self):
        assert all(kr.deadlines.all() for kr in self.key_results.values())
        assert [d.due_date for d in self.key_results["2.6"].deadlines.all()] == [dt.date(2021, 5, 31), dt.date(2022, 12, 31), dt.date(2023, 5, 31)]
        assert [d.due_date for d in self.key_results["2.1"].deadlines.all()] == [dt.date(2021, 9, 30), dt.date(2022, 9, 30)]
        [twice] = self.key_results["3.1"].deadlines.all()
        assert (twice.kind, twice.recurrence, twice.times_per_month) == (Deadline.Kind.RECURRING, Deadline.Recurrence.TWICE_MONTHLY, Decimal(2))
        [monthly] = self.key_results["2.17"].deadlines.all()
        assert monthly.recurrence == Deadline.Recurrence.MONTHLY

    def test_every_not_less_than_percent_is_captured_as_the_target(self):
        with_percent = [kr for kr in self.key_results.values() if re.search(r"не менее.{0,10}\d\s*%", kr.text, re.IGNORECASE)]
        assert len(with_percent) == 36
        assert all(kr.target_unit == "%" and kr.target_value is not None for kr in with_percent)
        assert self.key_results["1.14"].target_value == Decimal(40)  # the first of two: the minimal kit
        assert self.key_results["3.2"].target_value == Decimal(50)
        assert self.key_results["1.19"].target_value == Decimal(100)
        assert self.key_results["1.1"].target_value is None

    def test_rows_wrapped_over_a_page_break_are_joined(self):
        assert self.key_results["1.14"].text.endswith("оснащенность ОУ комплектом средств обучения и воспитания ЦОС (стандартный) – не менее 30%")
        assert self.key_results["1.20"].text.endswith("высокоскоростного доступа в сеть Интернет: не менее 100% ОУ")
        assert self.key_results["2.7"].text.endswith("федеральных обучающих программах, конкурсах, соревновательных мероприятиях, в проекте «Урок Цифры»")

    def test_sampled_key_results_read_exactly_as_in_the_seed(self):
        seed = seed_text("000")
        prefix = {KeyResult.Kind.PROCESS: "Процессный:", KeyResult.Kind.FINAL: "Окончательный:"}
        for number in ["1.1", "1.7", "1.11", "1.16", "2.6", "2.8", "2.16", "2.17", "3.1", "3.2", "3.8", "4.1", "4.3", "4.5", "5.4", "5.8"]:
            kr = self.key_results[number]
            assert f"{prefix[kr.kind]} {kr.text} {kr.deadline_text}" in seed, number
        # Rows wrapped over a page break: in the document the deadline column sits between the two halves.
        wrapped = {"1.14": "(стандартный) – не менее 30%", "1.20": "не менее 100% ОУ", "2.7": "программах, конкурсах"}
        for number, tail_start in wrapped.items():
            kr = self.key_results[number]
            head, tail = kr.text.split(" " + tail_start, 1)
            assert f"Окончательный: {head} {kr.deadline_text} {tail_start}{tail}" in seed or f"Процессный: {head} {kr.deadline_text} {tail_start}{tail}" in seed

    def test_city_indicators_link_questions_and_carry_the_targets_of_their_key_results(self):
        indicators = {i.code: i for i in Indicator.objects.filter(roadmap=self.roadmap).prefetch_related("targets")}
        assert set(indicators) == {
            "ROS-SPEED",
            "ROS-KIT-MIN",
            "ROS-KIT-STD",
            "ROS-KIT-FAST",
            "ROS-CHANNEL",
            "ROS-CONTRACT",
            "ROS-TEACHERS",
            "ROS-ADMIN",
            "ROS-PRACTICE",
            "ROS-ECOSYSTEM",
            "ROS-RIS-CONTENT",
            "ROS-RIS-USERS",
            "ROS-PARENTS",
        }

        def targets(code):
            return [(t.due_date, t.value) for t in indicators[code].targets.all()]

        speed = indicators["ROS-SPEED"]
        assert (speed.question_code, speed.aggregation, speed.threshold_urban, speed.threshold_rural) == ("internet_speed", "share", Decimal(100), Decimal(50))
        assert targets("ROS-SPEED") == [(dt.date(2021, 5, 31), 70), (dt.date(2022, 5, 31), 90), (dt.date(2023, 5, 31), 98)]
        assert [value for _, value in targets("ROS-KIT-MIN")] == [10, 15, 30, 40, 60]
        assert [value for _, value in targets("ROS-KIT-STD")] == [7, 10, 20, 30, 40]
        assert indicators["ROS-KIT-MIN"].condition_choices == ["minimal", "standard"]
        assert indicators["ROS-KIT-STD"].condition_choices == ["standard"]
        fast = indicators["ROS-KIT-FAST"]
        assert (fast.question_code, fast.aggregation, fast.denominator_code) == ("kit_workstations_fast", "share_full", "kit_workstations")
        assert targets("ROS-TEACHERS") == [(dt.date(2021, 10, 31), 40), (dt.date(2022, 5, 31), 60), (dt.date(2022, 12, 31), 80), (dt.date(2023, 5, 31), 95)]
        assert (indicators["ROS-TEACHERS"].question_code, indicators["ROS-TEACHERS"].aggregation) == ("teachers_ready_share", "mean")
        assert indicators["ROS-PRACTICE"].condition_choices == ["prospective", "current"]
        assert targets("ROS-ADMIN") == [(dt.date(2021, 10, 31), 50), (dt.date(2022, 1, 31), 80), (dt.date(2023, 5, 31), 95)]
        assert targets("ROS-CONTRACT") == [(dt.date(2021, 12, 31), 100), (dt.date(2022, 12, 31), 100)]
        assert self.key_results["1.17"].indicator == speed
        assert self.key_results["1.12"].indicator == indicators["ROS-KIT-MIN"]
        assert self.key_results["5.8"].indicator == indicators["ROS-PARENTS"]
        linked = {kr.number for kr in self.key_results.values() if kr.indicator_id}
        assert len(linked) == 36
        assert all(self.key_results[number].kind == KeyResult.Kind.FINAL for number in linked)


class MuromRoadmapTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        load()
        cls.roadmap = Roadmap.objects.get(municipality__name="Муромский район")

    def test_all_fifteen_rows_are_five_results_and_ten_indicators(self):
        results = list(KeyResult.objects.filter(roadmap=self.roadmap))
        indicators = list(Indicator.objects.filter(roadmap=self.roadmap))
        assert sorted(int(kr.number) for kr in results) + sorted(i.order for i in indicators) == list(range(1, 16))
        assert {kr.kind for kr in results} == {KeyResult.Kind.RESULT}
        assert self.roadmap.municipality.kind == Municipality.Kind.RURAL
        assert (self.roadmap.period_start, self.roadmap.period_end) == (dt.date(2020, 1, 1), dt.date(2022, 12, 31))

    def test_results_keep_date_executor_document_and_controller(self):
        first = KeyResult.objects.get(roadmap=self.roadmap, number="1")
        assert first.deadline_text == "24.04.2019"
        assert [d.due_date for d in first.deadlines.all()] == [dt.date(2019, 4, 24)]
        assert first.responsible == "Муниципальный координатор"
        assert first.confirming_document.startswith("Распоряжение Главы администрации района от 24.04.2019 №43")
        assert first.controller == "Глава администрации района"
        second = KeyResult.objects.get(roadmap=self.roadmap, number="2")
        assert second.text == (
            "Согласован и утвержден перечень общеобразовательных организаций, принимающих участие в реализации мероприятий по внедрению целевой модели ЦОС"
        )
        assert second.controller == "Заместитель Главы администрации района, начальник управления образования"
        fourth = KeyResult.objects.get(roadmap=self.roadmap, number="4")
        assert [(d.kind, d.due_date) for d in fourth.deadlines.all()] == [(Deadline.Kind.YEAR, dt.date(2021, 12, 31))]

    def test_indicators_have_yearly_targets_due_at_the_end_of_each_year(self):
        def targets(order):
            indicator = Indicator.objects.get(roadmap=self.roadmap, order=order)
            return indicator, [(t.year, t.due_date, t.value) for t in indicator.targets.all()]

        count, rows = targets(6)
        assert count.unit == Indicator.Unit.COUNT
        assert rows == [(2020, dt.date(2020, 12, 31), 0), (2021, dt.date(2021, 12, 31), 5), (2022, dt.date(2022, 12, 31), 5)]
        people, rows = targets(14)
        assert people.unit == Indicator.Unit.PEOPLE
        assert [value for *_, value in rows] == [750, 911, 915]
        share, rows = targets(11)
        assert share.unit == Indicator.Unit.PERCENT
        assert [value for *_, value in rows] == [30, Decimal("62.5"), Decimal("62.5")]

    def test_the_internet_rule_keeps_100_mbit_for_towns_and_50_for_villages(self):
        internet = Indicator.objects.get(roadmap=self.roadmap, order=15)
        assert (internet.threshold_urban, internet.threshold_rural) == (Decimal(100), Decimal(50))
        assert internet.question_code == "internet_speed"
        assert "50Мб/с – для образовательных организаций, расположенных в сельской местности" in internet.name

    def test_texts_read_exactly_as_in_the_seed(self):
        seed = seed_text("004")
        for kr in KeyResult.objects.filter(roadmap=self.roadmap, number__in=["1", "3", "5"]):
            assert f"{kr.number}. {kr.text} {kr.deadline_text} {kr.responsible} {kr.confirming_document} {kr.controller}" in seed
        for indicator in Indicator.objects.filter(roadmap=self.roadmap, order__in=[6, 10, 11, 12, 14, 15]):
            assert f"{indicator.order}. {indicator.name} " in seed


class SchoolPlanTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        load()
        cls.roadmap = Roadmap.objects.get(school__full_name="МАОУ «СОШ №2»")
        cls.activities = {a.number: a for a in Activity.objects.filter(roadmap=cls.roadmap).select_related("parent")}

    def test_the_plan_belongs_to_a_school_of_its_own_municipality_not_to_rostov(self):
        school = self.roadmap.school
        assert self.roadmap.kind == Roadmap.Kind.SCHOOL
        assert school.municipality.name == "Муниципальное образование (план МАОУ «СОШ №2»)"
        assert (school.legal_form, school.kind, school.number, school.district) == ("МАОУ", "СОШ", 2, None)

    def test_six_indicators_with_two_sub_rows_keep_type_base_and_targets(self):
        indicators = {i.code: i for i in Indicator.objects.filter(roadmap=self.roadmap).select_related("parent").prefetch_related("targets")}
        assert len([i for i in indicators.values() if i.parent is None]) == 6
        assert {code: i.parent.code for code, i in indicators.items() if i.parent} == {"SOSH2-3.1": "SOSH2-3", "SOSH2-4.1": "SOSH2-4"}
        assert {i.level for i in indicators.values()} == {Indicator.Level.SCHOOL}
        assert indicators["SOSH2-2"].kind == Indicator.Kind.ADDITIONAL
        assert indicators["SOSH2-3.1"].kind == Indicator.Kind.MAIN  # the empty type column of a sub-row is its parent's
        assert (indicators["SOSH2-1"].base_value, indicators["SOSH2-1"].base_date) == (0, dt.date(2018, 1, 1))
        assert indicators["SOSH2-3"].base_value is None  # "-" in the document
        sub = [(t.year, t.value, t.absolute_value, t.raw_text) for t in indicators["SOSH2-3.1"].targets.all()]
        assert sub[0] == (2020, 15, Decimal("1.9"), "15 (1,9)")
        assert [year for year, *_ in sub] == [2020, 2021, 2022, 2023, 2024]  # 2019 is empty there
        teachers = [(t.value, t.absolute_value) for t in indicators["SOSH2-6"].targets.all()]
        assert teachers == [(0, None), (Decimal("2.5"), 5), (5, 10), (15, 30), (30, 59), (50, 98)]

    def test_seventeen_results_with_dates_and_characteristics(self):
        results = list(KeyResult.objects.filter(roadmap=self.roadmap).prefetch_related("deadlines"))
        assert [kr.number for kr in results] == [str(n) for n in range(1, 18)]
        assert {kr.kind for kr in results} == {KeyResult.Kind.RESULT}
        assert all(kr.characteristic for kr in results)
        assert [d.due_date for d in results[3].deadlines.all()] == [dt.date(2024, 12, 31)]
        assert results[13].characteristic.endswith("в том числе определенными Указом Президента Российской Федерации от 7 мая 2018 г. № 204.")

    def test_every_activity_row_of_the_seed_is_loaded_with_its_nesting(self):
        table = seed_raw("001").split("3. План мероприятий", 1)[1]
        numbers_in_seed = [line.split("\t", 1)[0].rstrip(".") for line in table.splitlines() if re.match(r"\d+(\.\d+)?\.?\t", line)]
        # 17 top-level and 22 nested rows: the document has 39 activities (the "40 (23 nested)" is one too many).
        assert len(self.activities) == 39
        assert sorted(self.activities, key=lambda n: [int(p) for p in n.split(".")]) == numbers_in_seed
        top = [a for a in self.activities.values() if a.parent is None]
        nested = [a for a in self.activities.values() if a.parent is not None]
        assert (len(top), len(nested)) == (17, 22)
        assert all(a.number.startswith(a.parent.number + ".") for a in nested)

    def test_typos_in_dates_keep_the_text_store_the_reading_and_are_flagged(self):
        typo = self.activities["7.1"]
        assert (typo.end_text, typo.end_date) == ("2012.2021", dt.date(2021, 12, 20))
        assert "2012.2021" in typo.date_flag
        dash = self.activities["7"]
        assert (dash.start_text, dash.start_date) == ("01.09.2020-", dt.date(2020, 9, 1))
        assert dash.date_flag
        for number in ["11", "14.1"]:
            assert (self.activities[number].start_text, self.activities[number].start_date) == ("", None)
            assert self.activities[number].end_date is not None
        flagged = {a.number for a in self.activities.values() if a.date_flag}
        assert flagged == {"7", "7.1", "11", "14.1"}

    def test_activities_read_exactly_as_in_the_seed(self):
        seed = seed_text("001")
        for number in ["1.1", "3.3", "6.2", "10.3", "15", "17"]:
            a = self.activities[number]
            row = f"{a.title} {a.start_text} {a.end_text} {a.responsible} {a.document_type}"
            assert row in seed, number
        assert self.activities["1"].responsible == "Лукиянова И.М., руководитель РМЦ"  # the document's spelling, kept


class SchoolsAndAwardsTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        load()
        cls.rostov = Municipality.objects.get(name="Ростов-на-Дону")

    def test_twenty_nine_schools_in_eight_districts(self):
        per_district = Counter(School.objects.filter(municipality=self.rostov).values_list("district__name", flat=True))
        assert per_district == {
            "Ворошиловский": 2,
            "Железнодорожный": 3,
            "Кировский": 2,
            "Ленинский": 2,
            "Октябрьский": 3,
            "Первомайский": 8,
            "Пролетарский": 2,
            "Советский": 7,
        }
        assert District.objects.filter(municipality=self.rostov).count() == 8
        assert not School.objects.filter(municipality=self.rostov, is_urban=False).exists()
        assert self.rostov.name_genitive == "Ростова-на-Дону"

    def test_full_names_are_as_in_the_annex_with_legal_form_kind_and_number_parsed(self):
        annex = seed_text("002").split("(муниципальные консультанты)", 1)[1]
        for school in School.objects.filter(municipality=self.rostov):
            assert school.full_name in annex
        rows = {s.full_name: (s.legal_form, s.kind, s.number) for s in School.objects.filter(municipality=self.rostov)}
        assert rows["МАОУ «Юридическая гимназия № 9 им. М.М. Сперанского»"] == ("МАОУ", "гимназия", 9)
        assert rows["МБОУ «Лицей № 50 при ДГТУ»"] == ("МБОУ", "лицей", 50)
        assert rows["МАОУ «Классический лицей № 1»"] == ("МАОУ", "лицей", 1)
        assert rows["МБОУ «Школа № 111»"] == ("МБОУ", "школа", 111)

    def test_the_ten_best_practice_schools_are_ten_of_the_same_school_rows(self):
        schools = list(School.objects.filter(municipality=self.rostov))
        spellings = read_fixture("schools.json")["rostov"]["best_practices_2022"]["current"]
        assert len(spellings) == 10
        assert ", ".join(spellings) in seed_text("002")
        resolved = {resolve_school(name, schools).pk for name in spellings}
        assert len(resolved) == 10
        speransky = School.objects.get(full_name="МАОУ «Юридическая гимназия № 9 им. М.М. Сперанского»")
        assert speransky.aliases == "МАОУ «Юридическая гимназия № 9 им М.М. Сперанского»"
        assert School.objects.exclude(aliases="").count() == 1

    def test_all_twenty_nine_schools_hold_the_2022_status_under_the_order_of_seed_002(self):
        awards = StatusAward.objects.filter(year=2022, municipality=self.rostov)
        assert awards.count() == 29
        assert set(awards.values_list("school__municipality", flat=True)) == {self.rostov.pk}
        assert all("Об итогах выполнения плана дорожной карты ЦОС" in a.order_reference for a in awards)


class DefaultsTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        load()
        cls.questionnaire = Questionnaire.objects.get(title=QUESTIONNAIRE_TITLE, version=1)

    def test_the_default_questionnaire_has_the_fixed_codes_in_six_sections_linked_to_directions(self):
        sections = list(Section.objects.filter(questionnaire=self.questionnaire).select_related("direction").order_by("order"))
        assert [s.title for s in sections] == [
            "Инфраструктура",
            "Современное управление и кадры",
            "Лучшие практики и цифровая экосистема",
            "РИС «Контингент»",
            "Услуги для родителей",
            "Общие сведения",
        ]
        assert [s.direction.number if s.direction else None for s in sections] == [1, 2, 3, 4, 5, None]
        assert {s.direction.roadmap.title for s in sections if s.direction} == {ROSTOV_TITLE}
        questions = {q.code: q for q in Question.objects.filter(questionnaire=self.questionnaire)}
        assert len(questions) == 20
        assert (questions["internet_speed"].type, questions["internet_speed"].unit, questions["internet_speed"].max_value) == ("decimal", "Мбит/с", 10000)
        assert questions["equipment_kit"].choices == [["none", "нет комплекта"], ["minimal", "минимальный комплект"], ["standard", "стандартный комплект"]]
        assert [value for value, _ in questions["platforms_used"].choices] == ["sferum", "moya_shkola", "resh", "uchi", "yandex", "sberclass"]
        assert {code for code, q in questions.items() if not q.required} == {"speed_measured_on", "platforms_used", "evidence_file", "comment"}
        assert all(q.help_text for q in questions.values())
        rules = {(r.kind, r.left.code, r.right.code, tuple(r.left_values)) for r in QuestionRule.objects.filter(questionnaire=self.questionnaire)}
        assert rules == {
            ("lte", "kit_workstations_fast", "kit_workstations", ()),
            ("requires_positive", "equipment_kit", "kit_workstations", ("minimal", "standard")),
        }

    def test_default_scoring_gives_one_hundred_points(self):
        scheme = ScoringScheme.objects.get(questionnaire=self.questionnaire)
        assert (scheme.level_high, scheme.level_medium) == (80, 50)
        rules = {r.question.code: r for r in scheme.rules.select_related("question").prefetch_related("steps", "choice_points")}
        assert sum(r.max_points for r in rules.values()) == 100
        assert (rules["internet_speed"].kind, rules["internet_speed"].floor_value, rules["internet_speed"].full_value) == ("linear", 0, 100)
        assert [(s.threshold, s.points) for s in rules["ris_active_users_share"].steps.all()] == [(50, 2), (80, 4), (95, 5)]
        assert {c.value: c.points for c in rules["equipment_kit"].choice_points.all()} == {"none": 0, "minimal": 10, "standard": 20}
        assert {c.value: c.points for c in rules["platforms_used"].choice_points.all()} == {"sferum": Decimal("2.5"), "moya_shkola": Decimal("2.5")}

    def test_status_criteria_for_rostov_from_2022_to_2026(self):
        criteria = StatusCriteria.objects.filter(municipality__name="Ростов-на-Дону").order_by("year")
        assert [c.year for c in criteria] == [2022, 2023, 2024, 2025, 2026]
        values = {(c.min_score, c.speed_urban, c.speed_rural, c.min_kit, c.require_contract, c.min_teacher_share) for c in criteria}
        assert values == {(80, 100, 50, "minimal", True, 60)}
        assert all(c.require_certification_request for c in criteria)


class ReloadTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        load()

    def test_a_second_load_changes_no_count_and_no_id(self):
        before = snapshot()
        deadline_ids = set(Deadline.objects.values_list("pk", flat=True))
        texts = dict(KeyResult.objects.values_list("pk", "text"))
        output = load()
        assert snapshot() == before
        assert set(Deadline.objects.values_list("pk", flat=True)) == deadline_ids
        assert dict(KeyResult.objects.values_list("pk", "text")) == texts
        assert "новых записей нет" in output
        assert "новых" not in output.split("\n", 1)[1]

    def test_an_administrators_edits_of_defaults_survive_a_reload(self):
        StatusCriteria.objects.filter(year=2023).update(min_score=75)
        ScoringRule.objects.filter(question__code="internet_speed").update(max_points=25)
        Question.objects.filter(code="comment").update(text="Замечания школы")
        ChoicePoints.objects.filter(value="minimal").delete()
        load()
        assert StatusCriteria.objects.get(year=2023).min_score == 75
        assert ScoringRule.objects.get(question__code="internet_speed").max_points == 25
        assert Question.objects.get(code="comment").text == "Замечания школы"
        assert not ChoicePoints.objects.filter(value="minimal").exists()

    def test_a_changed_deadline_wording_is_reparsed_on_reload_and_unchanged_rows_keep_their_ids(self):
        kr = KeyResult.objects.get(roadmap__title=ROSTOV_TITLE, number="2.1")
        september_2021 = kr.deadlines.get(due_date=dt.date(2021, 9, 30))
        Deadline.objects.filter(key_result=kr, due_date=dt.date(2022, 9, 30)).delete()
        Deadline.objects.create(key_result=kr, kind=Deadline.Kind.MONTH, due_date=dt.date(2030, 1, 31))
        load()
        assert [d.due_date for d in kr.deadlines.all()] == [dt.date(2021, 9, 30), dt.date(2022, 9, 30)]
        assert kr.deadlines.get(due_date=dt.date(2021, 9, 30)).pk == september_2021.pk


class DeadlineQueryTests(TestCase):
    """ "Due in the next 30 days" and "overdue" are plain queries over the parsed Deadline rows."""

    @classmethod
    def setUpTestData(cls):
        load()
        cls.rostov = KeyResult.objects.filter(roadmap__title=ROSTOV_TITLE)

    def due_within(self, today: dt.date, days: int = 30) -> set[str]:
        rows = self.rostov.filter(deadlines__due_date__range=(today, today + dt.timedelta(days=days))).distinct()
        return set(rows.values_list("number", flat=True))

    def overdue(self, today: dt.date) -> set[str]:
        return set(self.rostov.filter(deadlines__due_date__lt=today, completed_on__isnull=True).distinct().values_list("number", flat=True))

    def test_results_due_in_the_next_30_days_of_10_may_2022(self):
        assert self.due_within(dt.date(2022, 5, 10)) == {"1.13", "1.17", "2.10", "3.3", "4.1", "4.2", "4.4", "5.7"}

    def test_results_due_in_the_next_30_days_of_1_september_2021_include_each_yearly_september_round_table(self):
        assert self.due_within(dt.date(2021, 9, 1)) == {"2.1", "2.2", "2.3"}

    def test_overdue_results_on_15_june_2021_are_those_of_may_2021_not_yet_completed(self):
        assert self.overdue(dt.date(2021, 6, 15)) == {"1.5", "1.11", "1.16", "2.6", "4.1", "4.2"}
        KeyResult.objects.filter(roadmap__title=ROSTOV_TITLE, number="1.5").update(completed_on=dt.date(2021, 5, 20))
        assert self.overdue(dt.date(2021, 6, 15)) == {"1.11", "1.16", "2.6", "4.1", "4.2"}

    def test_recurring_results_are_never_due_on_a_date(self):
        recurring = set(self.rostov.filter(deadlines__kind=Deadline.Kind.RECURRING).values_list("number", flat=True))
        assert "1.1" in recurring and "3.1" in recurring
        assert not recurring & self.overdue(dt.date(2030, 1, 1))
