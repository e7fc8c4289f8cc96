"""Factories for enterprises and members; other apps' tests may reuse them.

Credit codes are computed, not invented: each is a valid 统一社会信用代码 with a unique
organisation code, so factories never trip the validator or the unique constraint.
"""

from __future__ import annotations

import factory
from django.utils import timezone
from factory.django import DjangoModelFactory

from ipms.accounts.tests.factories import UserFactory
from ipms.enterprises.models import Enterprise, Invitation, Membership
from ipms.enterprises.services import membership_invite
from ipms.enterprises.validators import org_code_check_character, uscc_check_character

INVITEE_PHONE = "13600002925"


def make_uscc(serial: int, *, prefix: str = "91", region: str = "310000") -> str:
    """A valid 统一社会信用代码 whose organisation code is built from ``serial``."""
    body = f"{serial:08d}"[-8:]
    first17 = f"{prefix}{region}{body}{org_code_check_character(body)}"
    return first17 + uscc_check_character(first17)


class EnterpriseFactory(DjangoModelFactory):
    class Meta:
        model = Enterprise

    name = factory.Sequence(lambda n: f"测试科技有限公司{n}")
    credit_code = factory.Sequence(lambda n: make_uscc(10_000_000 + n))
    address = "上海市浦东新区张江路1号"
    scale = Enterprise.Scale.FROM_50
    industry = Enterprise.Industry.IT
    type = Enterprise.Type.PRIVATE

    class Params:
        incomplete = factory.Trait(address="", scale="", industry="", type="")


class MembershipFactory(DjangoModelFactory):
    """A verified learner by default; ``pending=True`` for an invitee without an account."""

    class Meta:
        model = Membership

    enterprise = factory.SubFactory(EnterpriseFactory)
    user = factory.SubFactory(UserFactory)
    phone = factory.LazyAttribute(lambda o: o.user.phone if o.user else "13700000000")
    name = factory.LazyAttribute(lambda o: o.user.name if o.user else "")
    position = Membership.Position.RND
    province = "310000"
    city = "310000"
    role = Membership.Role.LEARNER
    status = Membership.Status.VERIFIED
    verified_at = factory.LazyFunction(timezone.now)

    class Params:
        admin = factory.Trait(role=Membership.Role.ADMIN, position=Membership.Position.OTHER)
        pending = factory.Trait(
            user=None,
            status=Membership.Status.PENDING,
            verified_at=None,
            phone=factory.Sequence(lambda n: f"137{n:08d}"),
        )


def enterprise_with_admin(admin=None, **fields) -> tuple[Enterprise, object]:
    """An enterprise (``EnterpriseFactory(**fields)``) and its verified admin: ``admin``,
    or a new user. Returns ``(enterprise, admin)``."""
    admin = admin or UserFactory()
    enterprise = EnterpriseFactory(created_by=admin, **fields)
    MembershipFactory(enterprise=enterprise, user=admin, admin=True)
    return enterprise, admin


def invite_member(enterprise, by, phone: str = INVITEE_PHONE, **fields):
    """添加成员 through the real service (the invitation and its SMS included), with the
    form's usual answers unless ``fields`` says otherwise; returns what the service does
    (the membership and the invitation's raw token)."""
    answers = {
        "name": "张总监",
        "position": Membership.Position.IP_MANAGER,
        "province": "310000",
        "city": "310000",
    }
    return membership_invite(enterprise=enterprise, by=by, phone=phone, **(answers | fields))


def open_invitation(membership: Membership, **fields) -> tuple[Invitation, str]:
    """Store an open invitation for ``membership`` directly; returns it and its raw token."""
    token = Invitation.new_token()
    invitation = Invitation.objects.create(
        membership=membership, token_hash=Invitation.hash_token(token), **fields
    )
    return invitation, token
