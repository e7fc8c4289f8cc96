"""Forms of the enterprise admin pages and the 账号激活 page.

Forms check what a user typed and say what is wrong next to the field; the services
decide (and re-check) the rules. A ``DomainError`` from a service lands on the field it
names through :func:`add_domain_error`.
"""

from __future__ import annotations

from django import forms
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.urls import reverse

from ipms.accounts.forms import (
    CHOOSE_FROM_LIST,
    CODE_HELP,
    MISMATCH_MESSAGE,
    NEW_LOGIN_HINT,
    POLICY_HELP,
    PhoneField,
    SmsCodeField,
    agree_field,
    new_password_field,
)
from ipms.accounts.models import User
from ipms.accounts.services import AGREEMENT_REQUIRED
from ipms.core import regions
from ipms.core.errors import DomainError
from ipms.core.files import FILE_EMPTY
from ipms.core.forms import BootstrapFormMixin
from ipms.core.names import PersonNameField
from ipms.core.phone import PHONE_INVALID, PHONE_REQUIRED, clean_mobile
from ipms.core.slider import SliderField

from .imports import validate_import_file
from .messages import POSITION_INVALID
from .models import (
    CreditCodeFormField,
    Enterprise,
    Membership,
)
from .validators import ENTERPRISE_NAME_MAX_LENGTH, validate_enterprise_name
from .validators import MSG_REQUIRED as MSG_CREDIT_CODE_REQUIRED

MSG_PHONE_REQUIRED = PHONE_REQUIRED
SLIDER_AGAIN = "请重新拖动滑块。"
MSG_POSITION_REQUIRED = POSITION_INVALID
MSG_NAME_REQUIRED = "请填写姓名。"
MSG_MISMATCH = MISMATCH_MESSAGE
MSG_AGREEMENT_REQUIRED = AGREEMENT_REQUIRED
MSG_FILE_REQUIRED = "请选择要上传的Excel文件。"
MSG_CHOOSE_FROM_LIST = CHOOSE_FROM_LIST
MSG_COMPANY_NAME_REQUIRED = "请填写公司名称。"
MSG_SCALE_REQUIRED = "请选择企业规模。"
MSG_INDUSTRY_REQUIRED = "请选择企业所属行业。"
MSG_TYPE_REQUIRED = "请选择企业类型。"


def add_domain_error(form: forms.Form, error: DomainError, *, fields: dict | None = None) -> None:
    """Show a service's refusal next to its field (mapped through ``fields``), else on top."""
    field = (fields or {}).get(error.field, error.field)
    form.add_error(field if field in form.fields else None, error.message)


def _choices(placeholder: str, choices) -> list[tuple[str, str]]:
    return [("", placeholder), *choices]


class EnterpriseProfileForm(BootstrapFormMixin, forms.Form):
    """企业信息: the registration fields, all needed for a complete profile."""

    name = forms.CharField(
        label="公司名称",
        validators=[validate_enterprise_name],
        error_messages={"required": MSG_COMPANY_NAME_REQUIRED},
        help_text="与营业执照上的企业名称一致。",
        widget=forms.TextInput(
            attrs={
                "placeholder": "请填写公司名称（营业执照上的企业名）",
                "maxlength": ENTERPRISE_NAME_MAX_LENGTH,
            }
        ),
    )
    credit_code = CreditCodeFormField(
        label="营业执照注册号/统一社会信用代码",
        max_length=18,
        error_messages={"required": MSG_CREDIT_CODE_REQUIRED},
        widget=forms.TextInput(
            attrs={"placeholder": "请填写15位营业执照注册号或18位统一社会信用代码"}
        ),
    )
    address = forms.CharField(
        label="企业实际经营地址",
        max_length=200,
        error_messages={"required": "请填写企业实际经营地址。"},
        widget=forms.TextInput(attrs={"placeholder": "请填写企业实际经营地址"}),
    )
    scale = forms.ChoiceField(
        label="企业规模",
        choices=_choices("请选择企业规模", Enterprise.Scale.choices),
        error_messages={"required": MSG_SCALE_REQUIRED, "invalid_choice": MSG_SCALE_REQUIRED},
    )
    industry = forms.ChoiceField(
        label="企业所属行业",
        choices=_choices("请选择企业所属行业", Enterprise.Industry.choices),
        error_messages={"required": MSG_INDUSTRY_REQUIRED, "invalid_choice": MSG_INDUSTRY_REQUIRED},
    )
    type = forms.ChoiceField(
        label="企业类型",
        choices=_choices("请选择企业类型", Enterprise.Type.choices),
        error_messages={"required": MSG_TYPE_REQUIRED, "invalid_choice": MSG_TYPE_REQUIRED},
    )

    @classmethod
    def initial_for(cls, enterprise: Enterprise) -> dict[str, str]:
        return {name: getattr(enterprise, name) for name in cls.base_fields}


