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
from django.db import IntegrityError, connections, router, transaction
from django.db.models import Model
from django.utils import timezone

from ipms.accounts import services as account_services
from ipms.accounts.models import User
from ipms.accounts.sms import sms_send_after_commit, sms_send_many_after_commit
from ipms.core import ratelimit
from ipms.core.audit import audit_record
from ipms.core.errors import DomainError
from ipms.core.models import AuditRole
from ipms.core.phone import PHONE_INVALID, is_mobile, mask_mobile, normalize_mobile
from ipms.core.sms import limits as sms_limits
from ipms.core.sms.templates import MEMBER_INVITATION
from ipms.core.workflow import TransitionConflict, TransitionNotAllowed, transition

from . import admission, selectors
from .admission import (
    BulkPlan,
    Here,
    InvitationLimits,
    InviteRow,
    Outcome,
    PhoneFacts,
    admission_decide,
    admission_gate,
    bulk_plan,
    invitation_limits_check,
    member_row_clean,
)
from .messages import (
    NOT_ADMIN,
    PHONE_ALREADY_MEMBER,
)
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
INVITATION_WINDOW = datetime.timedelta(days=1)  # the limits count the links of 24 hours

NAME_UNFIT_FOR_SMS = "请先在“企业信息”中按营业执照修改公司名称（{reason}），再邀请成员。"
ACCOUNT_DISABLED = "该手机号的账号已停用，请联系平台客服。"
PHONE_REGISTERED_ENTERPRISE = (
    "该手机号已注册。如需以该手机号注册企业，请先登录，再打开“企业注册”（无需再填手机号和密码）。"
)
ADMIN_IN_OTHER_ENTERPRISE = (
    "该手机号已是其他企业的成员，不能再注册新企业。请先联系原企业管理员将您移除。"
)
MEMBER_REFUSAL_POLICY = "member_refusal_user"
MEMBER_NOT_PENDING = "该成员已验证或已移除，无需发送邀请。"
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

ACCOUNT_EXISTS = "该手机号已有账号，请先登录该账号再确认加入。"
BULK_CONFLICT = "成员列表刚刚发生了变化，请重新点击“确认导入”。"
IMPORT_NOTHING = "没有可导入的成员。"


def member_invite_daily_limit() -> int:
    """Invitation SMS one enterprise may trigger per 24 hours (see config/settings.py)."""
    return settings.MEMBER_INVITE_DAILY_LIMIT


