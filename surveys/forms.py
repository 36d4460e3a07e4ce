"""Forms of surveys: the curator's questionnaire form (one field per question), review, reminders, extensions."""

from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError

from roadmap_portal.parsing import NumberParseError, input_text, parse_number
from roadmap_portal.uploads import ACCEPT_ATTRIBUTE, evidence_check
from schools.forms import DistrictListField, DistrictSearchField

from . import answers as answer_values
from .models import Answer, Question
from .pending_uploads import PendingUpload, pending_upload_find, pending_upload_keep, pending_upload_open
from .selectors import QUEUE_FLAGS, SHORT_STATE_LABELS, STATE_ORDER

YES_NO_CHOICES = [("yes", "да"), ("no", "нет")]


def field_name(question: Question) -> str:
    return f"q_{question.code}"


def remove_field_name(question: Question) -> str:
    return f"q_{question.code}__remove"


def pending_field_name(question: Question) -> str:
    return f"q_{question.code}__pending"


class NumberField(forms.Field):
    """A number as people type it (`roadmap_portal.parsing`): «1 530», «12,5», «12.5»."""

    widget = forms.TextInput

    def __init__(self, *, integer: bool, **kwargs):
        self.integer = integer
        super().__init__(**kwargs)

    def to_python(self, value):
        try:
            number = parse_number(value, integer=self.integer)
        except NumberParseError as error:
            raise ValidationError(error.message, code="number") from error
        return None if number is None else (int(number) if self.integer else number)

    def prepare_value(self, value):
        if isinstance(value, int | Decimal):
            return input_text(value)
        return value


class EvidenceFileField(forms.FileField):
    widget = forms.FileInput

    def validate(self, value):
        super().validate(value)
        if value:
            evidence_check(value)


def _number_attrs(question: Question, decimal: bool) -> dict:
    attrs = {"inputmode": "decimal" if decimal else "numeric", "autocomplete": "off", "class": "form-control answer-number"}
    low, high = answer_values.bounds_of(question)
    if low is not None and high is not None:
        attrs["placeholder"] = f"от {answer_values.format_number(low)} до {answer_values.format_number(high)}"
    elif low is not None:
        attrs["placeholder"] = f"не меньше {answer_values.format_number(low)}"
    return attrs


def question_field(question: Question) -> forms.Field:
    """A form field that parses the answer's type; required and bounds are checked by the submit service."""
    kind = question.type
    common = {"required": False, "label": question.text}
    if kind == Question.Type.YES_NO:
        return forms.ChoiceField(choices=YES_NO_CHOICES, widget=forms.RadioSelect, **common)
    if kind == Question.Type.INTEGER:
        return NumberField(integer=True, widget=forms.TextInput(attrs=_number_attrs(question, decimal=False)), **common)
    if kind in (Question.Type.DECIMAL, Question.Type.PERCENT):
        return NumberField(integer=False, widget=forms.TextInput(attrs=_number_attrs(question, decimal=True)), **common)
    if kind == Question.Type.SINGLE_CHOICE:
        return forms.ChoiceField(choices=[(str(v), label) for v, label in question.choices], widget=forms.RadioSelect, **common)
    if kind == Question.Type.MULTIPLE_CHOICE:
        return forms.MultipleChoiceField(choices=[(str(v), label) for v, label in question.choices], widget=forms.CheckboxSelectMultiple, **common)
    if kind == Question.Type.DATE:
        return forms.DateField(widget=forms.DateInput(attrs={"type": "date", "class": "form-control answer-date"}, format="%Y-%m-%d"), **common)
    if kind == Question.Type.FILE:
        return EvidenceFileField(widget=forms.FileInput(attrs={"accept": ACCEPT_ATTRIBUTE, "class": "form-control"}), **common)
    return forms.CharField(widget=forms.Textarea(attrs={"rows": 3, "class": "form-control"}), max_length=5000, **common)


def initial_value(question: Question, answer: Answer | None):
    if answer is None:
        return None
    kind = question.type
    if kind == Question.Type.YES_NO:
        return None if answer.value_bool is None else ("yes" if answer.value_bool else "no")
    if kind == Question.Type.INTEGER:
        return None if answer.value_number is None else int(answer.value_number)
    if kind in Question.NUMERIC_TYPES:
        return answer_values.plain_decimal(answer.value_number)
    if kind == Question.Type.MULTIPLE_CHOICE:
        return [v for v in answer.value_text.split("|") if v]
    if kind == Question.Type.DATE:
        return answer.value_date
    if kind == Question.Type.FILE:
        return None
    return answer.value_text


