"""The heartbeat's decision and answer, without a database (pytest-django refuses any query
here: these tests carry no django_db mark).

Each case states what was read (the view and progress as the load returns them), what the
player reported, and what must be decided: the lease statement, the credit, whether the
progress row moves. ``test_heartbeat.py`` runs the same rules end to end.
"""

from __future__ import annotations

import datetime
from dataclasses import replace

import pytest

from ipms.learning.progress import (
    Beat,
    BeatRules,
    BeatState,
    beat_decide,
    beat_outcome,
)

T0 = datetime.datetime(2026, 3, 2, 9, 0, tzinfo=datetime.UTC)
RULES = BeatRules(cap=30.0, share=0.95, idle_limit=0.0)


def at(seconds: float) -> datetime.datetime:
    return T0 + datetime.timedelta(seconds=seconds)


def state(**changes) -> BeatState:
    """A view that has been playing: last beat at T0 (seq 2, position 30 of 600)."""
    values = {
        "view_key": "view",
        "last_seq": 2,
        "last_beat_at": T0,
        "last_position": 30.0,
        "accruing": True,
        "interacted_at": T0,
        "created_at": T0 - datetime.timedelta(seconds=15),
        "progress_id": 1,
        "lesson_id": 1,
        "course_id": 1,
        "credited_seconds": 15.0,
        "furthest_position": 30.0,
        "progress_position": 30.0,
        "completed_at": None,
        "duration": 600,
        "published": True,
    }
    return BeatState(**{**values, **changes})


def beat(after: float = 15, moved: float = 15, **changes) -> Beat:
    """The next beat ``after`` seconds later, the position ``moved`` on, still playing."""
    values = {
        "seq": 3,
        "position": 30.0 + moved,
        "playing": True,
        "visible": True,
        "interacted": False,
        "start": False,
        "now": at(after),
    }
    return Beat(**{**values, **changes})


# (name, state changes, beat, rules changes) → (lease, credit, move, seek, idle, wants)
CASES = [
    (
        "playing on: renew, credit the interval",
        {},
        beat(),
        {},
        ("renew", 15.0, True, False, False, True),
    ),
    (
        "the cap bounds one interval",
        {},
        beat(after=45, moved=45),
        {},
        ("renew", 30.0, True, False, False, True),
    ),
    (
        "the wall clock bounds the advance",
        {},
        beat(after=5, moved=10),
        {},
        ("renew", 5.0, True, False, False, True),
    ),
    (
        "the advance bounds the wall clock",
        {},
        beat(after=15, moved=4),
        {},
        ("renew", 4.0, True, False, False, True),
    ),
    (
        "never past the lesson's length",
        {"credited_seconds": 595.0},
        beat(),
        {},
        ("renew", 5.0, True, False, False, True),
    ),
    (
        "a complete lesson credits nothing more",
        {"credited_seconds": 600.0},
        beat(),
        {},
        ("renew", 0.0, True, False, False, True),
    ),
    (
        "a seek back: the wall clock bounds it",
        {"last_position": 300.0, "furthest_position": 300.0},
        beat(moved=0),
        {},
        ("renew", 15.0, True, False, False, True),
    ),
    (
        "the first beat only starts the clock",
        {"last_beat_at": None, "last_seq": 0, "accruing": False},
        beat(seq=1, start=True, moved=3),
        {},
        ("take", 0.0, True, False, False, True),
    ),
    (
        "pressing play takes the lease, credits nothing",
        {},
        beat(start=True),
        {},
        ("take", 0.0, True, False, False, True),
    ),
    (
        "resuming without pressing play acquires",
        {"accruing": False},
        beat(moved=3),
        {},
        ("acquire", 0.0, True, False, False, True),
    ),
    (
        "pausing releases and credits the interval",
        {},
        beat(playing=False),
        {},
        ("release", 15.0, True, False, False, False),
    ),
    (
        "hidden releases and credits the interval",
        {},
        beat(visible=False),
        {},
        ("release", 15.0, True, False, False, False),
    ),
    (
        "paused before and now: no lease statement",
        {"accruing": False},
        beat(playing=False, moved=0),
        {},
        ("", 0.0, False, False, False, False),
    ),
    (
        "paused, position moved: progress moves",
        {"accruing": False},
        beat(playing=False, moved=-10),
        {},
        ("", 0.0, True, False, False, False),
    ),
    (
        "a seek past the reach is refused",
        {},
        beat(moved=500),
        {},
        ("release", 0.0, False, True, False, False),
    ),
    (
        "within reach is no seek (2x plus slack)",
        {},
        beat(after=15, moved=35),
        {},
        ("renew", 15.0, True, False, False, True),
    ),
    (
        "not accruing: only the slack is reach",
        {"accruing": False},
        beat(moved=6),
        {},
        ("", 0.0, False, True, False, False),
    ),
    (
        "idle: no credit, release, prompt",
        {"interacted_at": T0 - datetime.timedelta(minutes=10)},
        beat(),
        {"idle_limit": 300.0},
        ("release", 0.0, True, False, True, False),
    ),
    (
        "an interaction keeps it going",
        {"interacted_at": T0 - datetime.timedelta(minutes=10)},
        beat(interacted=True),
        {"idle_limit": 300.0},
        ("renew", 15.0, True, False, False, True),
    ),
    (
        "the prompt off: never idle",
        {"interacted_at": T0 - datetime.timedelta(days=1)},
        beat(),
        {},
        ("renew", 15.0, True, False, False, True),
    ),
    (
        "a clock behind the last beat credits nothing",
        {},
        beat(after=-5, moved=0),
        {},
        ("renew", 0.0, False, False, False, True),
    ),
]


