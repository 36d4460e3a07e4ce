from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from simple_history.models import HistoricalRecords

from roadmap_portal.formatting import format_number


class ScoringScheme(models.Model):
    """Scoring of one questionnaire version: level thresholds; the rules hang off it."""

    questionnaire = models.OneToOneField("surveys.Questionnaire", on_delete=models.CASCADE, related_name="scoring", verbose_name="опросная форма")
    level_high = models.DecimalField("высокий уровень: балл не ниже", max_digits=5, decimal_places=1, default=80)
    level_medium = models.DecimalField("средний уровень: балл не ниже", max_digits=5, decimal_places=1, default=50)

    # Who changed what and when, with the values before (django-simple-history; shown in the admin).
    history = HistoricalRecords(verbose_name="история схем рейтингования", verbose_name_plural="история схем рейтингования")

    class Meta:
        verbose_name = "схема рейтингования"
        verbose_name_plural = "схемы рейтингования"
        constraints = [models.CheckConstraint(condition=Q(level_high__gte=F("level_medium")), name="scheme_levels_ordered")]

    def __str__(self) -> str:
        return f"Рейтинг: {self.questionnaire}"


# Limits of a rule's figures that keep the recompute's exact integer arithmetic within 64 bits.
LINEAR_BOUND = 1_000_000
LINEAR_MAX_POINTS = 1000


