from axes.signals import user_locked_out
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.dispatch import Signal, receiver
from django.urls import reverse
from django.utils.html import format_html

from ipms.core.audit import audit_record
from ipms.core.models import AuditRole

from .middleware import session_mark_login

# Signals for the apps above accounts (accounts never imports them; they connect their
# receivers in their AppConfig.ready(), see docs/decisions/0006-layered-apps.md).

# The user's phone number has changed (更换手机), sent inside the service's transaction:
# a receiver's write commits or rolls back with the change. Arguments: ``user``.
phone_changed = Signal()

# A visitor has just registered and is signed in (个人注册), sent by the view so that
# receivers may add a message for the next page. Arguments: ``user``, ``request``.
user_registered = Signal()

AGREEMENT_UPDATED = "《用户协议》已更新为{version}版，请在“个人设置 → 用户协议”中阅读并确认。"


@receiver(user_logged_in)
def _start_session_clock(sender, request, user, **kwargs):
    if request is not None and hasattr(request, "session"):
        session_mark_login(request.session)


@receiver(user_logged_in)
def _ask_for_current_agreement(sender, request, user, **kwargs):
    """The agreement promises a prompt after login when its version changed."""
    if request is None or not hasattr(request, "_messages"):
        return
    # Operators work for the platform in the console; the agreement binds its users.
    if user.is_staff:
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


# --- audit log (docs/decisions/0007-audit-log.md) ---------------------------------------
# Logins, refused logins and lockouts. Outside any transaction: a refused login must be
# recorded even though nothing else is written. The phone typed is masked by the log.

USERNAME_MAX = 32  # what a refused login records of the text typed as phone


@receiver(user_logged_in)
def _audit_login(sender, request, user, **kwargs):
    audit_record(action="auth.login", actor=user, request=request)


@receiver(user_login_failed)
def _audit_login_failed(sender, credentials, request=None, **kwargs):
    username = str((credentials or {}).get("username") or "")[:USERNAME_MAX]
    audit_record(
        action="auth.login_failed",
        actor=None,
        role=AuditRole.VISITOR,
        details={"username": username},
        request=request,
    )


@receiver(user_locked_out)
def _audit_lockout(sender, request, username, **kwargs):
    audit_record(
        action="auth.lockout",
        actor=None,
        role=AuditRole.VISITOR,
        details={"username": str(username or "")[:USERNAME_MAX]},
        request=request,
    )
