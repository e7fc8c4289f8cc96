"""在线客服: conversations between a visitor (or signed-in user) and platform staff."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from ipms.core.workflow import Workflow


class ConversationStatus(models.TextChoices):
    OPEN = "open", "进行中"
    CLOSED = "closed", "已结束"


class Conversation(models.Model):
    """One conversation. Its owner is a signed-in user or a visitor's signed cookie; the
    owner never names a conversation by id (the socket finds the owner's own), so ids
    cannot be guessed into someone else's."""

    # "user:<pk>" or "visitor:<random token>": who may read and post to it.
    owner_key = models.CharField("访客标识", max_length=64, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="用户",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="support_conversations",
    )
    status = models.CharField(
        "会话状态", max_length=10, choices=ConversationStatus.choices, default="open"
    )
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="接待客服",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="support_assigned",
    )
    page_url = models.CharField("来源页面", max_length=300, blank=True)
    contact_phone = models.CharField("留言手机号", max_length=11, blank=True)
    created_at = models.DateTimeField("开始时间", auto_now_add=True)
    last_message_at = models.DateTimeField("最后消息时间", null=True, blank=True, db_index=True)
    # Since when the visitor waits for an answer (their first message after the last reply).
    waiting_since = models.DateTimeField("等待开始", null=True, blank=True)
    closed_at = models.DateTimeField("结束时间", null=True, blank=True)
    # The newest message each side has seen (unread = the other side's messages after it).
    staff_read_id = models.BigIntegerField("客服已读至", default=0)
    visitor_read_id = models.BigIntegerField("访客已读至", default=0)
    rating = models.PositiveSmallIntegerField("评价", null=True, blank=True)
    rating_comment = models.CharField("评价内容", max_length=200, blank=True)
    rated_at = models.DateTimeField("评价时间", null=True, blank=True)

    class Meta:
        verbose_name = "客服会话"
        verbose_name_plural = "客服会话"
        ordering = ["-last_message_at", "-id"]
        permissions = [("answer_conversation", "接待在线客服")]
        constraints = [
            models.UniqueConstraint(
                fields=["owner_key"],
                condition=Q(status="open"),
                name="support_one_open_conversation_per_owner",
            ),
            models.CheckConstraint(
                condition=Q(rating__isnull=True) | Q(rating__gte=1, rating__lte=5),
                name="support_rating_1_to_5",
            ),
        ]
        indexes = [models.Index(fields=["status", "-last_message_at"])]

    def __str__(self) -> str:
        return f"会话 #{self.pk}"

    @property
    def is_open(self) -> bool:
        return self.status == ConversationStatus.OPEN


# A conversation ends once; a visitor who writes again starts a new one.
CONVERSATION_WORKFLOW = Workflow(
    Conversation,
    field="status",
    allowed={ConversationStatus.OPEN: {ConversationStatus.CLOSED}},
    initial={ConversationStatus.OPEN},
    audit_action="support.conversation_closed",
)


class Sender(models.TextChoices):
    VISITOR = "visitor", "访客"
    STAFF = "staff", "客服"
    SYSTEM = "system", "系统"


class Message(models.Model):
    conversation = models.ForeignKey(
        Conversation, verbose_name="会话", on_delete=models.CASCADE, related_name="messages"
    )
    sender = models.CharField("发送方", max_length=10, choices=Sender.choices)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="发送人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    body = models.TextField("内容")
    # The sender's own id for the message (the panel's uuid4): a message re-sent after a
    # dropped socket is stored once. Empty for messages of older clients and the system.
    client_id = models.CharField("客户端消息编号", max_length=36, blank=True, default="")
    created_at = models.DateTimeField("发送时间", auto_now_add=True)

    class Meta:
        verbose_name = "客服消息"
        verbose_name_plural = "客服消息"
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["conversation", "client_id"],
                condition=~Q(client_id=""),
                name="support_message_once_per_client_id",
            )
        ]

    def __str__(self) -> str:
        return self.body[:30]


class QuickReply(models.Model):
    """A ready answer the staff console offers as a button."""

    text = models.CharField("回复内容", max_length=300)
    position = models.PositiveSmallIntegerField("排序", default=0)

    class Meta:
        verbose_name = "快捷回复"
        verbose_name_plural = "快捷回复"
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.text[:30]


class StaffConnection(models.Model):
    """One open staff console socket (its channel name) and its last sign of life.

    A row per socket, not a counter per staff member: the socket deletes its own row when
    it closes, so presence drops with the last one; a counter missed the decrements of a
    process that stopped with sockets open and stayed above zero, leaving only the expiry.
    Rows of a process that died are still ignored after ``SUPPORT_PRESENCE_TTL`` seconds
    without a ping (the console pings every 30 s) and deleted by the next connect.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="客服", on_delete=models.CASCADE, related_name="+"
    )
    channel = models.CharField("连接", max_length=200, unique=True)
    last_seen = models.DateTimeField("最近在线", db_index=True)

    class Meta:
        verbose_name = "客服在线连接"
        verbose_name_plural = "客服在线连接"

    def __str__(self) -> str:
        return str(self.user)
