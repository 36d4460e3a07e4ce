from django.conf import settings
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords


class Roadmap(models.Model):
    class Kind(models.TextChoices):
        MUNICIPAL = "municipal", "дорожная карта муниципалитета"
        SCHOOL = "school", "план школы"

    kind = models.CharField("вид", max_length=10, choices=Kind.choices, default=Kind.MUNICIPAL)
    municipality = models.ForeignKey(
        "schools.Municipality", on_delete=models.CASCADE, null=True, blank=True, related_name="roadmaps", verbose_name="муниципалитет"
    )
    school = models.ForeignKey("schools.School", on_delete=models.CASCADE, null=True, blank=True, related_name="roadmaps", verbose_name="школа")
    title = models.TextField("название")
    goal = models.TextField("цель", blank=True)
    period_start = models.DateField("начало периода")
    period_end = models.DateField("окончание периода")
    source = models.CharField("источник", max_length=200, blank=True, help_text="Документ, из которого взята карта")
    # School plans and district roadmaps are reported against line by line (LineReport); the city roadmap counts events.
    # The period this roadmap continues (an administrator creates the next period from an ended one).
    previous = models.ForeignKey("self", on_delete=models.SET_NULL, null=True, blank=True, related_name="next_periods", verbose_name="предыдущий период")
    tracks_reports = models.BooleanField(
        "исполнение отчётами по строкам",
        default=False,
        help_text="Исполнители отчитываются по каждому мероприятию и результату, контролирующие лица подтверждают или возвращают",
    )

    class Meta:
        verbose_name = "дорожная карта"
        verbose_name_plural = "дорожные карты"
        ordering = ["period_start", "title"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(municipality__isnull=False, school__isnull=True) | Q(municipality__isnull=True, school__isnull=False)),
                name="roadmap_exactly_one_owner",
            ),
            models.CheckConstraint(condition=Q(period_end__gte=models.F("period_start")), name="roadmap_period_ordered"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def owner(self):
        return self.school or self.municipality

    def ended(self, today) -> bool:
        return self.period_end < today


class Direction(models.Model):
    roadmap = models.ForeignKey(Roadmap, on_delete=models.CASCADE, related_name="directions", verbose_name="дорожная карта")
    number = models.PositiveSmallIntegerField("№")
    title = models.TextField("направление")

    class Meta:
        verbose_name = "направление"
        verbose_name_plural = "направления"
        ordering = ["roadmap", "number"]
        constraints = [models.UniqueConstraint(fields=["roadmap", "number"], name="direction_unique_number")]

    def __str__(self) -> str:
        return f"{self.number}. {self.title}"


class Indicator(models.Model):
    class Kind(models.TextChoices):
        MAIN = "main", "основной"
        ADDITIONAL = "additional", "дополнительный"

    class Unit(models.TextChoices):
        PERCENT = "percent", "%"
        COUNT = "count", "шт."
        PEOPLE = "people", "чел."
        MBPS = "mbps", "Мбит/с"

    class Level(models.TextChoices):
        CITY = "city", "муниципалитет"
        SCHOOL = "school", "школа"

    class Aggregation(models.TextChoices):
        SHARE_MEETING = "share", "доля ОУ, выполняющих условие"
        SHARE_FULL_RATIO = "share_full", "доля ОУ, где ответ не меньше ответа-знаменателя"
        MEAN = "mean", "среднее значение по ОУ"
        NONE = "none", "не вычисляется из анкет"

    roadmap = models.ForeignKey(Roadmap, on_delete=models.CASCADE, related_name="indicators", verbose_name="дорожная карта")
    parent = models.ForeignKey("self", on_delete=models.CASCADE, null=True, blank=True, related_name="children", verbose_name="входит в показатель")
    code = models.CharField("код", max_length=40)
    order = models.PositiveSmallIntegerField("порядок", default=0)
    name = models.TextField("наименование")
    kind = models.CharField("тип показателя", max_length=12, choices=Kind.choices, default=Kind.MAIN)
    unit = models.CharField("единица", max_length=10, choices=Unit.choices, default=Unit.PERCENT)
    level = models.CharField("уровень", max_length=10, choices=Level.choices, default=Level.CITY)
    base_value = models.DecimalField("базовое значение", max_digits=12, decimal_places=2, null=True, blank=True)
    base_date = models.DateField("дата базового значения", null=True, blank=True)
    higher_is_better = models.BooleanField("чем больше, тем лучше", default=True)
    # The question (by its code, stable across questionnaire versions) whose answers give the actual.
    question_code = models.SlugField("код вопроса анкеты", max_length=60, blank=True, help_text="Из ответов на этот вопрос вычисляется фактическое значение")
    denominator_code = models.SlugField("код вопроса-знаменателя", max_length=60, blank=True, help_text="Для «доли ОУ, где ответ не меньше ответа-знаменателя»")
    # How the city-level actual is computed from the answers of the linked question.
    aggregation = models.CharField("как вычисляется", max_length=10, choices=Aggregation.choices, default=Aggregation.NONE)
    condition_choices = models.JSONField(
        "условие: варианты ответа", default=list, blank=True, help_text='Для вопросов с выбором: какие варианты засчитываются, например ["minimal", "standard"]'
    )
    threshold_urban = models.DecimalField(
        "условие: порог (город)",
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        help_text="Числовой ответ засчитывается, если не меньше порога; для сельских школ — свой порог",
    )
    threshold_rural = models.DecimalField("условие: порог (село)", max_digits=12, decimal_places=2, null=True, blank=True)
    # A district roadmap names these for its indicator rows too (seed 004, rows 6–15).
    responsible = models.CharField("ответственный исполнитель", max_length=300, blank=True)
    confirming_document = models.TextField("подтверждающий документ", blank=True)
    controller = models.CharField("контролирующее лицо", max_length=300, blank=True)

    # Who changed what and when, with the values before (django-simple-history; shown in the admin).
    history = HistoricalRecords(verbose_name="история показателей", verbose_name_plural="история показателей")

    class Meta:
        verbose_name = "показатель"
        verbose_name_plural = "показатели"
        ordering = ["roadmap", "order", "code"]
        constraints = [models.UniqueConstraint(fields=["roadmap", "code"], name="indicator_unique_code")]

    def __str__(self) -> str:
        return f"{self.code} {self.name[:80]}"


class IndicatorTarget(models.Model):
    indicator = models.ForeignKey(Indicator, on_delete=models.CASCADE, related_name="targets", verbose_name="показатель")
    year = models.PositiveSmallIntegerField("год", null=True, blank=True)
    due_date = models.DateField("срок")
    value = models.DecimalField("целевое значение", max_digits=12, decimal_places=2)
    # Seed 001 writes "15 (1,9)": a percent with an absolute figure beside it.
    absolute_value = models.DecimalField("абсолютное значение", max_digits=12, decimal_places=2, null=True, blank=True)
    raw_text = models.CharField("как в документе", max_length=200, blank=True)

    # Who changed what and when, with the values before (django-simple-history; shown in the admin).
    history = HistoricalRecords(verbose_name="история целевых значений", verbose_name_plural="история целевых значений")

    class Meta:
        verbose_name = "целевое значение"
        verbose_name_plural = "целевые значения"
        ordering = ["indicator", "due_date"]
        constraints = [models.UniqueConstraint(fields=["indicator", "due_date"], name="target_unique_due")]

    def __str__(self) -> str:
        return f"{self.indicator.code}: {self.value} к {self.due_date:%d.%m.%Y}"


class KeyResult(models.Model):
    class Kind(models.TextChoices):
        PROCESS = "process", "процессный"
        FINAL = "final", "окончательный"
        RESULT = "result", "результат"

    class Fact(models.TextChoices):
        QUESTIONNAIRE_PUBLISHED = "questionnaire_published", "опросная форма опубликована в раунде мониторинга"
        ROUND_COMPLETENESS = "round_completeness", "анкеты собраны к сроку раунда (доля школ)"
        RATING_PUBLISHED = "rating_published", "рейтинг готовности по итогам раунда сформирован"
        CURATORS_APPOINTED = "curators_appointed", "у школ есть куратор с приказом о назначении (доля школ)"
        STATUS_CHECKED = "status_checked", "школы проверены на статус по критериям (сертификация)"
        STATUS_CONFIRMED = "status_confirmed", "список школ со статусом утверждён"
        INDICATOR_VERDICT = "indicator_verdict", "показатель достиг цели к сроку результата"

    SHARE_FACTS = (Fact.ROUND_COMPLETENESS, Fact.CURATORS_APPOINTED)
    # What each kind of fact counts, as the key result page says it (computed in ratings/facts.py).
    FACT_RULES = {
        Fact.QUESTIONNAIRE_PUBLISHED: "выполнен за год, если раунд мониторинга этого года открыт с опросной формой.",
        Fact.ROUND_COMPLETENESS: "выполнен за год, если к сроку раунда анкеты отправила нужная доля школ-участниц (по умолчанию все).",
        Fact.RATING_PUBLISHED: "выполнен за год, если раунд закрыт и рейтинг по его анкетам пересчитан.",
        Fact.CURATORS_APPOINTED: "выполнен за год, если у нужной доли школ-участниц есть действующий куратор с номером и датой приказа не позже срока раунда.",
        Fact.STATUS_CHECKED: "выполнен за год, если раунд закрыт и все школы, отправившие анкету, проверены по критериям статуса.",
        Fact.STATUS_CONFIRMED: "выполнен за год, если администратор утвердил список школ со статусом этого года.",
        Fact.INDICATOR_VERDICT: (
            "значение показателя в последнем раунде, закрытом к сроку результата, сравнивается с целью; если такого раунда не было — «нет данных к сроку»."
        ),
    }

    roadmap = models.ForeignKey(Roadmap, on_delete=models.CASCADE, related_name="key_results", verbose_name="дорожная карта")
    direction = models.ForeignKey(Direction, on_delete=models.CASCADE, null=True, blank=True, related_name="key_results", verbose_name="направление")
    number = models.CharField("№", max_length=10)
    order = models.PositiveIntegerField("порядок", default=0)
    kind = models.CharField("вид", max_length=10, choices=Kind.choices, default=Kind.RESULT)
    text = models.TextField("ключевой результат")
    deadline_text = models.CharField("срок реализации (как в документе)", max_length=200, blank=True)
    target_value = models.DecimalField("целевое значение", max_digits=12, decimal_places=2, null=True, blank=True)
    target_unit = models.CharField("единица цели", max_length=20, blank=True)
    responsible = models.CharField("ответственный исполнитель", max_length=300, blank=True)
    confirming_document = models.TextField("подтверждающий документ", blank=True)
    controller = models.CharField("контролирующее лицо", max_length=300, blank=True)
    characteristic = models.TextField("характеристика результата", blank=True)
    indicator = models.ForeignKey(Indicator, on_delete=models.SET_NULL, null=True, blank=True, related_name="key_results", verbose_name="показатель")
    completed_on = models.DateField("выполнен", null=True, blank=True)
    # A key result the portal's own data fulfils: the kind of fact and its share; the evidence is computed (KeyResultEvidence).
    fact = models.CharField(
        "подтверждается данными портала",
        max_length=30,
        choices=Fact.choices,
        blank=True,
        help_text="Если выбрано, состояние результата вычисляется по данным портала за каждый год, вручную его не отмечают",
    )
    fact_share = models.DecimalField(
        "доля школ, %",
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        help_text="Для «анкеты собраны» и «кураторы назначены»: сколько школ нужно (по умолчанию 100 %)",
    )

    class Meta:
        verbose_name = "ключевой результат"
        verbose_name_plural = "ключевые результаты"
        ordering = ["roadmap", "direction__number", "order"]

    def __str__(self) -> str:
        return f"{self.number} {self.text[:80]}"


class KeyResultEvidence(models.Model):
    """What the portal's own data says of a fact-linked key result for one year: derived, rewritten from its sources
    (rounds, submissions, ratings, status awards, curators) by ratings.services.key_result_facts_refresh."""

    class Status(models.TextChoices):
        FULFILLED = "fulfilled", "выполнен"
        PENDING = "pending", "в работе"
        MISSED = "missed", "не выполнен"
        NO_DATA = "no_data", "нет данных к сроку"

    key_result = models.ForeignKey(KeyResult, on_delete=models.CASCADE, related_name="evidence", verbose_name="ключевой результат")
    year = models.PositiveSmallIntegerField("год")
    status = models.CharField("итог", max_length=10, choices=Status.choices)
    summary = models.CharField("что показывают данные", max_length=500)
    counted = models.PositiveIntegerField("сколько", null=True, blank=True)
    total = models.PositiveIntegerField("из скольких", null=True, blank=True)
    happened_on = models.DateField("когда", null=True, blank=True)
    source = models.CharField("источник", max_length=300, blank=True, help_text="Раунд, список или показатель, из которого взяты данные")
    link = models.CharField("ссылка на данные", max_length=300, blank=True)
    computed_at = models.DateTimeField("вычислено", auto_now=True)

    class Meta:
        verbose_name = "подтверждение по данным портала"
        verbose_name_plural = "подтверждения по данным портала"
        ordering = ["key_result", "-year"]
        constraints = [models.UniqueConstraint(fields=["key_result", "year"], name="evidence_unique_year")]

    def __str__(self) -> str:
        return f"{self.key_result.number} {self.year}: {self.get_status_display()}"


class Deadline(models.Model):
    """One parsed due point of a key result: a month, an exact date, or a recurrence."""

    class Kind(models.TextChoices):
        MONTH = "month", "месяц"
        DATE = "date", "дата"
        YEAR = "year", "год"
        RECURRING = "recurring", "периодически"

    class Recurrence(models.TextChoices):
        YEARLY = "yearly", "ежегодно"
        DURING_YEAR = "during_year", "в течение года"
        MONTHLY = "monthly", "один раз в месяц"
        TWICE_MONTHLY = "twice_monthly", "2 раза в месяц"

    key_result = models.ForeignKey(KeyResult, on_delete=models.CASCADE, related_name="deadlines", verbose_name="ключевой результат")
    kind = models.CharField("вид", max_length=10, choices=Kind.choices)
    # For a month: the last day of that month; for a date: the date itself.
    due_date = models.DateField("срок", null=True, blank=True, db_index=True)
    recurrence = models.CharField("периодичность", max_length=15, choices=Recurrence.choices, blank=True)
    times_per_month = models.DecimalField("раз в месяц", max_digits=5, decimal_places=2, null=True, blank=True)

    class Meta:
        verbose_name = "срок"
        verbose_name_plural = "сроки"
        ordering = ["due_date"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind="recurring", recurrence__gt="") | (~Q(kind="recurring") & Q(due_date__isnull=False)),
                name="deadline_has_date_or_recurrence",
            ),
        ]

    def __str__(self) -> str:
        if self.kind == self.Kind.RECURRING:
            return self.get_recurrence_display()
        return f"{self.due_date:%d.%m.%Y}"