class ScoringRule(models.Model):
    class Kind(models.TextChoices):
        YES = "yes", "баллы за «да»"
        LINEAR = "linear", "линейно от нижней границы до полного балла"
        STEPS = "steps", "ступени по порогам"
        CHOICE = "choice", "баллы за варианты ответа"
        FILLED = "filled", "баллы за заполненный ответ"

    scheme = models.ForeignKey(ScoringScheme, on_delete=models.CASCADE, related_name="rules", verbose_name="схема")
    question = models.OneToOneField("surveys.Question", on_delete=models.CASCADE, related_name="scoring_rule", verbose_name="вопрос")
    kind = models.CharField("как начисляются баллы", max_length=10, choices=Kind.choices)
    max_points = models.DecimalField("максимум баллов", max_digits=6, decimal_places=2)
    floor_value = models.DecimalField("ноль баллов при значении не выше", max_digits=14, decimal_places=4, null=True, blank=True)
    full_value = models.DecimalField("полный балл при значении не ниже", max_digits=14, decimal_places=4, null=True, blank=True)

    # Who changed what and when, with the values before (django-simple-history; shown in the admin).
    history = HistoricalRecords(verbose_name="история правил начисления баллов", verbose_name_plural="история правил начисления баллов")

    class Meta:
        verbose_name = "правило начисления баллов"
        verbose_name_plural = "правила начисления баллов"
        constraints = [
            models.CheckConstraint(condition=Q(max_points__gt=0), name="rule_positive_points"),
            models.CheckConstraint(
                condition=~Q(kind="linear") | Q(floor_value__isnull=False, full_value__isnull=False, full_value__gt=F("floor_value")),
                name="rule_linear_bounds",
            ),
            # The recompute counts in exact integers (ratings/sql.py): these bounds keep its products within 64 bits.
            models.CheckConstraint(
                condition=Q(max_points__lte=LINEAR_MAX_POINTS)
                & (Q(floor_value__isnull=True) | Q(floor_value__gte=-LINEAR_BOUND, floor_value__lte=LINEAR_BOUND))
                & (Q(full_value__isnull=True) | Q(full_value__gte=-LINEAR_BOUND, full_value__lte=LINEAR_BOUND)),
                name="rule_exact_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.question.code}: {self.get_kind_display()}, до {format_number(self.max_points)}"

    def clean(self) -> None:
        errors = {}
        if self.max_points is not None and self.max_points > LINEAR_MAX_POINTS:
            errors["max_points"] = f"Не больше {LINEAR_MAX_POINTS} баллов за вопрос."
        for name in ("floor_value", "full_value"):
            value = getattr(self, name)
            if value is not None and abs(value) > LINEAR_BOUND:
                errors[name] = "Граница — от −1 000 000 до 1 000 000."
        if self.kind == self.Kind.LINEAR:
            if self.floor_value is None:
                errors["floor_value"] = "Укажите значение, при котором баллов ещё нет."
            if self.full_value is None:
                errors["full_value"] = "Укажите значение, при котором начисляется полный балл."
            if self.floor_value is not None and self.full_value is not None and self.full_value <= self.floor_value:
                errors["full_value"] = "Полный балл должен начисляться при большем значении, чем нулевой."
        question = getattr(self, "question", None) if self.question_id else None
        if question is not None:
            numeric = question.type in ("integer", "decimal", "percent")
            expected = {
                self.Kind.YES: question.type == "yes_no",
                self.Kind.LINEAR: numeric,
                self.Kind.STEPS: numeric,
                self.Kind.CHOICE: question.type in ("single", "multiple"),
                self.Kind.FILLED: True,
            }
            if not expected.get(self.kind, True):
                errors["kind"] = f"Так нельзя начислять баллы за вопрос типа «{question.get_type_display()}»."
            if self.scheme_id and question.questionnaire_id != self.scheme.questionnaire_id:
                errors["question"] = "Вопрос из другой опросной формы."
        if errors:
            raise ValidationError(errors)

    @property
    def unit(self) -> str:
        return f" {self.question.unit}" if self.question.unit else ""

    @property
    def description(self) -> str:
        """How the points are given, in words a curator can check by hand (steps and options prefetched)."""
        top = format_number(self.max_points)
        if self.kind == self.Kind.YES:
            return f"«да» — {top}, «нет» — 0"
        if self.kind == self.Kind.LINEAR:
            return (
                f"0 при значении не выше {format_number(self.floor_value)}{self.unit}, {top} при значении не ниже "
                f"{format_number(self.full_value)}{self.unit}, между ними — пропорционально"
            )
        if self.kind == self.Kind.STEPS:
            steps = "; ".join(f"от {format_number(step.threshold)}{self.unit} — {format_number(step.points)}" for step in self.steps.all())
            return f"{steps}; ниже — 0" if steps else "ступени не заданы — 0"
        if self.kind == self.Kind.CHOICE:
            labels = self.question.choice_labels
            options = "; ".join(f"{labels.get(option.value, option.value)} — {format_number(option.points)}" for option in self.choice_points.all())
            if self.question.type == "multiple":
                return f"сумма за отмеченные варианты, не больше {top}: {options}"
            return options or "баллы за варианты не заданы — 0"
        return f"за заполненный ответ — {top}"


class ScoringStep(models.Model):
    rule = models.ForeignKey(ScoringRule, on_delete=models.CASCADE, related_name="steps", verbose_name="правило")
    threshold = models.DecimalField("значение не ниже", max_digits=14, decimal_places=4)
    points = models.DecimalField("баллы", max_digits=6, decimal_places=2)

    # Who changed what and when, with the values before (django-simple-history; shown in the admin).
    history = HistoricalRecords(verbose_name="история ступеней", verbose_name_plural="история ступеней")

    class Meta:
        verbose_name = "ступень"
        verbose_name_plural = "ступени"
        ordering = ["threshold"]
        constraints = [models.UniqueConstraint(fields=["rule", "threshold"], name="step_unique_threshold")]


class ChoicePoints(models.Model):
    rule = models.ForeignKey(ScoringRule, on_delete=models.CASCADE, related_name="choice_points", verbose_name="правило")
    value = models.CharField("вариант", max_length=100)
    points = models.DecimalField("баллы", max_digits=6, decimal_places=2)

    # Who changed what and when, with the values before (django-simple-history; shown in the admin).
    history = HistoricalRecords(verbose_name="история баллов за варианты", verbose_name_plural="история баллов за варианты")

    class Meta:
        verbose_name = "баллы за вариант"
        verbose_name_plural = "баллы за варианты"
        constraints = [models.UniqueConstraint(fields=["rule", "value"], name="choice_points_unique_value")]


class Rating(models.Model):
    class Level(models.TextChoices):
        HIGH = "high", "высокий"
        MEDIUM = "medium", "средний"
        LOW = "low", "низкий"
        NO_DATA = "none", "нет данных"

    # Rows of the recompute, rewritten whole from the tables they point to: no database foreign keys (PostgreSQL
    # would check each of them row by row at commit, more than the recompute itself costs); Django still cascades.
    # The round is indexed by the unique (round, school) and (round, rank) indexes.
    round = models.ForeignKey(
        "surveys.SubmissionRound", on_delete=models.CASCADE, related_name="ratings", verbose_name="раунд", db_constraint=False, db_index=False
    )
    school = models.ForeignKey("schools.School", on_delete=models.CASCADE, related_name="ratings", verbose_name="школа", db_constraint=False)
    district = models.ForeignKey(
        "schools.District", on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name="район", db_constraint=False, db_index=False
    )
    submission = models.ForeignKey(
        "surveys.Submission", on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name="анкета", db_constraint=False
    )
    # Exact: points are counted in thousandths (see ratings/sql.py); the score is rounded once, half up, to 0.1.
    points = models.DecimalField("баллы", max_digits=10, decimal_places=3, null=True)
    possible = models.DecimalField("из возможных", max_digits=10, decimal_places=3, null=True)
    score = models.DecimalField("рейтинг, 0–100", max_digits=4, decimal_places=1, null=True)
    rank = models.PositiveIntegerField("место в городе", null=True)
    district_rank = models.PositiveIntegerField("место в районе", null=True)
    level = models.CharField("уровень", max_length=6, choices=Level.choices, default=Level.NO_DATA)
    prev_score = models.DecimalField("рейтинг в прошлом раунде", max_digits=4, decimal_places=1, null=True)
    prev_rank = models.PositiveIntegerField("место в прошлом раунде", null=True)

    class Meta:
        verbose_name = "рейтинг готовности"
        verbose_name_plural = "рейтинги готовности"
        ordering = ["round", "rank"]
        constraints = [models.UniqueConstraint(fields=["round", "school"], name="rating_unique_school")]
        indexes = [models.Index(fields=["round", "rank"]), models.Index(fields=["round", "district", "rank"])]

    def __str__(self) -> str:
        return f"{self.school}: {self.score}"

    @property
    def score_change(self):
        if self.score is None or self.prev_score is None:
            return None
        return self.score - self.prev_score

    @property
    def rank_change(self):
        # Positive: the school went up.
        if self.rank is None or self.prev_rank is None:
            return None
        return self.prev_rank - self.rank


class SectionScore(models.Model):
    # Written by the recompute like Rating: no database foreign keys; the unique (round, school, section) index serves lookups.
    round = models.ForeignKey(
        "surveys.SubmissionRound", on_delete=models.CASCADE, related_name="section_scores", verbose_name="раунд", db_constraint=False, db_index=False
    )
    school = models.ForeignKey("schools.School", on_delete=models.CASCADE, related_name="section_scores", verbose_name="школа", db_constraint=False)
    section = models.ForeignKey("surveys.Section", on_delete=models.CASCADE, related_name="+", verbose_name="раздел", db_constraint=False, db_index=False)
    points = models.DecimalField("баллы", max_digits=10, decimal_places=3)
    possible = models.DecimalField("из возможных", max_digits=10, decimal_places=3)

    class Meta:
        verbose_name = "баллы по разделу"
        verbose_name_plural = "баллы по разделам"
        constraints = [models.UniqueConstraint(fields=["round", "school", "section"], name="section_score_unique")]


class StatusCriteria(models.Model):
    municipality = models.ForeignKey("schools.Municipality", on_delete=models.CASCADE, related_name="status_criteria", verbose_name="муниципалитет")
    year = models.PositiveSmallIntegerField("год")
    min_score = models.DecimalField("рейтинг не ниже", max_digits=4, decimal_places=1, default=80)
    speed_urban = models.DecimalField("скорость Интернета (город), Мбит/с", max_digits=8, decimal_places=1, default=100)
    speed_rural = models.DecimalField("скорость Интернета (село), Мбит/с", max_digits=8, decimal_places=1, default=50)
    min_kit = models.CharField("комплект ЦОС не ниже", max_length=20, default="minimal")
    require_contract = models.BooleanField("договор на связь на следующий год", default=True)
    min_teacher_share = models.DecimalField("готовых педагогов не меньше, %", max_digits=5, decimal_places=1, default=60)
    require_certification_request = models.BooleanField("школа подала заявку на сертификацию", default=True)

    # Who changed what and when, with the values before (django-simple-history; shown in the admin).
    history = HistoricalRecords(verbose_name="история критериев статуса", verbose_name_plural="история критериев статуса")

    class Meta:
        verbose_name = "критерии статуса «Цифровая школа»"
        verbose_name_plural = "критерии статуса «Цифровая школа»"
        constraints = [models.UniqueConstraint(fields=["municipality", "year"], name="criteria_unique_year")]

    def __str__(self) -> str:
        return f"Критерии {self.year} ({self.municipality})"

    def clean(self) -> None:
        if self.min_score is not None and not 0 <= self.min_score <= 100:
            raise ValidationError({"min_score": "Рейтинг — от 0 до 100."})
        if self.min_teacher_share is not None and not 0 <= self.min_teacher_share <= 100:
            raise ValidationError({"min_teacher_share": "Доля — от 0 до 100 %."})


class StatusEligibility(models.Model):
    # Written by the recompute like Rating: no database foreign keys; the unique (round, school) index serves lookups.
    round = models.ForeignKey(
        "surveys.SubmissionRound", on_delete=models.CASCADE, related_name="eligibility", verbose_name="раунд", db_constraint=False, db_index=False
    )
    school = models.ForeignKey("schools.School", on_delete=models.CASCADE, related_name="status_eligibility", verbose_name="школа", db_constraint=False)
    eligible = models.BooleanField("проходит")
    ok_score = models.BooleanField("рейтинг", default=False)
    ok_speed = models.BooleanField("скорость", default=False)
    ok_kit = models.BooleanField("комплект", default=False)
    ok_contract = models.BooleanField("договор", default=False)
    ok_teachers = models.BooleanField("педагоги", default=False)
    ok_certification = models.BooleanField("заявка", default=False)

    # The status criteria in the order every page, card and export lists them: field → what a reader calls it.
    CRITERIA = {
        "ok_score": "рейтинг",
        "ok_speed": "скорость Интернета",
        "ok_kit": "комплект ЦОС",
        "ok_contract": "договор на связь",
        "ok_teachers": "готовность педагогов",
        "ok_certification": "заявка на сертификацию",
    }

    class Meta:
        verbose_name = "соответствие критериям статуса"
        verbose_name_plural = "соответствие критериям статуса"
        constraints = [models.UniqueConstraint(fields=["round", "school"], name="eligibility_unique_school")]

    @classmethod
    def failed_criteria(cls, row) -> list[str]:
        """What a reader calls each criterion `row` (this model, or a row annotated with its fields) does not meet."""
        return [label for name, label in cls.CRITERIA.items() if not getattr(row, name)]


class StatusAward(models.Model):
    municipality = models.ForeignKey("schools.Municipality", on_delete=models.CASCADE, related_name="status_awards", verbose_name="муниципалитет")
    year = models.PositiveSmallIntegerField("год")
    school = models.ForeignKey("schools.School", on_delete=models.PROTECT, related_name="status_awards", verbose_name="школа")
    round = models.ForeignKey("surveys.SubmissionRound", on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name="по итогам раунда")
    order_reference = models.CharField("приказ", max_length=300, blank=True)
    confirmed_at = models.DateTimeField("подтверждён", auto_now_add=True)
    confirmed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name="подтвердил")
    # What the award was based on (criteria, score, checks, the accepted submission's version and answers), kept as it was.
    basis = models.JSONField("основание", default=dict, blank=True, editable=False)

    class Meta:
        verbose_name = "присвоенный статус «Цифровая школа»"
        verbose_name_plural = "присвоенные статусы «Цифровая школа»"
        ordering = ["-year", "school__district__name", "school__full_name"]
        constraints = [models.UniqueConstraint(fields=["year", "school"], name="award_unique_school_year")]

    def __str__(self) -> str:
        return f"{self.school} — {self.year}"


class IndicatorProgress(models.Model):
    class Verdict(models.TextChoices):
        ACHIEVED = "achieved", "достигнут"
        AT_RISK = "at_risk", "под угрозой"
        NOT_ACHIEVED = "missed", "не достигнут"
        NO_DATA = "no_data", "нет данных"
        NO_TARGET = "no_target", "нет цели"

    round = models.ForeignKey("surveys.SubmissionRound", on_delete=models.CASCADE, related_name="indicator_progress", verbose_name="раунд")
    indicator = models.ForeignKey("indicators.Indicator", on_delete=models.CASCADE, related_name="progress", verbose_name="показатель")
    # Empty for a city-level indicator; the school for a school-level one.
    school = models.ForeignKey("schools.School", on_delete=models.CASCADE, null=True, blank=True, related_name="+", verbose_name="школа")
    actual = models.DecimalField("факт", max_digits=12, decimal_places=2, null=True)
    schools_with_data = models.PositiveIntegerField("школ с данными", default=0)
    schools_meeting = models.PositiveIntegerField("школ выполняют", default=0)
    target_value = models.DecimalField("цель", max_digits=12, decimal_places=2, null=True)
    target_due = models.DateField("срок цели", null=True)
    verdict = models.CharField("оценка", max_length=10, choices=Verdict.choices)

    class Meta:
        verbose_name = "выполнение показателя"
        verbose_name_plural = "выполнение показателей"
        constraints = [
            models.UniqueConstraint(fields=["round", "indicator"], condition=Q(school__isnull=True), name="progress_unique_city"),
            models.UniqueConstraint(fields=["round", "indicator", "school"], condition=Q(school__isnull=False), name="progress_unique_school"),
        ]


class RatingCorrection(models.Model):
    """An administrator's correction of a round whose results were fixed: who, when, why, and every school's figures
    before and after. Append-only: never edited or deleted (the admin shows it read-only)."""

    round = models.ForeignKey("surveys.SubmissionRound", on_delete=models.PROTECT, related_name="corrections", verbose_name="раунд")
    corrected_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name="исправил")
    # Kept as text too: the record must read the same if the account is renamed.
    corrected_by_name = models.CharField("исправил (имя на момент исправления)", max_length=300)
    corrected_at = models.DateTimeField("когда", auto_now_add=True)
    reason = models.TextField("причина")
    # {school_id: {"school", "score", "rank", "district_rank", "level", "eligible"}} for every school of the round.
    before = models.JSONField("до исправления")
    after = models.JSONField("после исправления")
    changed_schools = models.PositiveIntegerField("школ с изменениями")

    class Meta:
        verbose_name = "исправление зафиксированных итогов"
        verbose_name_plural = "исправления зафиксированных итогов"
        ordering = ["-corrected_at"]

    def __str__(self) -> str:
        return f"{self.round}: {self.corrected_at:%d.%m.%Y %H:%M}, {self.corrected_by_name}"