class SubmissionForm(forms.Form):
    """The questionnaire: one field `q_<code>` per question, plus the submission version it was opened with."""

    version = forms.IntegerField(min_value=0, widget=forms.HiddenInput)

    def __init__(self, *args, questions: list[Question], answers: dict[int, Answer], version: int, owner: tuple[int, int] | None = None, **kwargs):
        """`owner`: (user id, round id) whose pending uploads (files kept from a refused save) the form may use."""
        super().__init__(*args, **kwargs)
        self.questions = questions
        self.owner = owner
        self.fields["version"].initial = version
        for question in questions:
            if question.type == Question.Type.FILE:
                self.fields[pending_field_name(question)] = forms.CharField(required=False, max_length=1000, widget=forms.HiddenInput)
            name = field_name(question)
            self.fields[name] = question_field(question)
            self.fields[name].initial = initial_value(question, answers.get(question.pk))
            if question.type == Question.Type.FILE and answers.get(question.pk) and answers[question.pk].file:
                self.fields[remove_field_name(question)] = forms.BooleanField(
                    required=False, label="Удалить прикреплённый файл", widget=forms.CheckboxInput(attrs={"class": "form-check-input"})
                )

    def answers_for_service(self, *, valid_only: bool = False) -> dict[str, object]:
        """Typed answers by question code; with `valid_only`, a field that did not parse is left out (not erased)."""
        values = {}
        for question in self.questions:
            if question.type == Question.Type.FILE or (valid_only and field_name(question) in self.errors):
                continue
            value = self.cleaned_data.get(field_name(question))
            if question.type == Question.Type.YES_NO:
                value = {"yes": True, "no": False}.get(value)
            values[question.code] = value
        return values

    def files_for_service(self) -> dict[str, object]:
        """New uploads by question code; where none was chosen, the file kept from a refused save (if any)."""
        files = {}
        for question in self.questions:
            if question.type != Question.Type.FILE or field_name(question) in self.errors:
                continue
            upload = self.cleaned_data.get(field_name(question))
            if not upload and question.code in self.pending_uploads():
                upload = pending_upload_open(self.cleaned_data[pending_field_name(question)], **self._owner_of(question))
            if upload:
                files[question.code] = upload
        return files

    def _owner_of(self, question: Question) -> dict:
        user_id, round_id = self.owner or (None, None)
        return {"user_id": user_id, "round_id": round_id, "code": question.code}

    def pending_uploads(self) -> dict[str, PendingUpload]:
        """Files kept from a refused save that this form still carries (no new file chosen instead)."""
        if self.owner is None or not hasattr(self, "cleaned_data"):
            return {}
        pending = {}
        for question in self.questions:
            token = self.cleaned_data.get(pending_field_name(question)) if question.type == Question.Type.FILE else ""
            if token and not self.cleaned_data.get(field_name(question)) and not self.cleaned_data.get(remove_field_name(question)):
                found = pending_upload_find(token, **self._owner_of(question))
                if found:
                    pending[question.code] = found
        return pending

    def keep_uploads(self) -> dict[str, PendingUpload]:
        """After a refused save: keep every file that passed its check, so the person does not attach it again."""
        kept = dict(self.pending_uploads())
        for question in self.questions:
            upload = self.cleaned_data.get(field_name(question)) if question.type == Question.Type.FILE else None
            if upload and self.owner and field_name(question) not in self.errors:
                kept[question.code] = pending_upload_keep(upload=upload, **self._owner_of(question))
        return kept

    def removals_for_service(self) -> list[str]:
        return [q.code for q in self.questions if self.cleaned_data.get(remove_field_name(q))]

    def add_question_errors(self, errors: dict[str, list[str]]) -> None:
        known = {q.code for q in self.questions}
        for code, messages in errors.items():
            if code in known:
                for message in messages:
                    self.add_error(f"q_{code}", ValidationError(message))

    def mark_invalid_fields(self) -> None:
        for name in self.errors:
            if name in self.fields:
                widget = self.fields[name].widget
                widget.attrs["class"] = f"{widget.attrs.get('class', '')} is-invalid".strip()
                widget.attrs["aria-invalid"] = "true"

    def error_summary(self) -> list[dict]:
        """Every error in questionnaire order, with the question text and the anchor of its field."""
        rows = []
        for question in self.questions:
            for message in self.errors.get(field_name(question), []):
                rows.append({"question": question, "message": message, "anchor": f"question-{question.code}"})
        return rows


