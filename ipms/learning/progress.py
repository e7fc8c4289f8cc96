"""Enrolment, opening a lesson, and the heartbeat engine that credits learning time.

Issue 4 point 3; the rules and their reasons are in docs/learning.md. In short, a lesson
page gets a fresh :class:`PlaybackView` when it renders; while the video plays the player
reports ``(view, seq, position, playing, visible)`` about every 15 seconds, and
:func:`heartbeat_record` credits the *interval between two accepted beats of that view*:

* only if the view was accruing since its previous beat — playing, visible, not idle and
  holding the learner's :class:`AccrualLease` — and still holds the lease now;
* at most the wall-clock time that really passed (server clock), at most
  ``LEARNING_HEARTBEAT_CAP`` seconds, and at most the distance the position advanced;
* never beyond the lesson's length in total;
* nothing for a replayed, duplicated or out-of-order beat (``seq`` not above the last
  accepted one), nor for an unknown, foreign, expired or other-lesson view id;
* a beat whose position jumps past the furthest point watched (plus what playback could
  have covered since the previous beat) is ignored: no credit, the furthest point stays.

The beat is the hot write path: one primary-key SELECT, then a transaction of at most five
single-row writes by key (the last keeps the enrolment's stored figures current), each
conditional so that concurrent beats cannot both win (compare-and-set on ``last_seq``,
the lease's holder, the figures read) and counters only move through
``LEAST``/``GREATEST`` expressions evaluated by the database. Nothing it reads or writes
grows with a learner's history.
"""

from __future__ import annotations

import datetime
import math
import uuid
from dataclasses import asdict, dataclass
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from ipms.core.db import prepared_cursor
from ipms.core.errors import DomainError
from ipms.learning.access import MSG_NOT_A_LEARNER, learner_may_learn
from ipms.learning.figures import enrollment_figures_refresh
from ipms.learning.models import (
    AccrualLease,
    Course,
    Enrollment,
    Lesson,
    LessonProgress,
    PlaybackView,
    StudyDay,
)
from ipms.learning.policy import CreditPolicy

# Playback faster than this is slowed down by the player; a position may advance at most
# this fast between two beats of an accruing view before it counts as a forward seek.
MAX_PLAYBACK_RATE = 2.0
# Positions within this many seconds past the furthest point are never a seek (keyframe
# rounding, the resume jump, timer jitter). The player's own limit is tighter (1 s).
SEEK_SLACK_SECONDS = 5.0

MSG_INVALID_VIEW = "本页面的学习记录已失效，请刷新页面后继续学习。"


class InvalidView(DomainError):
    """The heartbeat names no usable playback view (forged, foreign, expired, other lesson).

    ``reason`` tells which, for logs and tests; the user sees one message for all.
    """

    code = "invalid_view"

    def __init__(self, reason: str) -> None:
        super().__init__(MSG_INVALID_VIEW)
        self.reason = reason


# --- settings --------------------------------------------------------------------------


def heartbeat_cap() -> float:
    return float(settings.LEARNING_HEARTBEAT_CAP)


def completion_share() -> float:
    share = float(settings.LESSON_COMPLETION_SHARE)
    return min(max(share, 0.01), 1.0)


def idle_limit_seconds() -> float:
    """Seconds without interaction after which accrual pauses; 0 when the prompt is off."""
    return max(0, int(settings.IDLE_PROMPT_MINUTES)) * 60.0


def view_max_age() -> datetime.timedelta:
    return datetime.timedelta(seconds=int(settings.PLAYBACK_VIEW_MAX_AGE))


def study_day_of(moment: datetime.datetime) -> datetime.date:
    """The platform's calendar day (Asia/Shanghai) of an aware datetime."""
    return moment.astimezone(ZoneInfo(settings.TIME_ZONE)).date()


# --- enrolment and opening a lesson ----------------------------------------------------


