"""Administration of ratings: scoring rules per questionnaire version, status criteria and awards; computed rows read-only."""

from django.contrib import admin, messages
from django.db.models import Count, Sum

from roadmap_portal.history import PortalHistoryAdmin
from roadmap_portal.readonly_admin import ReadOnlyAdmin

from .models import (
    ChoicePoints,
    IndicatorProgress,
    Rating,
    RatingCorrection,
    ScoringRule,
    ScoringScheme,
    ScoringStep,
    StatusAward,
    StatusCriteria,
    StatusEligibility,
)
from .selectors import criteria_fixed_round, questionnaire_fixed_round
from .services import criteria_results_invalidate, scoring_results_invalidate

FROZEN_RULES = (
    "Эти правила применены к зафиксированным итогам раунда «{round}» и больше не меняются: итоги закрытого раунда "
    "читаются так же, как в день закрытия. Новые правила — в новой версии опросной формы (для следующего раунда)."
)
FROZEN_CRITERIA = (
    "Эти критерии применены к зафиксированным итогам раунда «{round}» и больше не меняются. Исправить итоги закрытого "
    "раунда можно только на странице «Исправление итогов» раунда, с указанием причины."
)


class FrozenWhenFixed:
    """Read-only once the object decided a round's fixed results; the change page says why."""

    frozen_message = ""

    def fixed_round(self, obj):
        raise NotImplementedError

    def _frozen(self, obj) -> bool:
        if obj is None:
            return False
        if not hasattr(obj, "_fixed_round"):
            obj._fixed_round = self.fixed_round(obj)
        return obj._fixed_round is not None

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and not self._frozen(obj)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and not self._frozen(obj)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        obj = self.get_object(request, object_id)
        if self._frozen(obj):
            self.message_user(request, self.frozen_message.format(round=obj._fixed_round), level=messages.WARNING)
        return super().change_view(request, object_id, form_url, extra_context)


class FrozenInline:
    """An inline of a frozen parent is read-only too."""

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and not getattr(obj, "_fixed_round", None)

    def has_add_permission(self, request, obj=None):
        return super().has_add_permission(request, obj) and not getattr(obj, "_fixed_round", None)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and not getattr(obj, "_fixed_round", None)


SCORING_HELP = (
    "Рейтинг школы = набранные баллы / возможные баллы × 100, округляется один раз, до десятых, половина — вверх "
    "(79,95 → 80,0; 79,945 → 79,9). Баллы за ответы складываются точно, без промежуточных округлений; только «линейное» "
    "правило может дать дробь длиннее — её баллы округляются до тысячных (0,001). Уровень, место и критерий статуса "
    "«рейтинг не ниже» сравнивают рейтинг в том виде, в каком его видит пользователь. Возможные баллы — сумма "
    "«максимумов баллов» всех правил анкеты; вопрос без ответа даёт 0 баллов. Виды правил: «баллы за «да»» — максимум за ответ «да»; "
    "«линейно» — 0 при значении не выше нижней границы, максимум при значении не ниже верхней, между ними пропорционально; "
    "«ступени» — баллы самой высокой ступени, которой достигло значение (ступени задаются в правиле); «баллы за варианты» — баллы "
    "выбранного варианта, при нескольких вариантах — их сумма, но не больше максимума; «за заполненный ответ» — максимум за любой "
    "непустой ответ. Уровень: высокий — от порога высокого уровня, средний — от порога среднего, иначе низкий. "
    "Правила по умолчанию (100 баллов): скорость Интернета 20 (линейно 0→100 Мбит/с), готовность педагогов 20 (линейно 0→100 %), "
    "комплект ЦОС 20 (нет 0 / минимальный 10 / стандартный 20), канал по требованиям ЦОС 5, договор на связь 5, готовность "
    "администрации 5 (линейно), платформы 5 (Сферум 2,5 + Моя школа 2,5), реестр практик 5 (перспективная 3 / действующая 5), "
    "контент в РИС 5 (линейно), активные пользователи РИС 5 (ступени 50 % → 2, 80 % → 4, 95 % → 5), цифровая экосистема 3, "
    "консультирование родителей 2. После сохранения пересчитываются открытые мониторинги с этой анкетой; итоги закрытых "
    "мониторингов зафиксированы и не меняются (правила, по которым они посчитаны, после этого только для чтения)."
)


