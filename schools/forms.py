from django import forms
from django.contrib.auth import authenticate
from django.contrib.auth.forms import PasswordChangeForm
from django.core.exceptions import ValidationError
from django.db.models import Count

from .imports import CURATORS, SCHOOLS
from .models import Municipality

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

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        municipalities = Municipality.objects.annotate(n=Count("schools")).order_by("-n", "name")
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