def enrollment_start(*, user, course: Course, now: datetime.datetime | None = None) -> Enrollment:
    """Enrol ``user`` in ``course`` (立即学习); a second call returns the same enrolment."""
    if not learner_may_learn(user):
        raise DomainError(MSG_NOT_A_LEARNER, code="not_a_learner")
    now = now or timezone.now()
    enrollment, _ = Enrollment.objects.get_or_create(
        user=user,
        course=course,
        defaults={"enrolled_at": now, "last_opened_at": now, "learner_active": user.is_active},
    )
    return enrollment


# A position this close to the end counts as watched to the end: the player starts over.
RESUME_END_SLACK_SECONDS = 3


def resume_position(*, last_position: float, duration: int) -> float:
    """Where the player starts: the last position, or the beginning once the lesson was
    watched to (nearly) the end."""
    if duration and last_position >= duration - RESUME_END_SLACK_SECONDS:
        return 0.0
    return last_position


def completion_seconds(duration: int) -> int:
    """The credited seconds that complete a lesson of ``duration`` (shown on its page)."""
    return int((duration or 0) * completion_share() + 0.999)


@dataclass(frozen=True)
class LessonOpening:
    enrollment: Enrollment
    progress: LessonProgress
    view: PlaybackView
    resume: float  # where the player starts (resume_position)


@transaction.atomic
def lesson_open(*, user, lesson: Lesson, now: datetime.datetime | None = None) -> LessonOpening:
    """A learner opens a lesson page: enrol them, make sure their progress row and lease
    exist, remember the lesson as “上次学习到”, and issue a new playback view id.

    Rows the heartbeat UPDATEs are created here, so the hot path never has to INSERT
    (apart from the first credited beat of a day).
    """
    now = now or timezone.now()
    enrollment = enrollment_start(user=user, course=lesson.course, now=now)
    Enrollment.objects.filter(pk=enrollment.pk).update(last_lesson=lesson, last_opened_at=now)
    enrollment.last_lesson = lesson
    enrollment.last_opened_at = now
    progress, _ = LessonProgress.objects.get_or_create(
        user=user,
        lesson=lesson,
        defaults={"course_id": lesson.course_id, "created_at": now, "updated_at": now},
    )
    AccrualLease.objects.get_or_create(user=user)
    view = PlaybackView.objects.create(
        user=user,
        progress=progress,
        created_at=now,
        interacted_at=now,
        last_position=progress.last_position,
    )
    resume = resume_position(last_position=progress.last_position, duration=lesson.duration)
    return LessonOpening(enrollment=enrollment, progress=progress, view=view, resume=resume)


# --- the heartbeat ---------------------------------------------------------------------


@dataclass(frozen=True)
class HeartbeatResult:
    accepted: bool  # the beat was new for its view (False: replay, duplicate, lost race)
    credited: float  # seconds this beat added to the lesson
    credited_total: float  # the lesson's credited seconds after this beat
    duration: int
    furthest: float
    completed: bool
    paused_other_view: bool  # wants to accrue, but another view of the learner holds the lease
    idle_prompt: bool  # no interaction for IDLE_PROMPT_MINUTES: ask “您还在学习吗?”
    seek_refused: bool  # the position jumped past the furthest point watched

    def as_json(self) -> dict:
        data = asdict(self)
        for key in ("credited", "credited_total", "furthest"):
            data[key] = round(data[key], 2)
        return data


# --- the hot path's SQL ------------------------------------------------------------------
#
# The statements are written out rather than built by the ORM: on this path compiling a
# select_related query costs more than a millisecond, ten times what the database spends
# on it, and the heartbeat must stay within a small factor of an empty request (make
# bench). Every statement touches rows by key; table names come from the models; values
# are bound parameters, adapted by the backend as the ORM would.
#
# On PostgreSQL the writes of one beat go as ONE statement (data-modifying CTEs), so a
# beat costs two round trips (read, write) and needs no BEGIN/COMMIT: a single statement
# is atomic. Each CTE is conditional on the one before it (``EXISTS (SELECT 1 FROM v)``),
# so a lost compare-and-set writes nothing at all. SQLite has no data-modifying CTEs (and
# no round trips: it runs in the process): there the same statements run one after the
# other in one transaction.

