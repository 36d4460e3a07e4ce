"""Admin of roadmaps: directions, key results with their parsed deadlines, indicators with targets, activities, events."""

import datetime as dt

from django import forms
from django.contrib import admin, messages
from django.db import models
from django.db.models import Count
from django.template.defaultfilters import truncatechars
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe

from roadmap_portal.formatting import format_number
from roadmap_portal.history import PortalHistoryAdmin

from .deadlines import DeadlineParseError, parse_deadline
from .models import Activity, Deadline, Direction, Indicator, IndicatorTarget, KeyResult, KeyResultEvidence, LineReport, PlanRole, ProcessEvent, Roadmap
from .services import sync_deadlines
from .signals import indicator_changed

COMPACT_TEXT = {models.TextField: {"widget": forms.Textarea(attrs={"rows": 2, "cols": 70})}}
READABLE_TEXT = {models.TextField: {"widget": forms.Textarea(attrs={"rows": 4, "cols": 100})}}
# Links typed without a scheme are taken as https (Django 6's default, chosen now).
HTTPS_LINKS = {models.URLField: {"assume_scheme": "https"}}
SOON_DAYS = 30


def _date(value: dt.date | None) -> str:
    return f"{value:%d.%m.%Y}" if value else "—"


def roadmap_label(roadmap: Roadmap) -> str:
    return f"{roadmap.owner} ({roadmap.period_start.year}–{roadmap.period_end.year})"


def roadmap_filter(path: str) -> type[admin.SimpleListFilter]:
    """A filter by roadmap that names each by its owner and years, not by its long title."""

    class RoadmapFilter(admin.SimpleListFilter):
        title = "дорожная карта"
        # The parameter Django's own filter uses: links like ?roadmap__id__exact=1 keep working.
        parameter_name = f"{path}__id__exact"

        def lookups(self, request, model_admin):
            return [(str(r.pk), roadmap_label(r)) for r in Roadmap.objects.select_related("municipality", "school").order_by("period_start")]

        def queryset(self, request, queryset):
            if self.value() and self.value().isdigit():
                return queryset.filter(**{f"{path}_id": int(self.value())})
            return queryset

    return RoadmapFilter


class WideFieldsMixin:
    """Text inputs of `wide_fields` as wide as the text areas: they hold whole phrases of the documents."""

    wide_fields: tuple[str, ...] = ()

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name in self.wide_fields:
            kwargs["widget"] = forms.TextInput(attrs={"size": 100})
        return super().formfield_for_dbfield(db_field, request, **kwargs)


def _changelist_link(model_name: str, query: str, label: str):
    url = reverse(f"admin:indicators_{model_name}_changelist")
    return format_html('<a href="{}?{}">{}</a>', url, query, label)


class DeadlineStateFilter(admin.SimpleListFilter):
    """Overdue and due-soon key results: plain queries over the parsed Deadline rows."""

    title = "срок"
    parameter_name = "due"

    def lookups(self, request, model_admin):
        return [("overdue", "просрочен (не выполнен)"), ("soon", f"в ближайшие {SOON_DAYS} дней"), ("recurring", "периодический")]

    def queryset(self, request, queryset):
        today = timezone.localdate()
        prefix = "" if queryset.model is Deadline else "deadlines__"
        done = "key_result__completed_on__isnull" if queryset.model is Deadline else "completed_on__isnull"
        if self.value() == "overdue":
            return queryset.filter(**{f"{prefix}due_date__lt": today, done: True}).distinct()
        if self.value() == "soon":
            return queryset.filter(**{f"{prefix}due_date__range": (today, today + dt.timedelta(days=SOON_DAYS))}).distinct()
        if self.value() == "recurring":
            return queryset.filter(**{f"{prefix}kind": Deadline.Kind.RECURRING}).distinct()
        return queryset


class DirectionInline(admin.TabularInline):
    model = Direction
    extra = 0
    fields = ["number", "title", "key_results_link"]
    readonly_fields = ["key_results_link"]
    show_change_link = True
    formfield_overrides = COMPACT_TEXT

    @admin.display(description="ключевые результаты")
    def key_results_link(self, obj):
        if not obj.pk:
            return "—"
        return _changelist_link("keyresult", f"direction__id__exact={obj.pk}", "открыть список")


