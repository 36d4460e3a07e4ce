from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from simple_history.models import HistoricalRecords


class Questionnaire(models.Model):
    title = models.CharField("название", max_length=300)
    version = models.PositiveIntegerField("версия", default=1)
    previous = models.ForeignKey("self", on_delete=models.SET_NULL, null=True, blank=True, related_name="next_versions", verbose_name="предыдущая версия")
    description = models.TextField("пояснение для кураторов", blank=True)
    # Set when the first round opens with this version; a frozen questionnaire is never edited.
    frozen_at = models.DateTimeField("заморожена", null=True, blank=True)
    created_at = models.DateTimeField("создана", auto_now_add=True)

    class Meta:
        verbose_name = "опросная форма"
        verbose_name_plural = "опросные формы"
        ordering = ["title", "-version"]
        constraints = [models.UniqueConstraint(fields=["title", "version"], name="questionnaire_unique_version")]

    def __str__(self) -> str:
        return f"{self.title} (версия {self.version})"

    @property
    def is_frozen(self) -> bool:
        return self.frozen_at is not None


class Section(models.Model):
    questionnaire = models.ForeignKey(Questionnaire, on_delete=models.CASCADE, related_name="sections", verbose_name="опросная форма")
    order = models.PositiveSmallIntegerField("порядок", default=0)
    title = models.CharField("раздел", max_length=300)
    direction = models.ForeignKey(
        "indicators.Direction", on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name="направление дорожной карты"
    )

    class Meta:
        verbose_name = "раздел"
        verbose_name_plural = "разделы"
        ordering = ["questionnaire", "order"]

    def __str__(self) -> str:
        return self.title


class Question(models.Model):
    class Type(models.TextChoices):
        YES_NO = "yes_no", "да / нет"
        INTEGER = "integer", "целое число"
        DECIMAL = "decimal", "дробное число"
        PERCENT = "percent", "процент (0–100)"
        SINGLE_CHOICE = "single", "один вариант"
        MULTIPLE_CHOICE = "multiple", "несколько вариантов"
        TEXT = "text", "текст"
        DATE = "date", "дата"
        FILE = "file", "файл (подтверждающий документ)"

    NUMERIC_TYPES = (Type.INTEGER, Type.DECIMAL, Type.PERCENT)
    CHOICE_TYPES = (Type.SINGLE_CHOICE, Type.MULTIPLE_CHOICE)

    questionnaire = models.ForeignKey(Questionnaire, on_delete=models.CASCADE, related_name="questions", verbose_name="опросная форма")
    section = models.ForeignKey(Section, on_delete=models.CASCADE, related_name="questions", verbose_name="раздел")
    order = models.PositiveSmallIntegerField("порядок", default=0)
    code = models.SlugField("код", max_length=60, help_text="Латиницей, не меняется между версиями: по нему сравниваются раунды")
    text = models.TextField("вопрос")
    help_text = models.TextField("подсказка", blank=True)
    type = models.CharField("тип ответа", max_length=10, choices=Type.choices)
    required = models.BooleanField("обязательный", default=True)
    min_value = models.DecimalField("не меньше", max_digits=14, decimal_places=4, null=True, blank=True)
    max_value = models.DecimalField("не больше", max_digits=14, decimal_places=4, null=True, blank=True)
    unit = models.CharField("единица", max_length=30, blank=True)
    choices = models.JSONField(
        "варианты ответа", default=list, blank=True, help_text='Список пар [значение, подпись], например [["none", "нет"], ["minimal", "минимальный"]]'
    )

    class Meta:
        verbose_name = "вопрос"
        verbose_name_plural = "вопросы"
        ordering = ["section__order", "order"]
        constraints = [
            models.UniqueConstraint(fields=["questionnaire", "code"], name="question_unique_code"),
            models.CheckConstraint(
                condition=Q(min_value__isnull=True) | Q(max_value__isnull=True) | Q(max_value__gte=F("min_value")), name="question_bounds_ordered"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code}: {self.text[:80]}"

    @property
    def display_unit(self) -> str:
        """The unit written after a number: the question's own, «%» for a percent question without one."""
        return self.unit or ("%" if self.type == self.Type.PERCENT else "")

    @property
    def choice_labels(self) -> dict[str, str]:
        return {str(value): label for value, label in self.choices}


class QuestionRule(models.Model):
    """A cross-question check run on submit; its message names both questions."""

    class Kind(models.TextChoices):
        LTE = "lte", "первый ответ не больше второго"
        REQUIRES_POSITIVE = "requires_positive", "если первый ответ из списка — второй больше нуля"

    questionnaire = models.ForeignKey(Questionnaire, on_delete=models.CASCADE, related_name="rules", verbose_name="опросная форма")
    kind = models.CharField("правило", max_length=20, choices=Kind.choices)
    left = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="+", verbose_name="первый вопрос")
    right = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="+", verbose_name="второй вопрос")
    left_values = models.JSONField("значения первого вопроса", default=list, blank=True)
    message = models.CharField("сообщение", max_length=300, blank=True)

    class Meta:
        verbose_name = "правило согласованности"
        verbose_name_plural = "правила согласованности"

    def __str__(self) -> str:
        return f"{self.left.code} {self.kind} {self.right.code}"


