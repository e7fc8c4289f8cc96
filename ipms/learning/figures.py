"""Stored per-enrolment figures: recomputing them from the records (docs/learning.md).

Each :class:`~ipms.learning.models.Enrollment` carries the learner's figures in its
course — ``completed_lessons`` (completed *published* lessons), ``study_days`` (day rows
with credited time), ``credited_seconds`` (the sum of the progress rows' credit) and
``credits`` (the course's :class:`~ipms.learning.policy.CreditPolicy` applied to them) —
plus ``learner_active`` (the account's ``is_active``), so that the course page and
本课程排行榜 read one row, and the leaderboard one index range, instead of aggregating
every learner's records.

Who keeps them current:

* the heartbeat (``progress.heartbeat_record``), in the same statement that credits the
  time (``progress.beat_decide`` works out the new figures with the course's policy);
* :func:`enrollment_figures_refresh` for one learner, where records were written another
  way (demo data, test factories) or where the heartbeat lost a race with a recompute;
* :func:`figures_recompute` for a whole course, set-based and chunked, when the operator
  changes the course's credit rules or publishes/unpublishes a lesson (signals →
  ``tasks.figures_recompute_task``, inline in the embedded mode), after ``seed_scale``,
  in the migration that added the fields, and by ``manage.py learning_figures_repair``.

There is one definition of each figure: the expressions below read the same record rows
as ``stats`` always did, and credits come from ``CreditPolicy.credits_sql``, the SQL form
of ``CreditPolicy.credits`` (a test holds the two equal). The functions take the model
classes as arguments so the migration can run them with its historical models.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from django.db import connections, router, transaction
from django.db.models import (
    Count,
    Exists,
    FloatField,
    IntegerField,
    OuterRef,
    Q,
    Subquery,
    Sum,
)
from django.db.models.expressions import RawSQL
from django.db.models.functions import Coalesce
from django.db.models.sql import Query

from ipms.learning import exam_results
from ipms.learning.policy import CreditPolicy

logger = logging.getLogger(__name__)

FIGURE_FIELDS = ("completed_lessons", "study_days", "credited_seconds", "credits", "learner_active")
RECOMPUTE_CHUNK = 5000


@dataclass(frozen=True)
class RecordModels:
    """The models the figures are computed from (the app's, or a migration's)."""

    course: type
    lesson: type
    enrollment: type
    progress: type
    day: type
    user: type
    # Exam scores through ipms.learning.exam_results (a migration runs without them: the
    # exams app's tables may not exist yet; ``learning_figures_repair`` adds them).
    exams: bool = True

    @classmethod
    def current(cls) -> RecordModels:
        from django.contrib.auth import get_user_model

        from ipms.learning.models import Course, Enrollment, Lesson, LessonProgress, StudyDay

        return cls(
            course=Course,
            lesson=Lesson,
            enrollment=Enrollment,
            progress=LessonProgress,
            day=StudyDay,
            user=get_user_model(),
        )


def _one_value(queryset, aggregate, output_field):
    """A correlated subquery: one aggregate over the learner's rows (0 when none)."""
    subquery = Subquery(
        queryset.order_by().values("user_id").annotate(value=aggregate).values("value")[:1],
        output_field=output_field,
    )
    return Coalesce(subquery, 0, output_field=output_field)


def _exam_score(models: RecordModels, course, policy: CreditPolicy, user_ref):
    """The best exam score as an expression, when it counts for 学分 (else None)."""
    if not (models.exams and policy.exam_score_counts):
        return None
    return exam_results.best_score_sql(course=course, user_ref=user_ref)


def record_expressions(*, models: RecordModels, course, policy: CreditPolicy) -> dict:
    """The stored figures of the enrolments of ``course``, as expressions over each
    enrolment's ``user_id``: the definitions the heartbeat keeps up incrementally."""
    course_id = course.pk
    progress = models.progress.objects.filter(course_id=course_id, user_id=OuterRef("user_id"))
    completed = _one_value(
        progress.filter(completed_at__isnull=False, lesson__is_published=True),
        Count("id"),
        IntegerField(),
    )
    seconds = _one_value(progress, Sum("credited_seconds"), FloatField())
    days = _one_value(
        models.day.objects.filter(course_id=course_id, user_id=OuterRef("user_id"), seconds__gt=0),
        Count("id"),
        IntegerField(),
    )
    return {
        "completed_lessons": completed,
        "study_days": days,
        "credited_seconds": seconds,
        "credits": policy.credits_sql(
            completed_lessons=completed,
            study_days=days,
            exam_score=_exam_score(models, course, policy, OuterRef("user_id")),
        ),
        "learner_active": Exists(
            models.user.objects.filter(pk=OuterRef("user_id"), is_active=True)
        ),
    }


