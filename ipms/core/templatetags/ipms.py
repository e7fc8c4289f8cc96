from django import template
from django.conf import settings
from django.urls import reverse

from ipms.core.navigation import PUBLIC_NAV

register = template.Library()


@register.inclusion_tag("partials/nav_items.html", takes_context=True)
def public_nav(context):
    request = context.get("request")
    match = getattr(request, "resolver_match", None)
    current = match.view_name if match else ""
    items = [
        {
            "label": label,
            "url": reverse(url_name),
            "active": any(current.startswith(prefix) for prefix in prefixes),
        }
        for label, url_name, prefixes in PUBLIC_NAV
    ]
    return {"items": items}


@register.filter
def page_title(value: str) -> str:
    """“政策文件 - 知识产权贯标认证学习平台”; the platform name alone on pages without a title."""
    value = (value or "").strip()
    return f"{value} - {settings.PLATFORM_NAME}" if value else settings.PLATFORM_NAME