@admin.register(Roadmap)
class RoadmapAdmin(WideFieldsMixin, admin.ModelAdmin):
    wide_fields = ("source",)
    list_display = ["title_short", "kind", "owner_name", "period", "directions_count", "key_results_count", "indicators_count"]
    list_filter = ["kind", "municipality"]
    search_fields = ["title", "goal", "source", "municipality__name", "school__full_name"]
    list_select_related = ["municipality", "school"]
    autocomplete_fields = ["municipality", "school"]
    readonly_fields = ["contents"]
    inlines = [DirectionInline]
    formfield_overrides = READABLE_TEXT
    fieldsets = [
        (None, {"fields": ["kind", "municipality", "school", "title", "goal", "source", "tracks_reports"]}),
        ("Период", {"fields": ["period_start", "period_end"]}),
        ("Содержание", {"fields": ["contents"]}),
    ]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(
                directions_total=Count("directions", distinct=True),
                key_results_total=Count("key_results", distinct=True),
                indicators_total=Count("indicators", distinct=True),
            )
        )

    @admin.display(description="название", ordering="title")
    def title_short(self, obj):
        return truncatechars(obj.title, 160)

    @admin.display(description="владелец")
    def owner_name(self, obj):
        return obj.owner

    @admin.display(description="период", ordering="period_start")
    def period(self, obj):
        return f"{obj.period_start:%m.%Y} – {obj.period_end:%m.%Y}"

    @admin.display(description="направлений", ordering="directions_total")
    def directions_count(self, obj):
        return obj.directions_total

    @admin.display(description="ключевых результатов", ordering="key_results_total")
    def key_results_count(self, obj):
        return obj.key_results_total

    @admin.display(description="показателей", ordering="indicators_total")
    def indicators_count(self, obj):
        return obj.indicators_total

    @admin.display(description="ключевые результаты, показатели, мероприятия")
    def contents(self, obj):
        if not obj.pk:
            return "Появится после сохранения карты."
        query = f"roadmap__id__exact={obj.pk}"
        links = [
            ("keyresult", f"Ключевые результаты: {obj.key_results.count()}"),
            ("indicator", f"Показатели: {obj.indicators.count()}"),
            ("activity", f"Мероприятия: {obj.activities.count()}"),
        ]
        return format_html_join(" · ", "{}", ((_changelist_link(model, query, label),) for model, label in links))


class KeyResultInline(admin.TabularInline):
    model = KeyResult
    extra = 0
    fields = ["number", "kind", "text", "deadline_text"]
    show_change_link = True
    formfield_overrides = {**COMPACT_TEXT, models.CharField: {"widget": forms.TextInput(attrs={"size": 14})}}

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("roadmap", "direction")


@admin.register(Direction)
class DirectionAdmin(admin.ModelAdmin):
    list_display = ["number", "title", "roadmap_short", "key_results_count"]
    list_display_links = ["number", "title"]
    list_filter = [roadmap_filter("roadmap")]
    search_fields = ["title", "roadmap__title"]
    list_select_related = ["roadmap__municipality", "roadmap__school"]
    autocomplete_fields = ["roadmap"]
    inlines = [KeyResultInline]
    formfield_overrides = COMPACT_TEXT

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(key_results_total=Count("key_results"))

    @admin.display(description="дорожная карта", ordering="roadmap__period_start")
    def roadmap_short(self, obj):
        return roadmap_label(obj.roadmap)

    @admin.display(description="ключевых результатов", ordering="key_results_total")
    def key_results_count(self, obj):
        return obj.key_results_total

    def save_formset(self, request, form, formset, change):
        # A key result added here belongs to this direction's roadmap.
        for instance in formset.save(commit=False):
            if isinstance(instance, KeyResult) and not instance.roadmap_id:
                instance.roadmap = form.instance.roadmap
            instance.save()
        for obj in formset.deleted_objects:
            obj.delete()
        formset.save_m2m()


class DeadlineInline(admin.TabularInline):
    model = Deadline
    extra = 0
    fields = ["kind", "due_date", "recurrence", "times_per_month"]


class ProcessEventInline(admin.TabularInline):
    model = ProcessEvent
    extra = 0
    formfield_overrides = HTTPS_LINKS
    fields = ["date", "title", "format", "schools_count", "participants_count", "link", "document"]


class KeyResultForm(forms.ModelForm):
    class Meta:
        model = KeyResult
        fields = [
            "roadmap",
            "direction",
            "number",
            "order",
            "kind",
            "text",
            "deadline_text",
            "target_value",
            "target_unit",
            "indicator",
            "completed_on",
            "fact",
            "fact_share",
            "responsible",
            "confirming_document",
            "controller",
            "characteristic",
        ]
        help_texts = {
            "deadline_text": "Как в документе: «Май 2021», «Сентябрь 2021, 2022», «31.12.2021», «2021», «Ежегодно», «В течение года», "
            "«Один раз в месяц», «В течение года, 2 р/м». При изменении сроки ниже пересчитываются из этого текста.",
        }

    def clean_deadline_text(self):
        text = self.cleaned_data["deadline_text"]
        if text.strip():
            try:
                parse_deadline(text)
            except DeadlineParseError as exc:
                raise forms.ValidationError(str(exc)) from exc
        return text


