"""The time source of the SMS limits and verification codes.

Everything that decides "how long ago" reads ``clock.now()`` (looked up on the module at
call time), so a test can move time forward by patching this one function instead of
sleeping.
"""

from __future__ import annotations

from datetime import datetime

from django.utils import timezone


def now() -> datetime:
    """The current aware datetime (UTC)."""
    return timezone.now()
