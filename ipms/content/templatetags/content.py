import os
import re

from django import template

register = template.Library()

_PARAGRAPH_BREAK = re.compile(r"\n\s*\n")


@register.filter
def paragraphs(text: str) -> list[str]:
    """Body text split at blank lines (the operators' editing rule: 段落之间空一行)."""
    normalised = (text or "").replace("\r\n", "\n").replace("\r", "\n")
    return [part.strip() for part in _PARAGRAPH_BREAK.split(normalised) if part.strip()]


@register.filter
def file_ext(field_file) -> str:
    """The stored file's type for display, e.g. ``PDF`` (no storage access)."""
    name = getattr(field_file, "name", "") or ""
    return os.path.splitext(name)[1].lstrip(".").upper()


@register.filter
def initial(name: str) -> str:
    """First character of a name, for the placeholder avatar."""
    return (name or "").strip()[:1]


@register.filter
def has_field_errors(form) -> bool:
    """Whether any field (not just the form as a whole) has an error."""
    return any(name != "__all__" for name in form.errors)
