from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm

from ipms.core.admin import AuditedAdminMixin
from ipms.core.names import validate_person_name

from .models import User


class UserCreationForm(AdminUserCreationForm):
    class Meta:
        model = User
        fields = ("phone",)


class UserEditForm(UserChangeForm):
    class Meta:
        model = User
        # The 身份证 columns are not editable (editable=False), so they are not in the form:
        # operators can neither read nor change the number here.
        fields = "__all__"

    def clean_name(self) -> str:
        # The model field checks the length; the rest of the one 姓名 rule applies here too.
        name = self.cleaned_data["name"]
        validate_person_name(name)
        return name


@admin.register(User)
class UserAdmin(AuditedAdminMixin, BaseUserAdmin):
    form = UserEditForm
    add_form = UserCreationForm
    list_display = ("phone", "name", "is_active", "is_staff", "date_joined")
    list_filter = ("is_active", "is_staff", "is_superuser", "groups")
    search_fields = ("phone", "name")
    ordering = ("-date_joined",)
    readonly_fields = (
        "masked_id_number",
        "id_number_agreed_at",
        "agreement_version",
        "agreed_at",
        "last_login",
        "date_joined",
    )
    fieldsets = (
        (None, {"fields": ("phone", "password")}),
        ("个人信息", {"fields": ("name", "masked_id_number", "position", "province", "city")}),
        ("同意记录", {"fields": ("agreement_version", "agreed_at", "id_number_agreed_at")}),
        ("权限", {"fields": ("is_active", "is_staff", "is_superuser", "groups")}),
        ("时间", {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("phone", "password1", "password2")}),)
    filter_horizontal = ("groups",)

    @admin.display(description="身份证")
    def masked_id_number(self, obj: User) -> str:
        # Masked for everyone: the full number is shown only to its owner (个人设置).
        return obj.masked_id_number or "-"