_SQL_TEMPLATES = {
    "load": (
        "SELECT v.last_seq, v.last_beat_at, v.last_position, v.accruing, v.interacted_at,"
        " v.created_at, p.id, p.lesson_id, p.course_id, p.credited_seconds,"
        " p.furthest_position, p.last_position, p.completed_at, l.duration,"
        " l.is_published, c.is_published,"
        " c.credits_per_lesson, c.credits_per_study_day, c.exam_score_counts,"
        " e.id, e.completed_lessons, e.study_days, e.credits, d.seconds"
        " FROM {view} v JOIN {progress} p ON p.id = v.progress_id"
        " JOIN {lesson} l ON l.id = p.lesson_id JOIN {course} c ON c.id = l.course_id"
        " LEFT JOIN {enrollment} e ON e.user_id = v.user_id AND e.course_id = p.course_id"
        " LEFT JOIN {day} d ON d.user_id = v.user_id AND d.course_id = p.course_id"
        " AND d.day = %(day)s"
        " WHERE v.id = %(view)s AND v.user_id = %(user)s"
    ),
    # Compare-and-set: only the beat that read ``last_seq`` as it still is moves it.
    "view_cas": (
        "UPDATE {view} SET last_seq = %(seq)s, last_beat_at = %(now)s,"
        " last_position = %(last_position)s, accruing = %(accruing)s,"
        " interacted_at = %(interacted_at)s"
        " WHERE id = %(view)s AND last_seq = %(read_seq)s"
    ),
    "view_stop": "UPDATE {view} SET accruing = %(false)s WHERE id = %(view)s",
    # The lease: one statement per case, chosen from what was read (see heartbeat_record).
    "lease_take": (
        "UPDATE {lease} SET view_id = %(view)s, renewed_at = %(now)s WHERE user_id = %(user)s"
    ),
    "lease_renew": (
        "UPDATE {lease} SET renewed_at = %(now)s WHERE user_id = %(user)s AND view_id = %(view)s"
    ),
    "lease_acquire": (
        "UPDATE {lease} SET view_id = %(view)s, renewed_at = %(now)s WHERE user_id = %(user)s"
        " AND (view_id IS NULL OR view_id = %(view)s OR renewed_at < %(stale)s)"
    ),
    "lease_release": (
        "UPDATE {lease} SET view_id = NULL, renewed_at = %(now)s"
        " WHERE user_id = %(user)s AND view_id = %(view)s"
    ),
    # ``{credit}`` is the seconds to add: the bound value, or on PostgreSQL that value
    # times the rows the lease statement matched (0 when the lease was lost meanwhile).
    # The CASE sees the row as it was before this UPDATE (every SET expression is
    # evaluated on the old row), so completion is decided on old + credit.
    "progress": (
        "UPDATE {progress} SET last_position = %(position)s,"
        " furthest_position = {max}(furthest_position, %(position)s),"
        " updated_at = %(now)s,"
        " credited_seconds = {min}(credited_seconds + {credit}, %(duration)s),"
        " completed_at = CASE WHEN completed_at IS NULL"
        " AND credited_seconds + {credit} >= %(threshold)s AND {credit} > 0"
        " THEN %(now)s ELSE completed_at END"
        " WHERE id = %(progress)s"
    ),
    "day": (
        "INSERT INTO {day} (user_id, course_id, day, seconds)"
        " {day_source}"
        " ON CONFLICT (user_id, course_id, day)"
        " DO UPDATE SET seconds = {day}.seconds + excluded.seconds"
    ),
    # The enrolment's stored figures (ipms.learning.figures): the new values decided from
    # what was read, written only if they are still what was read (compare-and-set: a
    # recompute may have changed them meanwhile; the beat then refreshes them instead).
    "figures": (
        "UPDATE {enrollment} SET completed_lessons = %(new_completed)s,"
        " study_days = %(new_days)s, credits = %(new_credits)s,"
        " credited_seconds = credited_seconds + %(credit)s"
        " WHERE id = %(enrollment)s AND completed_lessons = %(read_completed)s"
        " AND study_days = %(read_days)s AND credits = %(read_credits)s"
    ),
}

