"""A slider check verified on the server ("按住滑块,拖动到最右侧").

A slider that only runs in the browser stops nobody: a script posts the form directly.
Here the server takes part in every step:

1. ``slider_challenge_issue`` gives the page a challenge: a random track length
   ``target`` (200–320 units) and a token signed with ``django.core.signing`` that holds
   a random id, the target, the issue time and the scope. Nothing is stored yet.
2. The page maps the track's width to ``target`` units; the user drags the handle to
   the right end (or moves it with the arrow keys) and the page posts the final
   position, the drag duration and the sampled trace ``[[ms, units], …]``.
3. ``slider_challenge_verify`` checks the signature, the age (``SLIDER_CHALLENGE_TTL``),
   single use (``cache.add`` of the challenge id: every attempt, right or wrong, spends
   the challenge), the position (within 3 % of the target), the timing (at least
   ``SLIDER_MIN_DRAG_MS`` by the page's clock and since the challenge was issued by the
   server's) and that the trace is a plausible continuous movement. It returns a random
   one-time pass token, kept in the shared cache for ``SLIDER_PASS_TTL`` seconds.
4. The form posts the pass token in a ``SliderField``, whose ``clean`` consumes it
   (``slider_verify_pass``): a pass works once, for its scope.

This is a speed bump, not a CAPTCHA: a bot that runs the page's logic can pass it. It
makes every attempt cost a fresh server round trip and real time, so the limits behind
it (SMS limits, login lockout) hold, and plain form-posting scripts fail outright.
"""

from __future__ import annotations

import hashlib
import itertools
import logging
import re
import secrets
import time
from dataclasses import dataclass
from urllib.parse import urlencode

from django import forms
from django.conf import settings
from django.core import signing
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.urls import reverse

from .errors import DomainError

logger = logging.getLogger("ipms.core.slider")

LABEL = "请按住滑块，拖动到最右侧"
SALT = "ipms.core.slider.challenge"
TRACK_MIN, TRACK_MAX = 200, 320
MAX_TRACE_POINTS = 400
SCOPE_RE = re.compile(r"^[a-z][a-z0-9_]{0,31}$")
DEFAULT_SCOPE = "default"

FAILED = "验证未通过，请重新拖动滑块。"
EXPIRED = "验证已过期，请重新拖动滑块。"
REPLAYED = "验证已失效，请重新拖动滑块。"
NOT_AT_END = "请将滑块拖动到最右侧。"
TOO_FAST = "拖动过快，请重新拖动滑块。"
NEEDS_SLIDER = "请先完成滑块验证。"
UNAVAILABLE = "验证服务暂时不可用，请稍后再试。"


class SliderError(DomainError):
    """The slider check failed; the message tells the user what to do."""

    code = "slider_failed"


def _now_ms() -> int:
    """Server time in milliseconds (patched by tests to move time)."""
    return int(time.time() * 1000)


def challenge_ttl() -> int:
    return settings.SLIDER_CHALLENGE_TTL


def pass_ttl() -> int:
    return settings.SLIDER_PASS_TTL


def min_drag_ms() -> int:
    return settings.SLIDER_MIN_DRAG_MS


def tolerance(target: int) -> int:
    return max(3, round(target * 0.03))


@dataclass(frozen=True)
class SliderChallenge:
    token: str
    target: int
    expires_in: int


def _check_scope(scope: str) -> str:
    if not SCOPE_RE.match(scope or ""):
        raise SliderError(FAILED)
    return scope


def slider_challenge_issue(*, scope: str = DEFAULT_SCOPE) -> SliderChallenge:
    """A fresh signed challenge; nothing is stored until it is answered."""
    scope = _check_scope(scope)
    target = TRACK_MIN + secrets.randbelow(TRACK_MAX - TRACK_MIN + 1)
    payload = {"id": secrets.token_urlsafe(12), "t": target, "iat": _now_ms(), "s": scope}
    token = signing.dumps(payload, salt=SALT)
    return SliderChallenge(token=token, target=target, expires_in=challenge_ttl())


def _number(value) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    if value != value or value in (float("inf"), float("-inf")):  # NaN, infinities
        return None
    return float(value)


def _trace_plausible(trace, *, target: int, position: float, duration: float) -> bool:
    """A continuous movement from the left towards ``position`` within ``duration``."""
    if not isinstance(trace, list) or not 3 <= len(trace) <= MAX_TRACE_POINTS:
        return False
    slack = tolerance(target)
    points: list[tuple[float, float]] = []
    for point in trace:
        if not isinstance(point, list | tuple) or len(point) != 2:
            return False
        t, x = _number(point[0]), _number(point[1])
        if t is None or x is None or not 0 <= t <= duration + 50:
            return False
        if not -slack <= x <= target + slack:
            return False
        points.append((t, x))
    if any(b[0] < a[0] for a, b in itertools.pairwise(points)):
        return False  # time runs backwards
    if points[0][1] > target * 0.25 or abs(points[-1][1] - position) > slack:
        return False  # did not start at the left, or does not end where it claims
    # No teleporting: no single step covers more than half the track.
    return all(abs(b[1] - a[1]) <= target * 0.5 for a, b in itertools.pairwise(points))


