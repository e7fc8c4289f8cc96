"""Account pages (product-rules §3): 登录, 个人注册, 找回密码, 《用户协议》, 个人设置.
企业注册 and 身份切换 are pages of ipms.enterprises. Views are thin: forms check input,
services write, ``DomainError`` becomes a field message.

Every view that receives a password, an SMS code or a 身份证 number is wrapped in
``sensitive_post_parameters`` (Django then masks them in error reports), and every page
that shows personal data is ``never_cache``.
"""

from __future__ import annotations

import logging
import re

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.safestring import mark_safe
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST

from ipms.core.errors import DomainError
from ipms.core.http import client_ip
from ipms.core.phone import mask_mobile
from ipms.core.slider import SliderWidget
from ipms.core.sms import SmsRateLimited, SmsUnavailable

from . import limits, selectors, services
from .forms import (
    SMS_SLIDER_SCOPE,
    PasswordChangeForm,
    PasswordResetForm,
    PersonalRegisterForm,
    PhoneChangeForm,
    PhoneLoginForm,
    ProfileForm,
    SmsSendForm,
)
from .landing import landing_url
from .models import SmsCodePurpose, User
from .signals import user_registered
from .sms import VOID, code_ttl, sms_code_send, sms_code_verify

logger = logging.getLogger("ipms.accounts")

MODEL_BACKEND = "django.contrib.auth.backends.ModelBackend"

REGISTERED = "注册成功，欢迎使用{platform}！"
ALREADY_SIGNED_IN = "您已登录，无需再注册。如需注册企业，请使用“企业注册”。"
RESET_DONE = "密码已重置，请使用新密码登录。该账号在其他设备上的登录已全部退出。"
CHANGED_DONE = "密码已修改。该账号在其他设备上的登录已全部退出。"
PHONE_CHANGED = "手机号已更换为 {phone}，请以后使用新手机号登录。其他设备上的登录已全部退出。"
PROFILE_SAVED = "个人资料已保存。"
AGREEMENT_ACCEPTED = "已记录您对《用户协议》（{version}版）的同意。"
# 获取验证码 answers alike whether or not the phone has an account (the code goes out
# only where the purpose applies), so the endpoint does not tell who is registered.
SMS_SENT = {
    SmsCodePurpose.REGISTER: (
        "如该手机号尚未注册，验证码已发送至 {phone}，{minutes}分钟内有效；"
        "已注册的手机号请直接登录或找回密码。"
    ),
    SmsCodePurpose.RESET_PASSWORD: (
        "如该手机号已注册，验证码已发送至 {phone}，{minutes}分钟内有效。"
    ),
    SmsCodePurpose.CHANGE_PHONE: (
        "如该手机号未被其他账号使用，验证码已发送至 {phone}，{minutes}分钟内有效。"
    ),
}
SMS_LOGIN_REQUIRED = "请先登录。"


def _apply(form, error: DomainError) -> None:
    """Show a service's refusal next to its field (or above the form)."""
    field = error.field if error.field in form.fields else None
    form.add_error(field, error.message)


def _login(request, user: User) -> None:
    # Several backends are configured (django-axes first), so name the one that applies.
    login(request, user, backend=MODEL_BACKEND)


_NOSCRIPT = re.compile(r"<noscript>.*?</noscript>", re.S)


def sms_slider(*, swapped_in: bool = False) -> str:
    """A fresh slider for 获取验证码 (each send spends a pass).

    ``swapped_in``: for an htmx answer. htmx parses answers with scripting off, so a
    <noscript> inside would become visible text ("需要启用 JavaScript") once inserted;
    a page that made an htmx request runs scripts, so the notice is dropped.
    """
    html = SliderWidget(scope=SMS_SLIDER_SCOPE).render("slider", None, attrs={"id": "id_slider"})
    return mark_safe(_NOSCRIPT.sub("", html)) if swapped_in else html  # noqa: S308 - our widget


def _sms_context(purpose: SmsCodePurpose) -> dict:
    return {"sms_purpose": purpose.value, "sms_slider": sms_slider()}


# --- 登录 / 安全退出 ------------------------------------------------------------------------


# The phone a page (e.g. an invitation's 账号确认) asks the login form to start with. Kept
# in the session, so the number never sits in a URL.
LOGIN_PHONE_SESSION_KEY = "accounts.login_phone"