class Activity(models.Model):
    roadmap = models.ForeignKey(Roadmap, on_delete=models.CASCADE, related_name="activities", verbose_name="дорожная карта")
    parent = models.ForeignKey("self", on_delete=models.CASCADE, null=True, blank=True, related_name="children", verbose_name="входит в мероприятие")
    number = models.CharField("№", max_length=10)
    order = models.PositiveIntegerField("порядок", default=0)
    title = models.TextField("мероприятие")
    start_text = models.CharField("начало (как в документе)", max_length=50, blank=True)
    end_text = models.CharField("окончание (как в документе)", max_length=50, blank=True)
    start_date = models.DateField("начало", null=True, blank=True)
    end_date = models.DateField("окончание", null=True, blank=True)
    date_flag = models.CharField("замечание к датам", max_length=300, blank=True, help_text="Если дата в документе с опечаткой: как она прочитана")
    responsible = models.CharField("ответственный исполнитель", max_length=300, blank=True)
    document_type = models.CharField("вид документа", max_length=300, blank=True)
    expected_result = models.TextField("результат", blank=True)
    # Added from a deficit of the school's rating card: the section, the round (by id: surveys sits above) and its share then.
    deficit_section = models.CharField("добавлено из дефицита раздела", max_length=300, blank=True)
    deficit_round_id = models.PositiveIntegerField("раунд, в котором найден дефицит", null=True, blank=True)
    deficit_percent = models.PositiveSmallIntegerField("доля баллов раздела тогда, %", null=True, blank=True)

    class Meta:
        verbose_name = "мероприятие"
        verbose_name_plural = "мероприятия"
        ordering = ["roadmap", "order"]

    def __str__(self) -> str:
        return f"{self.number} {self.title[:80]}"


