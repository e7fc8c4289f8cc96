"""Every write to enterprises, memberships and invitations (PRODUCT.md §3–§4).

Rules enforced here, with the database constraints in ``models`` as the last line:

* One enterprise per code; the registering user becomes its verified admin.
* Members can be added only while 企业信息 is complete (the completeness gate).
* A learner belongs to one enterprise at a time: a phone verified elsewhere cannot be
  invited, and accepting an invitation while verified elsewhere is refused.
* Invitation links are single use, expire (``settings.INVITATION_TTL_DAYS``), and a
  re-send revokes the previous link. Accepting claims the invitation with a conditional
  UPDATE, so of two simultaneous accepts exactly one succeeds.
* Removing a member keeps the row (已移除) and never touches the user's learning records.
"""

from __future__ import annotations

import datetime
import logging
from typing import NamedTuple

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Model
from django.utils import timezone

from ipms.accounts.models import User
from ipms.accounts.validators import MOBILE_RE, mask_mobile, normalize_mobile
from ipms.core import regions
from ipms.core.errors import DomainError

from . import selectors
from .models import (
    MSG_CITY_INVALID,
    MSG_CREDIT_CODE_TAKEN,
    MSG_PROVINCE_INVALID,
    Enterprise,
    Invitation,
    Membership,
)
from .validators import normalize_credit_code, validate_credit_code

logger = logging.getLogger("ipms.enterprises")

# Invitation SMS limits (see _issue_invitation). The interval matches the SMS layer's
# per-phone cooldown, so a re-send is refused here rather than revoking a working link.
INVITATION_RESEND_INTERVAL = datetime.timedelta(seconds=60)
INVITATIONS_PER_PHONE_PER_DAY = 5

PROFILE_INCOMPLETE = "务必填写完整正确的企业信息,否则无法添加员工以及证书下载"
NOT_ADMIN = "只有本企业的管理员可以进行此操作。"
ACCOUNT_DISABLED = "该手机号的账号已停用,请联系平台客服。"
ADMIN_IN_OTHER_ENTERPRISE = (
    "该手机号已是其他企业的成员,不能再注册新企业。请先联系原企业管理员将您移除。"
)
PHONE_INVALID = "请输入正确的11位手机号码(1开头)。"
POSITION_INVALID = "请选择职位。"
PHONE_IN_OTHER_ENTERPRISE = "该手机号已是其他企业的成员,需由该企业管理员移除后才能添加。"
PHONE_ALREADY_MEMBER = "该手机号已是本企业的成员。"
MEMBER_NOT_PENDING = "该成员已验证或已移除,无需发送邀请。"
RESEND_TOO_SOON = "邀请短信刚刚发出,请1分钟后再重新发送。"
TOO_MANY_INVITATIONS = "该手机号24小时内收到的邀请短信过多,请明天再试。"
CANNOT_REMOVE_ADMIN = "不能移除企业管理员。"
INVITATION_INVALID = "邀请链接无效,请检查短信中的链接是否完整。"
INVITATION_USED = "该邀请链接已使用过。如需加入,请直接登录;如有疑问请联系企业管理员。"
INVITATION_REVOKED = "该邀请链接已失效(企业管理员已重新发送邀请),请使用最新短信中的链接。"
INVITATION_EXPIRED = "该邀请链接已过期,请联系企业管理员重新发送邀请。"
INVITATION_MEMBER_GONE = "该邀请已失效:您已不在该企业的待验证成员中,如有疑问请联系企业管理员。"
INVITATION_WRONG_PHONE = "该邀请是发给手机号 {phone} 的,请使用该手机号的账号确认加入。"
INVITATION_OTHER_ENTERPRISE = (
    "您已是“{enterprise}”的成员,同一时间只能加入一家企业。请先联系该企业管理员将您移除。"
)


class Invited(NamedTuple):
    """What ``membership_invite`` hands back: the member row and the raw link token.

    The raw token exists only here and in the SMS; the database keeps its hash.
    """

    membership: Membership
    token: str