def login_phone_remember(request, phone: str) -> None:
    """Pre-fill the login form's 手机号 with ``phone`` (the invitee's own number)."""
    request.session[LOGIN_PHONE_SESSION_KEY] = phone


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = PhoneLoginForm
    redirect_authenticated_user = True

    def get_initial(self):
        initial = super().get_initial()
        phone = self.request.session.get(LOGIN_PHONE_SESSION_KEY)
        if isinstance(phone, str) and phone:
            initial["username"] = phone
        return initial

    def form_valid(self, form):
        self.request.session.pop(LOGIN_PHONE_SESSION_KEY, None)
        return super().form_valid(form)

    def get_default_redirect_url(self):
        # Without ?next=: the home a higher app gives the user (a reviewer's console).
        return landing_url(self.request.user) or super().get_default_redirect_url()

    def form_invalid(self, form):
        response = super().form_invalid(form)
        if form.ip_limited:
            response.status_code = 429
        return response


class LogoutView(auth_views.LogoutView):
    """安全退出: POST only, back to 首页."""


# --- 注册 -------------------------------------------------------------------------------


def _register_limited(request, form) -> bool:
    refused = limits.register_refused(request, count=False)
    if refused:
        form.add_error(None, refused)
        return True
    return False


@sensitive_post_parameters("password", "code")
@never_cache
def register_personal(request):
    """个人注册: phone, SMS code, password, consent."""
    if request.user.is_authenticated:
        messages.info(request, ALREADY_SIGNED_IN)
        return redirect("content:home")
    form = PersonalRegisterForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if _register_limited(request, form):
            status = 429
        elif form.is_valid():
            data = form.cleaned_data
            try:
                # Outside any transaction: a wrong try is committed even if we stop here.
                sms_code_verify(
                    phone=data["phone"], purpose=SmsCodePurpose.REGISTER, code=data["code"]
                )
                user = services.user_register(
                    phone=data["phone"],
                    password=data["password"],
                    agreement_accepted=data["agree"],
                )
            except DomainError as error:
                _apply(form, error)
            else:
                limits.register_refused(request, count=True)
                _login(request, user)
                messages.success(request, REGISTERED.format(platform=settings.PLATFORM_NAME))
                user_registered.send(sender=User, user=user, request=request)
                return redirect("content:home")
    context = {"form": form, "tab": "personal", **_sms_context(SmsCodePurpose.REGISTER)}
    return render(request, "accounts/register_personal.html", context, status=status)


# --- 获取验证码 ----------------------------------------------------------------------------


