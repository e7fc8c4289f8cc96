"""The operator console for certification bodies, reviewers, the questionnaire and the
applications (read-only here: decisions belong to the bodies)."""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError

from ipms.core.admin import AuditedAdminMixin, ReadOnlyAdminMixin
from ipms.core.errors import DomainError

from . import services
from .models import Answer, Application, CertificationBody, Question, Reviewer


class ReviewerInline(admin.TabularInline):
    model = Reviewer
    fields = ("name", "user", "is_active")
    readonly_fields = ("name", "user")
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        # A reviewer needs an account: added on the 审核员 page.
        return False


@admin.register(CertificationBody)
class CertificationBodyAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = ("name", "is_active", "created_at")
    list_filter = ("is_active",)
    search_fields = ("name",)
    fields = ("name", "is_active")
    inlines = [ReviewerInline]

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser


class ReviewerAddForm(forms.ModelForm):
    phone = forms.CharField(label="手机号", max_length=11, help_text="审核员用此手机号登录。")
    password = forms.CharField(
        label="初始密码",
        required=False,
        widget=forms.PasswordInput(render_value=True),
        help_text="该手机号尚无账号时必填：至少8位，包含字母和数字。",
    )

    class Meta:
        model = Reviewer
        fields = ("body", "name", "is_active")

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            return cleaned
        try:
            # The console's add view runs in one transaction: the account and the
            # reviewer are created here so a refusal shows next to its field.
            self.reviewer = services.reviewer_create(
                body=cleaned["body"],
                phone=cleaned.get("phone", ""),
                name=cleaned.get("name", ""),
                password=cleaned.get("password") or None,
            )
        except DomainError as error:
            raise ValidationError({error.field or "phone": error.message}) from None
        except ValidationError as error:
            raise ValidationError(error.messages) from None
        return cleaned


@admin.register(Reviewer)
class ReviewerAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = ("name", "body", "user", "is_active", "created_at")
    list_filter = ("body", "is_active")
    search_fields = ("name", "user__phone", "body__name")
    list_select_related = ("body", "user")
    fields = ("body", "name", "user", "is_active")
    readonly_fields = ("user",)

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is None:
            kwargs["form"] = ReviewerAddForm
            kwargs["fields"] = ("body", "name", "phone", "password", "is_active")
        return super().get_form(request, obj, change=change, **kwargs)

    def get_fields(self, request, obj=None):
        if obj is None:
            return ("body", "name", "phone", "password", "is_active")
        return self.fields

    def get_readonly_fields(self, request, obj=None):
        return () if obj is None else self.readonly_fields

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)
            return
        # reviewer_create ran in the form's clean (the admin's transaction); keep its
        # row and apply the form's 启用.
        reviewer = form.reviewer
        reviewer.is_active = form.cleaned_data.get("is_active", True)
        reviewer.save(update_fields=["is_active"])
        obj.pk = reviewer.pk
        obj.user = reviewer.user
        obj.created_at, obj.updated_at = reviewer.created_at, reviewer.updated_at

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Question)
class QuestionAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = ("text", "kind", "required", "order", "is_active")
    list_editable = ("order", "is_active")
    list_filter = ("kind", "is_active")


class AnswerInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = Answer
    fields = ("question_text", "value")
    readonly_fields = fields
    extra = 0


@admin.register(Application)
class ApplicationAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = (
        "enterprise",
        "body",
        "status",
        "certificate_number",
        "submitted_at",
        "updated_at",
    )
    list_filter = ("status", "body")
    search_fields = ("enterprise__name", "certificate_number")
    list_select_related = ("enterprise", "body")
    date_hierarchy = "submitted_at"
    list_per_page = 50
    fields = (
        "enterprise",
        "body",
        "status",
        "certificate_number",
        "submitted_by",
        "submitted_at",
        "reviewed_by",
        "decided_at",
        "reason",
        "updated_at",
    )
    readonly_fields = fields
    inlines = [AnswerInline]