class ReviewForm(forms.Form):
    ACTIONS = [("return", "Вернуть на доработку"), ("accept", "Принять")]

    action = forms.ChoiceField(choices=ACTIONS)
    version = forms.IntegerField(min_value=0, widget=forms.HiddenInput)
    comment = forms.CharField(
        label="Общий комментарий для куратора",
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3, "placeholder": "Что исправить в анкете в целом (увидит куратор школы)"}),
    )

    def __init__(self, *args, questions: list[Question], **kwargs):
        super().__init__(*args, **kwargs)
        self.questions = questions
        for question in questions:
            self.fields[f"comment_{question.pk}"] = forms.CharField(
                required=False,
                max_length=2000,
                label="Замечание к вопросу",
                widget=forms.Textarea(attrs={"rows": 1, "class": "form-control form-control-sm", "placeholder": "Замечание к этому ответу (необязательно)"}),
            )

    def question_comments(self) -> dict[int, str]:
        return {q.pk: self.cleaned_data.get(f"comment_{q.pk}", "") for q in self.questions if self.cleaned_data.get(f"comment_{q.pk}")}


class CompletenessFilterForm(forms.Form):
    district = DistrictSearchField()
    state = forms.ChoiceField(choices=[("", "Все состояния")] + [(s, SHORT_STATE_LABELS[s]) for s in STATE_ORDER], required=False, label="Состояние")

    def __init__(self, *args, districts, **kwargs):
        """`districts`: the districts the user may filter by (a queryset: searched, never listed)."""
        super().__init__(*args, **kwargs)
        self.fields["district"].queryset = districts
        self.fields["district"].widget.attrs["class"] = "form-control form-control-sm w-auto"


class ReminderForm(forms.Form):
    TARGETS = [("all", "всем, кто не отправил"), ("chosen", "выбранным школам")]

    target = forms.ChoiceField(choices=TARGETS)
    schools = forms.TypedMultipleChoiceField(coerce=int, required=False)

    def __init__(self, *args, school_ids: list[int], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["schools"].choices = [(pk, pk) for pk in school_ids]

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("target") == "chosen" and not cleaned.get("schools"):
            raise ValidationError("Отметьте в таблице школы, которым отправить напоминание.")
        return cleaned


class NoticePreferenceForm(forms.Form):
    by_email = forms.ChoiceField(
        label="Как сообщать о событиях",
        choices=[("email", "На почту и на портале"), ("portal", "Только на портале (колокольчик вверху страницы)")],
        widget=forms.RadioSelect,
    )

    def __init__(self, *args, initial=None, **kwargs):
        if initial is not None:
            initial = {"by_email": "email" if initial.get("by_email", True) else "portal"}
        super().__init__(*args, initial=initial, **kwargs)


class ReviewQueueFilterForm(forms.Form):
    q = forms.CharField(label="Школа", required=False, max_length=100)
    district = DistrictSearchField()
    flags = forms.ChoiceField(label="Отклонения", required=False, choices=QUEUE_FLAGS)

    def __init__(self, *args, districts, **kwargs):
        """`districts`: the districts the user may filter by (a queryset: searched, never listed)."""
        super().__init__(*args, **kwargs)
        self.fields["district"].queryset = districts
        self.fields["district"].widget.attrs["class"] = "form-control form-control-sm"


class BulkAcceptForm(forms.Form):
    submission = forms.TypedMultipleChoiceField(coerce=int)
    confirmed = forms.BooleanField(required=False)

    def __init__(self, data=None, **kwargs):
        super().__init__(data, **kwargs)
        ids = data.getlist("submission") if data is not None else []
        self.fields["submission"].choices = [(value, value) for value in ids if str(value).isdigit()]

    def versions(self) -> dict[int, int]:
        """The version of each questionnaire as the reviewer saw it on the confirmation page."""
        versions = {}
        for submission_id in self.cleaned_data["submission"]:
            raw = self.data.get(f"version_{submission_id}", "")
            if raw.isdigit():
                versions[submission_id] = int(raw)
        return versions


class QuestionMessageForm(forms.Form):
    question = forms.SlugField(max_length=60)
    text = forms.CharField(max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))


# The round pages