# One chunk of enrolments — a course's learners with user ids in (lo, hi] — recomputed in
# one statement: the chunk's progress and day rows are one range of their (course, user)
# indexes each, aggregated once (not one subquery per enrolment), joined back to the
# enrolments; only rows whose figures differ are written. ``{credits}`` is
# ``CreditPolicy.credits_sql`` over ``f.completed`` and ``f.days``. Parameters: the
# course and the bounds, three times.
_RANGE = "{t}.course_id = %s AND {t}.user_id > %s AND {t}.user_id <= %s"
# The figures the records give, per enrolment of the chunk: ``f`` (derived tables, not a
# CTE, so that the statement is an UPDATE whose row count every driver reports).
_FIGURES = (
    "SELECT e.id AS id, COALESCE(p.completed, 0) AS completed,"
    " COALESCE(d.days, 0) AS days, COALESCE(p.seconds, 0) AS seconds, u.is_active AS active,"
    " {exam} AS exam"
    " FROM {enrollment} e JOIN {user} u ON u.id = e.user_id"
    " LEFT JOIN (SELECT p.user_id AS user_id,"
    " COUNT(*) FILTER (WHERE p.completed_at IS NOT NULL AND l.is_published) AS completed,"
    " SUM(p.credited_seconds) AS seconds"
    " FROM {progress} p JOIN {lesson} l ON l.id = p.lesson_id"
    " WHERE {p_range} GROUP BY p.user_id) p ON p.user_id = e.user_id"
    " LEFT JOIN (SELECT d.user_id AS user_id, COUNT(*) AS days FROM {day} d"
    " WHERE {d_range} AND d.seconds > 0 GROUP BY d.user_id) d ON d.user_id = e.user_id"
    " WHERE {e_range}"
)
_CHUNK_UPDATE = (
    "UPDATE {enrollment} SET completed_lessons = f.completed, study_days = f.days,"
    " credited_seconds = f.seconds, credits = {credits}, learner_active = f.active"
    " FROM ({figures}) f WHERE {enrollment}.id = f.id AND ({differs})"
)
_CHUNK_COUNT = (
    "SELECT COUNT(*) FROM {enrollment} x JOIN ({figures}) f ON f.id = x.id WHERE {differs}"
)
# Seconds within a millisecond are equal: the heartbeat adds them up beat by beat, SUM in
# another order, and the last bits of a float may differ.
_DIFFERS = (
    "{e}.completed_lessons <> f.completed OR {e}.study_days <> f.days"
    " OR {e}.credits <> {credits} OR {e}.learner_active <> f.active"
    " OR ABS({e}.credited_seconds - f.seconds) > 0.001"
)


def _chunk_sql(*, models: RecordModels, using: str, course, policy: CreditPolicy, kind: str):
    """The statement (and its leading parameters) for one chunk: ``kind`` is "update"
    (write the figures that differ) or "count" (count them)."""
    connection = connections[using]
    qn = connection.ops.quote_name
    tables = {
        "enrollment": qn(models.enrollment._meta.db_table),
        "progress": qn(models.progress._meta.db_table),
        "lesson": qn(models.lesson._meta.db_table),
        "day": qn(models.day._meta.db_table),
        "user": qn(models.user._meta.db_table),
    }
    query = Query(models.enrollment)
    compiler = query.get_compiler(using=using)
    exam = _exam_score(models, course, policy, RawSQL("e.user_id", ()))
    exam_sql, exam_params = "NULL", ()
    if exam is not None:
        exam_sql, exam_params = compiler.compile(exam.resolve_expression(query))
    credits = policy.credits_sql(
        completed_lessons=RawSQL("f.completed", ()),
        study_days=RawSQL("f.days", ()),
        exam_score=RawSQL("f.exam", ()) if exam is not None else None,
    )
    credits_sql, credits_params = compiler.compile(credits.resolve_expression(query))
    ranges = {f"{t}_range": _RANGE.format(t=t) for t in ("p", "d", "e")}
    figures = _FIGURES.format(exam=exam_sql, **ranges, **tables)
    exam_params = list(exam_params)
    if kind == "update":
        differs = _DIFFERS.format(e=tables["enrollment"], credits=credits_sql)
        sql = _CHUNK_UPDATE.format(credits=credits_sql, figures=figures, differs=differs, **tables)
        return sql, (list(credits_params), exam_params, list(credits_params))
    differs = _DIFFERS.format(e="x", credits=credits_sql)
    sql = _CHUNK_COUNT.format(figures=figures, differs=differs, **tables)
    return sql, ([], exam_params, list(credits_params))


