"""Telling the enterprise admin that an application moved (issue 12 §6).

Every state change leaves an on-site notice (shown on 监督反馈) in the same transaction;
a decision by the body also sends an SMS to the enterprise's admin after commit (the
admin made the other moves, submitting and withdrawing, themselves).
"""

from __future__ import annotations

from ipms.accounts.sms import sms_send_after_commit
from ipms.core.sms.templates import REVIEW_STATUS_CHANGED
from ipms.enterprises.models import Membership

from .models import Application, ApplicationStatus, Notice

S = ApplicationStatus

NOTICE_TEXTS = {
    S.PRE_REVIEW_PENDING: "学习证明审查已提交至{body}，请等待预审。",
    S.PRE_REVIEW_PASSED: "{body}已通过学习证明审查，请继续提交贯标证书编号。",
    S.PRE_REVIEW_REJECTED: "{body}拒绝了学习证明审查，原因：{reason}",
    S.REVIEW_PENDING: "贯标证书编号已提交至{body}，请等待审核。",
    S.REJECTED: "{body}拒绝了贯标认证审核，原因：{reason}",
    S.APPROVED: "{body}已通过贯标认证审核。",
    S.WITHDRAWN: "提交至{body}的认证审核申请已撤销。",
}
# The moves the body makes: the admin learns of them by SMS too.
SMS_STATES = {S.PRE_REVIEW_PASSED, S.PRE_REVIEW_REJECTED, S.REJECTED, S.APPROVED}


def notice_text(application: Application) -> str:
    return NOTICE_TEXTS[application.status].format(
        body=application.body.name, reason=application.reason
    )


def status_changed(application: Application) -> Notice:
    """The notice of ``application``'s current state, and the SMS for a body's decision."""
    notice = Notice.objects.create(
        enterprise_id=application.enterprise_id,
        application=application,
        text=notice_text(application)[:300],
    )
    if application.status in SMS_STATES:
        admin = (
            Membership.objects.select_related("user")
            .filter(
                enterprise_id=application.enterprise_id,
                role=Membership.Role.ADMIN,
                status=Membership.Status.VERIFIED,
            )
            .first()
        )
        if admin is not None and admin.user is not None:
            sms_send_after_commit(
                phone=admin.user.phone,
                template=REVIEW_STATUS_CHANGED,
                params={
                    "enterprise": application.enterprise.name,
                    "body": application.body.name,
                    "status": application.get_status_display(),
                },
            )
    return notice
