"""The enterprise admin layout: its navigation, links to pages that may not exist yet, and
身份切换 in the site's user menu."""

from django import template
from django.urls import NoReverseMatch, reverse

from ipms.enterprises.identity import Identity, identity_get
from ipms.enterprises.selectors import is_enterprise_admin

register = template.Library()

_IDENTITY_CACHE_ATTR = "_ipms_identity_menu"

# 成员管理 · 学习管理 · 企业信息 · 监督反馈 (product-rules §4). Each entry: label, URL name, and
# the view-name prefixes that mark it as the current page. 学习管理 and 监督反馈 come with
# later issues; an entry whose URL name does not resolve yet is left out, so the menu never
# links to a missing page. The later views should use these names (or change them here).
ADMIN_NAV = [
    ("成员管理", "enterprises:member_list", ("enterprises:member", "enterprises:index")),
    ("学习管理", "learning:enterprise_report", ("learning:enterprise_report",)),
    ("企业信息", "enterprises:profile", ("enterprises:profile",)),
    ("监督反馈", "reviews:enterprise_review", ("reviews:enterprise",)),
]


def _reverse_or_none(name: str) -> str | None:
    try:
        return reverse(name)
    except NoReverseMatch:
        return None


@register.inclusion_tag("partials/nav_items.html", takes_context=True)
def admin_nav(context):
    return {"items": _admin_items(context)}


@register.inclusion_tag("enterprises/partials/admin_menu_items.html", takes_context=True)
def admin_menu(context):
    """The admin pages in the user menu, for the way back from a public page."""
    return {"items": _admin_items(context)}


def _admin_items(context) -> list[dict]:
    request = context.get("request")
    match = getattr(request, "resolver_match", None)
    current = match.view_name if match else ""
    items = []
    for label, url_name, prefixes in ADMIN_NAV:
        url = _reverse_or_none(url_name)
        if url is not None:
            items.append(
                {
                    "label": label,
                    "url": url,
                    "active": any(current.startswith(prefix) for prefix in prefixes),
                }
            )
    return items


@register.simple_tag
def url_or_none(name: str) -> str | None:
    """``{% url_or_none "accounts:agreement" as link %}``: the URL, or None if not built yet."""
    return _reverse_or_none(name)


@register.simple_tag(takes_context=True)
def identity_menu(context) -> dict:
    """身份切换 in the user menu: shown only to enterprise admins (one query per request).

    ``{"can_switch": bool, "admin": bool (the admin identity is active),
    "current": "学员" | "管理员", "target": "管理员" | "学员"}``
    """
    request = context.get("request")
    if request is None or not request.user.is_authenticated:
        return {"can_switch": False}
    cached = getattr(request, _IDENTITY_CACHE_ATTR, None)
    if cached is not None:
        return cached
    can_switch = is_enterprise_admin(request.user)
    admin = can_switch and identity_get(request) == Identity.ADMIN
    menu = {
        "can_switch": can_switch,
        "admin": admin,
        "current": "管理员" if admin else "学员",
        "target": "学员" if admin else "管理员",
    }
    setattr(request, _IDENTITY_CACHE_ATTR, menu)
    return menu