class ScoringRuleInline(FrozenInline, admin.TabularInline):
    model = ScoringRule
    fields = ("question", "kind", "max_points", "floor_value", "full_value")
    extra = 0
    show_change_link = True
    verbose_name_plural = "правила начисления баллов (ступени и баллы за варианты — по ссылке «Изменить» у правила)"

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        if obj is not None:
            formset.form.base_fields["question"].queryset = obj.questionnaire.questions.order_by("section__order", "order")
        return formset


@admin.register(ScoringScheme)
class ScoringSchemeAdmin(FrozenWhenFixed, PortalHistoryAdmin):
    frozen_message = FROZEN_RULES

    def fixed_round(self, obj):
        return questionnaire_fixed_round(obj.questionnaire_id)

    list_display = ("questionnaire", "level_high", "level_medium", "rules", "points_possible")
    fieldsets = [(None, {"fields": ("questionnaire", "level_high", "level_medium"), "description": SCORING_HELP})]
    inlines = [ScoringRuleInline]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("questionnaire").annotate(rule_count=Count("rules"), possible=Sum("rules__max_points"))

    @admin.display(description="правил")
    def rules(self, obj):
        return obj.rule_count

    @admin.display(description="возможных баллов")
    def points_possible(self, obj):
        return obj.possible

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        rounds = scoring_results_invalidate(questionnaire_id=form.instance.questionnaire_id)
        if rounds:
            self.message_user(request, f"Мониторингов будет пересчитано по новым правилам: {len(rounds)}.")


class ScoringStepInline(FrozenInline, admin.TabularInline):
    model = ScoringStep
    extra = 0
    verbose_name_plural = "ступени (для вида «ступени по порогам»): значение не ниже порога → баллы"


class ChoicePointsInline(FrozenInline, admin.TabularInline):
    model = ChoicePoints
    extra = 0
    verbose_name_plural = "баллы за варианты ответа (значение варианта — как в вопросе, например minimal)"


@admin.register(ScoringRule)
class ScoringRuleAdmin(FrozenWhenFixed, PortalHistoryAdmin):
    frozen_message = FROZEN_RULES

    def fixed_round(self, obj):
        return questionnaire_fixed_round(obj.scheme.questionnaire_id)

    list_display = ("question_code", "question_text", "kind", "max_points", "how", "scheme")
    list_filter = ("scheme", "kind")
    search_fields = ("question__code", "question__text")
    fieldsets = [(None, {"fields": ("scheme", "question", "kind", "max_points", "floor_value", "full_value", "how"), "description": SCORING_HELP})]
    readonly_fields = ("how",)
    inlines = [ScoringStepInline, ChoicePointsInline]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("question__section", "scheme__questionnaire").prefetch_related("steps", "choice_points")

    @admin.display(description="код вопроса", ordering="question__code")
    def question_code(self, obj):
        return obj.question.code

    @admin.display(description="вопрос")
    def question_text(self, obj):
        return obj.question.text[:80]

    @admin.display(description="как начисляются баллы")
    def how(self, obj):
        return obj.description if obj.pk else "—"

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        scoring_results_invalidate(questionnaire_id=form.instance.question.questionnaire_id)

    def delete_model(self, request, obj):
        questionnaire_id = obj.question.questionnaire_id
        super().delete_model(request, obj)
        scoring_results_invalidate(questionnaire_id=questionnaire_id)


