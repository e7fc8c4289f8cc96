"""Console pages for the audit log and the state history: operators read them, nobody
changes them.

No add, change or delete permission exists for the model (``default_permissions``), and
the admin refuses them to superusers too; the 平台运营 group holds the view permission.
"""

from __future__ import annotations

import json

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.utils.html import format_html

from .audit import audit_record, mask_text
from .audit_actions import action_choices, action_label
from .models import AuditLog, StateTransition


class ReadOnlyAdminMixin:
    """Viewing only, for everyone (append-only records)."""

    actions = None

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


def change_summary(message) -> dict:
    """What the console's change message says changed, by field *name* only.

    Django's message lists the labels of changed fields and, for inlines, the related
    object's name and text (``"object": str(obj)``), which may be a person's name: only
    the model names of related rows are kept.
    """
    if isinstance(message, str):
        return {"message": mask_text(message)[:100]} if message else {}
    fields: list[str] = []
    related: list[dict] = []
    for item in message or []:
        for op, data in item.items():
            if "name" in data:
                related.append({"op": op, "model": str(data["name"])})
                fields.extend(f"{data['name']}.{name}" for name in data.get("fields", []))
            else:
                fields.extend(str(name) for name in data.get("fields", []))
    return {"fields": fields, **({"related": related} if related else {})}


class AuditedAdminMixin:
    """Console edits leave audit rows: ``console.add`` / ``console.change`` /
    ``console.delete`` with the model, the object and the changed field names (never
    their values), in the transaction of the edit. ``audit_enterprise_attr`` names the
    attribute holding the enterprise id the row is filed under (e.g. ``"enterprise_id"``).
    """

    audit_enterprise_attr: str | None = None

    def _audit(self, request, action: str, obj, details: dict) -> None:
        attr = self.audit_enterprise_attr
        audit_record(
            action=action,
            actor=request.user,
            enterprise_id=getattr(obj, attr) if attr else None,
            obj=obj,
            details={"model": obj._meta.label_lower, **details},
            request=request,
        )

    def log_addition(self, request, obj, message):
        entry = super().log_addition(request, obj, message)
        self._audit(request, "console.add", obj, change_summary(message))
        return entry

    def log_change(self, request, obj, message):
        entry = super().log_change(request, obj, message)
        self._audit(request, "console.change", obj, change_summary(message))
        return entry

    def log_deletions(self, request, queryset):
        entries = super().log_deletions(request, queryset)
        for obj in queryset:
            self._audit(request, "console.delete", obj, {})
        return entries


class InputFilter(admin.SimpleListFilter):
    """A list filter typed into a box (values too many to list as links)."""

    template = "admin/core/input_filter.html"

    def lookups(self, request, model_admin):
        return ()

    def has_output(self) -> bool:
        return True

    def choices(self, changelist):
        keep = [
            (key, value)
            for key, values in changelist.params.items()
            if key not in {self.parameter_name, "p"}
            for value in (values if isinstance(values, list) else [values])
        ]
        yield {
            "parameter_name": self.parameter_name,
            "value": self.value(),
            "keep": keep,
            "clear_query_string": changelist.get_query_string(remove=[self.parameter_name]),
        }


class EnterpriseIdFilter(InputFilter):
    title = "企业编号"
    parameter_name = "enterprise_id"

    def queryset(self, request, queryset):
        value = (self.value() or "").strip()
        if not value:
            return queryset
        if not value.isdigit() or len(value) > 18:
            return queryset.none()
        return queryset.filter(enterprise_id=int(value))


class ActionFilter(admin.SimpleListFilter):
    title = "操作"
    parameter_name = "action"

    def lookups(self, request, model_admin):
        return action_choices()

    def queryset(self, request, queryset):
        value = self.value()
        return queryset.filter(action=value) if value else queryset


@admin.register(AuditLog)
class AuditLogAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = (
        "at",
        "action_name",
        "actor_display",
        "role",
        "enterprise_id",
        "object_display",
        "ip_address",
    )
    list_filter = (ActionFilter, "role", EnterpriseIdFilter)
    date_hierarchy = "at"
    search_fields = (f"actor__{get_user_model().USERNAME_FIELD}", "actor_label", "=object_id")
    search_help_text = "按操作人手机号或对象编号搜索。"
    list_select_related = ("actor",)
    list_per_page = 50
    # Counting a large log on every page costs more than the page itself.
    show_full_result_count = False
    fields = (
        "at",
        "action_name",
        "actor_display",
        "role",
        "enterprise_id",
        "object_type",
        "object_id",
        "ip_address",
        "details_pretty",
    )
    readonly_fields = fields

    @admin.display(description="操作", ordering="action")
    def action_name(self, obj: AuditLog) -> str:
        return action_label(obj.action)

    @admin.display(description="操作人")
    def actor_display(self, obj: AuditLog) -> str:
        if obj.actor_id is None:
            return "—"
        name = getattr(obj.actor, "name", "") or ""
        return f"{name} {obj.actor_label}".strip()

    @admin.display(description="对象")
    def object_display(self, obj: AuditLog) -> str:
        if not obj.object_type:
            return "—"
        return f"{obj.object_type} #{obj.object_id}"

    @admin.display(description="详情")
    def details_pretty(self, obj: AuditLog) -> str:
        text = json.dumps(obj.details, ensure_ascii=False, indent=2, sort_keys=True)
        return format_html("<pre>{}</pre>", text)


@admin.register(StateTransition)
class StateTransitionAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("at", "object_type", "object_id", "from_name", "to_name", "actor_name")
    list_filter = ("object_type",)
    date_hierarchy = "at"
    search_fields = ("=object_id",)
    search_help_text = "按对象编号搜索。"
    list_select_related = ("actor",)
    list_per_page = 50
    show_full_result_count = False
    fields = (
        "at",
        "object_type",
        "object_id",
        "field",
        "from_name",
        "to_name",
        "actor_name",
        "reason",
    )
    readonly_fields = fields

    @admin.display(description="原状态")
    def from_name(self, obj: StateTransition) -> str:
        return obj.from_label

    @admin.display(description="新状态")
    def to_name(self, obj: StateTransition) -> str:
        return obj.to_label

    @admin.display(description="操作人")
    def actor_name(self, obj: StateTransition) -> str:
        return str(obj.actor) if obj.actor_id else "系统"
