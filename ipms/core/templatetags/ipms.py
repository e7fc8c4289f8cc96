from django import template
from django.conf import settings
from django.urls import reverse

from ipms.core.navigation import LEARNER_NAV, LEARNER_NAV_AFTER, PUBLIC_NAV, USER_MENU

register = template.Library()


@register.inclusion_tag("partials/user_menu_items.html", takes_context=True)
def user_menu_links(context):
    """The entries other apps add to the user menu (``navigation.user_menu_register``)."""
    request = context.get("request")
    if request is None:
        return {"items": []}
    match = getattr(request, "resolver_match", None)
    current = match.view_name if match else ""
    items = [
        {
            "label": label,
            "url": reverse(url_name),
            "active": any(current.startswith(prefix) for prefix in prefixes),
        }
        for label, url_name, prefixes, shown in USER_MENU.values()
        if shown(request)
    ]
    return {"items": items}


@register.inclusion_tag("partials/nav_items.html", takes_context=True)
def public_nav(context, learner=False):
    """The public navigation; ``learner``: also 在学课程, after 课程列表."""
    request = context.get("request")
    match = getattr(request, "resolver_match", None)
    current = match.view_name if match else ""
    entries = []
    for entry in PUBLIC_NAV:
        entries.append(entry)
        if learner and entry[1] == LEARNER_NAV_AFTER:
            entries.append(LEARNER_NAV)
    items = [
        {
            "label": label,
            "url": reverse(url_name),
            "active": any(current.startswith(prefix) for prefix in prefixes),
        }
        for label, url_name, prefixes in entries
    ]
    return {"items": items}


@register.filter
def page_title(value: str) -> str:
    """“政策文件 - 知识产权贯标认证学习平台”; the platform name alone on pages without a title."""
    value = (value or "").strip()
    return f"{value} - {settings.PLATFORM_NAME}" if value else settings.PLATFORM_NAME
