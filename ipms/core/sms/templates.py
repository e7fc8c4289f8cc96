"""The registry of SMS texts the platform sends.

Every message is a template with named parameters. Local backends (console, file,
locmem) render the text below; a provider backend sends the provider's own template id
(approved in the provider's console with the same wording) plus the parameter values in
the order given by ``params``. Parameters listed in ``secret_params`` are one-time
secrets (codes, invitation tokens): they are redacted wherever a message is logged in
production.
"""

from __future__ import annotations

import string
from collections.abc import Mapping
from dataclasses import dataclass, field

from django.conf import settings

VERIFICATION_CODE = "verification_code"
MEMBER_INVITATION = "member_invitation"
REVIEW_STATUS_CHANGED = "review_status_changed"

REDACTED = "******"


@dataclass(frozen=True)
class SmsTemplate:
    id: str
    description: str
    # The text after the 【signature】; ``{name}`` placeholders are parameters, and
    # ``{link_base}`` is filled from settings.SMS_LINK_BASE (it is part of the approved
    # provider template, not a parameter: providers refuse URLs in parameters).
    text: str
    # Parameter names in the order the provider template numbers them ({1}, {2}, …).
    params: tuple[str, ...]
    secret_params: frozenset[str] = field(default_factory=frozenset)

    def check_params(self, params: Mapping[str, object]) -> None:
        """Refuse missing or unknown parameters: a programming error, not user input."""
        given, wanted = set(params), set(self.params)
        if given != wanted:
            raise ValueError(
                f"SMS template {self.id!r} takes {sorted(wanted)}, got {sorted(given)}"
            )

    def provider_params(self, params: Mapping[str, object]) -> list[str]:
        self.check_params(params)
        return [str(params[name]) for name in self.params]


TEMPLATES: dict[str, SmsTemplate] = {
    template.id: template
    for template in (
        SmsTemplate(
            id=VERIFICATION_CODE,
            description="短信验证码（注册、找回密码、更换手机）",
            text="您的验证码为{code}，{minutes}分钟内有效，请勿泄露给他人。",
            params=("code", "minutes"),
            secret_params=frozenset({"code"}),
        ),
        SmsTemplate(
            id=MEMBER_INVITATION,
            description="企业添加成员后的确认邀请（product-rules §4）",
            text=(
                "您好，{enterprise} 将您加入贯标认证学习平台，成为该企业认证学员。"
                "请点击以下链接确认加入：{link_base}{token}"
            ),
            params=("enterprise", "token"),
            secret_params=frozenset({"token"}),
        ),
        SmsTemplate(
            id=REVIEW_STATUS_CHANGED,
            description="认证机构审核了企业的认证审核申请（product-rules §7）",
            text=(
                "您好，{enterprise} 提交至 {body} 的认证审核申请状态已变为“{status}”，"
                "请登录平台在监督反馈中查看。"
            ),
            params=("enterprise", "body", "status"),
        ),
    )
}


def get_template(template_id: str) -> SmsTemplate:
    try:
        return TEMPLATES[template_id]
    except KeyError:
        raise ValueError(f"Unknown SMS template {template_id!r}") from None


def _placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def signature() -> str:
    return settings.SMS_SIGNATURE


def render(template_id: str, params: Mapping[str, object], *, redact: bool = False) -> str:
    """The full text a phone shows, e.g. ``【贯标认证学习平台】您的验证码为…``."""
    template = get_template(template_id)
    template.check_params(params)
    values = {name: str(value) for name, value in params.items()}
    if redact:
        values.update(dict.fromkeys(template.secret_params, REDACTED))
    if "link_base" in _placeholders(template.text):
        values["link_base"] = settings.SMS_LINK_BASE
    return f"【{signature()}】" + template.text.format(**values)
