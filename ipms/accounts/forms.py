import re

from django import forms
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.urls import reverse

from ipms.core import regions
from ipms.core.forms import BootstrapFormMixin, apply_required_messages
from ipms.core.names import PersonNameField
from ipms.core.phone import (
    PHONE_INVALID,
    PHONE_REQUIRED,
    clean_mobile,
    normalize_mobile,
    validate_mobile,
)
from ipms.core.slider import SliderError, SliderField, slider_verify_pass

from . import limits, services
from .idcard import MSG_LENGTH as ID_NUMBER_LENGTH
from .idcard import parse_id_number
from .lockout import LOGIN_SLIDER_NOTICE, login_failed, login_needs_slider, login_refused
from .models import Position, SmsCodePurpose, User
from .sms import CODE_FORMAT

# The slider pass that 获取验证码 spends (one scope for every SMS purpose).
SMS_SLIDER_SCOPE = "sms"


# The slider pass the login form asks for after failed logins from one address.
LOGIN_SLIDER_SCOPE = "login"
CONSOLE_NEEDS_SLIDER = (
    "当前网络登录失败次数较多，请在平台登录页完成滑块验证并登录后，再进入运营后台。"
)


class _PhoneLoginMixin:
    """Phone-number login shared by the site and the console, with the per-address checks.

    Failed logins from the client's address (ipms.accounts.lockout) first bring the slider
    check: the form then has a ``slider`` field, and no password is tried without a pass.
    Many more refuse the address (``ip_limited``, a 429). Successful logins never count.
    """

    ip_limited = False
    needs_slider = False
    slider_notice = LOGIN_SLIDER_NOTICE
    # The console's page (Django's admin template) has no slider: it sends operators to
    # the site's login page instead.
    offers_slider = True

    error_messages = {
        "invalid_login": "手机号或密码不正确。",
        "inactive": "该账号已停用。",
    }

    def __init__(self, request=None, *args, **kwargs):
        super().__init__(request, *args, **kwargs)
        if request is not None and login_needs_slider(request):
            self._ask_for_slider()

    def _ask_for_slider(self) -> None:
        self.needs_slider = True
        if self.offers_slider and "slider" not in self.fields:
            self.fields["slider"] = SliderField(scope=LOGIN_SLIDER_SCOPE)

    def clean_username(self) -> str:
        phone = normalize_mobile(self.cleaned_data["username"])
        validate_mobile(phone)
        return phone

    def clean(self):
        request = getattr(self, "request", None)
        if request is None or request.method != "POST":
            return super().clean()
        refused = login_refused(request)
        if refused:
            self.ip_limited = True
            raise ValidationError(refused, code="ip_rate")
        if self.needs_slider and not self.offers_slider:
            raise ValidationError(CONSOLE_NEEDS_SLIDER, code="slider")
        if self.needs_slider and not self.cleaned_data.get("slider"):
            return self.cleaned_data  # the slider's own error says what to do
        try:
            return super().clean()
        except ValidationError as error:
            if error.code == "invalid_login" and login_failed(request):
                self._ask_for_slider()  # the re-displayed form shows it
            raise


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
    offers_slider = False

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        apply_required_messages(self.fields)  # the console keeps Django's look, not Bootstrap

    error_messages = {
        **_PhoneLoginMixin.error_messages,
        "invalid_login": "手机号或密码不正确；运营后台仅限平台运营人员登录。",
    }


# --- account pages (product-rules §3) ---------------------------------------------------------

PASSWORD_MAX_LENGTH = 128
POLICY_HELP = "至少8位，须同时包含字母和数字，不能是常见密码；最长128位，可以使用长短语。"
MISMATCH_MESSAGE = "两次输入的密码不一致。"
WRONG_CURRENT_MESSAGE = "当前密码不正确。"
CHOOSE_FROM_LIST = "请从列表中选择。"
NEW_LOGIN_HINT = "登录密码（至少8位，且含字母数字结合）"
CODE_HELP = "先完成滑块验证，再点“获取验证码”；验证码5分钟内有效。"
EMPTY_CITY = ("", "请选择城市")


def _text(placeholder: str, **attrs) -> forms.TextInput:
    return forms.TextInput(attrs={"placeholder": placeholder, **attrs})


class PhoneField(forms.CharField):
    """A mainland mobile number, typed with spaces, dashes or +86 as people do."""

    default_error_messages = {"required": PHONE_REQUIRED}

    def __init__(self, **kwargs):
        kwargs.setdefault("label", "手机号")
        kwargs.setdefault("max_length", 20)
        kwargs.setdefault(
            "widget",
            _text("请输入手机号", autocomplete="tel", inputmode="numeric"),
        )
        super().__init__(**kwargs)
        self.error_messages["max_length"] = PHONE_INVALID

    def clean(self, value):
        value = super().clean(value)
        if value in self.empty_values:
            return value
        return clean_mobile(value)


