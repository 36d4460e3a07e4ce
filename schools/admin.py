"""Admin of municipalities, districts, schools, curators and user accounts (with the portal profile inline)."""

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.models import User
from django.db.models import Count, Prefetch
from django.urls import reverse
from django.utils.html import format_html
from django_otp.plugins.otp_static import admin as otp_static_admin
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp import admin as otp_totp_admin
from django_otp.plugins.otp_totp.models import TOTPDevice

from roadmap_portal.history import PortalHistoryAdmin
from roadmap_portal.readonly_admin import ReadOnlyAdmin

from .models import Curator, District, Municipality, PersonalDataAccess, PersonalDataAct, School, SecurityEvent, UserProfile
from .roles import ROLE_LABELS
from .signals import school_facts_changed

# Long Russian names need the width: the admin index is the navigation.
admin.site.enable_nav_sidebar = False


class DistrictInline(admin.TabularInline):
    model = District
    extra = 0
    fields = ["name"]
    show_change_link = True


@admin.register(Municipality)
class MunicipalityAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "name_genitive", "districts_count", "schools_count"]
    list_filter = ["kind"]
    search_fields = ["name", "name_genitive"]
    inlines = [DistrictInline]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(districts_total=Count("districts", distinct=True), schools_total=Count("schools", distinct=True))

    @admin.display(description="районов", ordering="districts_total")
    def districts_count(self, obj):
        return obj.districts_total

    @admin.display(description="школ", ordering="schools_total")
    def schools_count(self, obj):
        return obj.schools_total


