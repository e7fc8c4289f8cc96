"""Domain errors: a stable ``code`` for programs, a message a Chinese user can read.

Services raise them; views turn them into form errors, messages or htmx fragments, so
nothing a user does ends in a 500. Code that must tell one refusal from another (a view
that redirects instead of showing the message, a service that maps a refusal of another
app onto its own) branches on ``code``, never on the message text or on ``field``: the
wording may change, the code does not. ``field`` only says where a form shows the message.
"""

from __future__ import annotations


class DomainError(Exception):
    """A rule of the platform refused an action.

    ``code`` is a short stable string naming the refusal (``"account_exists"``,
    ``"invitation_expired"``); a subclass sets a default for its kind, a raise site may
    name a more specific one. ``message`` is shown to the user; ``field`` names the form
    field the message belongs to, or is None for the whole form.
    """

    code: str = "refused"

    def __init__(self, message: str, *, code: str | None = None, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field
        if code is not None:
            self.code = code

    def __repr__(self) -> str:
        return f"{type(self).__name__}(code={self.code!r}, message={self.message!r})"


class RateLimited(DomainError):
    """Too many attempts within a window."""

    code = "rate_limited"
