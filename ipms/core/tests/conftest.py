"""Fixtures for the slider check (ipms.core.slider), which other apps' tests import:
a server clock moved by hand and one-time passes got the way a page gets them."""

from __future__ import annotations

import pytest

from ipms.core import slider

# 2026-01-01 00:00 UTC: a fixed start, so no test depends on the real time.
SLIDER_CLOCK_START_MS = 1_767_225_600_000


class SliderClock:
    """The slider's server clock (``slider._now_ms``), moved on by hand."""

    def __init__(self) -> None:
        self.ms = SLIDER_CLOCK_START_MS

    def __call__(self) -> int:
        return self.ms

    def advance(self, ms: int) -> None:
        self.ms += ms


def human_trace(target: int, *, duration: int = 900, steps: int = 24) -> list[list[int]]:
    """A steady drag from the left end to ``target`` in ``duration`` ms."""
    return [[round(duration * i / steps), round(target * i / steps)] for i in range(steps + 1)]


@pytest.fixture
def slider_clock(monkeypatch) -> SliderClock:
    clock = SliderClock()
    monkeypatch.setattr(slider, "_now_ms", clock)
    return clock


@pytest.fixture
def slider_pass(slider_clock):
    """slider_pass(scope) -> a one-time pass token, as the page gets from a real drag.

    Goes through the public service (challenge, a second later an answer with a plausible
    trace), so a form that accepts it accepts what a browser would post.
    """

    def make(scope: str = "register") -> str:
        challenge = slider.slider_challenge_issue(scope=scope)
        slider_clock.advance(1_000)
        return slider.slider_challenge_verify(
            token=challenge.token,
            position=challenge.target,
            duration_ms=900,
            trace=human_trace(challenge.target),
        )

    return make
