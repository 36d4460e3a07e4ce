import datetime as dt

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone

from roadmap_portal.uploads import ACCEPT_ATTRIBUTE, evidence_check

from .models import ProcessEvent

DATE_INPUT = forms.DateInput(attrs={"type": "date", "class": "form-control"}, format="%Y-%m-%d")


class ProcessEventForm(forms.ModelForm):
    # Declared to state the scheme of a link typed without one (https, Django 6's default).
    link = forms.URLField(
        label="Ссылка", required=False, assume_scheme="https", max_length=200, help_text="Страница с материалами или запись трансляции, если есть"
    )

    class Meta:
        model = ProcessEvent
        fields = ["date", "title", "format", "schools_count", "participants_count", "link", "document"]
        widgets = {"date": DATE_INPUT, "document": forms.FileInput(attrs={"accept": ACCEPT_ATTRIBUTE})}
        help_texts = {
            "title": "Например: семинар «Дорожная карта. ЦОС» № 3",
            "link": "Страница с материалами или запись трансляции, если есть",
            "document": "Приказ, программа или протокол: PDF, DOCX, XLSX, JPG или PNG",
        }

    def clean_date(self):
        date = self.cleaned_data["date"]
        if date > timezone.localdate() + dt.timedelta(days=1):
            raise ValidationError("Вносятся проведённые мероприятия: дата не может быть в будущем.")
        return date

    def clean_document(self):
        document = self.cleaned_data.get("document")
        if document:
            # Kept under a sanitised name: it is shown to people and sent back in a header.
            document.name = evidence_check(document).display_name
        return document


class KeyResultCompletedForm(forms.Form):
    completed_on = forms.DateField(label="Выполнен", widget=DATE_INPUT, required=False, help_text="Оставьте пустым, чтобы снять отметку")


class CalendarStartForm(forms.Form):
    # The calendar shows 90 days from here: a date near the end of the calendar would run past year 9999.
    FIRST = dt.date(2000, 1, 1)
    LAST = dt.date(2099, 12, 31)

    start = forms.DateField(label="С даты", widget=DATE_INPUT, required=False)

    def clean_start(self):
        start = self.cleaned_data.get("start")
        if start and not self.FIRST <= start <= self.LAST:
            raise ValidationError(f"Дата должна быть между {self.FIRST:%d.%m.%Y} и {self.LAST:%d.%m.%Y}.")
        return start


class LineReportForm(forms.Form):
    progress = forms.ChoiceField(
        label="Ход исполнения",
        choices=[("in_work", "в работе — сообщить о ходе"), ("done", "выполнено — отправить на подтверждение")],
        widget=forms.RadioSelect,
        initial="done",
    )
    comment = forms.CharField(label="Комментарий", widget=forms.Textarea(attrs={"rows": 3}), help_text="Что сделано; для «выполнено» — чем это подтверждается")
    document = forms.FileField(
        label="Подтверждающий документ",
        required=False,
        widget=forms.FileInput(attrs={"accept": ACCEPT_ATTRIBUTE}),
        help_text="PDF, DOCX, XLSX, JPG или PNG, до 10 МБ",
    )

    def __init__(self, *args, document_text: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self.document_text = document_text
        if document_text:
            self.fields["document"].help_text = f"По плану: {document_text}. " + self.fields["document"].help_text

    def clean_document(self):
        document = self.cleaned_data.get("document")
        if document:
            document.name = evidence_check(document).display_name
        return document

    def clean(self):
        data = super().clean()
        if data.get("progress") == "done" and self.document_text and not data.get("document") and "document" not in self.errors:
            self.add_error("document", f"План называет подтверждающий документ — «{self.document_text}»: приложите его, чтобы отметить строку выполненной.")
        return data


class LineReviewForm(forms.Form):
    decision = forms.ChoiceField(choices=[("confirm", "подтвердить"), ("return", "вернуть")], widget=forms.HiddenInput)
    comment = forms.CharField(label="Комментарий", required=False, widget=forms.Textarea(attrs={"rows": 2}), help_text="Обязателен, если возвращаете")


class NextPeriodForm(forms.Form):
    title = forms.CharField(label="Название нового периода", widget=forms.Textarea(attrs={"rows": 2}))
    period_start = forms.DateField(label="Начало периода", widget=DATE_INPUT)
    period_end = forms.DateField(label="Окончание периода", widget=DATE_INPUT)

    def clean(self):
        data = super().clean()
        if data.get("period_start") and data.get("period_end") and data["period_end"] < data["period_start"]:
            self.add_error("period_end", "Окончание периода не может быть раньше начала.")
        return data


class IndicatorActualForm(forms.Form):
    year = forms.TypedChoiceField(label="Год", coerce=int)
    value = forms.DecimalField(
        label="Значение", min_value=0, max_digits=12, decimal_places=2, help_text="Как в плане: процент (или число для показателя-количества)"
    )
    absolute_value = forms.DecimalField(
        label="Абсолютное значение",
        required=False,
        min_value=0,
        max_digits=12,
        decimal_places=2,
        help_text="Если план даёт и число — как «15 (1,9)»: здесь 1,9",
    )
    comment = forms.CharField(label="Комментарий", max_length=500, required=False)

    def __init__(self, *args, years: list[int], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["year"].choices = [(y, str(y)) for y in years]
        for name in ("value", "absolute_value"):
            self.fields[name].localize = True
            self.fields[name].widget.is_localized = True