# --- helpers ------------------------------------------------------------------------------


def _full_clean(instance: Model, **kwargs) -> None:
    """``full_clean`` that reports its first problem as a DomainError on that field."""
    try:
        instance.full_clean(**kwargs)
    except ValidationError as error:
        if hasattr(error, "error_dict"):
            field, errors = next(iter(error.error_dict.items()))
            message = errors[0].messages[0]
            raise DomainError(
                message, field=None if field == NON_FIELD_ERRORS else field
            ) from error
        raise DomainError(error.messages[0]) from error


def _admin_membership(enterprise: Enterprise, user: User) -> Membership:
    membership = (
        Membership.objects.filter(
            enterprise=enterprise,
            user=user,
            role=Membership.Role.ADMIN,
            status=Membership.Status.VERIFIED,
        ).first()
        if user is not None and user.is_authenticated
        else None
    )
    if membership is None or not user.is_active:
        raise DomainError(NOT_ADMIN)
    return membership


def _verified_elsewhere(user: User, *, enterprise: Enterprise | None) -> Membership | None:
    qs = Membership.objects.filter(user=user, status=Membership.Status.VERIFIED)
    if enterprise is not None:
        qs = qs.exclude(enterprise=enterprise)
    return qs.select_related("enterprise").first()


def _clean_credit_code(value: str) -> str:
    code = normalize_credit_code(value)
    try:
        validate_credit_code(code)
    except ValidationError as error:
        raise DomainError(error.messages[0], field="credit_code") from error
    return code


def _clean_region(province: str, city: str) -> tuple[str, str]:
    province, city = (province or "").strip(), (city or "").strip()
    if province and not regions.is_province(province):
        raise DomainError(MSG_PROVINCE_INVALID, field="province")
    if city and not regions.is_valid_pair(province, city):
        raise DomainError(MSG_CITY_INVALID, field="city")
    return province, city


def _issue_invitation(*, membership: Membership, by: User | None) -> str:
    """Revoke the member's open links, store a new one and queue its SMS.

    Two limits keep the add/re-send buttons from becoming an SMS cannon: one link per
    member per ``INVITATION_RESEND_INTERVAL``, and ``INVITATIONS_PER_PHONE_PER_DAY`` links
    per phone number across all enterprises (anyone can register an enterprise).
    """
    now = timezone.now()
    last = membership.invitations.order_by("-created_at").first() if membership.pk else None
    if last is not None and now - last.created_at < INVITATION_RESEND_INTERVAL:
        raise DomainError(RESEND_TOO_SOON)
    sent_today = Invitation.objects.filter(
        membership__phone=membership.phone, created_at__gte=now - datetime.timedelta(days=1)
    ).count()
    if sent_today >= INVITATIONS_PER_PHONE_PER_DAY:
        raise DomainError(TOO_MANY_INVITATIONS, field="phone")
    Invitation.objects.filter(
        membership=membership, used_at__isnull=True, revoked_at__isnull=True
    ).update(revoked_at=now, updated_at=now)
    token = Invitation.new_token()
    invitation = Invitation(
        membership=membership, token_hash=Invitation.hash_token(token), created_by=by
    )
    _full_clean(invitation)
    invitation.save()
    _send_invitation_sms(membership, token)
    return token


def _send_invitation_sms(membership: Membership, token: str) -> None:
    """Queue the invitation SMS (PRODUCT.md §4) to leave after the transaction commits.

    A rolled-back invitation sends nothing; a provider failure after commit is logged by
    the SMS layer, and the admin can 重新发送邀请. The token is never logged here.
    """
    from ipms.core.sms.templates import MEMBER_INVITATION

    params = {"enterprise": membership.enterprise.name, "token": token}
    try:
        from ipms.accounts.sms import sms_send_after_commit
    except ImportError:  # pragma: no cover - only while the accounts SMS queue is absent
        from ipms.core.sms import SmsError, send_sms

        phone = membership.phone

        def send() -> None:
            try:
                send_sms(phone=phone, template=MEMBER_INVITATION, params=params)
            except SmsError:
                logger.warning("invitation SMS to %s failed", mask_mobile(phone), exc_info=True)

        transaction.on_commit(send, robust=True)
        return
    sms_send_after_commit(phone=membership.phone, template=MEMBER_INVITATION, params=params)


