"""Who may be put on an enterprise's member list: one decision for 添加成员, the 批量导入
preview and its 确认导入.

The decision is pure: it reads no database, no cache and no clock. Each caller loads the
facts its own way (one phone with row locks for 添加成员, 500 phones per query for an
import), asks :func:`admission_decide` per phone, and writes what it says. The rules:

1. the admin's own enterprise, with a complete 企业信息 (:func:`admission_gate`);
2. a phone already 已验证 in this enterprise: 添加成员 refuses, an import skips it;
3. a phone that may not be added (an account disabled, or verified in another
   enterprise) gets one answer for both, so an admin learns nothing about people outside
   the enterprise (``PHONE_NOT_ADDABLE``; the caller counts it against the admin's limit);
4. a phone already 待验证 here: 添加成员 sends a new link, an import skips it;
5. the invitation limits, when the caller sends SMS (the preview sends none): the
   phone's links of the last 24 hours and the enterprise's daily cap
   (:func:`invitation_limits_check`, also used by 重新发送邀请).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from enum import StrEnum
from typing import NamedTuple

from ipms.core import regions
from ipms.core.errors import DomainError
from ipms.core.names import clean_person_name
from ipms.core.phone import PHONE_INVALID, is_mobile, normalize_mobile

from . import messages
from .models import Membership


class Here(StrEnum):
    """The phone's row on this enterprise's list (待验证 or 已验证), if any."""

    NONE = ""
    PENDING = "pending"
    VERIFIED = "verified"


@dataclass(frozen=True)
class PhoneFacts:
    """What the database says about one phone, seen from one enterprise."""

    here: Here = Here.NONE
    account_disabled: bool = False  # the phone's account exists and is disabled
    verified_elsewhere: bool = False  # the phone's account is 已验证 in another enterprise
    invitations_today: int = 0  # links sent to the phone in the last 24 h, any enterprise
    account_id: int | None = None  # the phone's account, linked to a new row


@dataclass(frozen=True)
class InvitationLimits:
    """The caps on invitation SMS (services: INVITATIONS_PER_PHONE_PER_DAY and
    MEMBER_INVITE_DAILY_LIMIT)."""

    per_phone_per_day: int
    enterprise_daily: int  # the cap itself, for the message
    enterprise_left: int  # links the enterprise may still send in the current 24 h


class Outcome(StrEnum):
    INVITE = "invite"  # a new 待验证 row and its link
    RESEND = "resend"  # already 待验证 here: the details updated and a new link (添加成员)
    SKIP = "skip"  # already on the list: nothing to do (批量导入)
    REFUSE = "refuse"


@dataclass(frozen=True)
class Admission:
    outcome: Outcome
    code: str = ""
    message: str = ""

    @property
    def refused(self) -> bool:
        return self.outcome is Outcome.REFUSE

    def error(self) -> DomainError:
        """The refusal as the DomainError 添加成员 raises (on the phone field)."""
        return DomainError(self.message, code=self.code, field="phone")


INVITE = Admission(Outcome.INVITE)
RESEND = Admission(Outcome.RESEND)


def _refuse(code: str, message: str) -> Admission:
    return Admission(Outcome.REFUSE, code=code, message=message)


def admission_gate(*, by_admin: bool, profile_complete: bool) -> DomainError | None:
    """Whether anyone may be added at all: the refusal, or None."""
    if not by_admin:
        return DomainError(messages.NOT_ADMIN, code="not_admin")
    if not profile_complete:
        return DomainError(messages.PROFILE_INCOMPLETE, code="profile_incomplete")
    return None


def invitation_limits_check(
    *,
    invitations_today: int,
    limits: InvitationLimits,
    invited_so_far: int = 0,
    last_sent_ago: datetime.timedelta | None = None,
    resend_interval: datetime.timedelta | None = None,
) -> DomainError | None:
    """The refusal for one more invitation link, or None.

    ``invited_so_far``: links this same request sends before this one (an import);
    ``last_sent_ago``: the time since the member's previous link (a re-send).
    """
    recent = last_sent_ago is not None and resend_interval is not None
    if recent and last_sent_ago < resend_interval:
        return DomainError(messages.RESEND_TOO_SOON, code="resend_too_soon")
    if invitations_today >= limits.per_phone_per_day:
        return DomainError(
            messages.TOO_MANY_INVITATIONS, code="too_many_invitations", field="phone"
        )
    if limits.enterprise_left - invited_so_far < 1:
        return DomainError(
            messages.ENTERPRISE_DAILY_LIMIT.format(limit=limits.enterprise_daily),
            code="enterprise_daily_limit",
        )
    return None


def admission_decide(
    facts: PhoneFacts,
    *,
    bulk: bool,
    limits: InvitationLimits | None = None,
    invited_so_far: int = 0,
) -> Admission:
    """What to do with one phone (the rules of the module doc, in that order).

    ``bulk``: an import (already listed → skip) rather than 添加成员 (已验证 → refused,
    待验证 → re-send). ``limits``: check the invitation caps (None: the preview, which
    sends nothing); ``invited_so_far``: links this import already decided to send.
    """
    if facts.here is Here.VERIFIED:
        if bulk:
            return Admission(Outcome.SKIP, code="already_member", message=messages.SKIP_MEMBER)
        return _refuse("phone_already_member", messages.PHONE_ALREADY_MEMBER)
    if facts.account_disabled or facts.verified_elsewhere:
        return _refuse("phone_not_addable", messages.PHONE_NOT_ADDABLE)
    if facts.here is Here.PENDING:
        if bulk:
            return Admission(Outcome.SKIP, code="already_pending", message=messages.SKIP_PENDING)
        return RESEND  # its own limits are the re-send's (services._issue_invitation)
    if limits is not None:
        refusal = invitation_limits_check(
            invitations_today=facts.invitations_today,
            limits=limits,
            invited_so_far=invited_so_far,
        )
        if refusal is not None:
            return _refuse(refusal.code, refusal.message)
    return INVITE


# --- the details typed for a member -----------------------------------------------------


# Membership.Position.values builds its list anew at every call (a cost per import row).
_POSITIONS = frozenset(Membership.Position.values)


class InviteRow(NamedTuple):
    """One member to invite; ``ref`` identifies it to the caller (the Excel row)."""

    ref: int
    phone: str
    position: str
    name: str = ""
    province: str = ""
    city: str = ""


def member_row_clean(row: InviteRow) -> InviteRow:
    """The row with its values normalised, or the DomainError (on its field) that says
    what is wrong first: 手机, 职位, 省份/城市, 姓名."""
    phone = normalize_mobile(row.phone)
    if not is_mobile(phone):
        raise DomainError(PHONE_INVALID, code="phone_invalid", field="phone")
    if row.position not in _POSITIONS:
        raise DomainError(messages.POSITION_INVALID, code="position_invalid", field="position")
    region = regions.region_error(row.province, row.city)
    if region is not None:
        where, message = region
        raise DomainError(message, code="region_invalid", field=where)
    return row._replace(
        phone=phone,
        name=clean_person_name(row.name),
        province=(row.province or "").strip(),
        city=(row.city or "").strip(),
    )


# --- 确认导入: the plan for many rows -------------------------------------------------------


@dataclass
class BulkPlan:
    """What 确认导入 does with each row: invite, skip (already listed, or listed twice in
    the file) or fail (the refusal a single 添加成员 would give)."""

    invite: list[InviteRow] = field(default_factory=list)
    skipped: list[tuple[int, str]] = field(default_factory=list)
    failed: list[tuple[int, str]] = field(default_factory=list)


def bulk_plan(
    rows: list[InviteRow], facts: dict[str, PhoneFacts], limits: InvitationLimits
) -> BulkPlan:
    """The decision of 确认导入 for every row, in file order: pure.

    ``facts`` holds what was loaded for each cleaned phone (a phone missing from it has
    nothing on record). A phone listed twice counts once: the first row wins.
    """
    plan = BulkPlan()
    seen: set[str] = set()
    for raw in rows:
        try:
            row = member_row_clean(raw)
        except DomainError as error:
            plan.failed.append((raw.ref, error.message))
            continue
        if row.phone in seen:
            plan.skipped.append((row.ref, messages.DUPLICATE_IN_FILE))
            continue
        seen.add(row.phone)
        decision = admission_decide(
            facts.get(row.phone, PhoneFacts()),
            bulk=True,
            limits=limits,
            invited_so_far=len(plan.invite),
        )
        if decision.outcome is Outcome.INVITE:
            plan.invite.append(row)
        elif decision.outcome is Outcome.SKIP:
            plan.skipped.append((row.ref, decision.message))
        else:
            plan.failed.append((row.ref, decision.message))
    return plan


def bulk_cleaned_phones(rows: list[InviteRow]) -> list[str]:
    """The phones whose facts :func:`bulk_plan` needs (valid phones, each once). Only the
    phone is cleaned: the facts of a row refused for another field are never read, and
    cleaning the whole row here would check every name twice."""
    phones: dict[str, None] = {}
    for raw in rows:
        phone = normalize_mobile(raw.phone)
        if is_mobile(phone):
            phones.setdefault(phone)
    return list(phones)
