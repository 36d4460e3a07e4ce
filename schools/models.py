from django.conf import settings
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords


class Municipality(models.Model):
    class Kind(models.TextChoices):
        CITY = "city", "городской округ"
        RURAL = "rural", "муниципальный район"

    name = models.CharField("название", max_length=200, unique=True)
    kind = models.CharField("тип", max_length=10, choices=Kind.choices, default=Kind.CITY)
    # Used in the status title «Цифровая школа <город> <год>», e.g. "Ростова-на-Дону".
    name_genitive = models.CharField("название в родительном падеже", max_length=200, blank=True)

    class Meta:
        verbose_name = "муниципалитет"
        verbose_name_plural = "муниципалитеты"
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class District(models.Model):
    municipality = models.ForeignKey(Municipality, on_delete=models.CASCADE, related_name="districts", verbose_name="муниципалитет")
    name = models.CharField("название", max_length=200)

    class Meta:
        verbose_name = "район"
        verbose_name_plural = "районы"
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["municipality", "name"], name="district_unique_name")]

    def __str__(self) -> str:
        return self.name


class School(models.Model):
    class LegalForm(models.TextChoices):
        MBOU = "МБОУ", "МБОУ (бюджетное)"
        MAOU = "МАОУ", "МАОУ (автономное)"
        OTHER = "other", "иная"

    class Kind(models.TextChoices):
        SCHOOL = "школа", "школа"
        SOSH = "СОШ", "средняя общеобразовательная школа"
        GYMNASIUM = "гимназия", "гимназия"
        LYCEUM = "лицей", "лицей"
        OTHER = "other", "иное"

    municipality = models.ForeignKey(Municipality, on_delete=models.PROTECT, related_name="schools", verbose_name="муниципалитет")
    district = models.ForeignKey(District, on_delete=models.PROTECT, related_name="schools", null=True, blank=True, verbose_name="район")
    legal_form = models.CharField("организационно-правовая форма", max_length=10, choices=LegalForm.choices, default=LegalForm.MBOU)
    kind = models.CharField("тип", max_length=10, choices=Kind.choices, default=Kind.SCHOOL)
    number = models.PositiveIntegerField("номер", null=True, blank=True)
    full_name = models.CharField("полное название", max_length=300, help_text="Точно как в документе, например: МАОУ «Лицей экономический № 14»")
    # Other spellings of the name met in documents, one per line (for matching lists).
    aliases = models.TextField("другие написания", blank=True)
    is_urban = models.BooleanField("городская", default=True, help_text="Сельские школы: порог скорости Интернета 50 Мбит/с вместо 100")
    students_count = models.PositiveIntegerField("обучающихся", null=True, blank=True)
    teachers_count = models.PositiveIntegerField("педагогов", null=True, blank=True)
    address = models.CharField("адрес", max_length=300, blank=True)
    is_active = models.BooleanField("действующая", default=True)

    # Who changed what and when, with the values before (django-simple-history; shown in the admin).
    history = HistoricalRecords(verbose_name="история школ", verbose_name_plural="история школ")

    class Meta:
        verbose_name = "школа (ОУ)"
        verbose_name_plural = "школы (ОУ)"
        ordering = ["district__name", "number", "full_name"]
        constraints = [models.UniqueConstraint(fields=["municipality", "full_name"], name="school_unique_name")]
        indexes = [
            models.Index(fields=["district", "is_active"]),
            # Lists of schools in their usual order within one district (a round's completeness list): walked from the
            # start up to a page's last row instead of sorting the whole district.
            models.Index(fields=["number", "full_name", "id"], name="school_list_order"),
        ]

    def __str__(self) -> str:
        return self.full_name

    @property
    def quoted_name(self) -> str:
        """The name for a sentence: «Школа 5» in quotes, but МАОУ «Школа № 10» as it is (no «…«…»»)."""
        return self.full_name if "«" in self.full_name else f"«{self.full_name}»"


class Curator(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="curatorships", verbose_name="пользователь")
    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="curators", verbose_name="школа")
    position = models.CharField("должность", max_length=200, blank=True)
    phone = models.CharField("телефон", max_length=50, blank=True)
    order_number = models.CharField("номер приказа о назначении", max_length=50, blank=True)
    order_date = models.DateField("дата приказа", null=True, blank=True)
    order_file = models.FileField("копия приказа", upload_to="curator_orders/%Y/", blank=True)
    is_active = models.BooleanField("действующий", default=True)
    appointed_at = models.DateTimeField("назначен", auto_now_add=True)

    # Who changed what and when, with the values before (django-simple-history; shown in the admin).
    history = HistoricalRecords(verbose_name="история кураторов", verbose_name_plural="история кураторов")

    class Meta:
        verbose_name = "куратор"
        verbose_name_plural = "кураторы"
        constraints = [
            models.UniqueConstraint(fields=["school"], condition=Q(is_active=True), name="curator_one_active_per_school"),
        ]

    def __str__(self) -> str:
        return f"{self.user.get_full_name() or self.user.username} ({self.school})"