# Rounds whose results are final (`SubmissionRound.results_final`), as a filter.
RESULTS_FINAL = Q(results_fixed_at__isnull=False, computed_at__isnull=False, computed_at__gte=F("results_fixed_at"))


class SubmissionRound(models.Model):
    class State(models.TextChoices):
        DRAFT = "draft", "готовится"
        OPEN = "open", "открыт"
        CLOSED = "closed", "закрыт"

    title = models.CharField("название", max_length=300)
    municipality = models.ForeignKey("schools.Municipality", on_delete=models.PROTECT, related_name="rounds", verbose_name="муниципалитет")
    questionnaire = models.ForeignKey(Questionnaire, on_delete=models.PROTECT, related_name="rounds", verbose_name="опросная форма")
    year = models.PositiveSmallIntegerField("год статуса «Цифровая школа»")
    opens_at = models.DateTimeField("открывается")
    closes_at = models.DateTimeField("закрывается")
    state = models.CharField("состояние", max_length=10, choices=State.choices, default=State.DRAFT)
    # The round's participants with the facts the round keeps of each (see RoundParticipant); change them through
    # surveys.services.round_participants_add / _remove, which record the facts and mark the results stale.
    schools = models.ManyToManyField("schools.School", through="RoundParticipant", related_name="rounds", blank=True, verbose_name="участвуют школы")
    deviation_threshold = models.PositiveSmallIntegerField("порог отклонения от прошлого раунда, %", default=50)
    previous = models.ForeignKey("self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name="предыдущий раунд")
    # Every change that affects results bumps changes_seq; a recompute records what it saw.
    changes_seq = models.PositiveIntegerField("изменений", default=0)
    computed_seq = models.PositiveIntegerField("учтено в расчёте", default=0)
    computed_at = models.DateTimeField("пересчитан", null=True, blank=True)
    # Set when a recompute task is queued; cleared by the task when it starts (coalesces bursts of submits).
    recompute_queued_at = models.DateTimeField("пересчёт поставлен в очередь", null=True, blank=True)
    results_fixed_at = models.DateTimeField("итоги зафиксированы", null=True, blank=True)

    # Who changed what and when, with the values before (django-simple-history; shown in the admin).
    history = HistoricalRecords(
        verbose_name="история настроек раундов",
        verbose_name_plural="история настроек раундов",
        # Bookkeeping of the recompute, not settings anyone chose.
        excluded_fields=["changes_seq", "computed_seq", "computed_at", "recompute_queued_at"],
    )

    class Meta:
        verbose_name = "раунд мониторинга"
        verbose_name_plural = "раунды мониторинга"
        ordering = ["-opens_at"]
        constraints = [models.CheckConstraint(condition=Q(closes_at__gt=F("opens_at")), name="round_closes_after_opening")]

    def __str__(self) -> str:
        return self.title

    @property
    def results_final(self) -> bool:
        """Fixed at closing and computed once since: nothing recomputes them but an administrator's logged correction."""
        return self.results_fixed_at is not None and self.computed_at is not None and self.computed_at >= self.results_fixed_at

    @property
    def results_stale(self) -> bool:
        return not self.results_final and self.computed_seq < self.changes_seq


class RoundParticipant(models.Model):
    """A school taking part in a round, with the facts the round keeps of it: its district, urban/rural flag and active
    state. Recorded when the school joins, refreshed from the school while the round's results are not fixed, frozen
    when they are: every figure of the round (ranks, district ranks, thresholds, completeness, exports) reads these,
    never the school's current row, so a closed year reads the same after a school moves or closes."""

    # The table of the former plain many-to-many (its column names kept).
    round = models.ForeignKey(SubmissionRound, on_delete=models.CASCADE, related_name="participant_rows", verbose_name="раунд", db_column="submissionround_id")
    school = models.ForeignKey("schools.School", on_delete=models.CASCADE, related_name="round_participations", verbose_name="школа")
    district = models.ForeignKey("schools.District", on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name="район в раунде")
    is_urban = models.BooleanField("городская в раунде", default=True)
    is_active = models.BooleanField(
        "действует в раунде",
        default=True,
        help_text="Неактивная (закрытая, реорганизованная) школа не участвует в итогах раунда: ни в рейтинге, ни в статусе, "
        "ни в показателях, полноте сбора, напоминаниях и выгрузках.",
    )
    joined_at = models.DateTimeField("включена в раунд", null=True, blank=True, default=timezone.now)

    class Meta:
        db_table = "surveys_submissionround_schools"
        verbose_name = "участник раунда"
        verbose_name_plural = "участники раунда"
        unique_together = [("round", "school")]
        # A district's active participants of a round, counted (the completeness list's pager) from the index alone.
        indexes = [models.Index(fields=["round", "district", "is_active", "school"], name="participant_round_district")]

    def __str__(self) -> str:
        return f"{self.school} в «{self.round}»"


class RoundExtension(models.Model):
    round = models.ForeignKey(SubmissionRound, on_delete=models.CASCADE, related_name="extensions", verbose_name="раунд")
    school = models.ForeignKey("schools.School", on_delete=models.CASCADE, related_name="round_extensions", verbose_name="школа")
    closes_at = models.DateTimeField("новый срок")
    reason = models.CharField("причина", max_length=300, blank=True)
    granted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name="продлил")
    granted_at = models.DateTimeField("продлено", auto_now_add=True)

    class Meta:
        verbose_name = "продление срока"
        verbose_name_plural = "продления сроков"
        ordering = ["-granted_at"]

    def __str__(self) -> str:
        return f"{self.school} до {self.closes_at:%d.%m.%Y %H:%M}"