class SmsCodeField(forms.CharField):
    """短信验证码: 6 digits; a malformed entry never reaches (or spends) the stored code."""

    default_error_messages = {"required": "请填写短信验证码。"}

    def __init__(self, **kwargs):
        kwargs.setdefault("label", "短信验证码")
        kwargs.setdefault("max_length", 12)
        kwargs.setdefault(
            "widget",
            _text(
                "6位数字验证码",
                autocomplete="one-time-code",
                inputmode="numeric",
                maxlength="6",
            ),
        )
        super().__init__(**kwargs)
        self.error_messages["max_length"] = CODE_FORMAT

    def clean(self, value):
        value = super().clean(value)
        if value in self.empty_values:
            return value
        code = re.sub(r"\s", "", value)
        if not re.fullmatch(r"\d{6}", code):
            raise ValidationError(CODE_FORMAT, code="code_format")
        return code


def new_password_field(label: str, placeholder: str, *, help_text: str = "") -> forms.CharField:
    field = forms.CharField(
        label=label,
        strip=False,
        max_length=PASSWORD_MAX_LENGTH,
        help_text=help_text,
        widget=forms.PasswordInput(
            attrs={"autocomplete": "new-password", "placeholder": placeholder}
        ),
    )
    field.error_messages.update(
        {
            "required": f"请填写{label}。",
            "max_length": f"密码不能超过{PASSWORD_MAX_LENGTH}个字符。",
        }
    )
    return field


def current_password_field() -> forms.CharField:
    field = forms.CharField(
        label="当前密码",
        strip=False,
        max_length=PASSWORD_MAX_LENGTH,
        widget=forms.PasswordInput(
            attrs={"autocomplete": "current-password", "placeholder": "输入您的当前密码"}
        ),
    )
    field.error_messages.update(
        {"required": "请填写当前密码。", "max_length": WRONG_CURRENT_MESSAGE}
    )
    return field


def agree_field() -> forms.BooleanField:
    return forms.BooleanField(
        label="我已阅读并同意《用户协议》",
        required=True,
        error_messages={"required": services.AGREEMENT_REQUIRED},
    )


def _choice(label: str, choices, empty: str, *, required: bool = False) -> forms.ChoiceField:
    return forms.ChoiceField(
        label=label,
        choices=[("", empty), *choices],
        required=required,
        error_messages={"required": empty + "。", "invalid_choice": CHOOSE_FROM_LIST},
    )


def _check_password_policy(form: forms.Form, field: str, phone: str = "") -> None:
    password = form.cleaned_data.get(field)
    if not password:
        return
    try:
        validate_password(password, user=User(phone=phone or ""))
    except ValidationError as error:
        form.add_error(field, error)


class PersonalRegisterForm(BootstrapFormMixin, forms.Form):
    """个人注册: phone, SMS code (sent through SmsSendForm), password, consent."""

    phone = PhoneField()
    code = SmsCodeField(help_text=CODE_HELP)
    password = new_password_field("登录密码", NEW_LOGIN_HINT, help_text=POLICY_HELP)
    agree = agree_field()

    def clean(self):
        cleaned = super().clean()
        _check_password_policy(self, "password", cleaned.get("phone", ""))
        return cleaned


class SmsSendForm(forms.Form):
    """获取验证码: a slider pass is spent on each request (stops SMS pumping by script)."""

    PURPOSES = (
        SmsCodePurpose.REGISTER,
        SmsCodePurpose.RESET_PASSWORD,
        SmsCodePurpose.CHANGE_PHONE,
    )

    phone = PhoneField()
    purpose = forms.ChoiceField(
        choices=[(p.value, p.label) for p in PURPOSES],
        error_messages={"required": "请求无效。", "invalid_choice": "请求无效。"},
    )
    # Checked in clean(), after the phone: a mistyped number does not spend the pass.
    slider = forms.CharField(required=False)

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user if user is not None and user.is_authenticated else None

    def clean(self):
        cleaned = super().clean()
        if (
            self.user is not None
            and cleaned.get("purpose") == SmsCodePurpose.CHANGE_PHONE
            and cleaned.get("phone") == self.user.phone
        ):
            self.add_error("phone", services.PHONE_UNCHANGED)
        if self.errors:
            return cleaned
        try:
            slider_verify_pass(cleaned.get("slider") or "", scope=SMS_SLIDER_SCOPE)
        except SliderError as error:
            self.add_error("slider", error.message)
        return cleaned


class PasswordResetForm(BootstrapFormMixin, forms.Form):
    """找回密码: phone, SMS code, new password twice."""

    phone = PhoneField()
    code = SmsCodeField(help_text=CODE_HELP)
    new_password1 = new_password_field("新密码", "新的登录密码", help_text=POLICY_HELP)
    new_password2 = new_password_field("确认新密码", "请再输入一遍新密码")

    def clean(self):
        cleaned = super().clean()
        one, two = cleaned.get("new_password1"), cleaned.get("new_password2")
        if one and two and one != two:
            self.add_error("new_password2", MISMATCH_MESSAGE)
        elif one:
            _check_password_policy(self, "new_password1", cleaned.get("phone", ""))
        return cleaned


