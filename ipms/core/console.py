"""The operator console (Django admin) in Chinese where Django writes English itself.

Translatable strings come from ``locale/zh_Hans`` (LOCALE_PATHS). One text is not a
string to translate: the alt text of the yes/no icons in lists and read-only fields is
``str(True)``, so a screen reader says “True”. ``install()`` replaces the icon helper.
"""

from django.contrib.admin.templatetags import admin_list
from django.templatetags.static import static
from django.utils.html import format_html

_ICONS = {True: ("yes", "是"), False: ("no", "否"), None: ("unknown", "未知")}


def boolean_icon(value) -> str:
    icon, text = _ICONS[value]
    return format_html('<img src="{}" alt="{}">', static(f"admin/img/icon-{icon}.svg"), text)


def install() -> None:
    # Django imports the helper from admin_list at call time (lists, read-only fields).
    admin_list._boolean_icon = boolean_icon