class Submission(models.Model):
    class State(models.TextChoices):
        DRAFT = "draft", "черновик"
        SUBMITTED = "submitted", "отправлена"
        RETURNED = "returned", "возвращена на доработку"
        ACCEPTED = "accepted", "принята"

    COUNTED_STATES = (State.SUBMITTED, State.ACCEPTED)
    # A participant with no submission in the round yet: not a stored state, but every page and export names it.
    NOT_STARTED = "none"
    # The one table of how a submission's state reads: (full label, short label for badges, plural for counts, icon).
    STATE_LOOKS = {
        NOT_STARTED: ("не начата", "не начата", "не начаты", "bi-circle"),
        "draft": ("черновик", "черновик", "черновики", "bi-pencil"),
        "returned": ("возвращена на доработку", "возвращена", "возвращены", "bi-arrow-counterclockwise"),
        "submitted": ("отправлена", "отправлена", "отправлены", "bi-send-check"),
        "accepted": ("принята", "принята", "приняты", "bi-check-circle-fill"),
    }

    round = models.ForeignKey(SubmissionRound, on_delete=models.CASCADE, related_name="submissions", verbose_name="раунд")
    school = models.ForeignKey("schools.School", on_delete=models.CASCADE, related_name="submissions", verbose_name="школа")
    state = models.CharField("состояние", max_length=10, choices=State.choices, default=State.DRAFT)
    # Optimistic lock: every save must name the version it started from.
    version = models.PositiveIntegerField("версия", default=1)
    created_at = models.DateTimeField("создана", auto_now_add=True)
    updated_at = models.DateTimeField("изменена", auto_now=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name="изменил")
    submitted_at = models.DateTimeField("отправлена", null=True, blank=True)
    reviewed_at = models.DateTimeField("проверена", null=True, blank=True)
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name="проверил")
    return_comment = models.TextField("комментарий при возврате", blank=True)

    class Meta:
        verbose_name = "анкета ОУ"
        verbose_name_plural = "анкеты ОУ"
        constraints = [models.UniqueConstraint(fields=["round", "school"], name="submission_unique_school_round")]
        indexes = [models.Index(fields=["round", "state"])]

    def __str__(self) -> str:
        return f"{self.school} — {self.round}"

    @property
    def is_counted(self) -> bool:
        return self.state in self.COUNTED_STATES


