"""The audit log's action codes and their Chinese labels, in one registry.

Codes are ``<area>.<event>``. The platform's own are listed here; an app that brings new
consequential actions (reviews, credentials) adds its codes with ``action_register`` in
its ``AppConfig.ready()``. ``audit_record`` refuses an unknown code, so a typo fails the
tests instead of writing rows nobody can filter for.
"""

from __future__ import annotations

_ACTIONS: dict[str, str] = {
    "auth.login": "登录",
    "auth.login_failed": "登录失败",
    "auth.lockout": "登录锁定",
    "account.password_changed": "修改密码",
    "account.password_reset": "找回密码",
    "account.phone_changed": "更换手机号",
    "membership.added": "添加成员",
    "membership.imported": "批量导入成员",
    "membership.removed": "移除成员",
    "membership.verified": "成员确认加入",
    "membership.status_changed": "成员状态变更",
    "export.learning_report": "导出学习管理报表",
    "console.add": "运营后台新增",
    "console.change": "运营后台修改",
    "console.delete": "运营后台删除",
}


def action_register(code: str, label: str) -> None:
    """Add an action code (idempotent for the same label)."""
    known = _ACTIONS.get(code)
    if known is not None and known != label:
        raise ValueError(f"audit action {code!r} is already registered as {known!r}")
    _ACTIONS[code] = label


def action_is_known(code: str) -> bool:
    return code in _ACTIONS


def action_label(code: str) -> str:
    return _ACTIONS.get(code, code)


def action_choices() -> list[tuple[str, str]]:
    return sorted(_ACTIONS.items())