class ProcessEvent(models.Model):
    """An event held for a process key result (seminar, round table, open lesson, ...)."""

    class Format(models.TextChoices):
        SEMINAR = "seminar", "семинар"
        ROUND_TABLE = "round_table", "круглый стол"
        ONLINE_SESSION = "online_session", "онлайн-сессия"
        OPEN_LESSON = "open_lesson", "открытый урок"
        CONSULTATION = "consultation", "консультация"
        BROADCAST = "broadcast", "онлайн-трансляция"
        OTHER = "other", "другое"

    key_result = models.ForeignKey(KeyResult, on_delete=models.CASCADE, related_name="events", verbose_name="ключевой результат")
    date = models.DateField("дата")
    title = models.CharField("название", max_length=300)
    format = models.CharField("формат", max_length=20, choices=Format.choices, default=Format.SEMINAR)
    schools_count = models.PositiveIntegerField("школ участвовало", default=0)
    participants_count = models.PositiveIntegerField("участников", default=0)
    link = models.URLField("ссылка", blank=True)
    document = models.FileField("документ", upload_to="events/%Y/", blank=True)
    recorded_by = models.ForeignKey("auth.User", on_delete=models.SET_NULL, null=True, blank=True, verbose_name="внёс")
    created_at = models.DateTimeField("внесено", auto_now_add=True)

    class Meta:
        verbose_name = "проведённое мероприятие"
        verbose_name_plural = "проведённые мероприятия"
        ordering = ["-date"]

    def __str__(self) -> str:
        return f"{self.date:%d.%m.%Y} {self.title}"


