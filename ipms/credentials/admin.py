"""Operator console: every proof and certificate, read-only, and 撤销 with a reason
(product-rules §8). Revocation goes through ``services.credential_revoke`` (workflow,
history and audit row in one transaction)."""

from django import forms
from django.contrib import admin, messages
from django.template.response import TemplateResponse
from django.utils.html import format_html

from ipms.core.errors import DomainError
from ipms.core.workflow import REASON_MAX_LENGTH
from ipms.credentials import services
from ipms.credentials.messages import REVOKE_REASON_REQUIRED
from ipms.credentials.models import Credential


class RevokeForm(forms.Form):
    reason = forms.CharField(
        label="撤销原因",
        max_length=REASON_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": REVOKE_REASON_REQUIRED},
    )


@admin.register(Credential)
class CredentialAdmin(admin.ModelAdmin):
    list_display = ["number", "kind", "learner", "course", "enterprise", "status", "issued_at"]
    list_filter = ["kind", "status", "course"]
    search_fields = ["number", "user__phone", "user__name"]
    list_select_related = ["user", "course", "enterprise"]
    ordering = ["-issued_at"]
    actions = ["revoke"]
    readonly_fields = [
        "number",
        "kind",
        "user",
        "course",
        "enterprise",
        "proof",
        "status",
        "issued_at",
        "revoked_at",
        "revoked_reason",
        "content_hash",
        "key_id",
        "snapshot",
        "signed_credential",
        "verify_link",
    ]
    fields = readonly_fields

    @admin.display(description="学员")
    def learner(self, obj):
        return obj.snapshot.get("name") or obj.user

    @admin.display(description="证书查验")
    def verify_link(self, obj):
        from ipms.credentials.documents import verify_path

        return format_html('<a href="{}" target="_blank">{}</a>', verify_path(obj.number), "查看")

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description="撤销所选学习证明或证书", permissions=["change"])
    def revoke(self, request, queryset):
        form = RevokeForm(request.POST if "apply" in request.POST else None)
        if "apply" in request.POST and form.is_valid():
            done = 0
            for credential in queryset.filter(status=Credential.Status.VALID):
                try:
                    services.credential_revoke(
                        credential=credential,
                        reason=form.cleaned_data["reason"],
                        by=request.user,
                        request=request,
                    )
                except DomainError as error:
                    self.message_user(
                        request, f"{credential.number}：{error.message}", messages.ERROR
                    )
                else:
                    done += 1
            self.message_user(request, f"已撤销 {done} 份。", messages.SUCCESS)
            return None
        context = {
            **self.admin_site.each_context(request),
            "title": "撤销学习证明或证书",
            "form": form,
            "credentials": queryset,
            "opts": self.model._meta,
            "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, "credentials/admin/revoke.html", context)