class ProfileForm(BootstrapFormMixin, forms.Form):
    """个人资料. The 身份证 input starts empty: the stored number is shown masked and
    only replaced when a new one is typed (it is never sent back to the browser)."""

    name = PersonNameField(required=False, widget=_text("请填写姓名", autocomplete="name"))
    id_number = forms.CharField(
        label="身份证",
        max_length=30,
        required=False,
        widget=_text("请输入18位身份证号码", autocomplete="off", spellcheck="false"),
        error_messages={"max_length": ID_NUMBER_LENGTH},
    )
    id_number_consent = forms.BooleanField(
        label="我单独同意平台为生成学习证明和证书、供认证机构核验之目的，加密保存并使用我的身份证号码。",
        required=False,
    )
    clear_id_number = forms.BooleanField(label="删除已登记的身份证号码", required=False)
    position = _choice("职位", Position.choices, "请选择职位")
    province = _choice("省份", regions.province_choices(), "请选择省份")
    position.error_messages["invalid_choice"] = services.POSITION_INVALID
    province.error_messages["invalid_choice"] = regions.PROVINCE_INVALID
    city = forms.CharField(
        label="城市",
        required=False,
        max_length=6,
        widget=forms.Select(),
        error_messages={"max_length": regions.CITY_INVALID},
    )

    def __init__(self, *args, user: User, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        province = self.data.get("province") if self.is_bound else self.initial.get("province")
        if not regions.is_province(province or ""):
            province = ""
        self.fields["city"].widget.choices = [EMPTY_CITY, *regions.city_choices(province)]
        self.fields["province"].widget.attrs.update(
            {
                "hx-get": reverse("core:city_options"),
                "hx-target": "#id_city",
                "hx-trigger": "change",
                "hx-swap": "innerHTML",
                "aria-controls": "id_city",
            }
        )
        if user.has_id_number:
            self.fields[
                "id_number"
            ].help_text = (
                f"已登记：{user.masked_id_number}。如需修改，请输入新的号码；留空则保持不变。"
            )
            self.fields["id_number"].widget.attrs["placeholder"] = "输入新的18位身份证号码"
        else:
            del self.fields["clear_id_number"]

    def clean_id_number(self):
        value = self.cleaned_data.get("id_number") or ""
        if not value.strip():
            return ""
        try:
            return parse_id_number(value).number
        except ValidationError as error:
            raise ValidationError(error.messages[0], code=error.code) from None

    def clean(self):
        cleaned = super().clean()
        if "province" in self.errors:
            return cleaned
        region_error = regions.region_error(cleaned.get("province"), cleaned.get("city"))
        if region_error is not None:
            self.add_error(*region_error)
        if cleaned.get("clear_id_number") and cleaned.get("id_number"):
            self.add_error("clear_id_number", "删除身份证号码时请不要同时填写新号码。")
        return cleaned


class PasswordChangeForm(BootstrapFormMixin, forms.Form):
    """密码修改: current, new, confirm."""

    old_password = current_password_field()
    new_password1 = new_password_field(
        "新密码", "登录密码，至少8位，且含字母数字结合", help_text=POLICY_HELP
    )
    new_password2 = new_password_field("密码确认", "登录密码，请再输入一遍")

    def __init__(self, *args, user: User, request=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.request = request

    def clean_old_password(self):
        return check_current_password(self, self.cleaned_data.get("old_password", ""))

    def clean(self):
        cleaned = super().clean()
        one, two = cleaned.get("new_password1"), cleaned.get("new_password2")
        if one and two and one != two:
            self.add_error("new_password2", MISMATCH_MESSAGE)
        elif one:
            if cleaned.get("old_password") and one == cleaned["old_password"]:
                self.add_error("new_password1", "新密码不能与当前密码相同。")
            else:
                _check_password_policy(self, "new_password1", self.user.phone)
        return cleaned


class PhoneChangeForm(BootstrapFormMixin, forms.Form):
    """更换手机: the new number, the SMS code sent to it, and the current password."""

    phone = PhoneField(
        label="新手机号", widget=_text("请输入新的手机号", autocomplete="tel", inputmode="numeric")
    )
    code = SmsCodeField(help_text="验证码发送到新手机号。" + CODE_HELP)
    password = current_password_field()

    def __init__(self, *args, user: User, request=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.request = request

    def clean_phone(self):
        phone = self.cleaned_data.get("phone")
        if phone and phone == self.user.phone:
            raise ValidationError(services.PHONE_UNCHANGED, code="unchanged")
        return phone

    def clean_password(self):
        return check_current_password(self, self.cleaned_data.get("password", ""))


def check_current_password(form, password: str) -> str:
    """The current-password check of 密码修改 and 更换手机, limited per user."""
    request = form.request
    if request is not None:
        refused = limits.password_check_refused(request)
        if refused:
            raise ValidationError(refused, code="rate")
    if not form.user.check_password(password):
        refused = limits.password_check_failed(request) if request is not None else None
        raise ValidationError(refused or WRONG_CURRENT_MESSAGE, code="wrong_password")
    return password