def _invitation_limits(enterprise: Enterprise, *, now: datetime.datetime) -> InvitationLimits:
    """The invitation caps, with what the enterprise sent in the last 24 hours (a query)."""
    sent = Invitation.objects.filter(
        membership__enterprise_id=enterprise.pk, created_at__gte=now - INVITATION_WINDOW
    ).count()
    daily = member_invite_daily_limit()
    return InvitationLimits(
        per_phone_per_day=INVITATIONS_PER_PHONE_PER_DAY,
        enterprise_daily=daily,
        enterprise_left=daily - sent,
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
        raise DomainError(NOT_ADMIN, code="not_admin")
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


def _issue_invitation(*, membership: Membership, by: User | None) -> str:
    """Revoke the member's open links, store a new one and queue its SMS.

    Two limits keep the add/re-send buttons from becoming an SMS cannon: one link per
    member per ``INVITATION_RESEND_INTERVAL``, and ``INVITATIONS_PER_PHONE_PER_DAY`` links
    per phone number across all enterprises (anyone can register an enterprise).
    """
    _check_name_for_sms(membership.enterprise)
    now = timezone.now()
    last = membership.invitations.order_by("-created_at").first() if membership.pk else None
    refusal = invitation_limits_check(
        invitations_today=Invitation.objects.filter(
            membership__phone=membership.phone, created_at__gte=now - INVITATION_WINDOW
        ).count(),
        limits=_invitation_limits(membership.enterprise, now=now),
        last_sent_ago=now - last.created_at if last is not None else None,
        resend_interval=INVITATION_RESEND_INTERVAL,
    )
    if refusal is not None:
        raise refusal
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
        raise DomainError(
            NAME_UNFIT_FOR_SMS.format(reason=error.rstrip("。")), code="name_unfit_for_sms"
        )


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


def _sms_budget_consume_many(count: int) -> tuple[int, str | None]:
    """``_sms_budget_consume`` for ``count`` invitations at once (批量导入): how many may
    leave — the first ones, counted — and the message for the rest (None if all may)."""
    try:
        allowed, refused = ratelimit.hit_all_many(
            ((name, None) for name in sms_limits.PLATFORM_POLICIES), count
        )
    except ratelimit.RateLimitExceeded as error:
        return 0, error.message
    return allowed, refused.message if refused is not None else None


def _send_invitation_sms(membership: Membership, token: str) -> None:
    """Queue the invitation SMS (product-rules §4) to leave after the transaction commits.

    A rolled-back invitation sends nothing; a provider failure after commit is logged by
    the SMS layer, and the admin can 重新发送邀请. The token is never logged here.
    """
    params = _invitation_sms_params(membership.enterprise, token)
    sms_send_after_commit(phone=membership.phone, template=MEMBER_INVITATION, params=params)


def _invitation_sms_params(enterprise: Enterprise, token: str) -> dict[str, str]:
    return {"enterprise": enterprise.name, "token": token}


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
        raise DomainError(
            account_services.AGREEMENT_REQUIRED, code="agreement_required", field="agree"
        )
    if user is None:
        phone = normalize_mobile(phone)
        if not is_mobile(phone):
            raise DomainError(PHONE_INVALID, code="phone_invalid", field="phone")
        if User.objects.filter(phone=phone).exists():
            raise DomainError(
                PHONE_REGISTERED_ENTERPRISE, code="phone_registered_enterprise", field="phone"
            )
        user = account_services.user_register(
            phone=phone, password=password, agreement_accepted=True
        )
    else:
        if not user.is_active:
            raise DomainError(account_services.ACCOUNT_DISABLED, code="account_disabled")
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
        raise DomainError(ACCOUNT_DISABLED, code="account_disabled", field="phone")
    if _verified_elsewhere(admin_user, enterprise=None) is not None:
        raise DomainError(
            ADMIN_IN_OTHER_ENTERPRISE, code="admin_in_other_enterprise", field="phone"
        )
    code = _clean_credit_code(credit_code)
    if Enterprise.objects.filter(credit_code=code).exists():
        raise DomainError(MSG_CREDIT_CODE_TAKEN, code="credit_code_taken", field="credit_code")
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
            raise DomainError(
                MSG_CREDIT_CODE_TAKEN, code="credit_code_taken", field="credit_code"
            ) from error
        raise DomainError(
            ADMIN_IN_OTHER_ENTERPRISE, code="admin_in_other_enterprise", field="phone"
        ) from error
    audit_record(
        action="membership.added",
        actor=admin_user,
        role=AuditRole.ENTERPRISE_ADMIN,
        enterprise_id=enterprise.pk,
        obj=membership,
        details={"role": membership.role, "status": membership.status, "via": "企业注册"},
    )
    selectors.membership_forget(admin_user)
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
        raise DomainError(
            MSG_CREDIT_CODE_OF_ANOTHER, code="credit_code_of_another", field="credit_code"
        )
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
        raise DomainError(
            MSG_CREDIT_CODE_OF_ANOTHER, code="credit_code_of_another", field="credit_code"
        ) from error
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
    # by_admin: _admin_membership above refuses anyone else.
    refusal = admission_gate(by_admin=True, profile_complete=current.is_profile_complete)
    if refusal is not None:
        raise refusal
    row = member_row_clean(
        InviteRow(ref=0, phone=phone, position=position, name=name, province=province, city=city)
    )
    phone, name, province, city = row.phone, row.name, row.province, row.city
    member_refusals_peek(by=by).raise_if_refused(field="phone")

    # Load: the account, its membership elsewhere and this enterprise's row (locked).
    user = User.objects.filter(phone=phone).first()
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
    facts = PhoneFacts(
        here=Here(existing.status) if existing is not None else Here.NONE,
        account_disabled=user is not None and not user.is_active,
        verified_elsewhere=user is not None
        and _verified_elsewhere(user, enterprise=current) is not None,
    )
    # Decide; the invitation limits are checked when the link is issued.
    decision = admission_decide(facts, bulk=False)
    if decision.refused:
        if decision.code == "phone_not_addable":
            member_refusal_count(by=by)
        raise decision.error()

    # Write.
    if decision.outcome is Outcome.RESEND:
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
        raise DomainError(
            PHONE_ALREADY_MEMBER, code="phone_already_member", field="phone"
        ) from error
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
        raise DomainError(MEMBER_NOT_PENDING, code="member_not_pending")
    return _issue_invitation(membership=locked, by=by)


def _invitation_for_token(token: str) -> Invitation:
    invitation = selectors.invitation_for_token(token)
    if invitation is None:
        raise DomainError(INVITATION_INVALID, code="invitation_invalid")
    return invitation


def invitation_check(invitation: Invitation, *, now: datetime.datetime | None = None) -> None:
    """Raise the DomainError that says why ``invitation`` cannot be accepted, if it cannot."""
    now = now or timezone.now()
    if invitation.used_at is not None:
        raise DomainError(INVITATION_USED, code="invitation_used")
    if invitation.membership.status != Membership.Status.PENDING:
        raise DomainError(INVITATION_MEMBER_GONE, code="invitation_member_gone")
    if invitation.revoked_at is not None:
        raise DomainError(INVITATION_REVOKED, code="invitation_revoked")
    if invitation.is_expired(now):
        raise DomainError(INVITATION_EXPIRED, code="invitation_expired")


def invitation_check_user(invitation: Invitation, *, user: User) -> None:
    """Raise why ``user`` may not accept ``invitation``, if they may not: a disabled
    account, another phone than the invited one, or a member of another enterprise (one
    enterprise at a time). The link page asks before offering 确认加入; the accept
    asks again."""
    membership = invitation.membership
    if not user.is_active:
        raise DomainError(ACCOUNT_DISABLED, code="account_disabled")
    if user.phone != membership.phone or membership.user_id not in (None, user.pk):
        raise DomainError(
            INVITATION_WRONG_PHONE.format(phone=mask_mobile(membership.phone)),
            code="invitation_wrong_phone",
        )
    other = _verified_elsewhere(user, enterprise=membership.enterprise)
    if other is not None:
        raise DomainError(
            INVITATION_OTHER_ENTERPRISE.format(enterprise=other.enterprise.name),
            code="invitation_other_enterprise",
        )


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
    invitation_check_user(invitation, user=user)

    # Claim the link: of two concurrent accepts only one UPDATE matches (PostgreSQL
    # re-checks the WHERE clause after the first commits); the loser gets 0 rows.
    claimed = Invitation.objects.filter(
        pk=invitation.pk, used_at__isnull=True, revoked_at__isnull=True, expires_at__gt=now
    ).update(used_at=now, used_by=user, updated_at=now)
    if claimed != 1:
        raise DomainError(INVITATION_USED, code="invitation_used")
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
        raise DomainError(
            INVITATION_OTHER_ENTERPRISE.format(enterprise="其他企业"),
            code="invitation_other_enterprise",
        ) from error
    except (TransitionConflict, TransitionNotAllowed) as error:
        # Removed (or confirmed) by someone else since the link was checked.
        raise DomainError(INVITATION_MEMBER_GONE, code="invitation_member_gone") from error
    selectors.membership_forget(user)
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
        raise DomainError(CANNOT_REMOVE_ADMIN, code="cannot_remove_admin")
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


class BulkInviteResult(NamedTuple):
    invited: list[tuple[int, str]]  # (ref, the phone of its new 待验证 row)
    skipped: list[tuple[int, str]]  # (ref, why): already in this enterprise's list
    failed: list[tuple[int, str]]  # (ref, the refusal a single invite would give)


@transaction.atomic
def membership_invite_bulk(
    *, enterprise: Enterprise, by: User, rows: list[InviteRow]
) -> BulkInviteResult:
    """批量导入 → 确认导入: ``membership_invite`` for many phones at once, same rules.

    Load (the enterprise locked, then a handful of queries whatever the size), decide
    (:func:`ipms.enterprises.admission.bulk_plan`, pure), write (one ``executemany`` of rows
    and links, the SMS after commit, one audit row).

    Differences from inviting one by one, on purpose:

    * a phone already on this enterprise's list (待验证 or 已验证) is *skipped*, not
      re-sent: importing the same file twice sends nothing twice;
    * a phone listed twice counts once (the first row wins);
    * rows beyond the enterprise's daily invitation cap fail with a message saying so,
      and can be imported the next day (the rows already done are then skipped).
    """
    _admin_membership(enterprise, by)
    # Locked: a second import (or a single invite) of this enterprise waits for this one,
    # so the facts loaded below stay true until commit.
    current = Enterprise.objects.select_for_update().get(pk=enterprise.pk)
    # by_admin: _admin_membership above refuses anyone else.
    refusal = admission_gate(by_admin=True, profile_complete=current.is_profile_complete)
    if refusal is not None:
        raise refusal
    _check_name_for_sms(current)
    now = timezone.now()
    facts = selectors.admission_facts(
        current, admission.bulk_cleaned_phones(rows), invitations_since=now - INVITATION_WINDOW
    )
    plan = bulk_plan(rows, facts, _invitation_limits(current, now=now))
    to_create = _bulk_members(current, by=by, plan=plan, facts=facts)
    tokens = _bulk_write(to_create, enterprise=current, by=by, now=now)
    # The SMS leave after commit as a few chunked tasks, not one publish per row.
    sms_send_many_after_commit(
        template=MEMBER_INVITATION,
        messages=[
            (values[2], _invitation_sms_params(current, token))
            for (_, values), token in zip(to_create, tokens, strict=True)
        ],
    )
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
            "skipped": len(plan.skipped),
            "failed": len(plan.failed),
        },
    )
    if to_create:
        logger.info(
            "bulk invite: enterprise=%s invited=%s skipped=%s failed=%s",
            current.pk,
            len(to_create),
            len(plan.skipped),
            len(plan.failed),
        )
    return BulkInviteResult(
        invited=[(ref, values[2]) for ref, values in to_create],
        skipped=plan.skipped,
        failed=plan.failed,
    )


