"""Writes for courses, lessons and courseware. Views, the console and demo data call these."""

from __future__ import annotations

import contextlib
import logging
import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Iterable, Iterator

import imageio_ffmpeg
from django.core.files import File
from django.db import transaction

from ipms.content.models import Lecturer
from ipms.learning.models import Course, Courseware, Lesson

logger = logging.getLogger(__name__)

# ffmpeg prints the container duration in its header, e.g. "Duration: 00:12:34.56,".
_DURATION_RE = re.compile(rb"Duration:\s*(\d+):(\d{2}):(\d{2}(?:\.\d+)?)")
_PROBE_TIMEOUT = 120


# --- courses --------------------------------------------------------------------------


@transaction.atomic
def course_create(
    *,
    title: str,
    summary: str,
    audience: str,
    description: str = "",
    lecturers: Iterable[Lecturer] = (),
    cover: File | None = None,
    order: int = 0,
    is_published: bool = True,
    credits_per_lesson: int = 2,
    credits_per_study_day: int = 0,
    exam_score_counts: bool = False,
    proof_min_credits: int | None = None,
    proof_min_exam_score: int = 60,
) -> Course:
    course = Course(
        title=title,
        summary=summary,
        audience=audience,
        description=description,
        order=order,
        is_published=is_published,
        credits_per_lesson=credits_per_lesson,
        credits_per_study_day=credits_per_study_day,
        exam_score_counts=exam_score_counts,
        proof_min_credits=proof_min_credits,
        proof_min_exam_score=proof_min_exam_score,
    )
    if cover is not None:
        course.cover = cover
    course.full_clean()
    _save_with_files(course, "cover")
    lecturers = list(lecturers)
    if lecturers:
        course.lecturers.set(lecturers)
    return course


# --- lessons --------------------------------------------------------------------------


@transaction.atomic
def lesson_create(
    *,
    course: Course,
    number: int,
    title: str,
    kind: str = Lesson.Kind.REQUIRED,
    description: str = "",
    outline: str = "",
    video: File | None = None,
    duration: int = 0,
    is_published: bool = True,
) -> Lesson:
    """Create a lesson; with a video, its duration is detected from the stored file."""
    lesson = Lesson(
        course=course,
        number=number,
        title=title,
        kind=kind,
        description=description,
        outline=outline,
        duration=duration,
        is_published=is_published,
    )
    if video is not None:
        lesson.video = video
    lesson.full_clean()
    _save_with_files(lesson, "video")
    if video is not None:
        lesson_detect_duration(lesson=lesson)
    return lesson


@transaction.atomic
def lesson_video_changed(*, lesson: Lesson, previous_name: str = "") -> Lesson:
    """Follow-up after a lesson's video was replaced or removed (called once it is saved).

    Detects the new video's duration, and deletes the previous file once the change is
    committed, so replaced videos do not pile up in storage.
    """
    stored_file_replaced(field_file=lesson.video, previous_name=previous_name)
    if lesson.video:
        lesson_detect_duration(lesson=lesson)
    elif lesson.duration_detected:
        # The detected length belonged to the removed file; keep it as a manual value.
        lesson.duration_detected = False
        lesson.save(update_fields=["duration_detected", "updated_at"])
    return lesson


def lesson_detect_duration(*, lesson: Lesson) -> int | None:
    """Read the video's length (seconds) from the stored file and record it on the lesson.

    Returns the detected seconds, or ``None`` when the file cannot be read: the lesson then
    keeps its manual duration, and the console lets the operator type one. ffmpeg runs
    before the write transaction opens, so a slow probe never holds a database lock on its
    own account (a caller's open transaction is the caller's choice).
    """
    if not lesson.video:
        return None
    try:
        seconds = _probe_seconds(lesson.video)
    except (OSError, RuntimeError, subprocess.SubprocessError) as error:
        logger.warning("Could not read the duration of lesson %s: %s", lesson.pk, error)
        seconds = None
    with transaction.atomic():
        if seconds is None:
            if lesson.duration_detected:
                lesson.duration_detected = False
                lesson.save(update_fields=["duration_detected", "updated_at"])
            return None
        lesson.duration = seconds
        lesson.duration_detected = True
        lesson.full_clean()
        lesson.save(update_fields=["duration", "duration_detected", "updated_at"])
    return seconds


def _probe_seconds(field_file) -> int | None:
    """Seconds of video in a stored file, rounded; None when ffmpeg finds no length."""
    with _local_path(field_file) as path:
        # The container header gives the length at once, even for a two-hour lecture.
        completed = subprocess.run(  # noqa: S603 - fixed arguments, no shell
            [imageio_ffmpeg.get_ffmpeg_exe(), "-hide_banner", "-nostdin", "-i", path],
            capture_output=True,
            timeout=_PROBE_TIMEOUT,
            check=False,
        )
        match = _DURATION_RE.search(completed.stderr)
        if match:
            hours, minutes, seconds = match.groups()
            total = int(hours) * 3600 + int(minutes) * 60 + float(seconds)
        else:
            # No header length (e.g. some WebM files): count the frames instead. This reads
            # the whole stream, so it only runs when the fast path had nothing.
            if b"Invalid data" in completed.stderr or b"Stream #" not in completed.stderr:
                return None
            _frames, total = imageio_ffmpeg.count_frames_and_secs(path)
    if not total or total <= 0:
        return None
    return max(1, round(total))


@contextlib.contextmanager
def _local_path(field_file) -> Iterator[str]:
    """A filesystem path for a stored file: the file itself on local storage, otherwise a
    temporary copy (object storage has no paths)."""
    storage = field_file.storage
    try:
        path = storage.path(field_file.name)
    except NotImplementedError:
        path = None
    if path is not None:
        yield path
        return
    with tempfile.TemporaryDirectory(prefix="ipms-probe-") as tmpdir:
        target = os.path.join(tmpdir, "video" + os.path.splitext(field_file.name)[1])
        with storage.open(field_file.name, "rb") as source, open(target, "wb") as out:
            shutil.copyfileobj(source, out, length=1024 * 1024)
        yield target


# --- courseware -----------------------------------------------------------------------


@transaction.atomic
def courseware_create(*, lesson: Lesson, title: str, file: File, order: int = 0) -> Courseware:
    courseware = Courseware(lesson=lesson, title=title, order=order, file=file)
    courseware.full_clean()
    _save_with_files(courseware, "file")
    return courseware


# --- stored files ---------------------------------------------------------------------


def stored_file_replaced(*, field_file, previous_name: str) -> None:
    """Delete a file that a row no longer points at, once the change is committed."""
    if previous_name and previous_name != field_file.name:
        stored_file_delete_on_commit(storage=field_file.storage, name=previous_name)


def stored_file_delete_on_commit(*, storage, name: str) -> None:
    if name:
        transaction.on_commit(lambda: _delete_quietly(storage, name))


# --- helpers --------------------------------------------------------------------------


def _delete_quietly(storage, name: str) -> None:
    try:
        storage.delete(name)
    except OSError:
        logger.warning("Could not delete the replaced file %s", name)


def _save_with_files(instance, *file_fields: str) -> None:
    """Save a row whose new files Django writes to storage during ``save()``; if the row
    cannot be written, remove the files again so no orphan is left behind."""
    try:
        instance.save()
    except Exception:
        for name in file_fields:
            field_file = getattr(instance, name)
            # Only a committed file was written by this save; an uncommitted one still
            # carries the uploader's name, which must never be deleted from storage.
            if field_file and field_file.name and getattr(field_file, "_committed", False):
                _delete_quietly(field_file.storage, field_file.name)
        raise