@pytest.mark.parametrize(
    ("read", "sent", "rules", "expected"),
    [case[1:] for case in CASES],
    ids=[case[0] for case in CASES],
)
def test_the_decision(read, sent, rules, expected):
    decision = beat_decide(state(**read), sent, replace(RULES, **rules))
    assert decision.write
    got = (
        decision.lease,
        round(decision.credit, 6),
        decision.move,
        decision.seek_refused,
        decision.idle,
        decision.wants_lease,
    )
    assert got == expected


@pytest.mark.parametrize("seq", [2, 1, 0])
def test_a_replayed_duplicated_or_older_seq_writes_nothing(seq):
    decision = beat_decide(state(), beat(seq=seq), RULES)
    assert not decision.write and decision.credit == 0 and decision.lease == ""
    answer = beat_outcome(state(), decision, RULES, won=False, matched=False)
    assert not answer.accepted and answer.credited == 0 and answer.credited_total == 15.0


def test_the_position_is_kept_within_the_lesson():
    decision = beat_decide(state(furthest_position=600.0), beat(moved=10_000), RULES)
    assert decision.position == 600.0 and not decision.seek_refused


def test_a_lesson_without_a_length_keeps_the_position():
    decision = beat_decide(state(duration=0), beat(moved=2), RULES)
    assert decision.position == 32.0 and decision.credit == 0.0


# (name, state changes, beat, won, matched)
#     → (accepted, credited, total, furthest, completed, paused_other_view)
OUTCOMES = [
    ("credited", {}, beat(), True, True, (True, 15.0, 30.0, 45.0, False, False)),
    (
        "lost the race: as if replayed",
        {},
        beat(),
        False,
        False,
        (False, 0.0, 15.0, 30.0, False, False),
    ),
    (
        "the lease was taken meanwhile: no credit",
        {},
        beat(),
        True,
        False,
        (True, 0.0, 15.0, 45.0, False, True),
    ),
    (
        "completion at the share",
        {"credited_seconds": 560.0},
        beat(),
        True,
        True,
        (True, 15.0, 575.0, 45.0, True, False),
    ),
    (
        "completed before stays completed",
        {"completed_at": T0},
        beat(playing=False, moved=0),
        True,
        False,
        (True, 0.0, 15.0, 30.0, True, False),
    ),
    (
        "a refused seek keeps the furthest point",
        {},
        beat(moved=500),
        True,
        True,
        (True, 0.0, 15.0, 30.0, False, False),
    ),
]


@pytest.mark.parametrize(
    ("read", "sent", "won", "matched", "expected"),
    [case[1:] for case in OUTCOMES],
    ids=[case[0] for case in OUTCOMES],
)
def test_the_answer(read, sent, won, matched, expected):
    decision = beat_decide(state(**read), sent, RULES)
    answer = beat_outcome(state(**read), decision, RULES, won=won, matched=matched)
    got = (
        answer.accepted,
        answer.credited,
        answer.credited_total,
        answer.furthest,
        answer.completed,
        answer.paused_other_view,
    )
    assert got == expected
    assert answer.duration == 600
    assert answer.seek_refused is (decision.seek_refused and won)