class EnterpriseRegisterForm(BootstrapFormMixin, forms.Form):
    """企业注册. A signed-in user registers with their own account: no phone or password."""

    name = forms.CharField(
        label="公司名称",
        validators=[validate_enterprise_name],
        widget=forms.TextInput(
            attrs={
                "placeholder": "请填写公司名称（营业执照上的企业名）",
                "autocomplete": "organization",
                "maxlength": ENTERPRISE_NAME_MAX_LENGTH,
            }
        ),
        error_messages={"required": MSG_COMPANY_NAME_REQUIRED},
    )
    credit_code = CreditCodeFormField(
        label="营业执照注册号/统一社会信用代码",
        max_length=None,
        widget=forms.TextInput(
            attrs={
                "placeholder": "请填写15位营业执照注册号或18位统一社会信用代码",
                "maxlength": "30",
            }
        ),
        error_messages={"required": MSG_CREDIT_CODE_REQUIRED},
    )
    address = forms.CharField(
        label="企业实际经营地址",
        max_length=200,
        required=False,
        widget=forms.TextInput(
            attrs={"placeholder": "请填写企业实际经营地址", "autocomplete": "street-address"}
        ),
        error_messages={"max_length": "地址不能超过200个字符。"},
    )
    scale = forms.ChoiceField(
        label="企业规模",
        required=False,
        choices=_choices("请选择企业规模", Enterprise.Scale.choices),
        error_messages={"invalid_choice": MSG_CHOOSE_FROM_LIST},
    )
    industry = forms.ChoiceField(
        label="企业所属行业",
        required=False,
        choices=_choices("请选择企业所属行业", Enterprise.Industry.choices),
        error_messages={"invalid_choice": MSG_CHOOSE_FROM_LIST},
    )
    type = forms.ChoiceField(
        label="企业类型",
        required=False,
        choices=_choices("请选择企业类型", Enterprise.Type.choices),
        error_messages={"invalid_choice": MSG_CHOOSE_FROM_LIST},
    )
    phone = PhoneField(label="管理员手机号")
    code = SmsCodeField(help_text=CODE_HELP)
    password = new_password_field("登录密码", NEW_LOGIN_HINT, help_text=POLICY_HELP)
    slider = SliderField(scope="register")
    agree = agree_field()

    MORE_FIELDS = ("address", "scale", "industry", "type")

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user if user is not None and user.is_authenticated else None
        if self.user is not None:
            # The signed-in account's phone is already proven: no code, the slider stays.
            del self.fields["phone"]
            del self.fields["code"]
            del self.fields["password"]
        else:
            # A visitor proves the phone with an SMS code; 获取验证码 already spent a
            # slider pass, and the code proves a person with the phone, so no second one.
            del self.fields["slider"]

    def keep_entries(self) -> None:
        """After a refusal: keep what stays valid, and say what must be redone.

        The password is rendered back only when it passed the policy. A slider pass was
        spent by this submission, so when the form is refused elsewhere the slider says
        it must be dragged again.
        """
        if "password" in self.fields and "password" not in self.errors:
            self.fields["password"].widget.render_value = True
        if "slider" in self.fields and "slider" not in self.errors:
            self.add_error("slider", SLIDER_AGAIN)

    @property
    def more_open(self) -> bool:
        """Keep 填写更多企业信息 unfolded when it holds a value or an error."""
        if any(name in self.errors for name in self.MORE_FIELDS):
            return True
        return self.is_bound and any(self.data.get(name) for name in self.MORE_FIELDS)

    def clean(self):
        cleaned = super().clean()
        password = cleaned.get("password")
        if "password" in self.fields and password:
            try:
                validate_password(password, user=User(phone=cleaned.get("phone") or ""))
            except ValidationError as error:
                self.add_error("password", error)
        return cleaned


class RegionFieldsMixin:
    """省份 → 城市: the city select offers the cities of the chosen province.

    The browser fills the city options through htmx; the server checks the pair anyway,
    since a request can carry any value.
    """

    def _setup_region(self) -> None:
        province = ""
        if self.is_bound:
            province = (self.data.get(self.add_prefix("province")) or "").strip()
        else:
            province = self.initial.get("province") or ""
        self.fields["city"].widget.choices = _choices(
            "请选择城市", regions.city_choices(province) if regions.is_province(province) else []
        )

    def clean_province(self) -> str:
        province = (self.cleaned_data.get("province") or "").strip()
        if province and not regions.is_province(province):
            raise ValidationError(regions.PROVINCE_INVALID, code="province")
        return province

    def _clean_region_pair(self, cleaned: dict) -> None:
        if "province" in self.errors:
            return
        region_error = regions.region_error(cleaned.get("province"), cleaned.get("city"))
        if region_error is not None:
            self.add_error(*region_error)