class Answer(models.Model):
    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="answers", verbose_name="анкета")
    question = models.ForeignKey(Question, on_delete=models.PROTECT, related_name="answers", verbose_name="вопрос")
    value_bool = models.BooleanField("да/нет", null=True, blank=True)
    value_number = models.DecimalField("число", max_digits=14, decimal_places=4, null=True, blank=True)
    # Choice answers are stored as option values joined by "|" (one value for a single choice).
    value_text = models.TextField("текст или варианты", blank=True)
    value_date = models.DateField("дата", null=True, blank=True)
    file = models.FileField("файл", upload_to="evidence/%Y/%m/", blank=True, max_length=300)
    file_name = models.CharField("имя файла", max_length=255, blank=True)
    review_comment = models.TextField("замечание проверяющего", blank=True)
    deviation_flag = models.CharField("отклонение от прошлого раунда", max_length=200, blank=True)
    updated_at = models.DateTimeField("изменён", auto_now=True)

    class Meta:
        verbose_name = "ответ"
        verbose_name_plural = "ответы"
        constraints = [models.UniqueConstraint(fields=["submission", "question"], name="answer_unique_question")]

    def __str__(self) -> str:
        return f"{self.question.code}: {self.display_value}"

    @property
    def display_value(self) -> str:
        """What a person reads for the answer (`surveys.answers.answer_display`: one definition for form, card and exports)."""
        from .answers import answer_display

        return answer_display(self.question, self)


class EvidenceFile(models.Model):
    """Every file a curator attached to an answer, newest last. A replaced file stays (a reviewer may have seen it);
    only one replaced before the submission was next sent for review is removed from storage, its row kept."""

    answer = models.ForeignKey(Answer, on_delete=models.CASCADE, related_name="evidence_files", verbose_name="ответ")
    file = models.FileField("файл", upload_to="evidence/%Y/%m/", blank=True, max_length=300)
    file_name = models.CharField("имя файла", max_length=255)
    kind = models.CharField("тип", max_length=10)
    size = models.PositiveIntegerField("размер, байт", default=0)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name="загрузил")
    uploaded_at = models.DateTimeField("загружен", default=timezone.now)
    version = models.PositiveIntegerField("версия анкеты", default=0)
    replaced_at = models.DateTimeField("заменён", null=True, blank=True)
    removed = models.BooleanField("удалён из хранилища (заменён до отправки)", default=False)

    class Meta:
        verbose_name = "версия файла-подтверждения"
        verbose_name_plural = "версии файлов-подтверждений"
        ordering = ["answer_id", "uploaded_at", "id"]

    def __str__(self) -> str:
        return f"{self.file_name} (версия анкеты {self.version}, {self.uploaded_at:%d.%m.%Y %H:%M})"


class AnswerChange(models.Model):
    """Audit trail: one row per changed answer per save."""

    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="changes", verbose_name="анкета")
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="+", verbose_name="вопрос")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name="кто")
    changed_at = models.DateTimeField("когда", auto_now_add=True, db_index=True)
    old_value = models.TextField("было", blank=True)
    new_value = models.TextField("стало", blank=True)
    # The submission version this change produced: a stale save lists the changes after its version.
    version = models.PositiveIntegerField("версия анкеты", default=0)

    class Meta:
        verbose_name = "изменение ответа"
        verbose_name_plural = "история изменений ответов"
        ordering = ["-changed_at", "-id"]

    def __str__(self) -> str:
        return f"{self.submission.school}: {self.question.code} «{self.old_value[:80]}» → «{self.new_value[:80]}» (версия {self.version})"