def _bulk_members(
    enterprise: Enterprise, *, by: User, plan: BulkPlan, facts: dict[str, PhoneFacts]
) -> list[tuple[int, tuple]]:
    """The 待验证 rows of the plan's invitations, each counted in the platform's SMS
    budget first; once the budget refuses, that row and the rest fail with its message.

    Each row is ``(ref, values)`` in the order of ``_MEMBER_COLUMNS``. No ``full_clean``
    per row: :func:`~ipms.enterprises.admission.bulk_plan` has already applied every rule
    it would (手机, 姓名, 职位, 省份/城市: ``member_row_clean``, the model's own rules;
    ``test_import_rules`` proves a row full_clean refuses is refused), the foreign keys are
    known to exist and the constraints are the database's job.
    """
    # Counted before the rows are written, all at once: a conflict later (nothing
    # written) leaves these counts spent, which only errs on the safe side.
    allowed, refusal = _sms_budget_consume_many(len(plan.invite))
    if refusal is not None:
        plan.failed.extend((rest.ref, refusal) for rest in plan.invite[allowed:])
    learner, pending = Membership.Role.LEARNER.value, Membership.Status.PENDING.value
    no_facts = PhoneFacts()
    return [
        (
            row.ref,
            (
                enterprise.pk,
                facts.get(row.phone, no_facts).account_id,
                row.phone,
                row.name,
                row.position,
                row.province,
                row.city,
                learner,
                pending,
                by.pk,
            ),
        )
        for row in plan.invite[:allowed]
    ]


