from captcha.fields import CaptchaField, CaptchaTextInput
from django import forms
from django.urls import reverse

from ipms.core.forms import BootstrapFormMixin
from ipms.core.phone import PHONE_REQUIRED, normalize_mobile, validate_mobile

from .services import (
    FEEDBACK_MAX_LENGTH,
    FEEDBACK_MIN_LENGTH,
    FEEDBACK_TOO_LONG,
    FEEDBACK_TOO_SHORT,
)


class CaptchaWidget(CaptchaTextInput):
    """The captcha image as a button that fetches a new challenge (content/captcha.js)."""

    template_name = "content/widgets/captcha.html"

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        context["refresh_url"] = reverse("captcha-refresh")
        return context


CAPTCHA_REQUIRED = "请填写验证码。"


class FeedbackForm(BootstrapFormMixin, forms.Form):
    """意见反馈: *内容, *手机, *验证码."""

    content = forms.CharField(
        label="内容",
        min_length=FEEDBACK_MIN_LENGTH,
        max_length=FEEDBACK_MAX_LENGTH,
        widget=forms.Textarea(
            attrs={"rows": 6, "placeholder": "请输入具体内容帮助我们了解您的意见与建议"}
        ),
        help_text=f"{FEEDBACK_MIN_LENGTH}-{FEEDBACK_MAX_LENGTH} 个字。",
        error_messages={
            "required": "请填写反馈内容。",
            "min_length": FEEDBACK_TOO_SHORT,
            "max_length": FEEDBACK_TOO_LONG,
        },
    )
    phone = forms.CharField(
        label="手机",
        max_length=20,
        widget=forms.TextInput(
            attrs={
                "placeholder": "请输入您的手机号码",
                "autocomplete": "tel",
                "inputmode": "tel",
            }
        ),
        error_messages={"required": PHONE_REQUIRED},
    )
    captcha = CaptchaField(
        label="验证码",
        widget=CaptchaWidget(),
        error_messages={
            "required": CAPTCHA_REQUIRED,
            "incomplete": CAPTCHA_REQUIRED,
            "invalid": "验证码不正确，请重新输入（已为您更换一张新的验证码）。",
        },
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Only the visible answer box, not the hidden key input beside it.
        answer = self.fields["captcha"].widget.widgets[1]
        answer.attrs.update({"placeholder": "输入验证码", "maxlength": 8, "inputmode": "text"})

    def clean_phone(self) -> str:
        phone = normalize_mobile(self.cleaned_data["phone"])
        validate_mobile(phone)
        return phone
