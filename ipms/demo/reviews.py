"""Demo certification bodies, reviewers, questionnaire and applications in every state.

Two bodies, one reviewer each; four invented applicant enterprises drive applications
through the real services so the first body's 审核首页 shows every count non-zero (无效 ·
待审核 · 已拒绝 · 已通过 · 待预审 · 预审拒绝 · 预审通过) with real history rows. The main demo
enterprise (苏州示范智能科技有限公司) is left without an application, so its admin can walk
监督反馈 from the start. Idempotent: keyed by the first body's name.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from ipms.accounts.models import User
from ipms.accounts.services import user_agreement_accept
from ipms.enterprises.models import Enterprise
from ipms.enterprises.services import enterprise_register
from ipms.enterprises.validators import org_code_check_character, uscc_check_character
from ipms.reviews import services
from ipms.reviews.models import Application, CertificationBody, Question

REVIEWER_PASSWORD = "Demo2026rev"  # noqa: S105 - public demo password, printed by make run
BODIES = [
    ("华智知识产权认证有限公司", "13900000101", "王会青"),
    ("中正贯标认证中心", "13900000102", "刘审核"),
]
QUESTIONS = [
    ("您对认证机构的服务态度是否满意？", Question.Kind.RATING, True),
    ("您对认证机构的审核效率是否满意？", Question.Kind.RATING, True),
    ("您对认证机构还有哪些意见或建议？", Question.Kind.TEXT, False),
]
APPLICANT_PASSWORD = "Demo2026adm"  # noqa: S105 - public demo password
APPLICANTS = [
    ("上海东方精密制造有限公司", "18600003001", "陈立"),
    ("杭州云帆软件科技有限公司", "18600003002", "林晓"),
    ("南京长江生物医药有限公司", "18600003003", "黄海"),
    ("无锡新材料科技股份有限公司", "18600003004", "吴刚"),
    ("合肥智造装备有限公司", "18600003005", "许宁"),
]
ACCOUNTS = [
    ("认证机构审核员", BODIES[0][1], REVIEWER_PASSWORD, "/accounts/login/ → 机构审核"),
    ("认证机构审核员（另一机构）", BODIES[1][1], REVIEWER_PASSWORD, "/accounts/login/"),
]


def _credit_code(serial: int) -> str:
    body = f"{70_000_000 + serial:08d}"
    first17 = f"91320500{body}{org_code_check_character(body)}"
    return first17 + uscc_check_character(first17)


def _user(phone: str, password: str, name: str) -> User:
    user = User.objects.filter(phone=phone).first()
    if user is None:
        user = User.objects.create_user(phone=phone, password=password, name=name)
        user_agreement_accept(user=user)
    return user


def _open(enterprise: Enterprise, body: CertificationBody, admin: User) -> Application:
    # Created in its initial state (not a transition); the demo applicants hold no
    # proofs, which application_submit would ask for.
    return Application.objects.create(
        enterprise=enterprise,
        body=body,
        submitted_by=admin,
        submitted_at=timezone.now(),
        status=Application.Status.PRE_REVIEW_PENDING,
    )


@transaction.atomic
def load(*, stdout) -> None:
    if CertificationBody.objects.filter(name=BODIES[0][0]).exists():
        return
    reviewers = []
    for name, phone, person in BODIES:
        body = services.body_create(name=name)
        reviewers.append(
            services.reviewer_create(
                body=body, phone=phone, name=person, password=REVIEWER_PASSWORD
            )
        )
    for order, (text, kind, required) in enumerate(QUESTIONS, start=1):
        Question.objects.get_or_create(
            text=text, defaults={"kind": kind, "required": required, "order": order}
        )
    applicants = []
    for serial, (name, phone, person) in enumerate(APPLICANTS, start=1):
        admin = _user(phone, APPLICANT_PASSWORD, person)
        enterprise = enterprise_register(
            admin_user=admin,
            name=name,
            credit_code=_credit_code(serial),
            address="演示地址",
            scale=Enterprise.Scale.FROM_50,
            industry=Enterprise.Industry.IT,
            type=Enterprise.Type.PRIVATE,
        )
        applicants.append((enterprise, admin))

    main, other = reviewers
    answers = {f"q{q.pk}": "5" for q in Question.objects.filter(kind=Question.Kind.RATING)}

    def approve(app, reviewer=main):
        services.application_decide(application=app, reviewer=reviewer, action="approve")

    def reject(app, reason):
        services.application_decide(application=app, reviewer=main, action="reject", reason=reason)

    def certificate(app, admin, number):
        services.application_submit_certificate(
            application=app, by=admin, certificate_number=number, answers=answers
        )

    (e1, a1), (e2, a2), (e3, a3), (e4, a4), (e5, a5) = applicants
    # 无效, then 已通过
    services.application_withdraw(application=_open(e1, main.body, a1), by=a1)
    app = _open(e1, main.body, a1)
    approve(app)
    certificate(app, a1, "CN20260315-0001")
    approve(app)
    # 预审拒绝, then 待审核
    reject(_open(e2, main.body, a2), "学员学习时长不足，请继续学习后再提交。")
    app = _open(e2, main.body, a2)
    approve(app)
    certificate(app, a2, "CN20260402-0017")
    # 已拒绝, then 待预审
    app = _open(e3, main.body, a3)
    approve(app)
    certificate(app, a3, "CN2026-XX")
    reject(app, "贯标证书编号无法核实，请核对后重新申请。")
    _open(e3, main.body, a3)
    # 预审通过
    approve(_open(e4, main.body, a4))
    # The other body: one approved application.
    app = _open(e5, other.body, a5)
    approve(app, other)
    certificate(app, a5, "CN20251120-0088")
    approve(app, other)
    stdout.write(
        f"  认证机构 {len(BODIES)} 家、认证审核申请 {Application.objects.count()} 份已创建。"
    )