@require_POST
@sensitive_post_parameters("slider")
def sms_send(request):
    """获取验证码 (htmx): spends a slider pass, then issues a code for the purpose.

    Returns the button (with the cool-down in ``data-countdown``), the status line and a
    fresh slider. htmx gets 200 whatever happened (it does not swap error responses);
    other clients get 400/403/429 as appropriate.
    """
    form = SmsSendForm(request.POST, user=request.user)
    status, countdown, message, is_error = 200, 0, "", True
    # Refusals of the number or the slider are shown next to those fields (issue 9, D9);
    # the status line under the code keeps the rest.
    phone_errors: list[str] = []
    slider_error = ""
    purpose = request.POST.get("purpose", "")
    if purpose == SmsCodePurpose.CHANGE_PHONE and not request.user.is_authenticated:
        status, message = 403, SMS_LOGIN_REQUIRED
    elif not form.is_valid():
        status = 400
        if "phone" in form.errors:
            phone_errors = list(form.errors["phone"])
        elif "slider" in form.errors:
            slider_error = form.errors["slider"][0]
        elif "purpose" in form.errors:
            message = form.errors["purpose"][0]
    else:
        data = form.cleaned_data
        try:
            issued = sms_code_send(
                phone=data["phone"], purpose=data["purpose"], ip=client_ip(request)
            )
        except SmsRateLimited as error:
            status, message = 429, error.message
            # A short wait (the 60 s cool-down) runs on the button; longer ones are told.
            wait = int(error.retry_after or 0)
            countdown = wait if 0 < wait <= 60 else 0
        except SmsUnavailable as error:
            status, message = 503, error.message
        except DomainError as error:
            status = 400
            if error.field == "phone":
                phone_errors = [error.message]
            else:
                message = error.message
        else:
            template = SMS_SENT[SmsCodePurpose(data["purpose"])]
            minutes = max(1, code_ttl() // 60)
            message = template.format(phone=issued.masked_phone, minutes=minutes)
            # The phone's cool-down, counted from this send (0 when turned off).
            countdown, is_error = issued.resend_after, False
    context = {
        "sms_purpose": purpose if purpose in SmsSendForm.PURPOSES else "",
        "sms_message": message,
        "sms_error": is_error,
        "phone_errors": phone_errors,
        "slider_error": slider_error,
        "countdown": countdown,
        "sms_slider": sms_slider(swapped_in=True),
        "oob": True,
    }
    response = render(request, "accounts/partials/sms_send.html", context)
    if not request.htmx:
        response.status_code = status
    return response


# --- 找回密码 ----------------------------------------------------------------------------


@sensitive_post_parameters("code", "new_password1", "new_password2")
@never_cache
def password_reset(request):
    """找回密码: phone + SMS code + new password; never says whether the phone is known."""
    form = PasswordResetForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            sms_code_verify(
                phone=data["phone"], purpose=SmsCodePurpose.RESET_PASSWORD, code=data["code"]
            )
            user = services.user_password_reset(phone=data["phone"], password=data["new_password1"])
        except DomainError as error:
            _apply(form, error)
        else:
            if user is None:
                # Only when the account was disabled between sending and now.
                form.add_error("code", VOID)
            else:
                messages.success(request, RESET_DONE)
                return redirect("accounts:login")
    context = {"form": form, **_sms_context(SmsCodePurpose.RESET_PASSWORD)}
    return render(request, "accounts/password_reset.html", context)


# --- 《用户协议》 --------------------------------------------------------------------------


def agreement(request):
    """《用户协议》 (public)."""
    return render(request, "accounts/agreement.html", selectors.agreement_context())


# --- 个人设置 ----------------------------------------------------------------------------


def _profile_initial(user: User, affiliation) -> dict:
    profile = selectors.profile_defaults(user, affiliation)
    return {
        "name": profile.name,
        "position": profile.position,
        "province": profile.province,
        "city": profile.city,
    }


@login_required
@sensitive_post_parameters("id_number")
@never_cache
def settings_profile(request):
    """个人设置 → 个人资料."""
    user = request.user
    affiliation = selectors.affiliation_of(user)
    form = ProfileForm(request.POST or None, user=user, initial=_profile_initial(user, affiliation))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        number = data.get("id_number") or ""
        changing_id = bool(number) and User.id_number_digest_for(number) != user.id_number_digest
        refused = (
            limits.id_number_change_refused(request, count=changing_id) if changing_id else None
        )
        if refused:
            form.add_error("id_number", refused)
        else:
            try:
                services.user_profile_update(
                    user=user,
                    name=data["name"],
                    position=data["position"],
                    province=data["province"],
                    city=data["city"],
                    id_number=number or None,
                    id_number_consent=data.get("id_number_consent", False),
                    clear_id_number=data.get("clear_id_number", False),
                )
            except DomainError as error:
                _apply(form, error)
            else:
                messages.success(request, PROFILE_SAVED)
                return redirect("accounts:settings")
    context = {
        "form": form,
        "tab": "profile",
        # 公司 (read-only): e.g. the enterprise the user is a verified member of.
        "enterprise": affiliation.organisation if affiliation is not None else "",
    }
    return render(request, "accounts/settings/profile.html", context)


@login_required
@sensitive_post_parameters("old_password", "new_password1", "new_password2")
@never_cache
def settings_password(request):
    """个人设置 → 密码修改: this session stays, every other one ends."""
    form = PasswordChangeForm(request.POST or None, user=request.user, request=request)
    if request.method == "POST" and form.is_valid():
        try:
            user = services.user_password_change(
                user=request.user, password=form.cleaned_data["new_password1"]
            )
        except DomainError as error:
            _apply(form, error)
        else:
            update_session_auth_hash(request, user)
            messages.success(request, CHANGED_DONE)
            return redirect("accounts:settings_password")
    return render(request, "accounts/settings/password.html", {"form": form, "tab": "password"})


@login_required
@sensitive_post_parameters("code", "password")
@never_cache
def settings_phone(request):
    """个人设置 → 更换手机: SMS code to the new number and the current password."""
    form = PhoneChangeForm(request.POST or None, user=request.user, request=request)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            sms_code_verify(
                phone=data["phone"], purpose=SmsCodePurpose.CHANGE_PHONE, code=data["code"]
            )
            user = services.user_phone_change(user=request.user, new_phone=data["phone"])
        except DomainError as error:
            _apply(form, error)
        else:
            update_session_auth_hash(request, user)
            messages.success(request, PHONE_CHANGED.format(phone=mask_mobile(user.phone)))
            return redirect("accounts:settings")
    context = {"form": form, "tab": "profile", **_sms_context(SmsCodePurpose.CHANGE_PHONE)}
    return render(request, "accounts/settings/phone.html", context)


@login_required
@never_cache
def settings_agreement(request):
    """个人设置 → 用户协议: the text, the user's consent record, and 同意 for a new version."""
    if request.method == "POST":
        user = services.user_agreement_accept(user=request.user)
        messages.success(request, AGREEMENT_ACCEPTED.format(version=user.agreement_version))
        return redirect("accounts:settings_agreement")
    context = {"tab": "agreement", **selectors.agreement_context(request.user)}
    return render(request, "accounts/settings/agreement.html", context)