def _run_chunk(*, models, using, policy, course, users: tuple[int, int], kind) -> int:
    """Recompute (or count the differing figures of) the course's enrolments whose user
    ids lie in ``users`` = (lo, hi]."""
    sql, (set_params, exam_params, differs_params) = _chunk_sql(
        models=models, using=using, course=course, policy=policy, kind=kind
    )
    bounds = [course.pk, *users]
    params = [*set_params, *exam_params, *bounds, *bounds, *bounds, *differs_params]
    with connections[using].cursor() as cursor:
        cursor.execute(sql, params)
        if kind == "count":
            return cursor.fetchone()[0]
        return cursor.rowcount


def _lock(queryset, using: str) -> None:
    """Lock the chunk's rows, so that a heartbeat that credits one of them meanwhile waits
    and then finds the figures changed (its compare-and-set fails and it refreshes)."""
    if connections[using].features.has_select_for_update:
        list(queryset.select_for_update().values_list("pk", flat=True))


def _chunks(*, models, using, course_id: int, chunk: int):
    """Consecutive (lo, hi] user-id ranges holding ``chunk`` enrolments of the course each
    (read along the enrolments' (course, user) index), with the chunk's enrolments."""
    enrollments = models.enrollment.objects.using(using).filter(course_id=course_id)
    last = 0
    while True:
        ids = enrollments.filter(user_id__gt=last).order_by("user_id")
        bound = list(ids.values_list("user_id", flat=True)[chunk - 1 : chunk])
        hi = bound[0] if bound else _NO_LIMIT
        yield (last, hi), enrollments.filter(user_id__gt=last, user_id__lte=hi)
        if not bound:
            return
        last = hi


_NO_LIMIT = 2**63 - 1


def figures_recompute(
    *,
    course,
    models: RecordModels | None = None,
    using: str | None = None,
    chunk: int = RECOMPUTE_CHUNK,
) -> int:
    """Recompute the stored figures of every enrolment of ``course`` from the records.

    One statement per chunk of ``chunk`` enrolments (by user id), each chunk in its own
    transaction (unless the caller holds one), so memory and lock time stay bounded
    whatever the course's size. Only figures that differ are written, so a second run
    writes nothing. Returns the number of enrolments whose figures changed.
    """
    models = models or RecordModels.current()
    using = using or router.db_for_write(models.enrollment)
    policy = CreditPolicy.for_credits(course)
    changed = 0
    for users, rows in _chunks(models=models, using=using, course_id=course.pk, chunk=chunk):
        with transaction.atomic(using=using):
            _lock(rows, using)
            changed += _run_chunk(
                models=models,
                using=using,
                policy=policy,
                course=course,
                users=users,
                kind="update",
            )
    return changed


def figures_recompute_all(*, models: RecordModels | None = None, using: str | None = None) -> int:
    """:func:`figures_recompute` for every course (the migration, seed_scale, repair)."""
    models = models or RecordModels.current()
    using = using or router.db_for_write(models.enrollment)
    total = 0
    for course in models.course.objects.using(using).order_by("pk"):
        total += figures_recompute(course=course, models=models, using=using)
    return total


def enrollment_figures_refresh(*, user_id: int, course_id: int) -> None:
    """Recompute one learner's stored figures in one course (two queries)."""
    models = RecordModels.current()
    course = models.course.objects.get(pk=course_id)
    _run_chunk(
        models=models,
        using=router.db_for_write(models.enrollment),
        policy=CreditPolicy.for_credits(course),
        course=course,
        users=(user_id - 1, user_id),
        kind="update",
    )


def learner_active_sync(*, user) -> int:
    """Repeat ``user.is_active`` on their enrolments (the account was enabled/disabled)."""
    from ipms.learning.models import Enrollment

    return (
        Enrollment.objects.filter(user_id=user.pk)
        .filter(~Q(learner_active=user.is_active))
        .update(learner_active=user.is_active)
    )


def figures_mismatches(
    *, course, models: RecordModels | None = None, chunk: int = RECOMPUTE_CHUNK
) -> int:
    """How many enrolments of ``course`` hold stored figures other than the records give
    (0 right after a recompute; the repair command reports it). Read-only, chunked."""
    models = models or RecordModels.current()
    using = router.db_for_read(models.enrollment)
    policy = CreditPolicy.for_credits(course)
    total = 0
    for users, _rows in _chunks(models=models, using=using, course_id=course.pk, chunk=chunk):
        total += _run_chunk(
            models=models,
            using=using,
            policy=policy,
            course=course,
            users=users,
            kind="count",
        )
    return total
