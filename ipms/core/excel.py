"""Excel export helpers shared by the apps' .xlsx downloads.

Formula injection (ASVS 5.0 1.2.10, OWASP “CSV injection”): a text cell that starts with
``= + - @`` (or a tab, carriage return or NUL) would be read by Excel or WPS as a formula,
and openpyxl itself stores a string starting with ``=`` as one. Every text value a user
could have typed goes through :func:`formula_safe`, which prefixes such values with a
single quote so they stay plain text. Numbers are written as numbers and need nothing.
"""

from __future__ import annotations

XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\0")
# Characters Windows and macOS refuse in file names (a download keeps the rest).
_UNSAFE_IN_FILENAME = '\\/:*?"<>|\r\n\t\0'


def formula_safe(value):
    """The value, with a leading ``'`` when it is text that a spreadsheet would evaluate."""
    if isinstance(value, str) and value.startswith(_FORMULA_STARTS):
        return "'" + value
    return value


def safe_filename_part(text: str, *, max_length: int = 60) -> str:
    """A piece of a download's file name: no path or reserved characters, bounded length."""
    cleaned = "".join(ch for ch in (text or "") if ch not in _UNSAFE_IN_FILENAME).strip()
    return cleaned[:max_length] or "导出"
