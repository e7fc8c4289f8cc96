"""URL converters used by every app's ``urls.py``.

``<id:pk>`` is the one way to put a primary key in a URL. Django's ``<int:…>`` accepts any
number of digits, and a number past the database's integer range reached the query as an
``OverflowError`` (a 500) instead of a 404.
"""

from django.urls import register_converter

# The largest BigAutoField value (PostgreSQL bigint, SQLite INTEGER).
MAX_ID = 2**63 - 1


class IdConverter:
    """A primary key: decimal digits up to MAX_ID; anything larger matches nothing (404)."""

    regex = "[0-9]{1,19}"

    def to_python(self, value: str) -> int:
        number = int(value)
        if number > MAX_ID:
            # Django's resolver reads a ValueError as "this pattern does not match".
            raise ValueError("id out of range")
        return number

    def to_url(self, value) -> str:
        return str(int(value))


def register() -> None:
    register_converter(IdConverter, "id")