# --- enterprises --------------------------------------------------------------------------


@transaction.atomic
def enterprise_register(
    *,
    name: str,
    credit_code: str,
    admin_user: User,
    address: str = "",
    scale: str = "",
    industry: str = "",
    type: str = "",  # the model field's name, passed by keyword only
) -> Enterprise:
    """企业注册: create the enterprise and its admin's verified membership.

    ``admin_user`` is the account just created (or found) for 管理员手机号.
    """
    if not admin_user.is_active:
        raise DomainError(ACCOUNT_DISABLED, field="phone")
    if _verified_elsewhere(admin_user, enterprise=None) is not None:
        raise DomainError(ADMIN_IN_OTHER_ENTERPRISE, field="phone")
    code = _clean_credit_code(credit_code)
    if Enterprise.objects.filter(credit_code=code).exists():
        raise DomainError(MSG_CREDIT_CODE_TAKEN, field="credit_code")
    enterprise = Enterprise(
        name=(name or "").strip(),
        credit_code=code,
        address=(address or "").strip(),
        scale=scale or "",
        industry=industry or "",
        type=type or "",
        created_by=admin_user,
    )
    _full_clean(enterprise)
    membership = Membership(
        enterprise=enterprise,
        user=admin_user,
        phone=admin_user.phone,
        name=admin_user.name,
        position=Membership.Position.OTHER,
        role=Membership.Role.ADMIN,
        status=Membership.Status.VERIFIED,
        verified_at=timezone.now(),
    )
    try:
        # A savepoint, so a lost race surfaces as a DomainError, not a broken transaction.
        with transaction.atomic():
            enterprise.save()
            membership.enterprise = enterprise
            _full_clean(membership)
            membership.save()
    except IntegrityError as error:
        if Enterprise.objects.filter(credit_code=code).exists():
            raise DomainError(MSG_CREDIT_CODE_TAKEN, field="credit_code") from error
        raise DomainError(ADMIN_IN_OTHER_ENTERPRISE, field="phone") from error
    return enterprise


@transaction.atomic
def enterprise_update_profile(
    *,
    enterprise: Enterprise,
    by: User,
    name: str,
    credit_code: str,
    address: str,
    scale: str,
    industry: str,
    type: str,  # the model field's name, passed by keyword only
) -> Enterprise:
    """企业信息 → 提交: the admin edits the registration fields."""
    _admin_membership(enterprise, by)
    locked = Enterprise.objects.select_for_update().get(pk=enterprise.pk)
    code = _clean_credit_code(credit_code)
    if Enterprise.objects.filter(credit_code=code).exclude(pk=locked.pk).exists():
        raise DomainError(MSG_CREDIT_CODE_TAKEN, field="credit_code")
    locked.name = (name or "").strip()
    locked.credit_code = code
    locked.address = (address or "").strip()
    locked.scale = scale or ""
    locked.industry = industry or ""
    locked.type = type or ""
    _full_clean(locked)
    try:
        with transaction.atomic():
            locked.save()
    except IntegrityError as error:
        raise DomainError(MSG_CREDIT_CODE_TAKEN, field="credit_code") from error
    return locked


# --- members and invitations --------------------------------------------------------------