class PlanRole(models.Model):
    """Who acts for a role a roadmap names: the executor who reports a line, the controlling person who confirms it.

    `title` is the role as the document writes it («Муниципальный координатор», «Заместитель начальника управления
    образования»); an empty title stands for every line of the roadmap. A school plan's executor is the school's curator.
    """

    class Kind(models.TextChoices):
        EXECUTOR = "executor", "исполнитель"
        CONTROLLER = "controller", "контролирующее лицо"

    roadmap = models.ForeignKey(Roadmap, on_delete=models.CASCADE, related_name="plan_roles", verbose_name="дорожная карта")
    kind = models.CharField("роль", max_length=10, choices=Kind.choices)
    title = models.CharField("как в документе", max_length=300, blank=True, help_text="Пусто — для всех строк карты")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="plan_roles", verbose_name="пользователь")

    class Meta:
        verbose_name = "исполнитель или контролирующее лицо"
        verbose_name_plural = "исполнители и контролирующие лица"
        ordering = ["roadmap", "kind", "title"]
        constraints = [models.UniqueConstraint(fields=["roadmap", "kind", "title"], name="plan_role_unique_title")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.title or 'все строки'} — {self.user}"


class LineReport(models.Model):
    """A report of the executor on one line of a plan (an activity or a result), and the controller's answer.

    Append-only: a returned report stays in the history; the executor reports again."""

    class Progress(models.TextChoices):
        IN_WORK = "in_work", "в работе"
        DONE = "done", "выполнено"

    class Review(models.TextChoices):
        NOT_NEEDED = "", "не требуется"
        PENDING = "pending", "ждёт подтверждения"
        CONFIRMED = "confirmed", "подтверждено"
        RETURNED = "returned", "возвращено"

    roadmap = models.ForeignKey(Roadmap, on_delete=models.CASCADE, related_name="line_reports", verbose_name="дорожная карта")
    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, null=True, blank=True, related_name="reports", verbose_name="мероприятие")
    key_result = models.ForeignKey(KeyResult, on_delete=models.CASCADE, null=True, blank=True, related_name="reports", verbose_name="результат")
    progress = models.CharField("ход исполнения", max_length=10, choices=Progress.choices)
    comment = models.TextField("комментарий исполнителя")
    document = models.FileField("подтверждающий документ", upload_to="plan_reports/%Y/", blank=True, max_length=300)
    reported_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name="отчитался")
    reported_at = models.DateTimeField("когда", auto_now_add=True)
    review = models.CharField("подтверждение", max_length=10, choices=Review.choices, blank=True)
    review_comment = models.TextField("комментарий контролирующего лица", blank=True)
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name="проверил")
    reviewed_at = models.DateTimeField("проверено", null=True, blank=True)

    class Meta:
        verbose_name = "отчёт об исполнении"
        verbose_name_plural = "отчёты об исполнении"
        ordering = ["-reported_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(activity__isnull=False, key_result__isnull=True) | Q(activity__isnull=True, key_result__isnull=False),
                name="line_report_one_line",
            ),
        ]
        indexes = [models.Index(fields=["roadmap", "review"])]

    def __str__(self) -> str:
        line = self.activity or self.key_result
        return f"{line.number}: {self.get_progress_display()} ({self.reported_at:%d.%m.%Y})"

    @property
    def document_name(self) -> str:
        return self.document.name.rsplit("/", 1)[-1] if self.document else ""

    @property
    def reported_by_name(self) -> str:
        return (self.reported_by.get_full_name() or self.reported_by.username) if self.reported_by else "—"

    @property
    def reviewed_by_name(self) -> str:
        return (self.reviewed_by.get_full_name() or self.reviewed_by.username) if self.reviewed_by else "—"


