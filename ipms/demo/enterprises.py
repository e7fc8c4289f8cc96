"""Demo enterprise, its admin and members (idempotent: keyed by the credit code).

The enterprise and its people are invented; the credit code is a made-up one that
passes the GB 32100 checks.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction

from ipms.accounts.models import User
from ipms.accounts.services import user_agreement_accept
from ipms.enterprises.models import Enterprise, Membership
from ipms.enterprises.services import enterprise_register, invitation_accept, membership_invite

CREDIT_CODE = "91320594MA1PXK372U"
ENTERPRISE = {
    "name": "苏州示范智能科技有限公司",
    "credit_code": CREDIT_CODE,
    "address": "江苏省苏州市工业园区星湖街 328 号创意产业园 9 栋 901 室",
    "scale": Enterprise.Scale.FROM_500,
    "industry": Enterprise.Industry.IT,
    "type": Enterprise.Type.PRIVATE,
}
ADMIN = {"phone": "18600002641", "password": "Demo2026adm", "name": "王明远"}
MEMBER_PASSWORD = "Demo2026stu"  # noqa: S105 - public demo password, printed by make run
INDIVIDUAL = {"phone": "13700000005", "password": MEMBER_PASSWORD, "name": "周晓岚"}


@dataclass(frozen=True)
class DemoMember:
    phone: str
    name: str
    position: str
    province: str
    city: str
    verified: bool


P = Membership.Position
MEMBERS = [
    DemoMember("13600002925", "张总监", P.IP_MANAGER, "310000", "310000", verified=True),
    DemoMember("13600002926", "李研发", P.RND, "320000", "320500", verified=True),
    DemoMember("13600002927", "陈法务", P.LEGAL, "320000", "320500", verified=True),
    DemoMember("13600002928", "赵采购", P.PROCUREMENT, "320000", "320500", verified=False),
    DemoMember("13600002929", "孙内审", P.INTERNAL_AUDITOR, "320000", "320100", verified=False),
]

# Printed by load_demo next to the operator account.
ACCOUNTS = [
    ("企业管理员", ADMIN["phone"], ADMIN["password"], "/accounts/login/ → 身份切换"),
    ("企业学员（已验证）", MEMBERS[0].phone, MEMBER_PASSWORD, "/accounts/login/"),
    ("个人学员", INDIVIDUAL["phone"], INDIVIDUAL["password"], "/accounts/login/"),
]


def _user(phone: str, password: str, name: str) -> User:
    user = User.objects.filter(phone=phone).first()
    if user is None:
        user = User.objects.create_user(phone=phone, password=password, name=name)
        # Demo people have "read" the 《用户协议》, so logging in shows no reminder.
        user_agreement_accept(user=user)
    return user


@transaction.atomic
def load(*, stdout) -> None:
    if not User.objects.filter(phone=INDIVIDUAL["phone"]).exists():
        _user(**INDIVIDUAL)
    if Enterprise.objects.filter(credit_code=CREDIT_CODE).exists():
        return
    admin = _user(**ADMIN)
    enterprise = enterprise_register(admin_user=admin, **ENTERPRISE)
    for member in MEMBERS:
        invited = membership_invite(
            enterprise=enterprise,
            by=admin,
            phone=member.phone,
            name=member.name,
            position=member.position,
            province=member.province,
            city=member.city,
        )
        if member.verified:
            user = _user(member.phone, MEMBER_PASSWORD, member.name)
            invitation_accept(token=invited.token, user=user)
    stdout.write(f"  企业“{enterprise.name}”已创建（成员 {len(MEMBERS) + 1} 人）。")
