"""How enterprises take part in account events without accounts knowing of them.

accounts sits below enterprises and never imports it (docs/decisions/0006-layered-apps.md):
it sends signals and asks registries, and :func:`connect` (run once from
``EnterprisesConfig.ready``) hooks this app in.
"""

from __future__ import annotations

from django.contrib import messages

from ipms.accounts.models import User
from ipms.accounts.selectors import affiliation_source_register
from ipms.accounts.signals import phone_changed, user_registered
from ipms.core.audit import actor_context_register

from . import audit, selectors, services

PENDING_INVITATIONS = "您有 {count} 个企业邀请等待确认，请点击邀请短信中的链接确认加入。"


def follow_phone_change(sender, *, user: User, **kwargs) -> None:
    """更换手机: the user's member rows take the new number (same transaction)."""
    services.membership_phone_changed(user=user)


def hint_pending_invitations(sender, *, user: User, request, **kwargs) -> None:
    """After 个人注册: say that invitations are waiting for the new account's phone."""
    count = selectors.pending_memberships_for_phone(user.phone).count()
    if count:
        messages.info(request, PENDING_INVITATIONS.format(count=count))


def connect() -> None:
    phone_changed.connect(
        follow_phone_change, sender=User, dispatch_uid="enterprises.follow_phone_change"
    )
    user_registered.connect(
        hint_pending_invitations, sender=User, dispatch_uid="enterprises.pending_invitations"
    )
    affiliation_source_register(selectors.profile_affiliation)
    # The audit log files members' actions under their enterprise and identity.
    actor_context_register(audit.audit_actor_context)
