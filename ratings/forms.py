from django import forms

from schools.forms import DistrictSearchField

from .models import ActivitySuggestion, Rating
from .selectors import RATING_ORDERS


class RatingFilterForm(forms.Form):
    district = DistrictSearchField()
    level = forms.ChoiceField(choices=[("", "Все уровни"), *Rating.Level.choices], required=False, label="Уровень")
    order = forms.ChoiceField(choices=[(key, label) for key, (label, _fields) in RATING_ORDERS.items()], required=False, label="Сортировка")

    def __init__(self, *args, districts, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["district"].queryset = districts
        for field in self.fields.values():
            field.widget.attrs["class"] = "form-select form-select-sm"
        self.fields["district"].widget.attrs["class"] = "form-control form-control-sm"


class StatusConfirmForm(forms.Form):
    order_reference = forms.CharField(
        label="Приказ о присвоении статуса",
        max_length=300,
        required=False,
        help_text="Например: приказ Управления образования от 30.08.2026 № УОПР-500. Можно указать позже в администрировании.",
        widget=forms.TextInput(attrs={"class": "form-control", "placeholder": "от 30.08.2026 № УОПР-500"}),
    )


class CorrectionForm(forms.Form):
    reason = forms.CharField(
        label="Причина исправления",
        min_length=10,
        max_length=2000,
        help_text="Что было неверно и на каком основании исправляется (например, номер письма или приказа). Запись в журнале постоянная.",
        widget=forms.Textarea(attrs={"class": "form-control", "rows": 3}),
    )


class DeficitActivityForm(forms.Form):
    suggestion = forms.IntegerField(widget=forms.HiddenInput)
    start_date = forms.DateField(label="Начало", widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    end_date = forms.DateField(label="Окончание", widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    responsible = forms.CharField(label="Ответственный исполнитель", max_length=300, required=False)


class ActivitySuggestionForm(forms.ModelForm):
    class Meta:
        model = ActivitySuggestion
        fields = ["section_title", "title", "expected_result", "document_type", "order"]
        widgets = {"title": forms.Textarea(attrs={"rows": 2}), "expected_result": forms.Textarea(attrs={"rows": 2})}
