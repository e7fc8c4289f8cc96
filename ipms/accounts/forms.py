from django import forms
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError

from ipms.core.forms import BootstrapFormMixin

from .lockout import ip_rate_exceeded
from .validators import normalize_mobile, validate_mobile


class _PhoneLoginMixin:
    """Phone-number login shared by the site and the console, with the per-IP cap."""

    ip_limited = False

    error_messages = {
        "invalid_login": "手机号或密码不正确。",
        "inactive": "该账号已停用。",
    }

    def clean_username(self) -> str:
        phone = normalize_mobile(self.cleaned_data["username"])
        validate_mobile(phone)
        return phone

    def clean(self):
        request = getattr(self, "request", None)
        if request is not None and request.method == "POST":
            message = ip_rate_exceeded(request)
            if message:
                self.ip_limited = True
                raise ValidationError(message, code="ip_rate")
        return super().clean()


class PhoneLoginForm(_PhoneLoginMixin, BootstrapFormMixin, AuthenticationForm):
    """手机号登录."""

    username = forms.CharField(
        label="手机号",
        max_length=20,
        widget=forms.TextInput(
            attrs={"autocomplete": "tel", "inputmode": "numeric", "placeholder": "填写手机号"}
        ),
    )
    password = forms.CharField(
        label="登录密码",
        strip=False,
        widget=forms.PasswordInput(
            attrs={"autocomplete": "current-password", "placeholder": "登录密码"}
        ),
    )


class ConsoleLoginForm(_PhoneLoginMixin, AdminAuthenticationForm):
    """The operator console's login: same phone handling and limits as the site."""

    username = forms.CharField(label="手机号", max_length=20)

    error_messages = {
        **_PhoneLoginMixin.error_messages,
        "invalid_login": "手机号或密码不正确;运营后台仅限平台运营人员登录。",
    }