class SubmissionEvent(models.Model):
    """A step of the review workflow: saved, submitted, returned, accepted, with its comment."""

    class Action(models.TextChoices):
        SUBMITTED = "submitted", "отправлена на проверку"
        RETURNED = "returned", "возвращена на доработку"
        ACCEPTED = "accepted", "принята"

    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="events", verbose_name="анкета")
    action = models.CharField("действие", max_length=20, choices=Action.choices)
    from_state = models.CharField("из состояния", max_length=10, blank=True)
    to_state = models.CharField("в состояние", max_length=10)
    comment = models.TextField("комментарий", blank=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name="кто")
    created_at = models.DateTimeField("когда", auto_now_add=True)
    version = models.PositiveIntegerField("версия анкеты", default=0)

    class Meta:
        verbose_name = "шаг проверки"
        verbose_name_plural = "шаги проверки"
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        when = f" {self.created_at:%d.%m.%Y %H:%M}" if self.created_at else ""
        return f"{self.submission.school}: {self.get_action_display()}{when} (версия {self.version})"


class Reminder(models.Model):
    class Kind(models.TextChoices):
        MANUAL = "manual", "вручную"
        AUTO_3D = "auto_3d", "автоматически за 3 дня"
        AUTO_1D = "auto_1d", "автоматически за 1 день"

    round = models.ForeignKey(SubmissionRound, on_delete=models.CASCADE, related_name="reminders", verbose_name="раунд")
    school = models.ForeignKey("schools.School", on_delete=models.CASCADE, related_name="reminders", verbose_name="школа")
    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name="получатель")
    email = models.EmailField("адрес", blank=True)
    kind = models.CharField("вид", max_length=10, choices=Kind.choices, default=Kind.MANUAL)
    sent_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name="отправил")
    sent_at = models.DateTimeField("отправлено", auto_now_add=True)
    ok = models.BooleanField("доставлено на почтовый сервер", default=True)

    class Meta:
        verbose_name = "напоминание"
        verbose_name_plural = "напоминания"
        ordering = ["-sent_at"]
        constraints = [
            # Automatic reminders go once per school and kind; manual ones may repeat.
            models.UniqueConstraint(fields=["round", "school", "kind"], condition=~Q(kind="manual"), name="reminder_auto_once"),
        ]

    def __str__(self) -> str:
        when = f" {self.sent_at:%d.%m.%Y %H:%M}" if self.sent_at else ""
        return f"Напоминание {self.get_kind_display()}: {self.school}, {self.email or 'без адреса'}{when}"