# ``s``: the beat's commit does not wait for the WAL flush (synchronous_commit off for this
# one transaction; docs/decisions/0009-heartbeat-asynchronous-commit.md): a crash of the
# database server may lose the last fraction of a second of beats, never half of one.
_PG_BEAT = (
    "WITH s AS (SELECT set_config('synchronous_commit', 'off', true)),"
    " v AS ({view_cas} AND EXISTS (SELECT 1 FROM s) RETURNING id),"
    " l AS ({lease} {lease_guard}),"
    " p AS ({progress_pg} AND %(move)s AND EXISTS (SELECT 1 FROM v) RETURNING 1),"
    " d AS ({day_pg} RETURNING 1),"
    " e AS ({figures} AND %(figures)s AND EXISTS (SELECT 1 FROM l)"
    " AND EXISTS (SELECT 1 FROM p) RETURNING 1)"
    " SELECT (SELECT count(*) FROM v), (SELECT count(*) FROM l), (SELECT count(*) FROM e)"
)
_SQL_CACHE: dict[tuple[str, str], str] = {}


def _sql(connection, name: str) -> str:
    """One of the hot path's statements for this backend (built once, then cached)."""
    key = (connection.vendor, name)
    statement = _SQL_CACHE.get(key)
    if statement is not None:
        return statement
    qn = connection.ops.quote_name
    postgresql = connection.vendor == "postgresql"
    names = {
        "view": qn(PlaybackView._meta.db_table),
        "progress": qn(LessonProgress._meta.db_table),
        "lesson": qn(Lesson._meta.db_table),
        "course": qn(Course._meta.db_table),
        "lease": qn(AccrualLease._meta.db_table),
        "day": qn(StudyDay._meta.db_table),
        "enrollment": qn(Enrollment._meta.db_table),
        "max": "GREATEST" if postgresql else "MAX",
        "min": "LEAST" if postgresql else "MIN",
        "credit": "%(credit)s",
        "day_source": "VALUES (%(user)s, %(course)s, %(day)s, %(credit)s)",
    }
    if name.startswith("beat_"):  # PostgreSQL: the whole beat as one statement
        lease = name.removeprefix("beat_")
        pg = {
            **names,
            "credit": "(SELECT %(credit)s * count(*) FROM l)",
            "day_source": (
                "SELECT %(user)s, %(course)s, %(day)s, %(credit)s FROM l WHERE %(credit)s > 0"
            ),
        }
        lease_sql, lease_guard = "SELECT 1 WHERE FALSE", ""  # no lease statement
        if lease != "none":
            lease_sql = _SQL_TEMPLATES[f"lease_{lease}"].format(**pg)
            lease_guard = "AND EXISTS (SELECT 1 FROM v) RETURNING 1"
        statement = _PG_BEAT.format(
            view_cas=_SQL_TEMPLATES["view_cas"].format(**pg),
            lease=lease_sql,
            lease_guard=lease_guard,
            progress_pg=_SQL_TEMPLATES["progress"].format(**pg),
            day_pg=_SQL_TEMPLATES["day"].format(**pg),
            figures=_SQL_TEMPLATES["figures"].format(**names),
        )
    else:
        statement = _SQL_TEMPLATES[name].format(**names)
    _SQL_CACHE[key] = statement
    return statement


def _aware(value) -> datetime.datetime | None:
    """A datetime column read by raw SQL, as the ORM would return it (aware, UTC)."""
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.datetime.fromisoformat(value)
    if timezone.is_naive(value):
        value = value.replace(tzinfo=datetime.UTC)
    return value


# --- the heartbeat, pure: what a beat means, decided from what was read ----------------


