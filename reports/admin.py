from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html, format_html_join

from .documents import TEMPLATE_PLACEHOLDERS
from .models import DocumentTemplate


@admin.register(DocumentTemplate)
class DocumentTemplateAdmin(admin.ModelAdmin):
    list_display = ["kind", "updated_at", "updated_by"]
    readonly_fields = ["placeholders", "defaults", "updated_by"]
    fields = ["kind", "defaults", "file", "placeholders", "updated_by"]

    @admin.display(description="шаблоны по умолчанию")
    def defaults(self, obj):
        return format_html_join(
            " · ",
            '<a href="{}">{}</a>',
            ((reverse("reports:document-template-default", args=[kind]), label) for kind, label in DocumentTemplate.Kind.choices),
        )

    @admin.display(description="поля шаблона")
    def placeholders(self, obj):
        return format_html("<ul>{}</ul>", format_html_join("", "<li><code>{{{{ {} }}}}</code> — {}</li>", TEMPLATE_PLACEHOLDERS.items()))

    def save_model(self, request, obj, form, change):
        obj.updated_by = request.user
        super().save_model(request, obj, form, change)