# The columns 确认导入 writes; the others of both tables are nullable and start empty.
_MEMBER_COLUMNS = (
    "enterprise",
    "user",
    "phone",
    "name",
    "position",
    "province",
    "city",
    "role",
    "status",
    "invited_by",
)
_INVITATION_COLUMNS = ("membership", "token_hash", "created_by")


def _insert_many(model: type[Model], columns: tuple[str, ...], rows: list[tuple], **same) -> None:
    """One INSERT of ``rows`` (plain values in the order of ``columns``) with the fields
    ``same`` (dates) equal for every row, prepared for the database once: on PostgreSQL
    one statement of column arrays (``unnest``), elsewhere an ``executemany``.

    Instead of ``bulk_create``, whose per-value preparation and model instances cost more
    than the import's other work together (docs/performance.md, "Import"). A concrete
    field left out must be nullable: a new NOT NULL field fails loudly here, not in the
    database.
    """
    if not rows:
        return
    meta = model._meta
    connection = connections[router.db_for_write(model)]
    written = {*columns, *same}
    left_out = [f.name for f in meta.concrete_fields if f.name not in written and not f.primary_key]
    not_null = [name for name in left_out if not meta.get_field(name).null]
    if not_null:
        raise RuntimeError(f"_insert_many({meta.label}) leaves out NOT NULL fields {not_null}")
    prepared = tuple(
        meta.get_field(name).get_db_prep_save(value, connection=connection)
        for name, value in same.items()
    )
    quote = connection.ops.quote_name
    names = [quote(meta.get_field(name).column) for name in (*columns, *same)]
    table = quote(meta.db_table)
    if connection.vendor == "postgresql":
        # One statement whatever the rows: each column as one array parameter, unnested
        # (psycopg's executemany is one statement per row, ~0.1 ms of client CPU each).
        # Identifiers and types from the model's meta; every value is a bound parameter.
        arrays = ", ".join(f"%s::{meta.get_field(name).db_type(connection)}[]" for name in columns)
        sql = "INSERT INTO {} ({}) SELECT *{} FROM unnest({})".format(  # noqa: S608
            table, ", ".join(names), ", %s" * len(same), arrays
        )
        with connection.cursor() as cursor:
            columns_of_rows = [list(column) for column in zip(*rows, strict=True)]
            cursor.execute(sql, [*prepared, *columns_of_rows])
        return
    # Identifiers from the model's meta, quoted; every value is a bound parameter.
    sql = "INSERT INTO {} ({}) VALUES ({})".format(  # noqa: S608
        table, ", ".join(names), ", ".join(["%s"] * len(names))
    )
    with connection.cursor() as cursor:
        cursor.executemany(sql, [row + prepared for row in rows])