@dataclass(frozen=True)
class BeatState:
    """What one heartbeat reads: its view, the learner's progress and the lesson."""

    view_key: object
    last_seq: int
    last_beat_at: datetime.datetime | None
    last_position: float
    accruing: bool
    interacted_at: datetime.datetime
    created_at: datetime.datetime
    progress_id: int
    lesson_id: int
    course_id: int
    credited_seconds: float
    furthest_position: float
    progress_position: float
    completed_at: datetime.datetime | None
    duration: int
    published: bool
    # The enrolment's stored figures (None: no enrolment row) and the course's 学分 rule.
    enrollment_id: int | None = None
    completed_lessons: int = 0
    study_days: int = 0
    credits: int = 0
    day_credited: bool = False  # the beat's day already has credited time in the course
    policy: CreditPolicy | None = None


@dataclass(frozen=True)
class Beat:
    """What the player reported, checked: ``position`` is finite and not negative, ``now``
    is the server's clock."""

    seq: int
    position: float
    playing: bool
    visible: bool
    interacted: bool
    start: bool
    now: datetime.datetime


@dataclass(frozen=True)
class BeatRules:
    """The settings a beat is judged by (read once per beat, no database)."""

    cap: float  # LEARNING_HEARTBEAT_CAP: the most one interval may credit
    share: float  # LESSON_COMPLETION_SHARE: the credit that completes a lesson
    idle_limit: float  # IDLE_PROMPT_MINUTES in seconds; 0 when the prompt is off

    @classmethod
    def current(cls) -> BeatRules:
        return cls(cap=heartbeat_cap(), share=completion_share(), idle_limit=idle_limit_seconds())


@dataclass(frozen=True)
class BeatDecision:
    """What to write for a beat. Nothing at all when ``write`` is False (a replayed,
    duplicated or out-of-order ``seq``)."""

    write: bool
    position: float  # the reported position, within the lesson
    seek_refused: bool  # jumped past the furthest point (plus what playback could cover)
    idle: bool  # no interaction for the idle limit: accrual pauses, the player asks
    wants_lease: bool  # playing, visible, not idle, not seeking: this view wants to accrue
    # The lease statement: take (pressed play here), renew (accruing and still wants to),
    # acquire (resuming without pressing play), release (stops accruing), "" (none).
    lease: str
    credit: float  # seconds to credit, if the lease statement matches
    move: bool  # the progress row changes (position or credit)
    # The enrolment's stored figures once the credit is in (None: the credit is 0, or
    # there is no enrolment row): they change with the credit, or not at all.
    figures: FiguresChange | None = None


@dataclass(frozen=True)
class FiguresChange:
    """The stored figures of the enrolment after a crediting beat (ipms.learning.figures):
    the lesson completes with this credit, the day is a new study day, 学分 change by what
    the course's policy (:meth:`CreditPolicy.credits`, the one rule) gives for them."""

    completes: bool
    new_day: bool
    completed_lessons: int
    study_days: int
    credits: int


_NOTHING = BeatDecision(
    write=False,
    position=0.0,
    seek_refused=False,
    idle=False,
    wants_lease=False,
    lease="",
    credit=0.0,
    move=False,
)


def figures_change(state: BeatState, credit: float, rules: BeatRules) -> FiguresChange | None:
    """What crediting ``credit`` seconds does to the enrolment's stored figures: the same
    completion test as the progress statement, a new day unless the day already had
    credited time, and 学分 by the course's policy."""
    if credit <= 0 or state.enrollment_id is None or state.policy is None:
        return None
    completes = (
        state.completed_at is None
        and state.credited_seconds + credit >= rules.share * state.duration
    )
    completed = state.completed_lessons + (1 if completes else 0)
    days = state.study_days + (0 if state.day_credited else 1)
    # What the lesson and the day add to 学分 by the policy; the exam score's part of the
    # stored 学分 stays as it is (the exams app refreshes it when a score changes).
    gained = state.policy.credits(
        completed_lessons=completed, study_days=days
    ) - state.policy.credits(completed_lessons=state.completed_lessons, study_days=state.study_days)
    return FiguresChange(
        completes=completes,
        new_day=not state.day_credited,
        completed_lessons=completed,
        study_days=days,
        credits=state.credits + gained,
    )


