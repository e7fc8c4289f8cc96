"""Domain errors carry a message a Chinese user can read.

Services raise them; views turn them into form errors, messages or htmx fragments, so
nothing a user does ends in a 500.
"""


class DomainError(Exception):
    """A rule of the platform refused an action; ``message`` is shown to the user."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class RateLimited(DomainError):
    """Too many attempts within a window."""