def _bulk_write(
    members: list[tuple[int, tuple]], *, enterprise: Enterprise, by: User, now: datetime.datetime
) -> list[str]:
    """Insert the rows and one link each (a constant number of queries); returns the raw
    tokens, in the same order."""
    try:
        with transaction.atomic():
            _insert_many(
                Membership,
                _MEMBER_COLUMNS,
                [values for _, values in members],
                created_at=now,
                updated_at=now,
            )
            # The new rows' ids, by phone: the enterprise is locked, and an active phone is
            # listed once (membership_unique_active_phone), so these are exactly ours.
            ids = dict(
                Membership.objects.filter(
                    enterprise=enterprise, status=Membership.Status.PENDING, created_at=now
                ).values_list("phone", "pk")
            )
            if len(ids) != len(members):
                raise IntegrityError("the rows read back are not the rows written")
            tokens = [Invitation.new_token() for _ in members]
            _insert_many(
                Invitation,
                _INVITATION_COLUMNS,
                [
                    (ids[values[2]], Invitation.hash_token(token), by.pk)
                    for (_, values), token in zip(members, tokens, strict=True)
                ],
                expires_at=now + invitation_ttl(),
                created_at=now,
                updated_at=now,
            )
    except IntegrityError as error:
        # A member was added outside this enterprise's lock (e.g. verified elsewhere a
        # moment ago); nothing was written, the admin may simply confirm again.
        raise DomainError(BULK_CONFLICT, code="bulk_conflict") from error
    return tokens


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