def beat_decide(state: BeatState, beat: Beat, rules: BeatRules) -> BeatDecision:
    """The rules of the module doc, applied to one beat: no database, no clock."""
    if beat.seq <= state.last_seq:
        return _NOTHING  # replayed, duplicated or out of order: nothing is written
    duration = state.duration
    position = min(beat.position, float(duration)) if duration else beat.position

    reference = state.last_beat_at or state.created_at
    elapsed = max(0.0, (beat.now - reference).total_seconds())  # servers' clocks may differ
    interval = elapsed if state.last_beat_at else 0.0  # the first beat only starts the clock

    reach = state.furthest_position + SEEK_SLACK_SECONDS
    if state.accruing:
        reach += elapsed * MAX_PLAYBACK_RATE
    seek_refused = position > reach

    idle = bool(
        rules.idle_limit
        and not beat.interacted
        and (beat.now - state.interacted_at).total_seconds() > rules.idle_limit
    )
    wants_lease = bool(beat.playing and beat.visible and not idle and not seek_refused)

    credit = 0.0
    if state.accruing and not beat.start and not seek_refused and not idle:
        # After a seek back (allowed) how far the video then played is unknown, so the
        # wall clock and the cap alone bound that one interval.
        moved_back = position < state.last_position
        advance = interval if moved_back else position - state.last_position
        remaining = max(0.0, duration - state.credited_seconds)
        credit = max(0.0, min(interval, rules.cap, advance, remaining))

    if wants_lease and beat.start:
        lease = "take"  # pressing play here takes the lease from any other window
    elif wants_lease and state.accruing:
        lease = "renew"  # still holding it? (only then does the interval count)
    elif wants_lease:
        # Resuming without pressing play (tab visible again, prompt answered): only a free
        # lease, or one whose holder has gone silent, may be taken.
        lease = "acquire"
    elif state.accruing:
        lease = "release"  # paused, hidden, idle or seeking: another window may take over
    else:
        # Not accruing before and not now: this view holds no lease (only a beat that sets
        # ``accruing`` can have taken it), so there is nothing to release.
        lease = ""
    if lease not in ("renew", "release"):
        credit = 0.0  # the interval counts only if the lease was held all through it

    return BeatDecision(
        write=True,
        position=position,
        seek_refused=seek_refused,
        idle=idle,
        wants_lease=wants_lease,
        lease=lease,
        credit=credit,
        move=not seek_refused and (credit > 0 or position != state.progress_position),
        figures=figures_change(state, credit, rules),
    )


def beat_outcome(
    state: BeatState, decision: BeatDecision, rules: BeatRules, *, won: bool, matched: bool
) -> HeartbeatResult:
    """The answer to the player, from what was read, decided and written.

    ``won``: the view's compare-and-set moved ``last_seq`` (False also when nothing was
    to be written); ``matched``: the lease statement matched (the learner holds the lease).
    """
    duration = state.duration
    if not (decision.write and won):
        return HeartbeatResult(
            accepted=False,
            credited=0.0,
            credited_total=state.credited_seconds,
            duration=duration,
            furthest=state.furthest_position,
            completed=state.completed_at is not None,
            paused_other_view=False,
            idle_prompt=False,
            seek_refused=False,
        )
    credit = decision.credit if matched else 0.0
    credited_total = min(state.credited_seconds + credit, float(duration))
    furthest = state.furthest_position
    if not decision.seek_refused:
        furthest = max(furthest, decision.position)
    return HeartbeatResult(
        accepted=True,
        credited=credit,
        credited_total=credited_total,
        duration=duration,
        furthest=furthest,
        completed=state.completed_at is not None
        or (duration > 0 and credited_total >= rules.share * duration),
        paused_other_view=decision.wants_lease and not matched,
        idle_prompt=decision.idle,
        seek_refused=decision.seek_refused,
    )