DATETIME_FORMAT = "%Y-%m-%dT%H:%M"


def _moment_field(label: str, **kwargs) -> forms.DateTimeField:
    widget = forms.DateTimeInput(attrs={"type": "datetime-local", "class": "form-control"}, format=DATETIME_FORMAT)
    return forms.DateTimeField(label=label, input_formats=[DATETIME_FORMAT, "%d.%m.%Y %H:%M"], widget=widget, **kwargs)


class RoundCreateForm(forms.Form):
    PARTICIPANTS = [("all", "все действующие школы муниципалитета"), ("districts", "школы выбранных районов")]

    title = forms.CharField(
        label="Название", max_length=300, widget=forms.TextInput(attrs={"class": "form-control", "placeholder": "Мониторинг готовности — весна 2027"})
    )
    municipality = forms.ModelChoiceField(label="Муниципалитет", queryset=None, empty_label=None, widget=forms.Select(attrs={"class": "form-select"}))
    questionnaire = forms.ModelChoiceField(label="Опросная форма", queryset=None, empty_label=None, widget=forms.Select(attrs={"class": "form-select"}))
    new_version = forms.BooleanField(label="Создать новую версию формы на основе выбранной (вопросы можно будет изменить до открытия)", required=False)
    year = forms.IntegerField(label="Год статуса «Цифровая школа»", min_value=2000, max_value=2100, widget=forms.NumberInput(attrs={"class": "form-control"}))
    opens_at = _moment_field("Открывается")
    closes_at = _moment_field("Срок сдачи")
    deviation_threshold = forms.IntegerField(
        label="Порог отклонения от прошлого мониторинга, %", min_value=1, max_value=1000, initial=50, widget=forms.NumberInput(attrs={"class": "form-control"})
    )
    participants = forms.ChoiceField(label="Участники", choices=PARTICIPANTS, initial="all", widget=forms.RadioSelect)
    districts = DistrictListField(help_text="Начните вводить название и выберите район из подсказок; без подсказок — по одному в строке или через запятую.")

    def __init__(self, *args, municipalities, questionnaires, districts, **kwargs):
        """`districts`: those the user may choose (a queryset: searched, never listed), of the municipality chosen."""
        super().__init__(*args, **kwargs)
        self.fields["municipality"].queryset = municipalities
        self.fields["questionnaire"].queryset = questionnaires
        field = self.fields["districts"]
        field.queryset = districts
        chosen = str(self.data.get("municipality", ""))
        field.municipality_id = int(chosen) if chosen.isdigit() and len(chosen) < 19 else None
        field.widget.attrs.update({"class": "form-control", "data-municipality-from": self["municipality"].auto_id})

    def clean(self):
        cleaned = super().clean()
        opens, closes = cleaned.get("opens_at"), cleaned.get("closes_at")
        if opens and closes and closes <= opens:
            self.add_error("closes_at", "Срок сдачи должен быть позже открытия.")
        if cleaned.get("participants") == "districts" and not cleaned.get("districts") and "districts" not in self.errors:
            self.add_error("districts", "Добавьте хотя бы один район или выберите «все действующие школы».")
        return cleaned


class SchoolIdsField(forms.TypedMultipleChoiceField):
    """Schools ticked on one page of a long list: any ids; the view keeps only those of the round's list (one query)."""

    def __init__(self, **kwargs):
        super().__init__(coerce=int, required=False, **kwargs)

    def valid_value(self, value):
        return str(value).isdigit() and len(str(value)) < 19


