from django import forms
from django.contrib.auth.forms import AuthenticationForm

from ipms.core.forms import BootstrapFormMixin

from .validators import normalize_mobile, validate_mobile


class PhoneLoginForm(BootstrapFormMixin, AuthenticationForm):
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

    error_messages = {
        "invalid_login": "手机号或密码不正确。",
        "inactive": "该账号已停用。",
    }

    def clean_username(self) -> str:
        phone = normalize_mobile(self.cleaned_data["username"])
        validate_mobile(phone)
        return phone