class Notice(models.Model):
    """One thing a person is told, in the portal and (if they chose it) by e-mail; created once per event and recipient."""

    class Kind(models.TextChoices):
        RETURNED = "returned", "анкета возвращена на доработку"
        ACCEPTED = "accepted", "анкета принята"
        EXTENDED = "extended", "срок продлён"
        ROUND_OPENED = "round_opened", "мониторинг открыт"
        REMINDER = "reminder", "напоминание о сроке"
        ROUND_CLOSED = "round_closed", "мониторинг закрыт"
        REVIEW_DIGEST = "review_digest", "анкеты ждут проверки"
        REPLY = "reply", "ответ на замечание"
        DOCUMENT_REQUESTED = "doc_requested", "запрошен документ"
        DOCUMENT_REMINDER = "doc_reminder", "напоминание о документе"

    class Email(models.TextChoices):
        PENDING = "pending", "ждёт отправки"
        SENDING = "sending", "отправляется"
        SENT = "sent", "отправлено"
        FAILED = "failed", "не доставлено: попытки исчерпаны"
        SKIPPED = "skipped", "не отправляется (только на портале или нет адреса)"

    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notices", verbose_name="получатель")
    kind = models.CharField("вид", max_length=20, choices=Kind.choices)
    # The event this notice tells about, e.g. "returned:<submission>:<version>": with the recipient it is unique, so an event never notifies twice.
    event_key = models.CharField("событие", max_length=120)
    subject = models.CharField("тема", max_length=300)
    text = models.TextField("текст")
    # A path inside the portal (with an anchor); e-mails prefix it with PORTAL_BASE_URL.
    link = models.CharField("ссылка", max_length=500, blank=True)
    created_at = models.DateTimeField("создано", auto_now_add=True, db_index=True)
    read_at = models.DateTimeField("прочитано", null=True, blank=True)
    email = models.EmailField("адрес", blank=True)
    email_state = models.CharField("письмо", max_length=10, choices=Email.choices, default=Email.SKIPPED)
    email_attempts = models.PositiveSmallIntegerField("попыток отправки", default=0)
    email_next_at = models.DateTimeField("следующая попытка", null=True, blank=True)
    email_sent_at = models.DateTimeField("письмо отправлено", null=True, blank=True)

    class Meta:
        verbose_name = "уведомление"
        verbose_name_plural = "уведомления"
        ordering = ["-created_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["recipient", "event_key"], name="notice_once_per_event")]
        indexes = [
            models.Index(fields=["recipient", "read_at"]),
            models.Index(fields=["email_state", "email_next_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.recipient}: {self.subject}"


class NoticeDelivery(models.Model):
    """The delivery log: one row per attempt to e-mail a notice."""

    class Outcome(models.TextChoices):
        SENT = "sent", "принято почтовым сервером"
        FAILED = "failed", "ошибка, будет повтор"
        GAVE_UP = "gave_up", "ошибка, попытки исчерпаны"

    notice = models.ForeignKey(Notice, on_delete=models.CASCADE, related_name="deliveries", verbose_name="уведомление")
    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name="получатель")
    kind = models.CharField("вид", max_length=20, choices=Notice.Kind.choices)
    email = models.EmailField("адрес")
    attempt = models.PositiveSmallIntegerField("попытка")
    attempted_at = models.DateTimeField("когда", auto_now_add=True)
    outcome = models.CharField("результат", max_length=10, choices=Outcome.choices)
    error = models.CharField("ошибка", max_length=500, blank=True)

    class Meta:
        verbose_name = "отправка уведомления"
        verbose_name_plural = "журнал отправки уведомлений"
        ordering = ["-attempted_at", "-id"]


class NoticePreference(models.Model):
    """How a person wants to be told: e-mail and the portal, or the portal only."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notice_preference", verbose_name="пользователь")
    by_email = models.BooleanField("присылать уведомления на почту", default=True)

    class Meta:
        verbose_name = "настройка уведомлений"
        verbose_name_plural = "настройки уведомлений"

    def __str__(self) -> str:
        return f"{self.user}: {'почта и портал' if self.by_email else 'только портал'}"


class QuestionMessage(models.Model):
    """The conversation about one question of one submission: a reviewer's remark, the curator's reply or explanation."""

    class Kind(models.TextChoices):
        REMARK = "remark", "замечание проверяющего"
        REPLY = "reply", "ответ куратора"
        EXPLANATION = "explanation", "пояснение куратора"

    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="messages", verbose_name="анкета")
    question = models.ForeignKey(Question, on_delete=models.PROTECT, related_name="+", verbose_name="вопрос")
    kind = models.CharField("вид", max_length=12, choices=Kind.choices)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name="автор")
    # The author's name as it was: the thread reads the same if the account is renamed or removed.
    author_name = models.CharField("имя автора", max_length=200, blank=True)
    text = models.TextField("текст")
    created_at = models.DateTimeField("когда", auto_now_add=True)
    resolved_at = models.DateTimeField("снято", null=True, blank=True)

    class Meta:
        verbose_name = "сообщение по вопросу"
        verbose_name_plural = "обсуждение вопросов"
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["submission", "question"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.text[:60]}"


class RoundEvent(models.Model):
    """The round's history: who created, opened, extended, closed, fixed or reopened it, and when."""

    class Action(models.TextChoices):
        CREATED = "created", "создан"
        CHANGED = "changed", "изменён"
        PARTICIPANTS = "participants", "изменён список участников"
        OPENED = "opened", "открыт"
        EXTENDED = "extended", "продлён срок"
        CLOSED = "closed", "закрыт"
        FIXED = "fixed", "итоги зафиксированы"
        REOPENED = "reopened", "открыт заново"

    round = models.ForeignKey(SubmissionRound, on_delete=models.CASCADE, related_name="events", verbose_name="раунд")
    action = models.CharField("действие", max_length=20, choices=Action.choices)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name="кто")
    user_name = models.CharField("имя", max_length=200, blank=True)
    created_at = models.DateTimeField("когда", auto_now_add=True)
    comment = models.TextField("подробности", blank=True)

    class Meta:
        verbose_name = "событие раунда"
        verbose_name_plural = "история раундов"
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.round}: {self.get_action_display()}"


class DocumentRequest(models.Model):
    """The administrator asks every school of a municipality (or of one district) for a document by a date,
    e.g. the copy of the curator's appointment order (seed 002, п. 3.2: «в срок до 15.07.2022»)."""

    class Kind(models.TextChoices):
        CURATOR_ORDER = "curator_order", "копия приказа о назначении куратора"
        OTHER = "other", "другой документ"

    municipality = models.ForeignKey("schools.Municipality", on_delete=models.CASCADE, related_name="document_requests", verbose_name="муниципалитет")
    district = models.ForeignKey(
        "schools.District", on_delete=models.CASCADE, null=True, blank=True, related_name="document_requests", verbose_name="только район"
    )
    kind = models.CharField("вид документа", max_length=20, choices=Kind.choices, default=Kind.CURATOR_ORDER)
    title = models.CharField("что представить", max_length=300)
    description = models.TextField("пояснение для школ", blank=True, help_text="Например, на основании какого приказа и в каком виде")
    due_date = models.DateField("срок")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name="запросил")
    created_at = models.DateTimeField("запрошено", auto_now_add=True)

    class Meta:
        verbose_name = "запрос документа у школ"
        verbose_name_plural = "запросы документов у школ"
        ordering = ["-due_date", "-pk"]

    def __str__(self) -> str:
        return f"{self.title} до {self.due_date:%d.%m.%Y}"


