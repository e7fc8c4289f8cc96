"""Operator console for enterprises and their members (product-rules §8), in Chinese.

Operators may correct an enterprise's registration data (the model's validators and
constraints run on save). Members and invitations are read-only here: they change only
through the enterprise admin's pages, whose services enforce the one-enterprise rule and
the invitation life cycle. Invitation token hashes are never shown. Deleting an
enterprise (and with it its member history) is left to superusers.
"""

from django import forms
from django.contrib import admin
from django.db.models import Count, Q

from ipms.core.admin import AuditedAdminMixin

from .models import Enterprise, Invitation, Membership
from .validators import validate_enterprise_name


class ReadOnlyInlineMixin:
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class MembershipInline(ReadOnlyInlineMixin, admin.TabularInline):
    model = Membership
    fields = ("phone", "name", "position", "role", "status", "verified_at", "removed_at")
    readonly_fields = fields
    ordering = ("-role", "created_at")


class InvitationInline(ReadOnlyInlineMixin, admin.TabularInline):
    model = Invitation
    fields = ("created_at", "created_by", "expires_at", "used_at", "used_by", "revoked_at")
    readonly_fields = fields
    show_change_link = False


class EnterpriseAdminForm(forms.ModelForm):
    class Meta:
        model = Enterprise
        fields = ("name", "credit_code", "address", "scale", "industry", "type")

    def clean_name(self) -> str:
        # The name goes into invitation SMS: the registration rule holds here too.
        name = self.cleaned_data["name"]
        validate_enterprise_name(name)
        return name


@admin.register(Enterprise)
class EnterpriseAdmin(AuditedAdminMixin, admin.ModelAdmin):
    form = EnterpriseAdminForm
    audit_enterprise_attr = "pk"
    list_display = (
        "name",
        "credit_code",
        "member_count",
        "pending_count",
        "profile_complete",
        "created_at",
    )
    list_filter = ("scale", "industry", "type")
    search_fields = ("name", "credit_code")
    date_hierarchy = "created_at"
    list_per_page = 50
    fieldsets = (
        (None, {"fields": ("name", "credit_code")}),
        ("更多企业信息", {"fields": ("address", "scale", "industry", "type")}),
        ("记录", {"fields": ("created_by", "created_at", "updated_at")}),
    )
    readonly_fields = ("created_by", "created_at", "updated_at")
    inlines = [MembershipInline]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(
                _members=Count("memberships", filter=Q(memberships__status="verified")),
                _pending=Count("memberships", filter=Q(memberships__status="pending")),
            )
        )

    def has_add_permission(self, request):
        # An enterprise is born with its admin through 企业注册, never in the console.
        return False

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser

    @admin.display(description="已验证成员", ordering="_members")
    def member_count(self, obj) -> int:
        return obj._members

    @admin.display(description="待验证成员", ordering="_pending")
    def pending_count(self, obj) -> int:
        return obj._pending

    @admin.display(description="企业信息完整", boolean=True)
    def profile_complete(self, obj) -> bool:
        return obj.is_profile_complete


@admin.register(Membership)
class MembershipAdmin(AuditedAdminMixin, admin.ModelAdmin):
    audit_enterprise_attr = "enterprise_id"
    list_display = (
        "phone",
        "name",
        "enterprise",
        "position",
        "region",
        "role",
        "status",
        "created_at",
    )
    list_filter = ("status", "role", "position")
    search_fields = ("phone", "name", "enterprise__name", "enterprise__credit_code")
    list_select_related = ("enterprise", "user")
    list_per_page = 50
    fields = (
        "enterprise",
        "user",
        "phone",
        "name",
        "position",
        "region",
        "role",
        "status",
        "invited_by",
        "verified_at",
        "removed_at",
        "removed_by",
        "created_at",
        "updated_at",
    )
    readonly_fields = fields
    inlines = [InvitationInline]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        # Viewing is allowed through the view permission; nothing here is edited in place.
        return False

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser

    @admin.display(description="省份/城市")
    def region(self, obj) -> str:
        names = [obj.province_name, obj.city_name]
        return " / ".join(dict.fromkeys(name for name in names if name)) or "—"