@transaction.atomic
def membership_invite(
    *,
    enterprise: Enterprise,
    by: User,
    phone: str,
    name: str = "",
    position: str,
    province: str = "",
    city: str = "",
) -> Invited:
    """添加成员: add a phone to the member list as 待验证 and send it the SMS link.

    Idempotent for a phone already waiting in this enterprise: its details are updated
    and the link is sent again (the previous one is revoked).
    """
    _admin_membership(enterprise, by)
    # The gate reads the current row, not a copy the caller may have kept from before.
    current = Enterprise.objects.get(pk=enterprise.pk)
    if not current.is_profile_complete:
        raise DomainError(PROFILE_INCOMPLETE)
    phone = normalize_mobile(phone)
    if not MOBILE_RE.match(phone):
        raise DomainError(PHONE_INVALID, field="phone")
    if position not in Membership.Position.values:
        raise DomainError(POSITION_INVALID, field="position")
    province, city = _clean_region(province, city)
    name = (name or "").strip()

    user = User.objects.filter(phone=phone).first()
    if user is not None:
        if not user.is_active:
            raise DomainError(ACCOUNT_DISABLED, field="phone")
        if _verified_elsewhere(user, enterprise=current) is not None:
            raise DomainError(PHONE_IN_OTHER_ENTERPRISE, field="phone")

    existing = (
        Membership.objects.select_for_update()
        .filter(enterprise=current, phone=phone, status__in=Membership.ACTIVE_STATUSES)
        .first()
    )
    if existing is None and user is not None:
        existing = (
            Membership.objects.select_for_update()
            .filter(enterprise=current, user=user, status__in=Membership.ACTIVE_STATUSES)
            .first()
        )
    if existing is not None and existing.status == Membership.Status.VERIFIED:
        raise DomainError(PHONE_ALREADY_MEMBER, field="phone")

    if existing is not None:
        membership = existing
        membership.name = name or membership.name
        membership.position = position
        membership.province, membership.city = province, city
        membership.user = membership.user or user
    else:
        membership = Membership(
            enterprise=current,
            user=user,
            phone=phone,
            name=name,
            position=position,
            province=province,
            city=city,
            role=Membership.Role.LEARNER,
            status=Membership.Status.PENDING,
            invited_by=by,
        )
    _full_clean(membership)
    try:
        with transaction.atomic():
            membership.save()
    except IntegrityError as error:
        # Another admin request added the same phone a moment ago.
        raise DomainError(PHONE_ALREADY_MEMBER, field="phone") from error
    token = _issue_invitation(membership=membership, by=by)
    return Invited(membership=membership, token=token)


@transaction.atomic
def invitation_resend(*, membership: Membership, by: User) -> str:
    """重新发送邀请: a fresh link for a member still 待验证; the old link stops working."""
    locked = (
        Membership.objects.select_for_update().select_related("enterprise").get(pk=membership.pk)
    )
    _admin_membership(locked.enterprise, by)
    if locked.status != Membership.Status.PENDING:
        raise DomainError(MEMBER_NOT_PENDING)
    return _issue_invitation(membership=locked, by=by)


def _invitation_for_token(token: str) -> Invitation:
    invitation = selectors.invitation_for_token(token)
    if invitation is None:
        raise DomainError(INVITATION_INVALID)
    return invitation


def invitation_check(invitation: Invitation, *, now: datetime.datetime | None = None) -> None:
    """Raise the DomainError that says why ``invitation`` cannot be accepted, if it cannot."""
    now = now or timezone.now()
    if invitation.used_at is not None:
        raise DomainError(INVITATION_USED)
    if invitation.membership.status != Membership.Status.PENDING:
        raise DomainError(INVITATION_MEMBER_GONE)
    if invitation.revoked_at is not None:
        raise DomainError(INVITATION_REVOKED)
    if invitation.is_expired(now):
        raise DomainError(INVITATION_EXPIRED)