class IndicatorActual(models.Model):
    """The actual value of a school-plan indicator for a year, as the school reports it: the percent and, where the plan
    gives both («15 (1,9)»), the count. Append-only: the latest report of a year is the one shown."""

    indicator = models.ForeignKey(Indicator, on_delete=models.CASCADE, related_name="actuals", verbose_name="показатель")
    year = models.PositiveSmallIntegerField("год")
    value = models.DecimalField("значение", max_digits=12, decimal_places=2)
    absolute_value = models.DecimalField("абсолютное значение", max_digits=12, decimal_places=2, null=True, blank=True)
    comment = models.CharField("комментарий", max_length=500, blank=True)
    reported_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name="внёс")
    reported_at = models.DateTimeField("внесено", auto_now_add=True)

    class Meta:
        verbose_name = "фактическое значение показателя школы"
        verbose_name_plural = "фактические значения показателей школ"
        ordering = ["indicator", "year", "-reported_at", "-pk"]
        constraints = [models.CheckConstraint(condition=Q(value__gte=0), name="indicator_actual_not_negative")]

    def __str__(self) -> str:
        return f"{self.indicator.code} {self.year}: {self.display}"

    @property
    def display(self) -> str:
        """As the plan writes its targets: «12 (1,5)»."""

        def plain(number) -> str:
            return f"{number.normalize():f}".replace(".", ",")

        return plain(self.value) + (f" ({plain(self.absolute_value)})" if self.absolute_value is not None else "")