SUMMARY_BINS = 10  # the dashboard's histogram of scores: 0–10, 10–20, …, 90–100 (the last one holds 100)


class DistrictSummary(models.Model):
    """A round's ratings folded per district, legal form and town/country: written by the recompute in the
    same transaction as the ratings (so never out of step with them) and read by the dashboard, which then
    sums a few hundred rows instead of aggregating every school's rating on every request.

    Counts active schools only, as the dashboard does; the round's total is the sum of its rows."""

    round = models.ForeignKey(
        "surveys.SubmissionRound", on_delete=models.CASCADE, related_name="district_summaries", verbose_name="раунд", db_constraint=False, db_index=False
    )
    district = models.ForeignKey(
        "schools.District", on_delete=models.DO_NOTHING, null=True, blank=True, related_name="+", verbose_name="район", db_constraint=False, db_index=False
    )
    legal_form = models.CharField("организационно-правовая форма", max_length=10)
    is_urban = models.BooleanField("городские")
    schools = models.PositiveIntegerField("школ в рейтинге раунда", default=0)
    rated = models.PositiveIntegerField("школ с рейтингом", default=0)
    score_sum = models.DecimalField("сумма рейтингов", max_digits=12, decimal_places=1, default=0)
    high = models.PositiveIntegerField("высокий уровень", default=0)
    medium = models.PositiveIntegerField("средний уровень", default=0)
    low = models.PositiveIntegerField("низкий уровень", default=0)
    no_data = models.PositiveIntegerField("нет данных", default=0)
    eligible = models.PositiveIntegerField("проходят на статус", default=0)
    bin_0 = models.PositiveIntegerField(default=0)
    bin_1 = models.PositiveIntegerField(default=0)
    bin_2 = models.PositiveIntegerField(default=0)
    bin_3 = models.PositiveIntegerField(default=0)
    bin_4 = models.PositiveIntegerField(default=0)
    bin_5 = models.PositiveIntegerField(default=0)
    bin_6 = models.PositiveIntegerField(default=0)
    bin_7 = models.PositiveIntegerField(default=0)
    bin_8 = models.PositiveIntegerField(default=0)
    bin_9 = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = "сводка рейтинга по району"
        verbose_name_plural = "сводки рейтинга по районам"
        indexes = [models.Index(fields=["round", "district"])]

    def __str__(self) -> str:
        return f"{self.round_id} / {self.district_id}: {self.rated} из {self.schools}"


class ActivitySuggestion(models.Model):
    """The methodologists' library: activities that help a school where it loses points in a section of the questionnaire."""

    # By title: sections are copied with each questionnaire version, their titles stay.
    section_title = models.CharField("раздел анкеты", max_length=300)
    order = models.PositiveSmallIntegerField("порядок", default=0)
    title = models.TextField("мероприятие")
    expected_result = models.TextField("ожидаемый результат", blank=True)
    document_type = models.CharField("подтверждающий документ", max_length=300, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name="добавил")

    class Meta:
        verbose_name = "мероприятие из библиотеки"
        verbose_name_plural = "библиотека мероприятий по разделам"
        ordering = ["section_title", "order", "pk"]

    def __str__(self) -> str:
        return f"{self.section_title}: {self.title[:80]}"