@transaction.atomic
def invitation_accept(*, token: str, user: User) -> Membership:
    """确认加入: link ``user`` to the invited membership and mark it 已验证.

    ``user`` must own the invited phone number: the link proves control of that phone
    only, so a forwarded link cannot add someone else's account. The page that handles
    the link creates the account first (setting a password) when the phone has none.
    """
    invitation = _invitation_for_token(token)
    membership = invitation.membership
    now = timezone.now()
    invitation_check(invitation, now=now)
    if not user.is_active:
        raise DomainError(ACCOUNT_DISABLED)
    if user.phone != membership.phone or membership.user_id not in (None, user.pk):
        raise DomainError(INVITATION_WRONG_PHONE.format(phone=mask_mobile(membership.phone)))
    other = _verified_elsewhere(user, enterprise=membership.enterprise)
    if other is not None:
        raise DomainError(INVITATION_OTHER_ENTERPRISE.format(enterprise=other.enterprise.name))

    # Claim the link: of two concurrent accepts only one UPDATE matches (PostgreSQL
    # re-checks the WHERE clause after the first commits); the loser gets 0 rows.
    claimed = Invitation.objects.filter(
        pk=invitation.pk, used_at__isnull=True, revoked_at__isnull=True, expires_at__gt=now
    ).update(used_at=now, used_by=user, updated_at=now)
    if claimed != 1:
        raise DomainError(INVITATION_USED)
    try:
        with transaction.atomic():
            verified = Membership.objects.filter(
                pk=membership.pk, status=Membership.Status.PENDING
            ).update(status=Membership.Status.VERIFIED, user=user, verified_at=now, updated_at=now)
    except IntegrityError as error:
        # Verified in another enterprise by a concurrent accept: the unique constraint
        # on verified memberships decided. Everything above rolls back with this error.
        raise DomainError(INVITATION_OTHER_ENTERPRISE.format(enterprise="其他企业")) from error
    if verified != 1:
        raise DomainError(INVITATION_MEMBER_GONE)
    membership.refresh_from_db()
    return membership


@transaction.atomic
def membership_remove(*, membership: Membership, by: User) -> Membership:
    """移除: take a member off the list; their open link stops working.

    The user's enrolments, progress, exam attempts and proofs belong to the user and are
    left untouched. Removing a member already removed changes nothing.
    """
    locked = (
        Membership.objects.select_for_update().select_related("enterprise").get(pk=membership.pk)
    )
    _admin_membership(locked.enterprise, by)
    if locked.status == Membership.Status.REMOVED:
        return locked
    if locked.role == Membership.Role.ADMIN:
        raise DomainError(CANNOT_REMOVE_ADMIN)
    now = timezone.now()
    locked.status = Membership.Status.REMOVED
    locked.removed_at = now
    locked.removed_by = by
    _full_clean(locked)
    locked.save(update_fields=["status", "removed_at", "removed_by", "updated_at"])
    Invitation.objects.filter(
        membership=locked, used_at__isnull=True, revoked_at__isnull=True
    ).update(revoked_at=now, updated_at=now)
    return locked


@transaction.atomic
def membership_phone_changed(*, user: User) -> int:
    """Call after ``user``'s phone number changed (更换手机): their rows follow the account.

    Member lists show and match members by phone, so the active rows of a linked user take
    the new number. An invitation to the new number still waiting, unlinked, in the same
    enterprise now points at this same person and is withdrawn. Returns the rows updated.
    """
    now = timezone.now()
    updated = 0
    rows = Membership.objects.select_for_update().filter(
        user=user, status__in=Membership.ACTIVE_STATUSES
    )
    for row in rows.exclude(phone=user.phone):
        duplicates = Membership.objects.select_for_update().filter(
            enterprise_id=row.enterprise_id,
            phone=user.phone,
            status=Membership.Status.PENDING,
            user__isnull=True,
        )
        for duplicate in duplicates:
            duplicate.status = Membership.Status.REMOVED
            duplicate.removed_at = now
            duplicate.save(update_fields=["status", "removed_at", "updated_at"])
            Invitation.objects.filter(
                membership=duplicate, used_at__isnull=True, revoked_at__isnull=True
            ).update(revoked_at=now, updated_at=now)
        row.phone = user.phone
        _full_clean(row)
        row.save(update_fields=["phone", "updated_at"])
        updated += 1
    return updated