@admin.register(StatusCriteria)
class StatusCriteriaAdmin(FrozenWhenFixed, PortalHistoryAdmin):
    frozen_message = FROZEN_CRITERIA

    def fixed_round(self, obj):
        return criteria_fixed_round(obj.municipality_id, obj.year)

    list_display = (
        "year",
        "municipality",
        "min_score",
        "speed_urban",
        "speed_rural",
        "min_kit",
        "require_contract",
        "min_teacher_share",
        "require_certification_request",
    )
    list_filter = ("municipality",)
    fieldsets = [
        (
            None,
            {
                "fields": (
                    "municipality",
                    "year",
                    "min_score",
                    ("speed_urban", "speed_rural"),
                    "min_kit",
                    "require_contract",
                    "min_teacher_share",
                    "require_certification_request",
                ),
                "description": (
                    "Школа проходит на статус «Цифровая школа <город> <год>», если в мониторинге этого года выполнены все критерии. "
                    "Комплект ЦОС — значение варианта вопроса equipment_kit (none, minimal, standard): «не ниже» считается по порядку "
                    "вариантов в вопросе. После сохранения соответствие критериям пересчитывается в открытых мониторингах года; "
                    "критерии, по которым зафиксированы итоги закрытого мониторинга, только для чтения."
                ),
            },
        )
    ]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        criteria_results_invalidate(municipality_id=obj.municipality_id, year=obj.year)


@admin.register(StatusAward)
class StatusAwardAdmin(admin.ModelAdmin):
    """Awards are permanent: they are added (here or by confirming the year's list) and never deleted."""

    list_display = ("school", "year", "district", "order_reference", "confirmed_at", "confirmed_by")
    list_filter = ("year", "municipality", "school__district")
    search_fields = ("school__full_name", "order_reference")
    autocomplete_fields = ("school",)
    list_select_related = ("school__district", "confirmed_by")

    @admin.display(description="район", ordering="school__district__name")
    def district(self, obj):
        return obj.school.district

    def get_readonly_fields(self, request, obj=None):
        # Once recorded, only the order reference may be completed.
        return ("municipality", "year", "school", "round", "confirmed_at", "confirmed_by") if obj else ("confirmed_at", "confirmed_by")

    def has_delete_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        # A recorded award with its order is final; one without an order may have it filled in once.
        if obj is not None and obj.order_reference:
            return False
        return super().has_change_permission(request, obj)

    def save_model(self, request, obj, form, change):
        if not change:
            obj.confirmed_by = request.user
        super().save_model(request, obj, form, change)


class ComputedAdmin(ReadOnlyAdmin):
    """Rows written by the recompute: to read, never to edit (they would be overwritten by the next recompute)."""


@admin.register(Rating)
class RatingAdmin(ComputedAdmin):
    list_display = ("round", "rank", "school", "district", "score", "level", "district_rank", "points", "possible", "prev_score", "prev_rank")
    list_filter = ("round", "level", "district")
    search_fields = ("school__full_name",)
    list_select_related = ("round", "school", "district")


@admin.register(StatusEligibility)
class StatusEligibilityAdmin(ComputedAdmin):
    list_display = ("round", "school", "eligible", "ok_score", "ok_speed", "ok_kit", "ok_contract", "ok_teachers", "ok_certification")
    list_filter = ("round", "eligible")
    search_fields = ("school__full_name",)
    list_select_related = ("round", "school")


@admin.register(IndicatorProgress)
class IndicatorProgressAdmin(ComputedAdmin):
    list_display = ("round", "indicator_code", "school", "actual", "target_value", "target_due", "schools_with_data", "schools_meeting", "verdict")
    list_filter = ("round", "verdict")
    list_select_related = ("round", "indicator", "school")

    @admin.display(description="показатель", ordering="indicator__code")
    def indicator_code(self, obj):
        return obj.indicator.code


@admin.register(RatingCorrection)
class RatingCorrectionAdmin(ComputedAdmin):
    """The log of corrections of fixed results: append-only, written by the correction page."""

    list_display = ("corrected_at", "round", "corrected_by_name", "changed_schools", "reason")
    list_filter = ("round",)
    list_select_related = ("round",)