# --- the heartbeat: load, decide, write --------------------------------------------------


def _load(*, user, view_id, lesson_id: int, now: datetime.datetime) -> BeatState:
    """The beat's view with its progress, lesson, course, enrolment (stored figures) and
    the day's study-day row, in one primary-key query."""
    try:
        key = view_id if isinstance(view_id, uuid.UUID) else uuid.UUID(str(view_id))
    except (TypeError, ValueError, AttributeError):
        raise InvalidView("malformed") from None
    view_key = PlaybackView._meta.pk.get_db_prep_value(key, connection)
    day = connection.ops.adapt_datefield_value(study_day_of(now))
    with prepared_cursor() as cursor:
        cursor.execute(_sql(connection, "load"), {"view": view_key, "user": user.pk, "day": day})
        row = cursor.fetchone()
    if row is None:
        raise InvalidView("unknown")  # never issued, or issued to someone else
    beat = BeatState(
        view_key=view_key,
        last_seq=int(row[0]),
        last_beat_at=_aware(row[1]),
        last_position=float(row[2]),
        accruing=bool(row[3]),
        interacted_at=_aware(row[4]),
        created_at=_aware(row[5]),
        progress_id=row[6],
        lesson_id=row[7],
        course_id=row[8],
        credited_seconds=float(row[9]),
        furthest_position=float(row[10]),
        progress_position=float(row[11]),
        completed_at=_aware(row[12]),
        duration=int(row[13] or 0),
        published=bool(row[14]) and bool(row[15]),
        policy=CreditPolicy(
            credits_per_lesson=int(row[16]),
            credits_per_study_day=int(row[17]),
            exam_score_counts=bool(row[18]),
            min_credits=0,  # not needed for 学分
            min_exam_score=0,
        ),
        enrollment_id=row[19],
        completed_lessons=int(row[20] or 0),
        study_days=int(row[21] or 0),
        credits=int(row[22] or 0),
        day_credited=bool(row[23] and row[23] > 0),
    )
    if beat.lesson_id != lesson_id:
        raise InvalidView("other_lesson")
    if now - beat.created_at > view_max_age():
        raise InvalidView("expired")
    if not beat.published:
        raise InvalidView("unpublished")
    return beat


def _finite(value: float) -> float:
    value = float(value)
    if not math.isfinite(value):
        raise ValueError("position must be a finite number")
    return value


def _params(*, user, state: BeatState, beat: Beat, decision: BeatDecision, rules: BeatRules):
    """The bound values of the beat's statements."""
    ops = connection.ops
    return {
        "view": state.view_key,
        "user": user.pk,
        "seq": beat.seq,
        "read_seq": state.last_seq,
        "now": ops.adapt_datetimefield_value(beat.now),
        "last_position": state.last_position if decision.seek_refused else decision.position,
        "accruing": decision.wants_lease,
        "interacted_at": ops.adapt_datetimefield_value(
            beat.now if beat.interacted else state.interacted_at
        ),
        "stale": ops.adapt_datetimefield_value(beat.now - datetime.timedelta(seconds=rules.cap)),
        "false": False,
        "progress": state.progress_id,
        "course": state.course_id,
        "position": decision.position,
        "duration": float(state.duration),
        "credit": decision.credit,
        "threshold": rules.share * state.duration,
        "day": ops.adapt_datefield_value(study_day_of(beat.now)),
        "move": decision.move,
        **_figures_params(state, decision.figures),
    }


def _figures_params(state: BeatState, change: FiguresChange | None) -> dict:
    """The bound values of the figures statement (harmless placeholders without one)."""
    return {
        "figures": change is not None,
        "enrollment": state.enrollment_id or 0,
        "read_completed": state.completed_lessons,
        "read_days": state.study_days,
        "read_credits": state.credits,
        "new_completed": change.completed_lessons if change else state.completed_lessons,
        "new_days": change.study_days if change else state.study_days,
        "new_credits": change.credits if change else state.credits,
    }