class UserProfile(models.Model):
    """What the portal knows of a user beyond Django's account: their reach (district or municipality) and first-login duty."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="profile", verbose_name="пользователь")
    municipality = models.ForeignKey(
        Municipality,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="staff",
        verbose_name="муниципалитет (для администратора и методиста)",
        help_text="Администратор и методист видят школы, раунды и выгрузки только этого муниципалитета. "
        "Специалисту министерства образования области (группа regional) муниципалитет не нужен: он видит все.",
    )
    district = models.ForeignKey(
        District, on_delete=models.SET_NULL, null=True, blank=True, related_name="officers", verbose_name="район (для районного отдела)"
    )
    phone = models.CharField("телефон", max_length=50, blank=True)
    must_change_password = models.BooleanField("сменить пароль при входе", default=False)

    class Meta:
        verbose_name = "профиль пользователя"
        verbose_name_plural = "профили пользователей"

    def __str__(self) -> str:
        return str(self.user)


class SecurityEvent(models.Model):
    """One entry of the security log: who did what, when and from where. Append-only: written by
    `schools.services.security_event_record`, read on the administrators' «Журнал безопасности» page, never edited."""

    class Kind(models.TextChoices):
        SIGN_IN = "sign_in", "вход"
        SIGN_IN_FAILED = "sign_in_failed", "неудачный вход"
        LOCKED_OUT = "locked_out", "вход заблокирован"
        LOCKOUT_LIFTED = "lockout_lifted", "блокировка снята"
        SIGN_OUT = "sign_out", "выход"
        PASSWORD_CHANGED = "password_changed", "пароль изменён"
        TWO_FACTOR = "two_factor", "двухфакторная защита"
        EXPORT = "export", "выгрузка"
        EVIDENCE_DOWNLOAD = "evidence_download", "скачан файл-подтверждение"
        LOGINS_DOWNLOAD = "logins_download", "скачаны одноразовые пароли"

    kind = models.CharField("событие", max_length=20, choices=Kind.choices, db_index=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name="пользователь")
    # Kept as text too: the entry must read the same after the account is renamed or removed.
    username = models.CharField("учётная запись", max_length=150, blank=True, db_index=True)
    address = models.GenericIPAddressField("адрес", null=True, blank=True)
    detail = models.CharField("что именно", max_length=500, blank=True)
    created_at = models.DateTimeField("когда", auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = "запись журнала безопасности"
        verbose_name_plural = "журнал безопасности"
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        when = f"{self.created_at:%d.%m.%Y %H:%M:%S} " if self.created_at else ""
        return f"{when}{self.get_kind_display()}: {self.username or '—'} ({self.address or 'адрес неизвестен'}) {self.detail}".strip()


class PersonalDataAct(models.Model):
    """An act of destruction of a person's personal data (152-ФЗ, ст. 21): what was removed, why, by whom,
    with the extract of the event log taken just before. Append-only; names no one after the act."""

    class Reason(models.TextChoices):
        RETENTION = "retention", "истёк срок хранения после прекращения работы с порталом"
        DECISION = "decision", "решение администратора (отзыв согласия, достижение цели обработки)"

    subject_label = models.CharField("чьи данные", max_length=100)
    reason = models.CharField("основание", max_length=20, choices=Reason.choices)
    destroyed = models.JSONField("что уничтожено", default=list)
    log_extract = models.JSONField("выписка из журнала событий", default=list)
    performed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name="выполнил (пусто — автоматически)"
    )
    performed_at = models.DateTimeField("когда", auto_now_add=True)
    document = models.FileField("акт (Word)", upload_to="personal_data_acts/%Y/", blank=True)

    class Meta:
        verbose_name = "акт уничтожения персональных данных"
        verbose_name_plural = "акты уничтожения персональных данных"
        ordering = ["-performed_at"]

    def __str__(self) -> str:
        return f"Акт № {self.pk} от {self.performed_at:%d.%m.%Y} — {self.subject_label}"


class PersonalDataAccess(models.Model):
    """Who viewed or exported personal data of whom, when (a page or a file that shows names, e-mails, phones)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name="кто")
    username = models.CharField("учётная запись", max_length=150)
    subject = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name="чьи данные")
    what = models.CharField("что", max_length=300)
    at = models.DateTimeField("когда", auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = "доступ к персональным данным"
        verbose_name_plural = "журнал доступа к персональным данным"
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.at:%d.%m.%Y %H:%M} {self.username}: {self.what}"


class PersonalDataConsent(models.Model):
    """The legal basis of processing a person's data, with its date: their consent to the notice of a version,
    or the basis an administrator recorded (an employee's duties, a contract)."""

    class Basis(models.TextChoices):
        CONSENT = "consent", "согласие субъекта (ст. 6 ч. 1 п. 1 152-ФЗ)"
        DUTIES = "duties", "исполнение полномочий органа и трудовых обязанностей (ст. 6 ч. 1 п. 2, 5 152-ФЗ)"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="personal_data_consents", verbose_name="человек")
    basis = models.CharField("правовое основание", max_length=20, choices=Basis.choices)
    notice_version = models.CharField("версия уведомления", max_length=20)
    accepted_at = models.DateTimeField("дата", auto_now_add=True)

    class Meta:
        verbose_name = "основание обработки персональных данных"
        verbose_name_plural = "основания обработки персональных данных"
        ordering = ["-accepted_at"]
        constraints = [models.UniqueConstraint(fields=["user", "notice_version"], name="consent_once_per_version")]

    def __str__(self) -> str:
        return f"{self.get_basis_display()} — {self.accepted_at:%d.%m.%Y}"
