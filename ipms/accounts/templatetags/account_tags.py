from django import template

from ipms.accounts.identity import Identity, identity_get

register = template.Library()

_CACHE_ATTR = "_ipms_identity_menu"


@register.simple_tag(takes_context=True)
def identity_menu(context) -> dict:
    """身份切换 in the user menu: shown only to enterprise admins (one query per request).

    ``{"can_switch": bool, "current": "学员" | "管理员", "target": "管理员" | "学员"}``
    """
    request = context.get("request")
    if request is None or not request.user.is_authenticated:
        return {"can_switch": False}
    cached = getattr(request, _CACHE_ATTR, None)
    if cached is not None:
        return cached
    from ipms.enterprises.selectors import is_enterprise_admin

    can_switch = is_enterprise_admin(request.user)
    admin = can_switch and identity_get(request) == Identity.ADMIN
    menu = {
        "can_switch": can_switch,
        "current": "管理员" if admin else "学员",
        "target": "学员" if admin else "管理员",
    }
    setattr(request, _CACHE_ATTR, menu)
    return menu
