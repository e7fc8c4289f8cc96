from django.conf import settings
from django.contrib import messages
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.urls import reverse
from django.utils.html import format_html

from .middleware import session_mark_login

AGREEMENT_UPDATED = "《用户协议》已更新为{version}版,请在“个人设置 → 用户协议”中阅读并确认。"


@receiver(user_logged_in)
def _start_session_clock(sender, request, user, **kwargs):
    if request is not None and hasattr(request, "session"):
        session_mark_login(request.session)


@receiver(user_logged_in)
def _ask_for_current_agreement(sender, request, user, **kwargs):
    """The agreement promises a prompt after login when its version changed."""
    if request is None or not hasattr(request, "_messages"):
        return
    if getattr(user, "agreement_version", None) == settings.USER_AGREEMENT_VERSION:
        return
    text = AGREEMENT_UPDATED.format(version=settings.USER_AGREEMENT_VERSION)
    if not getattr(user, "agreement_version", ""):
        text = "请在“个人设置 → 用户协议”中阅读并确认《用户协议》。"
    messages.info(
        request,
        format_html('{} <a href="{}">去确认</a>', text, reverse("accounts:settings_agreement")),
    )
