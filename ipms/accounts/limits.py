"""The account pages' limits, as policies of ``ipms.core.ratelimit`` (all fail closed).

* Wrong current passwords (密码修改, 更换手机) per user: ``password_check_user``. Someone
  holding a stolen session must not be able to guess the password through these forms;
  the login page has django-axes for the same job.
* 身份证 changes per user: ``id_number_change_user``. A number registered elsewhere is
  refused with a message, so unlimited tries would let an account probe which numbers
  are registered.
* Registrations per client address: ``register_ip``.

Each function returns the Chinese message to show when refused, else None.
"""

from __future__ import annotations

from ipms.core import ratelimit


def password_check_refused(request) -> str | None:
    """A message when this user has had too many wrong current passwords, else None."""
    return ratelimit.peek("password_check_user", request).message


def password_check_failed(request) -> str | None:
    """Count a wrong current password; the message if this one reached the limit."""
    # The failure that reaches the limit already announces the cool-off.
    return ratelimit.hit("password_check_user", request).refusing_further().message


def id_number_change_refused(request, *, count: bool) -> str | None:
    """Count (when ``count``) one attempt to register a new 身份证 number."""
    check = ratelimit.hit if count else ratelimit.peek
    return check("id_number_change_user", request).message


def register_refused(request, *, count: bool) -> str | None:
    """Peek at (or count) a registration from this client address."""
    check = ratelimit.hit if count else ratelimit.peek
    return check("register_ip", request).message
