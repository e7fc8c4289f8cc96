"""Reads of enterprises and members, scoped to who asks.

Views never fetch a membership by primary key themselves: they call
:func:`get_membership_for_admin`, which answers 404 for a row of another enterprise (so an
admin cannot even learn that the id exists). Lists cost a fixed number of queries.
"""

from __future__ import annotations

import datetime
import itertools
from dataclasses import dataclass

from django.db.models import (
    Case,
    Count,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.http import Http404

from ipms.accounts.memo import memo_forget, memo_get
from ipms.accounts.models import User
from ipms.accounts.selectors import Affiliation

from .admission import Here, PhoneFacts
from .models import Enterprise, Invitation, Membership


def _is_signed_in(user) -> bool:
    return user is not None and user.is_authenticated and user.is_active


# The request's memo key (ipms.accounts.memo) of the user's verified membership.
MEMO_MEMBERSHIP = "enterprises.verified_membership"


def membership_of(user: User) -> Membership | None:
    """The user's verified membership (a learner belongs to at most one enterprise).

    One query per request: for the request's user the answer is kept in the request's
    memo, and :func:`admin_membership_of` (the admin pages' check, 身份切换 in the layout)
    reads the same one.
    """
    if not _is_signed_in(user):
        return None
    return memo_get(
        user,
        MEMO_MEMBERSHIP,
        lambda: (
            Membership.objects.select_related("enterprise")
            .filter(user=user, status=Membership.Status.VERIFIED)
            .first()
        ),
    )


def membership_forget(user: User) -> None:
    """A service changed ``user``'s memberships: later reads in this request look again."""
    memo_forget(user, MEMO_MEMBERSHIP)


def profile_affiliation(user: User) -> Affiliation | None:
    """个人资料's 公司 and defaults from the verified member row (registered with accounts
    in ``EnterprisesConfig.ready``)."""
    membership = membership_of(user)
    if membership is None:
        return None
    return Affiliation(
        organisation=membership.enterprise.name,
        name=membership.name,
        position=membership.position,
        province=membership.province,
        city=membership.city,
    )


def enterprise_code_taken(credit_code: str) -> bool:
    """Whether an enterprise is registered under this (normalised) code already."""
    return Enterprise.objects.filter(credit_code=credit_code).exists()


def admin_membership_of(user: User) -> Membership | None:
    """The user's verified admin membership, if the user administers an enterprise.

    The verified membership is at most one (``membership_one_enterprise_per_user``), so
    this is :func:`membership_of` when its role is 管理员: the same single query.
    """
    membership = membership_of(user)
    if membership is None or membership.role != Membership.Role.ADMIN:
        return None
    return membership


def enterprise_for_admin(user: User) -> Enterprise | None:
    """The enterprise ``user`` administers, or ``None`` (e.g. for a plain learner)."""
    membership = admin_membership_of(user)
    return membership.enterprise if membership is not None else None


def is_enterprise_admin(user: User) -> bool:
    return admin_membership_of(user) is not None


def members_of(enterprise: Enterprise, *, include_removed: bool = False) -> QuerySet[Membership]:
    """成员管理 rows: the admin first, then members in the order they were added.

    The linked user comes in the same query, so a page of members costs one query
    (plus one for the count) however many rows it shows.
    """
    qs = Membership.objects.filter(enterprise=enterprise).select_related("user")
    if not include_removed:
        qs = qs.filter(status__in=Membership.ACTIVE_STATUSES)
    return qs.annotate(
        _admin_first=Case(
            When(role=Membership.Role.ADMIN, then=Value(0)),
            default=Value(1),
            output_field=IntegerField(),
        )
    ).order_by("_admin_first", "created_at", "id")


def get_membership_for_admin(*, admin_user: User, pk: int) -> Membership:
    """A member row of the admin's own enterprise; Http404 for anything else.

    Removed rows are not found either: nothing can be done to them from 成员管理.
    """
    enterprise = enterprise_for_admin(admin_user)
    if enterprise is None:
        raise Http404("不是企业管理员")
    try:
        return Membership.objects.select_related("enterprise", "user").get(
            pk=pk, enterprise=enterprise, status__in=Membership.ACTIVE_STATUSES
        )
    except (Membership.DoesNotExist, ValueError, TypeError):
        raise Http404("成员不存在") from None


def invitation_for_token(token: str) -> Invitation | None:
    """The invitation a link token belongs to (any state), for the 账号确认 page.

    The page shows the enterprise and the masked phone, and asks ``invitation_check``
    (in services) whether the link can still be used.
    """
    if not token:
        return None
    return (
        Invitation.objects.select_related("membership__enterprise", "membership__user")
        .filter(token_hash=Invitation.hash_token(token))
        .first()
    )


def pending_memberships_for_phone(phone: str) -> QuerySet[Membership]:
    """Invitations still waiting for a phone number, across enterprises (newest first)."""
    return (
        Membership.objects.filter(phone=phone, status=Membership.Status.PENDING)
        .select_related("enterprise")
        .order_by("-created_at", "-id")
    )


# --- 成员管理 pages -------------------------------------------------------------------------

MEMBER_SEARCH_MAX_LENGTH = 50


PHONE_DIGITS = 11


def member_search(search: str) -> tuple[Q, Q]:
    """What a search of 成员管理 or 学习管理 matches, as two conditions on member rows:
    ``(own, account)``; a row is found when ``own`` holds, or ``account`` does and the
    row has no 姓名 of its own.

    * 姓名: ``search`` anywhere in the name the lists show (``Membership.display_name``:
      the row's 姓名, else the account's), in any case. A search without letters that
      have a case (Chinese names) compares the names as they are, which finds the same
      rows without upper-casing every name;
    * 手机号, for a search of digits only: ``search`` anywhere in the row's phone, which is
      the account's for a linked row (``membership_phone_changed`` keeps them equal); all
      eleven digits are the phone itself.

    :func:`member_rows` applies them on indexes (docs/performance.md, "Lists").
    """
    search = (search or "").strip()[:MEMBER_SEARCH_MAX_LENGTH]
    if search.upper() == search.lower():
        own, account = Q(name__contains=search), Q(user__name__contains=search)
    else:
        own, account = Q(name__icontains=search), Q(user__name__icontains=search)
    if search.isdigit():
        own |= Q(phone=search) if len(search) == PHONE_DIGITS else Q(phone__contains=search)
    return own, account


# The order of 成员管理 and 学习管理 below the admin's row: the order members were added
# in, served by the index ``membership_list`` (learners' rows of an enterprise).
MEMBER_LIST_ORDER = ("created_at", "id")


@dataclass(frozen=True)
class MemberList:
    """A list of an enterprise's member rows, paged by ``core.pagination.KeyedPaginator``:

    ``keys`` the learners' rows in index order (filtered by the search), ``rows`` what a
    page reads for its twenty keys, ``lead`` the admin's own row, fetched apart and shown
    first (when it matches the search).
    """

    keys: QuerySet[Membership]
    rows: QuerySet[Membership]
    lead: list[Membership]


def _member_list(enterprise: Enterprise, statuses, *, search: str, rows) -> MemberList:
    search = (search or "").strip()[:MEMBER_SEARCH_MAX_LENGTH]
    mine = Membership.objects.filter(enterprise=enterprise, status__in=statuses)
    keys = mine.filter(role=Membership.Role.LEARNER)
    admin = rows.filter(
        enterprise=enterprise, status=Membership.Status.VERIFIED, role=Membership.Role.ADMIN
    )
    if search:
        own, account = member_search(search)
        # Two sets of row ids, each found on its own index: the rows' names and phones
        # (on PostgreSQL their trigram indexes; else ``membership_list``, which holds
        # them), and the unnamed rows' accounts (``membership_unnamed``); the list then
        # walks ``membership_list`` keeping the rows of either set.
        found = (
            keys.filter(own)
            .order_by()
            .values("pk")
            .union(keys.filter(account, name="").order_by().values("pk"))
        )
        keys = keys.filter(pk__in=found)
        admin = admin.filter(own | (Q(name="") & account))
    return MemberList(keys=keys.order_by(*MEMBER_LIST_ORDER), rows=rows, lead=list(admin[:1]))


def member_rows(enterprise: Enterprise, *, search: str = "") -> MemberList:
    """成员管理 table rows (待验证 and 已验证), optionally filtered by 手机号 or 姓名.

    Each row carries ``open_invite_expires_at``: when the member's usable link (if any)
    expires, so a 待验证 row can say that its link has lapsed. The subquery runs for the
    page's rows only. Paged, it costs three queries whatever the number of rows: the
    admin's row, the count, the page.
    """
    open_invitations = Invitation.objects.filter(
        membership=OuterRef("pk"), used_at__isnull=True, revoked_at__isnull=True
    ).order_by("-created_at")
    rows = Membership.objects.select_related("user").annotate(
        open_invite_expires_at=Subquery(open_invitations.values("expires_at")[:1])
    )
    return _member_list(enterprise, Membership.ACTIVE_STATUSES, search=search, rows=rows)


def verified_member_rows(enterprise: Enterprise, *, search: str = "") -> MemberList:
    """学习管理 rows: the enterprise's 已验证 members (the admin first), optionally filtered
    by 手机号 or 姓名; the account comes in the page's query."""
    return _member_list(
        enterprise,
        (Membership.Status.VERIFIED,),
        search=search,
        rows=Membership.objects.select_related("user"),
    )


def member_count(enterprise: Enterprise) -> int:
    """共N个人: active members (待验证 and 已验证), the admin included."""
    return Membership.objects.filter(
        enterprise=enterprise, status__in=Membership.ACTIVE_STATUSES
    ).count()


def membership_in_enterprise(
    *, enterprise: Enterprise, pk, include_removed: bool = False
) -> Membership:
    """One member row of ``enterprise`` (resolved from the admin, never from the URL).

    Http404 for another enterprise's row, an unknown id or a value that is no id at all,
    so nothing tells an admin whether another enterprise's id exists.
    """
    qs = Membership.objects.select_related("enterprise", "user").filter(enterprise=enterprise)
    if not include_removed:
        qs = qs.filter(status__in=Membership.ACTIVE_STATUSES)
    try:
        return qs.get(pk=int(pk))
    except (Membership.DoesNotExist, ValueError, TypeError, OverflowError):
        raise Http404("成员不存在") from None


def account_for_phone(phone: str) -> User | None:
    """The account that owns ``phone``, if any (for the 账号确认 page)."""
    return User.objects.filter(phone=phone).first()


# --- 批量导入 -------------------------------------------------------------------------------

# The largest import file (MEMBER_IMPORT_MAX_ROWS, 10,000) in one query of each kind, so
# 确认导入 costs the same queries at any size: the rows query binds two parameters per
# phone, within SQLite's 32,766 and PostgreSQL's 65,535.
_FACT_CHUNK = 10_000


def admission_facts(
    enterprise: Enterprise,
    phones: list[str],
    *,
    invitations_since: datetime.datetime | None = None,
) -> dict[str, PhoneFacts]:
    """What the admission decision needs about each phone (``admission.PhoneFacts``), in
    three queries (per 10,000 phones): the accounts, their memberships of other enterprises,
    and this enterprise's rows (已验证 / 待验证, by the invited phone or the account's);
    with ``invitations_since``, a fourth counts the links each phone got since then.
    Phones with nothing on record are left out."""
    found: dict[str, dict] = {}

    def fact(phone: str) -> dict:
        return found.setdefault(phone, {})

    for start in range(0, len(phones), _FACT_CHUNK):
        # __in_array: thousands of phones as one array parameter on PostgreSQL.
        chunk = phones[start : start + _FACT_CHUNK]
        listed = set(chunk)
        for pk, phone, active in User.objects.filter(phone__in_array=chunk).values_list(
            "pk", "phone", "is_active"
        ):
            fact(phone).update(account_id=pk, account_disabled=not active)
        for phone in (
            Membership.objects.filter(
                user__phone__in_array=chunk, status=Membership.Status.VERIFIED
            )
            .exclude(enterprise=enterprise)
            .values_list("user__phone", flat=True)
        ):
            fact(phone)["verified_elsewhere"] = True
        # The row's own phone and its account's phone, asked apart: an OR across the join
        # can use neither index and reads every member of the enterprise (384 ms for
        # 5,000 phones in the 100,000-member enterprise; docs/performance.md).
        here = Membership.objects.filter(
            enterprise=enterprise, status__in=Membership.ACTIVE_STATUSES
        ).values_list("phone", "user__phone", "status")
        rows = itertools.chain(
            here.filter(phone__in_array=chunk), here.filter(user__phone__in_array=chunk)
        )
        for phone, user_phone, status in rows:
            for number in {phone, user_phone} & listed:
                if fact(number).get("here") != Here.VERIFIED:
                    fact(number)["here"] = Here(status)
        if invitations_since is not None:
            for phone, count in (
                Invitation.objects.filter(
                    membership__phone__in_array=chunk, created_at__gte=invitations_since
                )
                .values("membership__phone")
                .annotate(n=Count("id"))
                .values_list("membership__phone", "n")
            ):
                fact(phone)["invitations_today"] = count
    return {phone: PhoneFacts(**values) for phone, values in found.items()}