def _write(lease: str, params: dict) -> tuple[bool, bool, bool]:
    """Run the beat's writes; returns (the compare-and-set won, the lease statement matched,
    the stored figures were brought up to date).

    ``lease`` names the lease statement (``take``, ``renew``, ``acquire``, ``release``) or
    is empty. ``params["move"]`` says whether the progress row changes; ``params["credit"]``
    is credited only if the lease statement matched, and so are the figures
    (``params["figures"]``).
    """
    if connection.vendor == "postgresql":
        with prepared_cursor() as cursor:
            cursor.execute(_sql(connection, f"beat_{lease or 'none'}"), params)
            won, matched, figured = cursor.fetchone()
        return bool(won), bool(matched), bool(figured)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(_sql(connection, "view_cas"), params)
        if cursor.rowcount != 1:
            return False, False, False
        matched = figured = False
        if lease:
            cursor.execute(_sql(connection, f"lease_{lease}"), params)
            matched = cursor.rowcount == 1
        if params["move"]:
            credit = params["credit"] if matched else 0.0
            cursor.execute(_sql(connection, "progress"), {**params, "credit": credit})
            if credit > 0:
                cursor.execute(_sql(connection, "day"), params)
                if params["figures"]:
                    cursor.execute(_sql(connection, "figures"), params)
                    figured = cursor.rowcount == 1
    return True, matched, figured


def heartbeat_record(
    *,
    user,
    view_id,
    lesson_id: int,
    seq: int,
    position: float,
    playing: bool,
    visible: bool,
    interacted: bool = False,
    start: bool = False,
    now: datetime.datetime | None = None,
) -> HeartbeatResult:
    """Record one heartbeat and credit the interval it closes (rules in the module doc).

    ``start`` marks the beat sent when the learner presses play: that view takes the
    learner's lease over from any other view (the window where the learner last pressed
    play is the one that accrues). ``interacted`` says the learner touched the page since
    the previous beat (the idle prompt). ``now`` is injectable for tests; the real clock
    is the server's, never the client's.

    Load (one primary-key read), decide (:func:`beat_decide`, pure), write (one statement
    on PostgreSQL, one transaction on SQLite), answer (:func:`beat_outcome`, pure).

    Raises :class:`InvalidView` for a view id the user may not use, ``DomainError`` for a
    user who may not learn.
    """
    if not learner_may_learn(user):
        raise DomainError(MSG_NOT_A_LEARNER, code="not_a_learner")
    beat = Beat(
        seq=int(seq),
        position=max(0.0, _finite(position)),
        playing=playing,
        visible=visible,
        interacted=interacted,
        start=start,
        now=now or timezone.now(),
    )
    state = _load(user=user, view_id=view_id, lesson_id=int(lesson_id), now=beat.now)
    rules = BeatRules.current()
    decision = beat_decide(state, beat, rules)
    won = matched = False
    if decision.write:
        params = _params(user=user, state=state, beat=beat, decision=decision, rules=rules)
        won, matched, figured = _write(decision.lease, params)
        if won and matched and decision.figures is not None and not figured:
            # The stored figures changed since the beat read them (a recompute after the
            # operator changed the course): derive them from the records instead.
            enrollment_figures_refresh(user_id=user.pk, course_id=state.course_id)
        if won and decision.wants_lease and not matched:
            # Denied the lease (another window holds it): this view stops accruing.
            with connection.cursor() as cursor:
                cursor.execute(_sql(connection, "view_stop"), params)
    return beat_outcome(state, decision, rules, won=won, matched=matched)


# --- housekeeping ----------------------------------------------------------------------


def playback_views_purge(*, before: datetime.datetime) -> int:
    """Delete playback views issued before ``before`` (their progress stays); returns count.

    Views are only the heartbeats' identity; the evidence is the progress and study-day
    rows. A lease pointing at a deleted view is simply free.
    """
    deleted, _ = PlaybackView.objects.filter(created_at__lt=before).delete()
    return deleted