@admin.register(District)
class DistrictAdmin(admin.ModelAdmin):
    list_display = ["name", "municipality", "schools_count"]
    list_filter = ["municipality"]
    search_fields = ["name", "municipality__name"]
    list_select_related = ["municipality"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(schools_total=Count("schools"))

    @admin.display(description="школ", ordering="schools_total")
    def schools_count(self, obj):
        return obj.schools_total


class CuratorInline(admin.TabularInline):
    model = Curator
    extra = 0
    fields = ["user", "position", "phone", "order_number", "order_date", "order_file", "is_active"]
    autocomplete_fields = ["user"]
    verbose_name_plural = "кураторы (действующим может быть только один)"


@admin.register(School)
class SchoolAdmin(PortalHistoryAdmin):
    list_display = ["full_name", "district", "kind", "is_urban", "curator", "students_count", "teachers_count", "is_active"]
    list_display_links = ["full_name"]
    list_filter = ["municipality", "district", "legal_form", "kind", "is_urban", "is_active"]
    search_fields = ["full_name", "aliases", "=number", "address"]
    list_select_related = ["district", "municipality"]
    autocomplete_fields = ["district"]
    inlines = [CuratorInline]
    fieldsets = [
        (None, {"fields": ["municipality", "district", "full_name", "aliases"]}),
        ("Вид и номер", {"fields": ["legal_form", "kind", "number", "is_urban", "is_active"]}),
        ("Сведения", {"fields": ["students_count", "teachers_count", "address"]}),
    ]

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name in ("full_name", "address"):
            kwargs["widget"] = forms.TextInput(attrs={"size": 80})
        if db_field.name == "aliases":
            kwargs["widget"] = forms.Textarea(attrs={"rows": 3, "cols": 80})
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if change and {"district", "is_urban", "is_active"} & set(form.changed_data):
            # The school's open rounds count by its district, town/country and active state: their results are stale now.
            school_facts_changed.send(sender=School, school_ids=[obj.pk])
        if obj.is_active and (not change or "is_active" in form.changed_data):
            # A new or reactivated school does not join rounds that are already open by itself: say where to add it.
            link = format_html('<a href="{}">добавить в открытые мониторинги</a>', reverse("surveys:round-joinable"))
            self.message_user(request, format_html("Школа «{}» действует. Если сейчас идёт мониторинг, её можно {} в один клик.", obj, link), messages.INFO)

    def get_queryset(self, request):
        active = Curator.objects.filter(is_active=True).select_related("user")
        return super().get_queryset(request).prefetch_related(Prefetch("curators", queryset=active, to_attr="active_curators"))

    @admin.display(description="куратор")
    def curator(self, obj):
        curators = getattr(obj, "active_curators", None)
        if not curators:
            return "—"
        user = curators[0].user
        return user.get_full_name() or user.username


@admin.register(Curator)
class CuratorAdmin(PortalHistoryAdmin):
    list_display = ["user", "full_name", "school", "district", "order_number", "order_date_short", "is_active"]
    list_filter = ["is_active", "school__district", "school__municipality"]
    search_fields = ["user__username", "user__last_name", "user__first_name", "school__full_name", "order_number"]
    list_select_related = ["user", "school__district"]
    autocomplete_fields = ["user", "school"]
    date_hierarchy = "appointed_at"

    @admin.display(description="ФИО", ordering="user__last_name")
    def full_name(self, obj):
        return obj.user.get_full_name()

    @admin.display(description="район", ordering="school__district__name")
    def district(self, obj):
        return obj.school.district or "—"

    @admin.display(description="дата приказа", ordering="order_date")
    def order_date_short(self, obj):
        return f"{obj.order_date:%d.%m.%Y}" if obj.order_date else "—"


@admin.register(UserProfile)
class UserProfileAdmin(admin.ModelAdmin):
    list_display = ["user", "municipality", "district", "phone", "must_change_password"]
    list_filter = ["must_change_password", "municipality", "district"]
    search_fields = ["user__username", "user__last_name", "phone"]
    list_select_related = ["user", "municipality", "district"]
    autocomplete_fields = ["user", "district"]


class UserProfileInline(admin.StackedInline):
    model = UserProfile
    can_delete = False
    fields = ["municipality", "district", "phone", "must_change_password"]
    autocomplete_fields = ["district"]


class UserCuratorInline(admin.TabularInline):
    model = Curator
    fk_name = "user"
    extra = 0
    fields = ["school", "order_number", "order_date", "is_active"]
    autocomplete_fields = ["school"]
    verbose_name = "назначение куратором"
    verbose_name_plural = "назначения куратором"


admin.site.unregister(User)


@admin.register(User)
class PortalUserAdmin(UserAdmin):
    """Django's user admin plus the portal's profile (municipality or district) and curator appointments."""

    inlines = [UserProfileInline, UserCuratorInline]
    list_display = ["username", "last_name", "first_name", "email", "roles", "is_active", "last_login"]
    list_filter = ["groups", "is_active", "is_staff", "is_superuser"]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("groups")

    @admin.display(description="группы (роли)")
    def roles(self, obj):
        labels = {role.value: label for role, label in ROLE_LABELS.items()}
        return ", ".join(labels.get(group.name, group.name) for group in obj.groups.all()) or "—"


@admin.register(SecurityEvent)
class SecurityEventAdmin(ReadOnlyAdmin):
    """The security log is append-only: read here or on the «Журнал безопасности» page, never added, edited or deleted."""

    list_display = ["created_at", "kind", "username", "address", "detail"]
    list_filter = ["kind"]
    search_fields = ["username", "detail"]


# django-otp's device admins, without the search help text that axe reads as a title-only label of the search box.
# An administrator removes a lost phone's device here; the user then sets up a new one.
class TOTPDeviceAdmin(otp_totp_admin.TOTPDeviceAdmin):
    search_help_text = None


class StaticDeviceAdmin(otp_static_admin.StaticDeviceAdmin):
    search_help_text = None


for _model, _admin in ((TOTPDevice, TOTPDeviceAdmin), (StaticDevice, StaticDeviceAdmin)):
    if admin.site.is_registered(_model):
        admin.site.unregister(_model)
    admin.site.register(_model, _admin)


@admin.register(PersonalDataAct)
class PersonalDataActAdmin(ReadOnlyAdmin):
    """Acts are written by the portal only (the «Персональные данные» page and the retention task) and never change."""

    list_display = ["pk", "performed_at", "subject_label", "reason", "performed_by"]
    readonly_fields = ["subject_label", "reason", "destroyed", "log_extract", "performed_by", "performed_at", "document"]


@admin.register(PersonalDataAccess)
class PersonalDataAccessAdmin(ReadOnlyAdmin):
    list_display = ["at", "username", "subject", "what"]
    list_filter = ["at"]
    search_fields = ["username", "what", "subject__username", "subject__last_name"]
