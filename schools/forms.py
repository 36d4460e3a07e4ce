from django import forms
from django.contrib.auth import authenticate
from django.contrib.auth.forms import PasswordChangeForm
from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.urls import reverse
from django.utils.html import format_html

from .imports import CURATORS, SCHOOLS
from .models import District, Municipality, SecurityEvent

MAX_IMPORT_BYTES = 5 * 1024 * 1024


class ImportUploadForm(forms.Form):
    kind = forms.ChoiceField(
        label="Что загружаем",
        choices=[(SCHOOLS, "Школы (с районами)"), (CURATORS, "Кураторы школ (с учётными записями)")],
        widget=forms.RadioSelect,
        initial=SCHOOLS,
    )
    municipality = forms.ModelChoiceField(label="Муниципалитет", queryset=Municipality.objects.none(), empty_label=None)
    create_districts = forms.BooleanField(
        label="Создать районы, которых ещё нет в портале",
        required=False,
        help_text="Без отметки строка с незнакомым районом считается ошибкой (чаще всего это опечатка).",
    )
    file = forms.FileField(label="Файл Excel (.xlsx)", help_text="Первый лист, строка заголовков как в шаблоне. До 5 МБ.")

    def __init__(self, *args, municipalities, **kwargs):
        super().__init__(*args, **kwargs)
        municipalities = municipalities.annotate(n=Count("schools")).order_by("-n", "name")
        self.fields["municipality"].queryset = municipalities
        self.fields["municipality"].initial = municipalities.first()
        self.fields["file"].widget.attrs["accept"] = ".xlsx"

    def clean_file(self):
        uploaded = self.cleaned_data["file"]
        if not uploaded.name.lower().endswith(".xlsx"):
            raise ValidationError("Нужен файл Excel в формате .xlsx. Старый формат .xls пересохраните в Excel как «Книга Excel (.xlsx)».")
        if uploaded.size > MAX_IMPORT_BYTES:
            raise ValidationError("Файл больше 5 МБ. Разделите его на части.")
        head = uploaded.read(4)
        uploaded.seek(0)
        if head != b"PK\x03\x04":
            raise ValidationError("Файл не похож на таблицу Excel (.xlsx). Сохраните его в Excel заново.")
        return uploaded


class LockoutLiftForm(forms.Form):
    """Which lock to lift: an account (at every address) or an address (for every account)."""

    username = forms.CharField(required=False, max_length=150)
    address = forms.GenericIPAddressField(required=False)

    def clean(self):
        data = super().clean()
        if not data.get("username") and not data.get("address"):
            raise ValidationError("Укажите учётную запись или адрес, для которых снять блокировку")
        return data


class PortalPasswordChangeForm(PasswordChangeForm):
    """Django's form, with the current password checked through the sign-in lockout (a wrong one counts as a failed
    sign-in of that account from that address) and a new password that must differ from the current one."""

    def __init__(self, user, *args, request=None, **kwargs):
        self.request = request
        super().__init__(user, *args, **kwargs)

    def clean_old_password(self):
        old_password = self.cleaned_data["old_password"]
        if authenticate(self.request, username=self.user.get_username(), password=old_password) is None:
            raise ValidationError(self.error_messages["password_incorrect"], code="password_incorrect")
        return old_password

    def clean(self):
        cleaned = super().clean()
        new_password = cleaned.get("new_password2")
        if new_password and "new_password2" not in self.errors and self.user.check_password(new_password):
            self.add_error("new_password2", ValidationError("Новый пароль должен отличаться от текущего.", code="password_unchanged"))
        return cleaned


class DistrictSearchInput(forms.TextInput):
    """A district typed by name, with suggestions fetched as you type (portal.js fills the datalist from
    `schools:district-search`): a region's 800 districts are never rendered as options. Without
    JavaScript the exact name (any case) still filters; links may carry the district's id."""

    input_type = "search"
    chosen_name = ""

    def __init__(self, attrs=None):
        super().__init__({"autocomplete": "off", "placeholder": "Все районы — начните вводить название", **(attrs or {})})

    def format_value(self, value):
        return self.chosen_name or super().format_value(value)

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        widget_attrs = context["widget"]["attrs"]
        list_id = f"{widget_attrs.get('id') or name}-list"
        widget_attrs["list"] = list_id
        widget_attrs["data-district-search"] = reverse("schools:district-search")
        context["list_id"] = list_id
        return context

    def render(self, name, value, attrs=None, renderer=None):
        context = self.get_context(name, value, attrs)
        return format_html('{}<datalist id="{}"></datalist>', super().render(name, value, attrs, renderer), context["list_id"])


class DistrictSearchField(forms.ModelChoiceField):
    """A district among `queryset`, given by its name (as typed or picked from the suggestions) or its id."""

    widget = DistrictSearchInput
    municipality_id: int | None = None  # of several districts of that name, the one of this municipality

    def __init__(self, *, queryset=None, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("label", "Район")
        super().__init__(queryset=District.objects.none() if queryset is None else queryset, **kwargs)

    def to_python(self, value):
        if value in self.empty_values:
            return None
        text = str(value).strip()
        if not text:
            return None
        shown = (text if len(text) <= 60 else f"{text[:60]}…").replace("\x00", "")
        if text.isdigit() and len(text) < 19:
            matches = list(self.queryset.filter(pk=int(text)))
        elif len(text) > District._meta.get_field("name").max_length or "\x00" in text:
            # No district has so long a name or a NUL character (SQLite refuses a LIKE pattern over 50,000 bytes,
            # PostgreSQL a string with a NUL): not found, without asking the database.
            matches = []
        else:
            # SQLite ignores the case of Latin letters only: also try the name as usually written (capital first letter).
            matches = list(self.queryset.filter(Q(name__iexact=text) | Q(name=text.capitalize()))[:2])
            if len(matches) > 1 and self.municipality_id:
                matches = list(self.queryset.filter(Q(name__iexact=text) | Q(name=text.capitalize()), municipality_id=self.municipality_id)[:2])
        if not matches:
            raise ValidationError(f"Район «{shown}» не найден: выберите его из подсказок или очистите поле.", code="invalid_choice")
        if len(matches) > 1:
            raise ValidationError(f"Районов «{shown}» несколько: выберите нужный из подсказок.", code="ambiguous")
        self.widget.chosen_name = matches[0].name
        return matches[0]

    def validate(self, value):
        forms.Field.validate(self, value)


class SecurityLogFilterForm(forms.Form):
    kind = forms.ChoiceField(
        label="Событие", required=False, choices=[("", "все события"), *SecurityEvent.Kind.choices], widget=forms.Select(attrs={"class": "form-select"})
    )
    who = forms.CharField(label="Учётная запись", required=False, max_length=150, widget=forms.TextInput(attrs={"class": "form-control"}))
    address = forms.GenericIPAddressField(label="Адрес", required=False, widget=forms.TextInput(attrs={"class": "form-control"}))
    since = forms.DateField(label="С", required=False, widget=forms.DateInput(attrs={"type": "date", "class": "form-control"}, format="%Y-%m-%d"))
    until = forms.DateField(label="По", required=False, widget=forms.DateInput(attrs={"type": "date", "class": "form-control"}, format="%Y-%m-%d"))


class OneTimeCodeForm(forms.Form):
    code = forms.CharField(
        label="Код",
        max_length=20,
        widget=forms.TextInput(attrs={"class": "form-control form-control-lg", "autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}),
        help_text="6 цифр из приложения-аутентификатора или один из кодов восстановления",
    )