class DocumentUpload(models.Model):
    """A school's copy of a requested document. Append-only: a new upload replaces the shown one, the old stays."""

    request = models.ForeignKey(DocumentRequest, on_delete=models.CASCADE, related_name="uploads", verbose_name="запрос")
    school = models.ForeignKey("schools.School", on_delete=models.CASCADE, related_name="document_uploads", verbose_name="школа")
    file = models.FileField("файл", upload_to="school_documents/%Y/", max_length=300)
    file_name = models.CharField("имя файла", max_length=255)
    comment = models.CharField("комментарий", max_length=500, blank=True)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name="загрузил")
    uploaded_at = models.DateTimeField("загружено", auto_now_add=True)

    class Meta:
        verbose_name = "документ школы"
        verbose_name_plural = "документы школ"
        ordering = ["-uploaded_at", "-pk"]
        indexes = [models.Index(fields=["request", "school"])]

    def __str__(self) -> str:
        return f"{self.school}: {self.file_name}"


class RoundDistrictCount(models.Model):
    """How many of a district's schools take part in a round, how many had sent their form and how many forms were in
    each state, as of the round's last recompute (its `computed_at`). The order of the folded per-district tables (the
    weakest districts first) comes from here, and, for a user who sees the whole round, the round's totals above them
    (a sum over a few hundred rows, not a join of every participant with its form); the districts' rows are counted live."""

    round = models.ForeignKey(SubmissionRound, on_delete=models.CASCADE, related_name="+", verbose_name="раунд", db_constraint=False, db_index=False)
    district = models.ForeignKey(
        "schools.District", on_delete=models.DO_NOTHING, null=True, blank=True, related_name="+", verbose_name="район", db_constraint=False, db_index=False
    )
    participants = models.PositiveIntegerField("школ участвуют", default=0)
    sent = models.PositiveIntegerField("отправили анкету", default=0)
    # Forms by state (the rest of the participants have not started); None in rows written before these were counted.
    draft = models.PositiveIntegerField("черновики", null=True, blank=True)
    submitted = models.PositiveIntegerField("отправлены", null=True, blank=True)
    returned = models.PositiveIntegerField("возвращены", null=True, blank=True)
    accepted = models.PositiveIntegerField("приняты", null=True, blank=True)

    class Meta:
        verbose_name = "школы района в раунде"
        verbose_name_plural = "школы районов в раундах"
        indexes = [models.Index(fields=["round", "district"])]
