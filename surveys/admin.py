"""Admin of surveys: questionnaires with inline sections, questions and rules; rounds with open/close actions and extensions."""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.widgets import FilteredSelectMultiple
from django.db.models import Count
from django.utils import timezone

from roadmap_portal.history import PortalHistoryAdmin
from roadmap_portal.readonly_admin import ReadOnlyAdmin
from schools.models import School

from .models import (
    Answer,
    AnswerChange,
    EvidenceFile,
    Notice,
    NoticeDelivery,
    Question,
    QuestionMessage,
    Questionnaire,
    QuestionRule,
    Reminder,
    RoundEvent,
    RoundExtension,
    RoundParticipant,
    Section,
    Submission,
    SubmissionEvent,
    SubmissionRound,
)
from .services import (
    SurveyError,
    questionnaire_new_version,
    round_close,
    round_extension_grant,
    round_open,
    round_participants_add,
    round_participants_remove,
    round_reopen,
    round_schools_set_default,
)


class FrozenQuestionnaireMixin:
    """A questionnaire used by a round is read-only everywhere in the admin: edits go into a new version."""

    def _frozen(self, obj) -> bool:
        questionnaire = obj if isinstance(obj, Questionnaire) else getattr(obj, "questionnaire", None)
        return bool(questionnaire and questionnaire.is_frozen)

    def has_change_permission(self, request, obj=None):
        return not self._frozen(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return not self._frozen(obj) and super().has_delete_permission(request, obj)

    def has_add_permission(self, request, obj=None):
        # Inlines only (the parent questionnaire is `obj`); QuestionnaireAdmin overrides it.
        return not self._frozen(obj) and super().has_add_permission(request, obj)


class SectionInline(FrozenQuestionnaireMixin, admin.TabularInline):
    model = Section
    extra = 0
    fields = ["order", "title", "direction"]


class QuestionInline(FrozenQuestionnaireMixin, admin.StackedInline):
    model = Question
    extra = 0
    fields = [("section", "order", "code"), "text", "help_text", ("type", "required"), ("min_value", "max_value", "unit"), "choices"]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "section":
            object_id = request.resolver_match.kwargs.get("object_id")
            kwargs["queryset"] = Section.objects.filter(questionnaire_id=object_id) if object_id else Section.objects.none()
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class QuestionRuleInline(FrozenQuestionnaireMixin, admin.TabularInline):
    model = QuestionRule
    extra = 0
    fields = ["kind", "left", "right", "left_values", "message"]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name in ("left", "right"):
            object_id = request.resolver_match.kwargs.get("object_id")
            kwargs["queryset"] = Question.objects.filter(questionnaire_id=object_id) if object_id else Question.objects.none()
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(Questionnaire)
class QuestionnaireAdmin(FrozenQuestionnaireMixin, admin.ModelAdmin):
    list_display = ["title", "version", "question_count", "frozen_at", "created_at"]
    list_filter = ["title"]
    search_fields = ["title"]
    readonly_fields = ["frozen_at", "created_at"]
    fields = ["title", "version", "previous", "description", "frozen_at", "created_at"]
    inlines = [SectionInline, QuestionInline, QuestionRuleInline]
    actions = ["make_new_version"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(question_total=Count("questions"))

    @admin.display(description="вопросов", ordering="question_total")
    def question_count(self, obj):
        return obj.question_total

    def has_add_permission(self, request):
        return admin.ModelAdmin.has_add_permission(self, request)

    @admin.action(description="Создать новую версию (копию с разделами, вопросами и правилами)")
    def make_new_version(self, request, queryset):
        for questionnaire in queryset:
            copy = questionnaire_new_version(questionnaire=questionnaire)
            self.message_user(request, f"Создана «{copy}»: её можно редактировать и выбрать в новом раунде.", messages.SUCCESS)


class RoundExtensionInline(admin.TabularInline):
    model = RoundExtension
    extra = 0
    fields = ["school", "closes_at", "reason", "granted_by", "granted_at"]
    readonly_fields = ["school", "closes_at", "reason", "granted_by", "granted_at"]
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False  # extensions are granted through their own form, which records who and invalidates results


class SubmissionRoundForm(forms.ModelForm):
    """The participants are chosen here but written by the services (which record each school's facts for the round)."""

    participant_schools = forms.ModelMultipleChoiceField(
        queryset=School.objects.order_by("full_name"),
        required=False,
        label="участвуют школы",
        widget=FilteredSelectMultiple("школы", is_stacked=False),
    )

    class Meta:
        model = SubmissionRound
        fields = ["title", "municipality", "questionnaire", "year", "opens_at", "closes_at", "previous", "deviation_threshold"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["participant_schools"].initial = list(self.instance.schools.values_list("pk", flat=True))


class RoundParticipantInline(admin.TabularInline):
    """The facts the round keeps of each participant: read-only (recorded by the services, frozen when results are fixed)."""

    model = RoundParticipant
    fields = ["school", "district", "is_urban", "is_active", "joined_at"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    verbose_name_plural = "участники и их данные в этом раунде (район, местность, действует ли)"

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(SubmissionRound)
class SubmissionRoundAdmin(PortalHistoryAdmin):
    form = SubmissionRoundForm
    list_display = ["title", "state", "opens_at", "closes_at", "questionnaire", "school_count", "results_fixed_at"]
    list_filter = ["state", "municipality", "year"]
    search_fields = ["title"]
    readonly_fields = ["state", "changes_seq", "computed_seq", "computed_at", "recompute_queued_at", "results_fixed_at"]
    fieldsets = [
        (None, {"fields": ["title", "municipality", "questionnaire", "year", ("opens_at", "closes_at"), "previous", "deviation_threshold", "state"]}),
        (
            "Участвуют школы",
            {
                "fields": ["participant_schools"],
                "description": "Если не выбрать ни одной, участвуют все действующие школы муниципалитета. В открытый раунд школы только "
                "добавляются; убрать школу можно, пока раунд не открыт. Район, местность и «действует» раунд запоминает для каждой школы: "
                "пока итоги не зафиксированы, они обновляются из карточки школы, после — не меняются.",
            },
        ),
        ("Расчёт итогов", {"classes": ["collapse"], "fields": ["changes_seq", "computed_seq", "computed_at", "recompute_queued_at", "results_fixed_at"]}),
    ]
    inlines = [RoundParticipantInline, RoundExtensionInline]
    actions = ["open_rounds", "close_rounds", "reopen_rounds"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("questionnaire").annotate(school_total=Count("schools"))

    @admin.display(description="школ", ordering="school_total")
    def school_count(self, obj):
        return obj.school_total

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if obj is not None and obj.state != SubmissionRound.State.DRAFT:
            fields.append("questionnaire")  # answers were given to this version
        return fields

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        submission_round = form.instance
        chosen = list(form.cleaned_data.get("participant_schools") or [])
        if submission_round.state == SubmissionRound.State.DRAFT:
            round_schools_set_default(submission_round=submission_round, schools=chosen or None)
            return
        present = set(submission_round.schools.values_list("pk", flat=True))
        try:
            round_participants_add(submission_round=submission_round, schools=[school for school in chosen if school.pk not in present], user=request.user)
            leaving = [school for school in School.objects.filter(pk__in=present - {school.pk for school in chosen})] if chosen else []
            if leaving:
                round_participants_remove(submission_round=submission_round, schools=leaving, user=request.user)
        except SurveyError as error:
            self.message_user(request, error.message, messages.ERROR)

    def _each_round(self, request, queryset, write, success) -> None:
        """An action over the chosen rounds: each round's write, then its refusal (SurveyError) or `success(round, result)` said."""
        for submission_round in queryset:
            try:
                result = write(submission_round)
                self.message_user(request, success(submission_round, result), messages.SUCCESS)
            except SurveyError as error:
                self.message_user(request, error.message, messages.ERROR)

    @admin.action(description="Открыть приём анкет")
    def open_rounds(self, request, queryset):
        self._each_round(
            request,
            queryset,
            lambda submission_round: round_open(submission_round=submission_round, user=request.user),
            lambda submission_round, _: f"Приём анкет в раунде «{submission_round}» открыт, опросная форма заморожена.",
        )

    @admin.action(description="Закрыть раунд и зафиксировать итоги")
    def close_rounds(self, request, queryset):
        self._each_round(
            request,
            queryset,
            lambda submission_round: round_close(submission_round=submission_round, user=request.user),
            lambda submission_round, _: f"Раунд «{submission_round}» закрыт, итоги зафиксированы.",
        )

    @admin.action(description="Открыть закрытый раунд заново на 7 дней, не раньше прежнего срока (для всех школ)")
    def reopen_rounds(self, request, queryset):
        def reopen(submission_round):
            # Never earlier than the deadline it had (a round closed early keeps its date).
            closes_at = max(timezone.localtime() + timezone.timedelta(days=7), timezone.localtime(submission_round.closes_at))
            round_reopen(submission_round=submission_round, closes_at=closes_at, user=request.user, reason="из администрирования")
            return closes_at

        self._each_round(
            request, queryset, reopen, lambda submission_round, closes_at: f"Раунд «{submission_round}» снова открыт до {closes_at:%d.%m.%Y %H:%M}."
        )


@admin.register(RoundExtension)
class RoundExtensionAdmin(admin.ModelAdmin):
    list_display = ["round", "school", "closes_at", "reason", "granted_by", "granted_at"]
    list_filter = ["round"]
    search_fields = ["school__full_name"]
    fields = ["round", "school", "closes_at", "reason"]

    def has_change_permission(self, request, obj=None):
        return False  # a granted extension is a record; grant a new one instead

    def save_model(self, request, obj, form, change):
        try:
            extension = round_extension_grant(submission_round=obj.round, school=obj.school, closes_at=obj.closes_at, reason=obj.reason, user=request.user)
        except SurveyError as error:
            self.message_user(request, error.message, messages.ERROR)
            return
        obj.pk = extension.pk
        local = timezone.localtime(extension.closes_at)
        self.message_user(request, f"Школе {obj.school.quoted_name} продлён срок до {local:%d.%m.%Y %H:%M}.", messages.SUCCESS)


class AnswerInline(admin.TabularInline):
    model = Answer
    extra = 0
    fields = ["question", "value_bool", "value_number", "value_text", "value_date", "file_name", "deviation_flag", "review_comment"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Submission)
class SubmissionAdmin(admin.ModelAdmin):
    """Read-only: answers change through the curator's form and the review page, which keep the audit trail."""

    list_display = ["school", "round", "state", "updated_at", "submitted_at", "reviewed_by"]
    list_filter = ["round", "state"]
    search_fields = ["school__full_name"]
    inlines = [AnswerInline]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        # History is append-only: only a draft that was never sent for review may go (no bulk deletion at all).
        if obj is None or obj.submitted_at is not None or obj.state != Submission.State.DRAFT or obj.events.exists():
            return False
        return super().has_delete_permission(request, obj)


class HistoryAdmin(ReadOnlyAdmin):
    """Rows of history: read, never added, edited or deleted here."""


@admin.register(AnswerChange)
class AnswerChangeAdmin(HistoryAdmin):
    list_display = ["changed_at", "submission", "question", "old_value", "new_value", "user"]
    list_filter = ["submission__round"]
    search_fields = ["submission__school__full_name", "question__code"]
    list_select_related = ["submission__school", "submission__round", "question", "user"]


@admin.register(EvidenceFile)
class EvidenceFileAdmin(HistoryAdmin):
    list_display = ["uploaded_at", "file_name", "answer", "version", "replaced_at", "removed", "uploaded_by"]
    list_filter = ["removed", "answer__submission__round"]
    search_fields = ["answer__submission__school__full_name", "file_name"]
    list_select_related = ["answer__question", "uploaded_by"]


@admin.register(SubmissionEvent)
class SubmissionEventAdmin(HistoryAdmin):
    list_display = ["created_at", "submission", "action", "from_state", "to_state", "user"]
    list_filter = ["action", "submission__round"]
    search_fields = ["submission__school__full_name"]
    list_select_related = ["submission__school", "submission__round", "user"]


@admin.register(Reminder)
class ReminderAdmin(HistoryAdmin):
    list_display = ["sent_at", "round", "school", "email", "kind", "ok", "sent_by"]
    list_filter = ["round", "kind", "ok"]
    search_fields = ["school__full_name", "email"]
    list_select_related = ["round", "school", "sent_by"]


@admin.register(Notice)
class NoticeAdmin(HistoryAdmin):
    list_display = ["created_at", "recipient", "kind", "subject", "read_at", "email_state", "email_attempts", "email_sent_at"]
    list_filter = ["kind", "email_state"]
    search_fields = ["recipient__username", "recipient__last_name", "subject", "email"]
    list_select_related = ["recipient"]


@admin.register(NoticeDelivery)
class NoticeDeliveryAdmin(HistoryAdmin):
    list_display = ["attempted_at", "recipient", "kind", "email", "attempt", "outcome", "error"]
    list_filter = ["outcome", "kind"]
    search_fields = ["email", "recipient__username"]
    list_select_related = ["recipient"]


@admin.register(QuestionMessage)
class QuestionMessageAdmin(HistoryAdmin):
    list_display = ["created_at", "submission", "question", "kind", "author_name", "resolved_at"]
    list_filter = ["kind", "submission__round"]
    search_fields = ["submission__school__full_name", "text"]
    list_select_related = ["submission__school", "submission__round", "question"]


@admin.register(RoundEvent)
class RoundEventAdmin(HistoryAdmin):
    list_display = ["created_at", "round", "action", "user_name", "comment"]
    list_filter = ["action", "round"]
    list_select_related = ["round"]