class RoundSchoolFilterForm(forms.Form):
    """The round pages' school lists (a region's 40,000 schools, 50 a page): one district, searched as you type, and part
    of the name or the number."""

    district = DistrictSearchField()
    q = forms.CharField(label="Школа", required=False, max_length=100)

    def __init__(self, *args, districts, municipality_id: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["district"].queryset = districts
        self.fields["district"].municipality_id = municipality_id
        self.fields["district"].widget.attrs.update({"class": "form-control form-control-sm w-auto", "data-municipality": municipality_id})
        self.fields["q"].widget.attrs.update({"class": "form-control form-control-sm w-auto", "placeholder": "Название или номер школы", "type": "search"})

    def chosen(self) -> dict:
        """{"district_id", "search"} for the selectors, {} when nothing (or nothing valid) is chosen."""
        if not self.is_valid():
            return {}
        district = self.cleaned_data.get("district")
        chosen = {"district_id": district.pk if district else None, "search": self.cleaned_data.get("q") or ""}
        return chosen if any(chosen.values()) else {}


class RoundExtendForm(forms.Form):
    target = forms.ChoiceField(label="Кому", initial="chosen", widget=forms.RadioSelect)
    schools = SchoolIdsField(label="Школы")
    closes_at = _moment_field("Новый срок")
    reason = forms.CharField(label="Причина (увидят школы)", max_length=300, required=False, widget=forms.TextInput(attrs={"class": "form-control"}))

    def __init__(self, *args, found: int | None = None, **kwargs):
        """`found`: how many schools the list's filter finds (None: no filter, «all found» is not offered)."""
        super().__init__(*args, **kwargs)
        targets = [("all", "для всех школ")]
        if found is not None:
            targets.append(("found", f"для всех найденных фильтром ({found})"))
        targets.append(("chosen", "для отмеченных в списке"))
        self.fields["target"].choices = targets

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("target") == "chosen" and not cleaned.get("schools"):
            raise ValidationError("Отметьте школы, которым продлить срок, или выберите «для всех школ».")
        return cleaned


class RoundConfirmForm(forms.Form):
    confirm = forms.BooleanField(label="Я понимаю, что это значит, и подтверждаю", required=True)


class RoundReopenForm(forms.Form):
    closes_at = _moment_field("Новый срок сдачи")
    reason = forms.CharField(
        label="Причина (запишется в историю раунда и придёт школам)", max_length=300, widget=forms.TextInput(attrs={"class": "form-control"})
    )


class RoundParticipantsAddForm(forms.Form):
    """Schools ticked on the page of those not in the round, or («found») every one the filter finds: all of a district,
    or all of them without a filter."""

    scope = forms.ChoiceField(choices=[("chosen", "отмеченные"), ("found", "все найденные")], initial="chosen", required=False)
    schools = SchoolIdsField(label="Отдельные школы")

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("scope") != "found" and not cleaned.get("schools"):
            raise ValidationError("Отметьте школы, которые добавить, или добавьте все найденные.")
        return cleaned


class DocumentRequestForm(forms.Form):
    """The administrator's request for a document from every school of a municipality, or of one district."""

    municipality = forms.ModelChoiceField(label="Муниципалитет", queryset=None)
    district = DistrictSearchField(label="Только район")
    kind = forms.ChoiceField(label="Вид документа", choices=[("curator_order", "копия приказа о назначении куратора"), ("other", "другой документ")])
    title = forms.CharField(label="Что представить", max_length=300, initial="Копия приказа о назначении куратора")
    description = forms.CharField(
        label="Пояснение для школ",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        initial="Представить копию приказа о назначении куратора, ответственного за организацию деятельности общеобразовательного учреждения "
        "по исполнению мероприятий дорожной карты, в МАУ ИМЦО.",
    )
    due_date = forms.DateField(label="Срок", widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))

    def __init__(self, *args, **kwargs):
        from schools.models import District, Municipality

        super().__init__(*args, **kwargs)
        self.fields["municipality"].queryset = Municipality.objects.filter(schools__is_active=True).distinct().order_by("name")
        # Searched, never listed (a region has 800 districts); suggestions and a name shared by several municipalities
        # follow the municipality chosen beside it.
        district = self.fields["district"]
        district.queryset = District.objects.select_related("municipality")
        district.widget.attrs.update({"placeholder": "Все районы — начните вводить название", "data-municipality-from": self["municipality"].auto_id})
        chosen = str(self.data.get("municipality", ""))
        district.municipality_id = int(chosen) if chosen.isdigit() and len(chosen) < 19 else None

    def clean(self):
        data = super().clean()
        district, municipality = data.get("district"), data.get("municipality")
        if district and municipality and district.municipality_id != municipality.pk:
            self.add_error("district", f"Район «{district}» не входит в {municipality}: выберите район этого муниципалитета или «все районы».")
        return data


class DocumentUploadForm(forms.Form):
    file = forms.FileField(label="Файл", help_text="PDF, DOCX, XLSX, JPG или PNG, до 10 МБ", widget=forms.FileInput(attrs={"accept": ACCEPT_ATTRIBUTE}))
    comment = forms.CharField(label="Комментарий", max_length=500, required=False)

    def clean_file(self):
        file = self.cleaned_data["file"]
        evidence_check(file)  # remembered on the upload: the service does not check it twice
        return file
