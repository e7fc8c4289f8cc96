"""Operator console for the portal content (product-rules §8), in Chinese.

Uploaded files are checked by the model fields' validators (type by extension and leading
bytes, size), which the admin's model forms run on every save.
"""

from django import forms
from django.contrib import admin, messages
from django.db.models import Count
from django.utils.html import format_html

from ipms.core.admin import AuditedAdminMixin

from . import services
from .models import LOCAL_NEEDS_REGION, Feedback, Lecturer, Material, Policy, PolicyAttachment

EXCERPT_LENGTH = 40


class PolicyAttachmentInline(admin.TabularInline):
    model = PolicyAttachment
    fields = ("title", "file", "order")
    extra = 1


class PolicyAdminForm(forms.ModelForm):
    source_url = forms.URLField(
        label=Policy._meta.get_field("source_url").verbose_name,
        required=False,
        assume_scheme="https",
        max_length=200,
    )

    class Meta:
        model = Policy
        fields = (
            "scope",
            "region",
            "title",
            "published_on",
            "is_published",
            "issuer",
            "document_number",
            "source_url",
            "body",
        )

    def clean(self):
        cleaned = super().clean()
        # The database constraint says the same; here the message lands on the field.
        if cleaned.get("scope") == Policy.Scope.LOCAL and not (cleaned.get("region") or "").strip():
            self.add_error("region", LOCAL_NEEDS_REGION)
        return cleaned


@admin.register(Policy)
class PolicyAdmin(AuditedAdminMixin, admin.ModelAdmin):
    form = PolicyAdminForm
    inlines = [PolicyAttachmentInline]
    list_display = (
        "title",
        "scope",
        "region",
        "published_on",
        "is_published",
        "attachment_count",
    )
    list_filter = ("scope", "region", "is_published")
    search_fields = ("title", "issuer", "document_number")
    date_hierarchy = "published_on"
    list_per_page = 50
    fieldsets = (
        (None, {"fields": ("scope", "region", "title", "published_on", "is_published")}),
        ("文件信息", {"fields": ("issuer", "document_number", "source_url")}),
        ("正文", {"fields": ("body",)}),
    )

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(_attachment_count=Count("attachments"))

    @admin.display(description="附件数", ordering="_attachment_count")
    def attachment_count(self, obj) -> int:
        return obj._attachment_count


@admin.register(Material)
class MaterialAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = ("title", "section", "organization", "published_on", "is_published")
    list_filter = ("section", "is_published")
    search_fields = ("title", "organization", "description")
    date_hierarchy = "published_on"
    list_per_page = 50
    fields = (
        "section",
        "title",
        "organization",
        "description",
        "file",
        "published_on",
        "is_published",
    )


@admin.register(Lecturer)
class LecturerAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = ("thumbnail", "name", "organization", "title", "order", "is_published")
    list_display_links = ("thumbnail", "name")
    list_editable = ("order",)
    list_filter = ("is_published",)
    search_fields = ("name", "organization", "title")
    fields = ("name", "organization", "title", "photo", "bio", "order", "is_published")

    @admin.display(description="照片")
    def thumbnail(self, obj):
        if not obj.photo:
            return "—"
        return format_html(
            '<img src="{}" alt="{}的照片" width="40" height="50" style="object-fit: cover">',
            obj.photo.url,
            obj.name,
        )


@admin.register(Feedback)
class FeedbackAdmin(AuditedAdminMixin, admin.ModelAdmin):
    """The feedback inbox: visitors write, operators read, note and mark handled."""

    list_display = ("excerpt", "phone", "submitted_at", "is_handled", "handled_by")
    list_filter = ("is_handled",)
    search_fields = ("content", "phone")
    date_hierarchy = "created_at"
    list_select_related = ("handled_by",)
    actions = ["mark_handled"]
    fields = (
        "content",
        "phone",
        "ip_address",
        "user",
        "created_at",
        "is_handled",
        "handled_at",
        "handled_by",
        "reply_note",
    )
    # What the visitor sent and who handled it are read-only; the operator writes a note.
    readonly_fields = tuple(name for name in fields if name != "reply_note")

    def has_add_permission(self, request):
        # Feedback comes from visitors through the portal form, never from the console.
        return False

    @admin.display(description="提交时间", ordering="created_at")
    def submitted_at(self, obj):
        return obj.created_at

    @admin.display(description="内容")
    def excerpt(self, obj) -> str:
        text = " ".join(obj.content.split())
        return text if len(text) <= EXCERPT_LENGTH else f"{text[:EXCERPT_LENGTH]}…"

    @admin.action(description="标记为已处理", permissions=["change"])
    def mark_handled(self, request, queryset):
        count = 0
        for feedback in queryset.filter(is_handled=False):
            services.feedback_mark_handled(feedback=feedback, user=request.user)
            count += 1
        if count:
            self.message_user(request, f"已将 {count} 条反馈标记为已处理。", messages.SUCCESS)
        else:
            self.message_user(request, "所选反馈都已处理过，没有需要标记的。", messages.INFO)