def _load(token) -> dict:
    if not isinstance(token, str) or len(token) > 500:
        raise SliderError(FAILED)
    try:
        payload = signing.loads(token, salt=SALT)
    except signing.BadSignature:
        logger.info("slider: token with a bad signature")
        raise SliderError(FAILED) from None
    if not isinstance(payload, dict) or not {"id", "t", "iat", "s"} <= payload.keys():
        raise SliderError(FAILED)
    return payload


def _pass_key(pass_token: str) -> str:
    # The cache holds a digest, so a cache dump yields no usable pass.
    return "slider:pass:" + hashlib.sha256(pass_token.encode()).hexdigest()


def slider_challenge_verify(*, token, position, duration_ms, trace) -> str:
    """Check one answer to a challenge; return a one-time pass token or raise SliderError."""
    payload = _load(token)
    age = _now_ms() - int(payload["iat"])
    if age < 0:
        raise SliderError(FAILED)
    if age > challenge_ttl() * 1000:
        raise SliderError(EXPIRED, code="slider_expired")
    try:
        first_use = cache.add(f"slider:used:{payload['id']}", 1, challenge_ttl() + 60)
    except Exception as exc:  # cache down: fail closed
        logger.exception("slider: cache unavailable")
        raise SliderError(UNAVAILABLE, code="slider_unavailable") from exc
    if not first_use:
        logger.info("slider: challenge replayed")
        raise SliderError(REPLAYED, code="slider_replayed")

    target = int(payload["t"])
    position_value, duration = _number(position), _number(duration_ms)
    if position_value is None or duration is None:
        raise SliderError(FAILED)
    if abs(position_value - target) > tolerance(target):
        raise SliderError(NOT_AT_END, code="slider_not_at_end")
    if duration < min_drag_ms() or age < min_drag_ms():
        raise SliderError(TOO_FAST, code="slider_too_fast")
    if not _trace_plausible(trace, target=target, position=position_value, duration=duration):
        logger.info("slider: implausible trace")
        raise SliderError(FAILED)

    pass_token = secrets.token_urlsafe(32)
    try:
        cache.set(_pass_key(pass_token), payload["s"], pass_ttl())
    except Exception as exc:
        logger.exception("slider: cache unavailable")
        raise SliderError(UNAVAILABLE, code="slider_unavailable") from exc
    return pass_token


def slider_verify_pass(pass_token, *, scope: str = DEFAULT_SCOPE) -> None:
    """Consume a pass token issued for ``scope``, or raise SliderError("请先完成滑块验证。").

    ``cache.delete`` is atomic and reports whether the key was there, so of two
    concurrent submissions with the same pass only one gets through.
    """
    if not isinstance(pass_token, str) or not pass_token or len(pass_token) > 100:
        raise SliderError(NEEDS_SLIDER, code="slider_required")
    key = _pass_key(pass_token)
    try:
        stored_scope = cache.get(key)
        if stored_scope is None or stored_scope != scope:
            raise SliderError(NEEDS_SLIDER, code="slider_required")
        if not cache.delete(key):
            raise SliderError(NEEDS_SLIDER, code="slider_required")
    except SliderError:
        raise
    except Exception as exc:
        logger.exception("slider: cache unavailable")
        raise SliderError(UNAVAILABLE, code="slider_unavailable") from exc


# --- Form field ------------------------------------------------------------------------


class SliderWidget(forms.Widget):
    """The slider control plus the hidden input that receives the pass token.

    Not a HiddenInput subclass on purpose: a hidden widget would make Django treat the
    field as hidden (no label, errors moved to the top of the form, no aria-invalid).
    """

    template_name = "core/widgets/slider.html"

    def __init__(self, scope: str = DEFAULT_SCOPE, attrs=None) -> None:
        super().__init__(attrs)
        self.scope = scope

    def format_value(self, value):
        # A pass is spent when the form is cleaned, so a re-displayed form starts over.
        return None

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        widget = context["widget"]
        widget["label"] = LABEL
        widget["challenge_url"] = (
            reverse("core:slider_challenge") + "?" + urlencode({"scope": self.scope})
        )
        widget["verify_url"] = reverse("core:slider_verify")
        widget["describedby"] = widget["attrs"].get("aria-describedby", "")
        widget["invalid"] = widget["attrs"].get("aria-invalid") == "true"
        return context


class SliderField(forms.CharField):
    """Required pass from the slider check; ``clean`` consumes it (once).

    Usage::

        class RegisterForm(forms.Form):
            slider = SliderField(scope="register")

    and in the template ``{% include "core/partials/slider.html" with field=form.slider %}``.
    The pass is spent even when another field has an error, so the user slides again on
    the re-displayed form (the widget never re-renders a spent token).
    """

    default_error_messages = {"required": NEEDS_SLIDER}
    keep_required_message = True  # an action to take, not a value to fill in

    def __init__(self, *, scope: str = DEFAULT_SCOPE, **kwargs) -> None:
        self.scope = _check_scope(scope)
        kwargs.setdefault("label", "滑块验证")
        kwargs.setdefault("widget", SliderWidget(scope=scope))
        kwargs.setdefault("max_length", 100)
        super().__init__(**kwargs)

    def clean(self, value):
        value = super().clean(value)
        if value in self.empty_values:
            return value
        try:
            slider_verify_pass(value, scope=self.scope)
        except SliderError as exc:
            raise ValidationError(exc.message, code="slider") from None
        return value
