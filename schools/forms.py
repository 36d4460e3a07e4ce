import re

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


def _is_id(text: str) -> bool:
    """An id as a link carries it: ASCII digits (str.isdigit() also takes «²», which int() refuses)."""
    return text.isascii() and text.isdigit()


def _shown(text: str) -> str:
    """A typed district name as an error message quotes it: at most 60 characters, without NUL characters."""
    return (text if len(text) <= 60 else f"{text[:60]}…").replace("\x00", "")


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
        shown = _shown(text)
        if _is_id(text) and len(text) < 19:
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


class DistrictListInput(forms.Textarea):
    """Several districts typed by name, one a line or separated by commas. portal.js turns it into a search input with
    suggestions (`schools:district-search`) that adds each district as a removable item, and keeps this textarea, hidden,
    as what is sent. Several values of the name (a link's or an old form's ids) are read as one a line."""

    def __init__(self, attrs=None):
        super().__init__({"rows": 3, "autocomplete": "off", "data-district-list": "", **(attrs or {})})

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        context["widget"]["attrs"]["data-district-search"] = reverse("schools:district-search")
        return context

    def value_from_datadict(self, data, files, name):
        values = data.getlist(name) if hasattr(data, "getlist") else [data.get(name)]
        return "\n".join(str(value) for value in values if value is not None) or None


class DistrictListField(forms.Field):
    """Districts among `queryset` (select_related municipality), given by their names or ids: a list in the order typed,
    each once. Of districts of the same name, the one of `municipality_id`; every name that matches none is listed in
    one error, and a name only other municipalities have says which."""

    widget = DistrictListInput
    municipality_id: int | None = None
    SEPARATORS = re.compile(r"[\n,;]+")

    def __init__(self, *, queryset=None, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("label", "Районы")
        super().__init__(**kwargs)
        self.queryset = District.objects.none() if queryset is None else queryset

    def to_python(self, value):
        tokens: dict[str, str] = {}  # each name once, whatever its case, in the order typed
        for token in self.SEPARATORS.split(str(value or "")):
            token = " ".join(token.split())
            if token:
                tokens.setdefault(token.casefold(), token)
        if not tokens:
            return []
        longest = District._meta.get_field("name").max_length
        # No district has so long a name or a NUL character (PostgreSQL refuses one in a string): not asked of the database.
        names = [t for t in tokens.values() if not _is_id(t) and len(t) <= longest and "\x00" not in t]
        ids = [int(t) for t in tokens.values() if _is_id(t) and len(t) < 19]
        # One query; SQLite ignores the case of Latin letters only: also try each name as usually written.
        found = list(self.queryset.filter(Q(pk__in=ids) | Q(name__in={*names, *(n.capitalize() for n in names)})))
        chosen, unknown, elsewhere = [], [], []
        for key, token in tokens.items():
            matches = [d for d in found if (str(d.pk) == token if _is_id(token) else d.name.casefold() == key)]
            here = [d for d in matches if d.municipality_id == self.municipality_id] if self.municipality_id else matches
            if len(here) == 1:
                chosen.append(here[0])
            elif not matches:
                unknown.append(token)
            else:
                elsewhere.append((token, sorted(d.municipality.name for d in matches)))
        errors = []
        if unknown:
            names_ = ", ".join(f"«{_shown(t)}»" for t in unknown)
            errors.append(f"Не найдены районы: {names_}." if len(unknown) > 1 else f"Не найден район {names_}.")
            errors[-1] += " Проверьте написание или выберите район из подсказок."
        for token, municipalities in elsewhere:
            places = ", ".join(f"«{m}»" for m in municipalities)
            if self.municipality_id:
                municipality = Municipality.objects.filter(pk=self.municipality_id).first()
                errors.append(f"Район «{_shown(token)}» не входит в муниципалитет «{municipality}»: он есть в {places}.")
            else:
                errors.append(f"Районы «{_shown(token)}» есть в нескольких муниципалитетах ({places}): сначала выберите муниципалитет.")
        if errors:
            raise ValidationError(errors, code="invalid_choice")
        return list({d.pk: d for d in chosen}.values())


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
