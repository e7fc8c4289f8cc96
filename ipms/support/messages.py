"""What 在线客服 says, each message once (the services, consumers and pages import it)."""

GREETING = "您好，请问有什么可以帮到您？"
OFFLINE = "当前暂无客服在线。请留言并留下您的手机号，我们会尽快与您联系。"
MESSAGE_EMPTY = "请输入消息内容。"
MESSAGE_TOO_LONG = "消息不能超过{limit}个字。"
CONVERSATION_CLOSED = "该会话已结束。"
CONVERSATION_MISSING = "没有可以评价的会话。"
CLOSED_NOTICE = "本次会话已结束，欢迎您对本次服务进行评价。"
ALREADY_RATED = "您已评价过本次会话，感谢您的反馈。"
RATING_INVALID = "请选择 1 到 5 颗星。"
COMMENT_TOO_LONG = "评价内容不能超过{limit}个字。"
NOT_ALLOWED = "您没有接待在线客服的权限。"
CLIENT_ID_INVALID = "消息编号无效，请刷新页面后重试。"
UNKNOWN_REQUEST = "无法识别的请求，请刷新页面后重试。"

AUDIT_ACTIONS = {
    "support.conversation_assigned": "在线客服接待会话",
    "support.conversation_closed": "在线客服结束会话",
    "support.conversations_purged": "在线客服删除过期会话",
}
