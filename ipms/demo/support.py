"""Demo quick replies for the 在线客服 desk (idempotent: missing texts are added)."""

from __future__ import annotations

from django.db import transaction

from ipms.support.models import QuickReply

QUICK_REPLIES = (
    "您好，我是平台客服，很高兴为您服务。",
    "请在“课程列表”中选择课程，点击“立即学习”即可开始学习。",
    "企业管理员可在“成员管理”中添加成员或批量导入。",
    "请您留下手机号，我们稍后与您联系。",
    "感谢您的咨询，祝您学习顺利！",
)


@transaction.atomic
def load(*, stdout) -> None:
    known = set(QuickReply.objects.values_list("text", flat=True))
    added = [
        QuickReply(text=text, position=position)
        for position, text in enumerate(QUICK_REPLIES, start=1)
        if text not in known
    ]
    QuickReply.objects.bulk_create(added)
    if added:
        stdout.write(f"在线客服快捷回复：新增 {len(added)} 条。")
