"""Every write to enterprises, memberships and invitations (product-rules §3–§4).

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

from django.conf import settings
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, Model, Q
from django.utils import timezone

from ipms.accounts import services as account_services
from ipms.accounts.models import User
from ipms.accounts.sms import sms_send_after_commit
from ipms.core import ratelimit, regions
from ipms.core.audit import audit_record
from ipms.core.errors import DomainError
from ipms.core.models import AuditRole
from ipms.core.names import clean_person_name, person_name_error
from ipms.core.phone import PHONE_INVALID, is_mobile, mask_mobile, normalize_mobile
from ipms.core.sms import limits as sms_limits
from ipms.core.sms.templates import MEMBER_INVITATION
from ipms.core.workflow import TransitionConflict, TransitionNotAllowed, transition

from . import selectors
from .models import (
    MSG_CREDIT_CODE_OF_ANOTHER,
    MSG_CREDIT_CODE_TAKEN,
    Enterprise,
    Invitation,
    Membership,
    invitation_ttl,
)
from .validators import enterprise_name_error, normalize_credit_code, validate_credit_code

logger = logging.getLogger("ipms.enterprises")

# Invitation SMS limits (see _issue_invitation). The interval matches the SMS layer's
# per-phone cooldown, so a re-send is refused here rather than revoking a working link.
INVITATION_RESEND_INTERVAL = datetime.timedelta(seconds=60)
INVITATIONS_PER_PHONE_PER_DAY = 5

PROFILE_INCOMPLETE = "务必填写完整正确的企业信息，否则无法添加员工以及证书下载"
NAME_UNFIT_FOR_SMS = "请先在“企业信息”中按营业执照修改公司名称（{reason}），再邀请成员。"
NOT_ADMIN = "只有本企业的管理员可以进行此操作。"
ACCOUNT_DISABLED = "该手机号的账号已停用，请联系平台客服。"
PHONE_REGISTERED_ENTERPRISE = (
    "该手机号已注册。如需以该手机号注册企业，请先登录，再打开“企业注册”（无需再填手机号和密码）。"
)
ADMIN_IN_OTHER_ENTERPRISE = (
    "该手机号已是其他企业的成员，不能再注册新企业。请先联系原企业管理员将您移除。"
)
POSITION_INVALID = "请选择职位。"
# 添加成员 and 批量导入 say the same for a phone that is another enterprise's member and for
# a disabled account: an admin may not learn either about people outside the enterprise.
PHONE_NOT_ADDABLE = "无法添加该手机号。请核对号码；如号码无误，请该成员联系平台客服。"
MEMBER_REFUSAL_POLICY = "member_refusal_user"
PHONE_ALREADY_MEMBER = "该手机号已是本企业的成员。"
MEMBER_NOT_PENDING = "该成员已验证或已移除，无需发送邀请。"
RESEND_TOO_SOON = "邀请短信刚刚发出，请1分钟后再重新发送。"
TOO_MANY_INVITATIONS = "该手机号24小时内收到的邀请短信过多，请明天再试。"
CANNOT_REMOVE_ADMIN = "不能移除企业管理员。"
INVITATION_INVALID = "邀请链接无效，请检查短信中的链接是否完整。"
INVITATION_USED = "该邀请链接已使用过。如需加入，请直接登录；如有疑问请联系企业管理员。"
INVITATION_REVOKED = "该邀请链接已失效（企业管理员已重新发送邀请），请使用最新短信中的链接。"
INVITATION_EXPIRED = "该邀请链接已过期，请联系企业管理员重新发送邀请。"
INVITATION_MEMBER_GONE = "该邀请已失效：您已不在该企业的待验证成员中，如有疑问请联系企业管理员。"
INVITATION_WRONG_PHONE = "该邀请是发给手机号 {phone} 的，请使用该手机号的账号确认加入。"
INVITATION_OTHER_ENTERPRISE = (
    "您已是“{enterprise}”的成员，同一时间只能加入一家企业。请先联系该企业管理员将您移除。"
)


# The reason recorded when a member's phone change withdraws a waiting invitation.
PHONE_CHANGE_DUPLICATE_REASON = "成员更换手机号后，与本企业的这条待验证邀请重复，自动撤回。"

ENTERPRISE_DAILY_LIMIT = "本企业今日发送的邀请短信已达上限（{limit}条），请明天再邀请其余成员。"
ACCOUNT_EXISTS = "该手机号已有账号，请先登录该账号再确认加入。"
BULK_CONFLICT = "成员列表刚刚发生了变化，请重新点击“确认导入”。"


def member_invite_daily_limit() -> int:
    """Invitation SMS one enterprise may trigger per 24 hours (see config/settings.py)."""
    return settings.MEMBER_INVITE_DAILY_LIMIT


def enterprise_daily_limit_message() -> str:
    return ENTERPRISE_DAILY_LIMIT.format(limit=member_invite_daily_limit())


def _enterprise_invitations_left(enterprise_id: int, *, now: datetime.datetime) -> int:
    sent = Invitation.objects.filter(
        membership__enterprise_id=enterprise_id,
        created_at__gte=now - datetime.timedelta(days=1),
    ).count()
    return member_invite_daily_limit() - sent


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


def _clean_enterprise_name(value: str) -> str:
    """The 公司名称 as typed (stripped), or a DomainError: it goes into invitation SMS."""
    error = enterprise_name_error(value)
    if error is not None:
        raise DomainError(error, field="name")
    return (value or "").strip()


def _clean_region(province: str, city: str) -> tuple[str, str]:
    error = regions.region_error(province, city)
    if error is not None:
        field, message = error
        raise DomainError(message, field=field)
    return (province or "").strip(), (city or "").strip()


def _issue_invitation(*, membership: Membership, by: User | None) -> str:
    """Revoke the member's open links, store a new one and queue its SMS.

    Two limits keep the add/re-send buttons from becoming an SMS cannon: one link per
    member per ``INVITATION_RESEND_INTERVAL``, and ``INVITATIONS_PER_PHONE_PER_DAY`` links
    per phone number across all enterprises (anyone can register an enterprise).
    """
    _check_name_for_sms(membership.enterprise)
    now = timezone.now()
    last = membership.invitations.order_by("-created_at").first() if membership.pk else None
    if last is not None and now - last.created_at < INVITATION_RESEND_INTERVAL:
        raise DomainError(RESEND_TOO_SOON)
    sent_today = Invitation.objects.filter(
        membership__phone=membership.phone, created_at__gte=now - datetime.timedelta(days=1)
    ).count()
    if sent_today >= INVITATIONS_PER_PHONE_PER_DAY:
        raise DomainError(TOO_MANY_INVITATIONS, field="phone")
    if _enterprise_invitations_left(membership.enterprise_id, now=now) < 1:
        raise DomainError(enterprise_daily_limit_message())
    _sms_budget_consume()
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


def _check_name_for_sms(enterprise: Enterprise) -> None:
    """The invitation SMS prints the 公司名称: a name stored before the rule existed, or
    written around it, must be corrected before any invitation leaves."""
    error = enterprise_name_error(enterprise.name)
    if error is not None:
        raise DomainError(NAME_UNFIT_FOR_SMS.format(reason=error.rstrip("。")))


def member_refusals_peek(*, by: User) -> ratelimit.Decision:
    """May ``by`` still be told "无法添加该手机号"? Refused once MEMBER_REFUSAL_RATE is spent."""
    return ratelimit.peek(MEMBER_REFUSAL_POLICY, value=by.pk)


def member_refusal_count(*, by: User) -> ratelimit.Decision:
    """Count one PHONE_NOT_ADDABLE answer for ``by``; the decision as the next one sees it."""
    return ratelimit.hit(MEMBER_REFUSAL_POLICY, value=by.pk).refusing_further()


def _sms_budget_consume() -> None:
    """Count one invitation SMS in the platform's daily SMS budget, as codes are counted.

    The same policies as 获取验证码 (ipms.core.sms.limits.PLATFORM_POLICIES): past
    ``SMS_DAILY_BUDGET`` a warning is logged, past ``SMS_DAILY_HARD_LIMIT`` the invitation
    is refused, so invitations cannot spend the platform's SMS unseen.
    """
    try:
        ratelimit.hit_all((name, None) for name in sms_limits.PLATFORM_POLICIES)
    except ratelimit.RateLimitExceeded as refused:
        raise DomainError(refused.message) from None


def _send_invitation_sms(membership: Membership, token: str) -> None:
    """Queue the invitation SMS (product-rules §4) to leave after the transaction commits.

    A rolled-back invitation sends nothing; a provider failure after commit is logged by
    the SMS layer, and the admin can 重新发送邀请. The token is never logged here.
    """
    params = {"enterprise": membership.enterprise.name, "token": token}
    sms_send_after_commit(phone=membership.phone, template=MEMBER_INVITATION, params=params)


# --- enterprises --------------------------------------------------------------------------


@transaction.atomic
def enterprise_signup(
    *,
    user: User | None,
    phone: str = "",
    password: str = "",
    agreement_accepted: bool,
    name: str,
    credit_code: str,
    address: str = "",
    scale: str = "",
    industry: str = "",
    type: str = "",  # the Enterprise field's name, passed by keyword only
) -> tuple[User, Enterprise]:
    """企业注册: one transaction for the admin's account and the enterprise.

    ``user`` is the signed-in user registering their enterprise (no phone or password
    then), or None for a visitor, whose account is created from ``phone`` and
    ``password``. A phone that already has an account is refused for visitors, with a
    hint to log in first: registering an enterprise must not let anyone claim someone
    else's existing account. Returns ``(user, enterprise)``.
    """
    if not agreement_accepted:
        raise DomainError(account_services.AGREEMENT_REQUIRED, field="agree")
    if user is None:
        phone = normalize_mobile(phone)
        if not is_mobile(phone):
            raise DomainError(PHONE_INVALID, field="phone")
        if User.objects.filter(phone=phone).exists():
            raise DomainError(PHONE_REGISTERED_ENTERPRISE, field="phone")
        user = account_services.user_register(
            phone=phone, password=password, agreement_accepted=True
        )
    else:
        if not user.is_active:
            raise DomainError(account_services.ACCOUNT_DISABLED)
        account_services.user_agreement_accept(user=user)
    enterprise = enterprise_register(
        name=name,
        credit_code=credit_code,
        admin_user=user,
        address=address,
        scale=scale,
        industry=industry,
        type=type,
    )
    return user, enterprise


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
        name=_clean_enterprise_name(name),
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
    audit_record(
        action="membership.added",
        actor=admin_user,
        role=AuditRole.ENTERPRISE_ADMIN,
        enterprise_id=enterprise.pk,
        obj=membership,
        details={"role": membership.role, "status": membership.status, "via": "企业注册"},
    )
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
        raise DomainError(MSG_CREDIT_CODE_OF_ANOTHER, field="credit_code")
    locked.name = _clean_enterprise_name(name)
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
        raise DomainError(MSG_CREDIT_CODE_OF_ANOTHER, field="credit_code") from error
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
    # The row lock queues this invite behind a running bulk import of the same
    # enterprise (membership_invite_bulk), so the two never insert the same phone.
    current = Enterprise.objects.select_for_update().get(pk=enterprise.pk)
    if not current.is_profile_complete:
        raise DomainError(PROFILE_INCOMPLETE)
    phone = normalize_mobile(phone)
    if not is_mobile(phone):
        raise DomainError(PHONE_INVALID, field="phone")
    if position not in Membership.Position.values:
        raise DomainError(POSITION_INVALID, field="position")
    province, city = _clean_region(province, city)
    name = clean_person_name(name)
    member_refusals_peek(by=by).raise_if_refused(field="phone")

    user = User.objects.filter(phone=phone).first()
    if user is not None and (
        not user.is_active or _verified_elsewhere(user, enterprise=current) is not None
    ):
        member_refusal_count(by=by)
        raise DomainError(PHONE_NOT_ADDABLE, code="phone_not_addable", field="phone")

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
    if existing is None:
        audit_record(
            action="membership.added",
            actor=by,
            role=AuditRole.ENTERPRISE_ADMIN,
            enterprise_id=current.pk,
            obj=membership,
            details={"phone": phone, "position": position, "status": membership.status},
        )
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
            transition(
                membership,
                Membership.Status.VERIFIED,
                actor=user,
                changes={"user": user, "verified_at": now},
                audit_action="membership.verified",
                role=AuditRole.LEARNER,
            )
    except IntegrityError as error:
        # Verified in another enterprise by a concurrent accept: the unique constraint
        # on verified memberships decided. Everything above rolls back with this error.
        raise DomainError(INVITATION_OTHER_ENTERPRISE.format(enterprise="其他企业")) from error
    except (TransitionConflict, TransitionNotAllowed) as error:
        # Removed (or confirmed) by someone else since the link was checked.
        raise DomainError(INVITATION_MEMBER_GONE) from error
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
    transition(
        locked,
        Membership.Status.REMOVED,
        actor=by,
        changes={"removed_at": now, "removed_by": by},
        audit_action="membership.removed",
        audit_details={"phone": locked.current_phone, "role": locked.role},
        role=AuditRole.ENTERPRISE_ADMIN,
    )
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
            transition(
                duplicate,
                Membership.Status.REMOVED,
                actor=user,
                changes={"removed_at": now},
                reason=PHONE_CHANGE_DUPLICATE_REASON,
                role=AuditRole.LEARNER,
            )
            Invitation.objects.filter(
                membership=duplicate, used_at__isnull=True, revoked_at__isnull=True
            ).update(revoked_at=now, updated_at=now)
        row.phone = user.phone
        _full_clean(row)
        row.save(update_fields=["phone", "updated_at"])
        updated += 1
    return updated


# --- 批量导入 -------------------------------------------------------------------------------

BULK_CHUNK = 500


class InviteRow(NamedTuple):
    """One member to invite in bulk; ``ref`` identifies it to the caller (the Excel row)."""

    ref: int
    phone: str
    position: str
    name: str = ""
    province: str = ""
    city: str = ""


class BulkInviteResult(NamedTuple):
    invited: list[tuple[int, Membership]]  # (ref, the new 待验证 row)
    skipped: list[tuple[int, str]]  # (ref, why): already in this enterprise's list
    failed: list[tuple[int, str]]  # (ref, the refusal a single invite would give)


def _chunks(items: list, size: int = BULK_CHUNK):
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _bulk_row_error(row: InviteRow) -> tuple[InviteRow, str | None]:
    """The row with its values normalised, and the first problem a single invite finds."""
    phone = normalize_mobile(row.phone)
    row = row._replace(phone=phone, name=(row.name or "").strip())
    if not is_mobile(phone):
        return row, PHONE_INVALID
    if row.position not in Membership.Position.values:
        return row, POSITION_INVALID
    try:
        province, city = _clean_region(row.province, row.city)
    except DomainError as error:
        return row, error.message
    error = person_name_error(row.name)
    if error is not None:
        return row, error[0]
    return row._replace(province=province, city=city), None


@transaction.atomic
def membership_invite_bulk(
    *, enterprise: Enterprise, by: User, rows: list[InviteRow]
) -> BulkInviteResult:
    """批量导入 → 确认导入: ``membership_invite`` for many phones at once, same rules.

    Sized for thousands of rows: the checks run as a handful of queries per 500 phones
    (existing members, accounts, memberships elsewhere, invitations of the last day)
    instead of a dozen per row, and rows and links are written with ``bulk_create``.

    Differences from inviting one by one, on purpose:

    * a phone already on this enterprise's list (待验证 or 已验证) is *skipped*, not
      re-sent: importing the same file twice sends nothing twice;
    * a phone listed twice counts once (the first row wins);
    * rows beyond the enterprise's daily invitation cap fail with a message saying so,
      and can be imported the next day (the rows already done are then skipped).

    All rows are written in one transaction and every SMS leaves after it commits.
    """
    _admin_membership(enterprise, by)
    # Locked: a second import (or a single invite) of this enterprise waits for this one,
    # so the existence checks below stay true until commit.
    current = Enterprise.objects.select_for_update().get(pk=enterprise.pk)
    if not current.is_profile_complete:
        raise DomainError(PROFILE_INCOMPLETE)
    _check_name_for_sms(current)
    now = timezone.now()
    skipped: list[tuple[int, str]] = []
    failed: list[tuple[int, str]] = []

    candidates: list[InviteRow] = []
    seen: set[str] = set()
    for raw in rows:
        row, error = _bulk_row_error(raw)
        if error is not None:
            failed.append((row.ref, error))
        elif row.phone in seen:
            skipped.append((row.ref, "与前面的行手机号重复"))
        else:
            seen.add(row.phone)
            candidates.append(row)

    phones = [row.phone for row in candidates]
    here: set[str] = set()
    accounts: dict[str, User] = {}
    elsewhere: set[str] = set()
    sent_today: dict[str, int] = {}
    since = now - datetime.timedelta(days=1)
    for chunk in _chunks(phones):
        here.update(
            phone
            for pair in Membership.objects.filter(
                enterprise=current, status__in=Membership.ACTIVE_STATUSES
            )
            .filter(models_q_phone_or_user_phone(chunk))
            .values_list("phone", "user__phone")
            for phone in pair
            if phone
        )
        accounts.update(
            (user.phone, user)
            for user in User.objects.filter(phone__in=chunk).only("id", "phone", "is_active")
        )
        elsewhere.update(
            Membership.objects.filter(user__phone__in=chunk, status=Membership.Status.VERIFIED)
            .exclude(enterprise=current)
            .values_list("user__phone", flat=True)
        )
        sent_today.update(
            Invitation.objects.filter(membership__phone__in=chunk, created_at__gte=since)
            .values("membership__phone")
            .annotate(n=Count("id"))
            .values_list("membership__phone", "n")
        )

    budget = _enterprise_invitations_left(current.pk, now=now)
    to_create: list[tuple[int, Membership]] = []
    sms_refused: str | None = None  # the platform's SMS budget ran out during this import
    for row in candidates:
        user = accounts.get(row.phone)
        if row.phone in here:
            skipped.append((row.ref, PHONE_ALREADY_MEMBER))
        elif (user is not None and not user.is_active) or row.phone in elsewhere:
            # Checked (and counted) at the preview already; this is a change since then.
            failed.append((row.ref, PHONE_NOT_ADDABLE))
        elif sent_today.get(row.phone, 0) >= INVITATIONS_PER_PHONE_PER_DAY:
            failed.append((row.ref, TOO_MANY_INVITATIONS))
        elif len(to_create) >= budget:
            failed.append((row.ref, enterprise_daily_limit_message()))
        elif sms_refused is not None:
            failed.append((row.ref, sms_refused))
        else:
            try:
                # Counted before the rows are written: a conflict below (nothing
                # written) leaves these counts spent, which only errs on the safe side.
                _sms_budget_consume()
            except DomainError as error:
                sms_refused = error.message
                failed.append((row.ref, sms_refused))
                continue
            membership = Membership(
                enterprise=current,
                user=user,
                phone=row.phone,
                name=row.name,
                position=row.position,
                province=row.province,
                city=row.city,
                role=Membership.Role.LEARNER,
                status=Membership.Status.PENDING,
                invited_by=by,
            )
            # Field and region checks only: the foreign keys are known to exist and the
            # constraints are the database's job (one query per row otherwise).
            _full_clean(
                membership,
                exclude=["enterprise", "user", "invited_by", "removed_by"],
                validate_unique=False,
                validate_constraints=False,
            )
            to_create.append((row.ref, membership))

    tokens: list[str] = []
    invitations: list[Invitation] = []
    try:
        with transaction.atomic():
            Membership.objects.bulk_create([m for _, m in to_create], batch_size=BULK_CHUNK)
            for _, membership in to_create:
                token = Invitation.new_token()
                tokens.append(token)
                invitations.append(
                    Invitation(
                        membership=membership,
                        token_hash=Invitation.hash_token(token),
                        created_by=by,
                        expires_at=now + invitation_ttl(),
                    )
                )
            Invitation.objects.bulk_create(invitations, batch_size=BULK_CHUNK)
    except IntegrityError as error:
        # A member was added outside this enterprise's lock (e.g. verified elsewhere a
        # moment ago); nothing was written, the admin may simply confirm again.
        raise DomainError(BULK_CONFLICT) from error

    for (_, membership), token in zip(to_create, tokens, strict=True):
        _send_invitation_sms(membership, token)
    # One audit row for the whole import, with its counts (not one per member).
    audit_record(
        action="membership.imported",
        actor=by,
        role=AuditRole.ENTERPRISE_ADMIN,
        enterprise_id=current.pk,
        obj=current,
        details={
            "rows": len(rows),
            "invited": len(to_create),
            "skipped": len(skipped),
            "failed": len(failed),
        },
    )
    if to_create:
        logger.info(
            "bulk invite: enterprise=%s invited=%s skipped=%s failed=%s",
            current.pk,
            len(to_create),
            len(skipped),
            len(failed),
        )
    return BulkInviteResult(invited=to_create, skipped=skipped, failed=failed)


def models_q_phone_or_user_phone(phones: list[str]):
    """Rows invited under one of ``phones``, or linked to an account that now has one."""
    return Q(phone__in=phones) | Q(user__phone__in=phones)


# --- 账号激活 -------------------------------------------------------------------------------


@transaction.atomic
def invitation_accept_new_account(
    *, token: str, password: str, agreement_accepted: bool, name: str = ""
) -> Membership:
    """账号激活 → 确认加入 for a phone with no account yet: create it, then accept.

    The account is made by the accounts app's ``user_register`` (password policy, consent
    to the 《用户协议》 with its version) for the invited phone; its 姓名 is the one the
    admin entered, else ``name``. Everything rolls back together if the acceptance is
    refused. A second submit (double click) finds the account and is told to log in.
    """
    invitation = _invitation_for_token(token)
    invitation_check(invitation)
    membership = invitation.membership
    if User.objects.filter(phone=membership.phone).exists():
        raise DomainError(ACCOUNT_EXISTS, code="account_exists")
    name = (membership.name or name or "").strip()
    try:
        user = account_services.user_register(
            phone=membership.phone,
            password=password,
            agreement_accepted=agreement_accepted,
            name=name,
        )
    except DomainError as error:
        if error.code == "phone_registered":  # by a concurrent request a moment ago
            raise DomainError(ACCOUNT_EXISTS, code="account_exists") from error
        raise
    membership = invitation_accept(token=token, user=user)
    _profile_fill_from_membership(user, membership)
    return membership


def _profile_fill_from_membership(user: User, membership: Membership) -> None:
    """A new account starts with the 职位 and 城市 its admin entered (个人设置 shows them)."""
    changed = []
    for field in ("position", "province", "city"):
        if hasattr(user, field) and not getattr(user, field) and getattr(membership, field):
            setattr(user, field, getattr(membership, field))
            changed.append(field)
    if changed:
        user.save(update_fields=changed)