class KeyResultEvidenceInline(admin.TabularInline):
    """Derived from the portal's data (ratings/facts.py): shown, never edited."""

    model = KeyResultEvidence
    extra = 0
    can_delete = False
    fields = ["year", "status", "summary", "happened_on", "source", "computed_at"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(KeyResult)
class KeyResultAdmin(WideFieldsMixin, admin.ModelAdmin):
    wide_fields = ("deadline_text", "responsible", "controller")
    form = KeyResultForm
    list_display = ["number", "text_short", "kind", "deadline", "target", "indicator_code", "completed"]
    list_display_links = ["number", "text_short"]
    list_filter = [
        DeadlineStateFilter,
        roadmap_filter("roadmap"),
        "kind",
        "direction",
        ("indicator", admin.EmptyFieldListFilter),
        ("completed_on", admin.EmptyFieldListFilter),
    ]
    search_fields = ["number", "text", "deadline_text", "responsible", "controller", "characteristic"]
    list_select_related = ["roadmap", "direction", "indicator"]
    autocomplete_fields = ["roadmap", "direction", "indicator"]
    formfield_overrides = READABLE_TEXT
    inlines = [DeadlineInline, KeyResultEvidenceInline, ProcessEventInline]
    fieldsets = [
        (None, {"fields": ["roadmap", "direction", "number", "order", "kind", "text"]}),
        ("Срок и цель", {"fields": ["deadline_text", "target_value", "target_unit", "indicator", "completed_on"]}),
        (
            "Подтверждение данными портала",
            {
                "fields": ["fact", "fact_share"],
                "description": "Если выбран факт, состояние результата за каждый год вычисляется по данным портала "
                "(раунды мониторинга, рейтинг, список статуса, приказы о назначении кураторов, значение показателя к сроку); "
                "отметка «выполнен» вручную для него не нужна.",
            },
        ),
        ("Исполнение", {"fields": ["responsible", "confirming_document", "controller", "characteristic"], "classes": ["collapse"]}),
    ]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("deadlines")

    @admin.display(description="ключевой результат", ordering="text")
    def text_short(self, obj):
        return truncatechars(obj.text, 120)

    @admin.display(description="срок (как в документе → разобран)", ordering="deadline_text")
    def deadline(self, obj):
        dated = [_date(d.due_date) for d in obj.deadlines.all() if d.due_date]
        if not dated:
            return obj.deadline_text or "—"
        return format_html('{}<br><span class="quiet">{}</span>', obj.deadline_text, ", ".join(dated))

    @admin.display(description="цель", ordering="target_value")
    def target(self, obj):
        if obj.target_value is None:
            return "—"
        return f"{format_number(obj.target_value)} {obj.target_unit}".rstrip()

    @admin.display(description="показатель", ordering="indicator__code")
    def indicator_code(self, obj):
        return obj.indicator.code if obj.indicator else "—"

    @admin.display(description="выполнен", ordering="completed_on")
    def completed(self, obj):
        return _date(obj.completed_on)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        if "deadline_text" in form.changed_data:
            created, total, deleted = sync_deadlines(form.instance)
            self.message_user(
                request, f"Сроки пересчитаны из текста «{form.instance.deadline_text}»: {total} (новых {created}, удалено {deleted}).", messages.INFO
            )


@admin.register(Deadline)
class DeadlineAdmin(admin.ModelAdmin):
    list_display = ["key_result_number", "key_result_short", "kind", "due", "recurrence", "times_per_month", "completed_on"]
    list_filter = [DeadlineStateFilter, roadmap_filter("key_result__roadmap"), "kind", "recurrence"]
    search_fields = ["key_result__number", "key_result__text", "key_result__deadline_text"]
    list_select_related = ["key_result"]
    autocomplete_fields = ["key_result"]
    date_hierarchy = "due_date"

    @admin.display(description="№", ordering="key_result__number")
    def key_result_number(self, obj):
        return obj.key_result.number

    @admin.display(description="ключевой результат")
    def key_result_short(self, obj):
        return truncatechars(obj.key_result.text, 100)

    @admin.display(description="срок", ordering="due_date")
    def due(self, obj):
        return _date(obj.due_date)

    @admin.display(description="выполнен", ordering="key_result__completed_on")
    def completed_on(self, obj):
        return _date(obj.key_result.completed_on)


class IndicatorTargetInline(admin.TabularInline):
    model = IndicatorTarget
    extra = 0
    fields = ["year", "due_date", "value", "absolute_value", "raw_text"]


class SubIndicatorInline(admin.TabularInline):
    model = Indicator
    fk_name = "parent"
    extra = 0
    fields = ["code", "order", "name", "base_value", "base_date"]
    show_change_link = True
    formfield_overrides = COMPACT_TEXT
    verbose_name = "входящий показатель"
    verbose_name_plural = "входящие показатели (подстроки)"


@admin.register(Indicator)
class IndicatorAdmin(PortalHistoryAdmin):
    list_display = ["code", "name_short", "owner", "kind", "unit", "question", "base", "targets_summary"]
    list_display_links = ["code", "name_short"]
    list_filter = [roadmap_filter("roadmap"), "kind", "level", "unit", "aggregation"]
    search_fields = ["code", "name", "question_code"]
    list_select_related = ["roadmap__municipality", "roadmap__school"]
    autocomplete_fields = ["roadmap", "parent"]
    formfield_overrides = READABLE_TEXT
    inlines = [IndicatorTargetInline, SubIndicatorInline]
    fieldsets = [
        (None, {"fields": ["roadmap", "parent", "code", "order", "name", "kind", "unit", "level", "higher_is_better"]}),
        ("Базовое значение", {"fields": ["base_value", "base_date"]}),
        (
            "Вычисление из анкет",
            {
                "fields": ["question_code", "aggregation", "condition_choices", "threshold_urban", "threshold_rural", "denominator_code"],
                "description": "Фактическое значение считается по ответам школ на вопрос с указанным кодом. "
                "«Доля ОУ» — процент школ, чей ответ засчитан: да/нет — ответ «да»; выбор — один из вариантов условия; "
                "число — не меньше порога (для сельских школ — свой порог).",
            },
        ),
        ("Исполнение", {"fields": ["responsible", "confirming_document", "controller"], "classes": ["collapse"]}),
    ]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("targets")

    @admin.display(description="наименование", ordering="name")
    def name_short(self, obj):
        return truncatechars(obj.name, 100)

    @admin.display(description="дорожная карта", ordering="roadmap__period_start")
    def owner(self, obj):
        return roadmap_label(obj.roadmap)

    @admin.display(description="база", ordering="base_value")
    def base(self, obj):
        if obj.base_value is None:
            return "—"
        return f"{format_number(obj.base_value)} на {_date(obj.base_date)}" if obj.base_date else format_number(obj.base_value)

    @admin.display(description="вопрос анкеты", ordering="question_code")
    def question(self, obj):
        return obj.question_code or "—"

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        # The definition or the targets changed: open rounds' progress of this indicator is stale now.
        indicator_changed.send(sender=Indicator, indicator_ids=[form.instance.pk])

    def delete_model(self, request, obj):
        indicator_changed.send(sender=Indicator, indicator_ids=[obj.pk])  # before: the rounds are found through the indicator
        super().delete_model(request, obj)

    @admin.display(description="цели")
    def targets_summary(self, obj):
        rows = [(_date(t.due_date), format_number(t.value)) for t in obj.targets.all()]
        return format_html_join(mark_safe("<br>"), '<span class="nowrap">{}: {}</span>', rows) or "—"


@admin.register(IndicatorTarget)
class IndicatorTargetAdmin(WideFieldsMixin, PortalHistoryAdmin):
    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        indicator_changed.send(sender=Indicator, indicator_ids=[obj.indicator_id])

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        indicator_changed.send(sender=Indicator, indicator_ids=[obj.indicator_id])

    wide_fields = ("raw_text",)
    list_display = ["indicator", "year", "due", "value", "absolute_value", "raw_text"]
    list_filter = [roadmap_filter("indicator__roadmap"), "year"]
    search_fields = ["indicator__code", "indicator__name", "raw_text"]
    list_select_related = ["indicator"]
    autocomplete_fields = ["indicator"]
    date_hierarchy = "due_date"

    @admin.display(description="срок", ordering="due_date")
    def due(self, obj):
        return _date(obj.due_date)


class SubActivityInline(admin.TabularInline):
    model = Activity
    fk_name = "parent"
    extra = 0
    fields = ["number", "order", "title", "start_date", "end_date", "responsible", "document_type"]
    show_change_link = True
    formfield_overrides = COMPACT_TEXT
    verbose_name = "вложенное мероприятие"
    verbose_name_plural = "вложенные мероприятия"


class NestingFilter(admin.SimpleListFilter):
    title = "уровень"
    parameter_name = "nested"

    def lookups(self, request, model_admin):
        return [("no", "верхнего уровня (1, 2, …)"), ("yes", "вложенные (1.1, 1.2, …)")]

    def queryset(self, request, queryset):
        if self.value() in ("yes", "no"):
            return queryset.filter(parent__isnull=self.value() == "no")
        return queryset


class HasDateFlagFilter(admin.SimpleListFilter):
    title = "замечание к датам"
    parameter_name = "date_flag"

    def lookups(self, request, model_admin):
        return [("yes", "есть"), ("no", "нет")]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.exclude(date_flag="")
        if self.value() == "no":
            return queryset.filter(date_flag="")
        return queryset


@admin.register(Activity)
class ActivityAdmin(WideFieldsMixin, admin.ModelAdmin):
    wide_fields = ("date_flag", "responsible", "document_type")
    list_display = ["number", "title_short", "parent_number", "start", "end", "responsible", "has_flag"]
    list_display_links = ["number", "title_short"]
    list_filter = [roadmap_filter("roadmap"), HasDateFlagFilter, NestingFilter]
    search_fields = ["number", "title", "responsible", "document_type", "expected_result"]
    list_select_related = ["parent", "roadmap"]
    autocomplete_fields = ["roadmap", "parent"]
    formfield_overrides = READABLE_TEXT
    inlines = [SubActivityInline]
    fieldsets = [
        (None, {"fields": ["roadmap", "parent", "number", "order", "title"]}),
        ("Сроки", {"fields": ["start_text", "end_text", "start_date", "end_date", "date_flag"]}),
        ("Исполнение", {"fields": ["responsible", "document_type", "expected_result"]}),
    ]

    @admin.display(description="мероприятие", ordering="title")
    def title_short(self, obj):
        return truncatechars(obj.title, 100)

    @admin.display(description="начало", ordering="start_date")
    def start(self, obj):
        return _date(obj.start_date)

    @admin.display(description="окончание", ordering="end_date")
    def end(self, obj):
        return _date(obj.end_date)

    @admin.display(description="входит в", ordering="parent__order")
    def parent_number(self, obj):
        return obj.parent.number if obj.parent else "—"

    @admin.display(description="замечание к датам", boolean=True)
    def has_flag(self, obj):
        return bool(obj.date_flag)


@admin.register(ProcessEvent)
class ProcessEventAdmin(admin.ModelAdmin):
    list_display = ["held_on", "title", "format", "key_result", "schools_count", "participants_count", "recorded_by"]
    list_filter = ["format", roadmap_filter("key_result__roadmap"), "key_result__direction"]
    search_fields = ["title", "key_result__text", "key_result__number"]
    list_select_related = ["key_result", "recorded_by"]
    autocomplete_fields = ["key_result"]
    readonly_fields = ["recorded_by", "created_at"]
    date_hierarchy = "date"
    formfield_overrides = HTTPS_LINKS

    @admin.display(description="дата", ordering="date")
    def held_on(self, obj):
        return _date(obj.date)

    def save_model(self, request, obj, form, change):
        if not obj.recorded_by_id:
            obj.recorded_by = request.user
        super().save_model(request, obj, form, change)


@admin.register(PlanRole)
class PlanRoleAdmin(admin.ModelAdmin):
    """Who acts for the roles a district roadmap names; a school plan's executor is the school's curator."""

    list_display = ["roadmap", "kind", "title", "user"]
    list_filter = ["kind", roadmap_filter("roadmap")]
    search_fields = ["title", "user__username", "user__last_name"]
    list_select_related = ["roadmap", "user"]
    autocomplete_fields = ["roadmap", "user"]
    fields = ["roadmap", "kind", "title", "user"]


@admin.register(LineReport)
class LineReportAdmin(admin.ModelAdmin):
    """Reports are written by executors and reviewed by controlling persons on the plan pages; here they are only read."""

    list_display = ["roadmap", "line", "progress", "review", "reported_by", "reported_at", "reviewed_by"]
    list_filter = ["progress", "review", roadmap_filter("roadmap")]
    list_select_related = ["roadmap", "activity", "key_result", "reported_by", "reviewed_by"]
    search_fields = ["comment", "review_comment"]
    readonly_fields = [f.name for f in LineReport._meta.fields]

    @admin.display(description="строка плана")
    def line(self, obj):
        return obj.activity or obj.key_result

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
