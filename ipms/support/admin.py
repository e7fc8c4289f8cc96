"""在线客服 in the operator console: the desk (the conversations' list page), quick replies.

The desk replaces the conversation list: open conversations with unread counts and
waiting time, one conversation beside it (messages, reply, quick replies, 接待, 结束会话),
search over past ones. Replies travel over the staff socket (static/support/desk.js); 接待
and 结束会话 are posts here, audited by the services.
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from ipms.accounts.selectors import affiliation_of
from ipms.core.admin import AuditedAdminMixin
from ipms.core.errors import DomainError

from . import events, selectors, services
from .identity import staff_may_answer
from .models import Conversation, QuickReply

STATUS_FILTERS = [("open", "进行中"), ("closed", "已结束"), ("all", "全部")]


def owner_label(conversation: Conversation) -> str:
    if conversation.user_id:
        user = conversation.user
        return f"{user.name}（{user.masked_phone}）" if user.name else user.masked_phone
    return f"访客 {conversation.owner_key.split(':', 1)[-1][:6]}"


def waiting_minutes(conversation: Conversation, now) -> int | None:
    if conversation.waiting_since is None or not conversation.is_open:
        return None
    return max(0, int((now - conversation.waiting_since).total_seconds() // 60))


@admin.register(Conversation)
class ConversationAdmin(admin.ModelAdmin):
    """The desk. Staff who may answer (``support.answer_conversation``) see it."""

    def has_module_permission(self, request):
        return staff_may_answer(request.user)

    def has_view_permission(self, request, obj=None):
        return staff_may_answer(request.user)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_urls(self):
        wrap = self.admin_site.admin_view
        return [
            path("", wrap(self.desk_view), name="support_conversation_changelist"),
            path("list/", wrap(self.list_view), name="support_desk_list"),
            path("<id:pk>/assign/", wrap(require_POST(self.assign_view)), name="support_assign"),
            path("<id:pk>/close/", wrap(require_POST(self.close_view)), name="support_close"),
            path("<id:pk>/change/", wrap(self.change_redirect), name="support_conversation_change"),
        ]

    def _check(self, request):
        if not staff_may_answer(request.user):
            raise PermissionDenied

    def _list_context(self, request) -> dict:
        status = request.GET.get("status", "open")
        if status not in dict(STATUS_FILTERS):
            status = "open"
        query = request.GET.get("q", "")[:100]
        now = timezone.now()
        rows = [
            {
                "c": row,
                "owner": owner_label(row),
                "waiting": waiting_minutes(row, now),
            }
            for row in selectors.console_conversations(status=status, query=query)
        ]
        return {"rows": rows, "status": status, "query": query, "filters": STATUS_FILTERS}

    def desk_view(self, request):
        self._check(request)
        context = {
            **self.admin_site.each_context(request),
            "title": "在线客服",
            "opts": self.model._meta,
            **self._list_context(request),
            "quick_replies": selectors.quick_replies(),
            "staff_online": True,
        }
        selected = request.GET.get("c", "")
        if selected.isdigit() and len(selected) < 19:
            conversation = selectors.console_conversation(int(selected))
            history = selectors.messages_after(conversation)
            affiliation = affiliation_of(conversation.user) if conversation.user_id else None
            if history:
                services.staff_read_mark(conversation_id=conversation.pk, upto=history[-1].pk)
            context.update(
                selected=conversation,
                selected_owner=owner_label(conversation),
                organisation=affiliation.organisation if affiliation else "",
                history=[events.message_payload(row) for row in history],
                last_id=history[-1].pk if history else 0,
            )
        return TemplateResponse(request, "support/desk.html", context)

    def list_view(self, request):
        self._check(request)
        return TemplateResponse(
            request, "support/partials/desk_list.html", self._list_context(request)
        )

    def _back(self, request, pk):
        return redirect(f"{reverse('admin:support_conversation_changelist')}?c={pk}")

    def assign_view(self, request, pk: int):
        self._check(request)
        try:
            conversation = services.conversation_assign(conversation_id=pk, staff=request.user)
        except DomainError as error:
            messages.error(request, error.message)
        else:
            events.publish_on_commit(events.publish_state, conversation)
            messages.success(request, "已接待该会话。")
        return self._back(request, pk)

    def close_view(self, request, pk: int):
        self._check(request)
        conversation = selectors.console_conversation(pk)
        try:
            notice = services.conversation_close(conversation=conversation, actor=request.user)
        except DomainError as error:
            messages.error(request, error.message)
        else:
            if notice is not None:
                events.publish_on_commit(events.publish_message, conversation, notice)
                events.publish_on_commit(events.publish_state, conversation)
            messages.success(request, "会话已结束。")
        return self._back(request, pk)

    def change_redirect(self, request, pk: int):
        self._check(request)
        return self._back(request, pk)


@admin.register(QuickReply)
class QuickReplyAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = ("text", "position")
    list_editable = ("position",)