class MemberAddForm(RegionFieldsMixin, BootstrapFormMixin, forms.Form):
    """添加成员: 姓名, *手机, *职位, 城市 (省份 → 城市)."""

    name = PersonNameField(
        required=False,
        widget=forms.TextInput(attrs={"placeholder": "请填写姓名", "autocomplete": "off"}),
    )
    phone = forms.CharField(
        label="手机",
        max_length=20,
        error_messages={"required": MSG_PHONE_REQUIRED, "max_length": PHONE_INVALID},
        widget=forms.TextInput(
            attrs={
                "placeholder": "请填写手机号码",
                "inputmode": "numeric",
                "autocomplete": "off",
            }
        ),
    )
    position = forms.ChoiceField(
        label="职位",
        choices=_choices("请选择职位", Membership.Position.choices),
        error_messages={"required": MSG_POSITION_REQUIRED, "invalid_choice": MSG_POSITION_REQUIRED},
    )
    province = forms.ChoiceField(
        label="省份",
        required=False,
        choices=_choices("请选择省份", regions.province_choices()),
        error_messages={"invalid_choice": regions.PROVINCE_INVALID},
    )
    # A CharField with a select: its options depend on the province, checked in clean().
    city = forms.CharField(label="城市", required=False, widget=forms.Select)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._setup_region()
        # htmx swaps in the cities of the chosen province (GET, no side effects).
        self.fields["province"].widget.attrs.update(
            {
                "hx-get": reverse("core:city_options"),
                "hx-target": f"#{self['city'].auto_id}",
                "hx-trigger": "change",
                "hx-swap": "innerHTML",
            }
        )

    def clean_phone(self) -> str:
        return clean_mobile(self.cleaned_data["phone"])

    def clean(self):
        cleaned = super().clean()
        self._clean_region_pair(cleaned)
        return cleaned


class InvitationSignupForm(BootstrapFormMixin, forms.Form):
    """账号激活 for a phone without an account: 姓名 (when the admin left it empty) and a
    password typed twice, checked by the platform's password validators."""

    name = PersonNameField(
        error_messages={"required": MSG_NAME_REQUIRED},
        widget=forms.TextInput(attrs={"placeholder": "请填写您的姓名", "autocomplete": "name"}),
    )
    password1 = forms.CharField(
        label="设置登录密码",
        strip=False,
        max_length=128,
        help_text="至少8位，须同时包含字母和数字。",
        error_messages={"required": "请设置登录密码。"},
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    password2 = forms.CharField(
        label="确认登录密码",
        strip=False,
        max_length=128,
        error_messages={"required": "请确认登录密码。"},
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    agree = forms.BooleanField(
        label="我已阅读并同意《用户协议》",
        error_messages={"required": MSG_AGREEMENT_REQUIRED},
    )

    def __init__(self, *args, phone: str, name: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self.phone = phone
        self.preset_name = (name or "").strip()
        if self.preset_name:
            # The admin already entered the name; the invitee need not type it again.
            del self.fields["name"]

    def clean(self):
        cleaned = super().clean()
        password1, password2 = cleaned.get("password1"), cleaned.get("password2")
        if password1 and password2 and password1 != password2:
            self.add_error("password2", MSG_MISMATCH)
        elif password1:
            name = cleaned.get("name") or self.preset_name
            try:
                validate_password(password1, user=User(phone=self.phone, name=name))
            except ValidationError as error:
                self.add_error("password1", error)
        return cleaned

    @property
    def member_name(self) -> str:
        return self.preset_name or self.cleaned_data.get("name", "")


class MemberImportForm(BootstrapFormMixin, forms.Form):
    """批量导入: the filled-in template (.xlsx); the file checks live in ``imports``."""

    file = forms.FileField(
        label="选择文件",
        help_text="仅支持用模板填写的 .xlsx 文件。",
        error_messages={
            "required": MSG_FILE_REQUIRED,
            "empty": FILE_EMPTY,
            "invalid": MSG_FILE_REQUIRED,
        },
        widget=forms.FileInput(
            attrs={
                "accept": ".xlsx,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
            }
        ),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        validate_import_file(upload)
        return upload
