import pytest
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile

from ipms.content.tests.factories import LecturerFactory
from ipms.core.tests.factories import tiny_png
from ipms.learning import services
from ipms.learning.models import Course, Lesson
from ipms.learning.tests.factories import (
    TINY_VIDEO_SECONDS,
    CourseFactory,
    CoursewareFactory,
    LessonFactory,
)

pytestmark = pytest.mark.django_db


def test_course_create_with_cover_and_lecturers():
    lecturer = LecturerFactory(name="王明")
    course = services.course_create(
        title="企业负责人课程",
        summary="简介",
        audience="贯标单位最高管理者",
        lecturers=[lecturer],
        cover=ContentFile(tiny_png(), name="封面.png"),
    )
    assert list(course.lecturers.all()) == [lecturer]
    assert course.cover.name.startswith("courses/covers/") and course.cover.name.endswith(".png")
    assert course.cover.storage.exists(course.cover.name)


def test_course_create_refuses_bad_input_with_chinese_messages():
    CourseFactory(title="企业负责人课程")
    with pytest.raises(ValidationError) as info:
        services.course_create(title="企业负责人课程", summary="简介", audience="所有人员")
    assert "已存在" in str(info.value)
    with pytest.raises(ValidationError) as info:
        services.course_create(
            title="新课程",
            summary="简介",
            audience="所有人员",
            cover=ContentFile(b"not an image", name="cover.png"),
        )
    assert "文件内容与扩展名 .png 不符" in str(info.value)
    assert Course.objects.count() == 1


def test_lesson_create_detects_the_video_duration(mp4_bytes):
    lesson = services.lesson_create(
        course=CourseFactory(),
        number=1,
        title="知识产权管理体系认证流程",
        video=ContentFile(mp4_bytes, name="upload.mp4"),
        duration=999,
    )
    lesson.refresh_from_db()
    assert lesson.duration == TINY_VIDEO_SECONDS
    assert lesson.duration_detected is True
    assert lesson.video.storage.exists(lesson.video.name)


def _stored_files(root) -> set:
    return {path for path in root.rglob("*") if path.is_file()}


def test_lesson_create_refuses_a_fake_video_and_keeps_no_file(settings):
    before = _stored_files(settings.PRIVATE_MEDIA_ROOT)
    with pytest.raises(ValidationError) as info:
        services.lesson_create(
            course=CourseFactory(),
            number=1,
            title="假视频",
            video=ContentFile(b"just some text, not a video", name="lesson.mp4"),
        )
    assert "文件内容与扩展名 .mp4 不符，请上传真实的视频文件。" in info.value.messages
    assert not Lesson.objects.exists()
    assert _stored_files(settings.PRIVATE_MEDIA_ROOT) == before


def test_detection_failure_keeps_the_manual_duration():
    lesson = LessonFactory(duration=321)
    # A file that passed the header check but holds no playable stream.
    name = lesson.video.storage.save("lessons/videos/broken.mp4", ContentFile(b"\0" * 64))
    Lesson.objects.filter(pk=lesson.pk).update(video=name, duration_detected=True)
    lesson.refresh_from_db()

    assert services.lesson_detect_duration(lesson=lesson) is None

    lesson.refresh_from_db()
    assert lesson.duration == 321
    assert lesson.duration_detected is False


def test_detect_duration_without_video_does_nothing():
    lesson = LessonFactory(duration=60)
    assert services.lesson_detect_duration(lesson=lesson) is None
    lesson.refresh_from_db()
    assert lesson.duration == 60


def test_replacing_a_video_deletes_the_old_file_after_commit(
    mp4_bytes, django_capture_on_commit_callbacks
):
    lesson = LessonFactory(with_video=True)
    storage, old_name = lesson.video.storage, lesson.video.name
    lesson.video = ContentFile(mp4_bytes, name="new.mp4")
    lesson.save()
    with django_capture_on_commit_callbacks(execute=True):
        services.lesson_video_changed(lesson=lesson, previous_name=old_name)
    assert not storage.exists(old_name)
    assert storage.exists(lesson.video.name)
    assert lesson.duration == TINY_VIDEO_SECONDS and lesson.duration_detected


def test_removing_a_video_keeps_its_length_as_a_manual_value(django_capture_on_commit_callbacks):
    lesson = LessonFactory(with_video=True)
    storage, old_name = lesson.video.storage, lesson.video.name
    lesson.video = None
    lesson.save()
    with django_capture_on_commit_callbacks(execute=True):
        services.lesson_video_changed(lesson=lesson, previous_name=old_name)
    lesson.refresh_from_db()
    assert not storage.exists(old_name)
    assert lesson.duration == TINY_VIDEO_SECONDS
    assert lesson.duration_detected is False


def test_deleting_a_course_removes_its_files(django_capture_on_commit_callbacks):
    courseware = CoursewareFactory(lesson=LessonFactory(with_video=True))
    lesson = courseware.lesson
    storage = lesson.video.storage
    names = [lesson.video.name, courseware.file.name]
    with django_capture_on_commit_callbacks(execute=True):
        lesson.course.delete()
    assert not any(storage.exists(name) for name in names)


def test_courseware_create_validates_the_document(pdf_bytes):
    lesson = LessonFactory()
    courseware = services.courseware_create(
        lesson=lesson, title="讲义", file=ContentFile(pdf_bytes, name="讲义.pdf")
    )
    assert courseware.file.name.endswith(".pdf")
    with pytest.raises(ValidationError) as info:
        services.courseware_create(
            lesson=lesson, title="脚本", file=ContentFile(b"#!/bin/sh", name="run.sh")
        )
    assert "不支持的文档格式" in str(info.value)


def test_duration_falls_back_to_counting_frames_without_a_header_length(monkeypatch):
    import re

    lesson = LessonFactory(with_video=True, duration=0)
    monkeypatch.setattr(services, "_DURATION_RE", re.compile(rb"(?!)"))
    assert services.lesson_detect_duration(lesson=lesson) == TINY_VIDEO_SECONDS


def test_duration_is_read_from_storage_without_local_paths(settings):
    """Object storage has no ``path()``: the probe works on a temporary copy."""
    import os

    from django.core.files import File
    from django.core.files.storage import FileSystemStorage

    class RemoteLikeStorage(FileSystemStorage):
        def path(self, name):
            raise NotImplementedError("no local paths")

        def _local(self, name):
            return FileSystemStorage.path(self, name)

        def _open(self, name, mode="rb"):
            return File(open(self._local(name), mode))

        def size(self, name):
            return os.path.getsize(self._local(name))

        def exists(self, name):
            return os.path.exists(self._local(name))

    lesson = LessonFactory(with_video=True, duration=0)
    field = Lesson._meta.get_field("video")
    original = field.storage
    field.storage = RemoteLikeStorage(location=settings.PRIVATE_MEDIA_ROOT)
    try:
        lesson = Lesson.objects.get(pk=lesson.pk)
        assert services.lesson_detect_duration(lesson=lesson) == TINY_VIDEO_SECONDS
    finally:
        field.storage = original
