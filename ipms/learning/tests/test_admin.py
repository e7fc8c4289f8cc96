"""The operator adds a course with lessons, a video and a PDF in the console (multipart POSTs
through the real admin views) and sees them on the portal."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from ipms.accounts.models import User
from ipms.content.tests.factories import LecturerFactory
from ipms.core.models import AuditLog
from ipms.core.tests.factories import tiny_png
from ipms.demo.media import make_pdf
from ipms.learning.models import Course, Lesson
from ipms.learning.tests.factories import (
    TINY_VIDEO_SECONDS,
    CourseFactory,
    CoursewareFactory,
    LessonFactory,
)

pytestmark = pytest.mark.django_db


def _course_form(**overrides) -> dict:
    data = {
        "title": "知识产权管理人员课程",
        "summary": "按贯标工作的实际顺序讲解体系的建立与运行。",
        "audience": "贯标单位知识产权管理人员",
        "description": "",
        "order": "1",
        "is_published": "on",
        "credits_per_lesson": "2",
        "credits_per_study_day": "0",
        "proof_min_credits": "",
        "proof_min_exam_score": "60",
        "lessons-TOTAL_FORMS": "0",
        "lessons-INITIAL_FORMS": "0",
        "lessons-MIN_NUM_FORMS": "0",
        "lessons-MAX_NUM_FORMS": "1000",
    }
    data.update(overrides)
    return data


def _inline_lessons(rows: list[tuple[int, str, str]]) -> dict:
    data = {"lessons-TOTAL_FORMS": str(len(rows))}
    for index, (number, title, kind) in enumerate(rows):
        data |= {
            f"lessons-{index}-number": str(number),
            f"lessons-{index}-title": title,
            f"lessons-{index}-kind": kind,
            f"lessons-{index}-is_published": "on",
        }
    return data


def _lesson_form(lesson: Lesson, **overrides) -> dict:
    data = {
        "course": str(lesson.course_id),
        "number": str(lesson.number),
        "title": lesson.title,
        "kind": lesson.kind,
        "is_published": "on",
        "description": lesson.description,
        "outline": lesson.outline,
        "duration": str(lesson.duration),
        "coursewares-TOTAL_FORMS": "0",
        "coursewares-INITIAL_FORMS": "0",
        "coursewares-MIN_NUM_FORMS": "0",
        "coursewares-MAX_NUM_FORMS": "1000",
    }
    data.update(overrides)
    return data


def _errors(response) -> str:
    """Every error the admin form showed, as text (for assertion messages)."""
    context = response.context
    if context is None or "adminform" not in context:
        return ""
    parts = [str(context["adminform"].form.errors)]
    parts += [str(formset.formset.errors) for formset in context["inline_admin_formsets"]]
    return " ".join(parts)


def test_operator_adds_a_course_with_lessons_video_and_pdf_and_sees_them(
    operator_client, client, mp4_bytes, settings
):
    lecturer = LecturerFactory(name="王明")
    add = operator_client.post(
        reverse("admin:learning_course_add"),
        _course_form(
            lecturers=[str(lecturer.pk)],
            cover=SimpleUploadedFile("封面.png", tiny_png(), content_type="image/png"),
            **_inline_lessons(
                [
                    (1, "知识产权管理体系认证流程", "required"),
                    (2, "知识产权宏观形势（一）", "elective"),
                ]
            ),
        ),
    )
    assert add.status_code == 302, _errors(add)
    course = Course.objects.get(title="知识产权管理人员课程")
    assert list(course.lecturers.all()) == [lecturer]
    assert course.cover and course.cover.storage.exists(course.cover.name)
    first = course.lessons.get(number=1)
    assert course.lessons.get(number=2).kind == Lesson.Kind.ELECTIVE

    pdf = make_pdf("知识产权管理体系认证流程", ["认证申请与受理。", "审核与发证。"])
    change = operator_client.post(
        reverse("admin:learning_lesson_change", args=[first.pk]),
        _lesson_form(
            first,
            description="介绍认证的完整流程。",
            outline="认证申请与受理\n审核与发证",
            video=SimpleUploadedFile("第一课.mp4", mp4_bytes, content_type="video/mp4"),
            **{
                "coursewares-TOTAL_FORMS": "1",
                "coursewares-0-title": "认证流程讲义",
                "coursewares-0-file": SimpleUploadedFile(
                    "讲义.pdf", pdf, content_type="application/pdf"
                ),
                "coursewares-0-order": "0",
            },
        ),
    )
    assert change.status_code == 302, _errors(change)

    first.refresh_from_db()
    assert first.video.name.startswith("lessons/videos/")
    assert first.video.path.startswith(str(settings.PRIVATE_MEDIA_ROOT))
    assert first.duration == TINY_VIDEO_SECONDS and first.duration_detected
    [courseware] = first.coursewares.all()
    assert courseware.title == "认证流程讲义"
    assert courseware.file.path.startswith(str(settings.PRIVATE_MEDIA_ROOT))
    assert courseware.file.read().startswith(b"%PDF")

    listing = client.get(reverse("learning:course_list")).content.decode()
    assert "知识产权管理人员课程" in listing and "2课时" in listing and "王明" in listing
    assert course.cover.url in listing
    page = client.get(reverse("learning:course_detail", args=[course.pk])).content.decode()
    assert "课时1（必修）" in page and "知识产权管理体系认证流程" in page
    assert "课时2（选修）" in page and "知识产权宏观形势（一）" in page
    assert f"{TINY_VIDEO_SECONDS}秒" in page


def test_a_text_file_named_mp4_is_refused_with_a_chinese_message(operator_client):
    lesson = LessonFactory(duration=0)
    response = operator_client.post(
        reverse("admin:learning_lesson_change", args=[lesson.pk]),
        _lesson_form(
            lesson,
            video=SimpleUploadedFile("lesson.mp4", b"this is text", content_type="video/mp4"),
        ),
    )
    assert response.status_code == 200
    assert "文件内容与扩展名 .mp4 不符，请上传真实的视频文件。" in response.content.decode()
    lesson.refresh_from_db()
    assert not lesson.video


def test_a_too_large_video_is_refused(operator_client, mp4_bytes, settings):
    settings.UPLOAD_MAX_VIDEO = 1024
    lesson = LessonFactory()
    response = operator_client.post(
        reverse("admin:learning_lesson_change", args=[lesson.pk]),
        _lesson_form(
            lesson, video=SimpleUploadedFile("big.mp4", mp4_bytes, content_type="video/mp4")
        ),
    )
    assert response.status_code == 200
    assert "文件过大" in response.content.decode()
    assert "视频不能超过 1.0 KB" in response.content.decode()
    lesson.refresh_from_db()
    assert not lesson.video


def test_courseware_of_the_wrong_type_is_refused(operator_client):
    lesson = LessonFactory()
    response = operator_client.post(
        reverse("admin:learning_lesson_change", args=[lesson.pk]),
        _lesson_form(
            lesson,
            **{
                "coursewares-TOTAL_FORMS": "1",
                "coursewares-0-title": "脚本",
                "coursewares-0-file": SimpleUploadedFile("run.exe", b"MZ\x90\x00"),
                "coursewares-0-order": "0",
            },
        ),
    )
    assert response.status_code == 200
    assert "不支持的文档格式" in response.content.decode()
    assert not lesson.coursewares.exists()


def test_duration_is_read_only_once_detected_and_editable_otherwise(operator_client):
    detected = LessonFactory(with_video=True)
    manual = LessonFactory(duration=300)
    detected_page = operator_client.get(
        reverse("admin:learning_lesson_change", args=[detected.pk])
    ).content.decode()
    manual_page = operator_client.get(
        reverse("admin:learning_lesson_change", args=[manual.pk])
    ).content.decode()
    assert 'name="duration"' not in detected_page
    assert "已从视频文件自动识别" in detected_page
    assert 'name="duration"' in manual_page
    assert "尚未上传视频" in manual_page

    # A read-only duration is not overwritten by a POST that carries one.
    response = operator_client.post(
        reverse("admin:learning_lesson_change", args=[detected.pk]),
        _lesson_form(detected, duration="9999", title="新标题"),
    )
    assert response.status_code == 302, _errors(response)
    detected.refresh_from_db()
    assert detected.title == "新标题"
    assert detected.duration == TINY_VIDEO_SECONDS


def test_replacing_a_courseware_file_deletes_the_old_one(
    operator_client, pdf_bytes, django_capture_on_commit_callbacks
):
    courseware = CoursewareFactory()
    lesson, storage, old_name = courseware.lesson, courseware.file.storage, courseware.file.name
    with django_capture_on_commit_callbacks(execute=True):
        response = operator_client.post(
            reverse("admin:learning_lesson_change", args=[lesson.pk]),
            _lesson_form(
                lesson,
                **{
                    "coursewares-TOTAL_FORMS": "1",
                    "coursewares-INITIAL_FORMS": "1",
                    "coursewares-0-id": str(courseware.pk),
                    "coursewares-0-lesson": str(lesson.pk),
                    "coursewares-0-title": courseware.title,
                    "coursewares-0-file": SimpleUploadedFile("新讲义.pdf", pdf_bytes),
                    "coursewares-0-order": "0",
                },
            ),
        )
    assert response.status_code == 302, _errors(response)
    courseware.refresh_from_db()
    assert courseware.file.name != old_name
    assert not storage.exists(old_name)
    assert storage.exists(courseware.file.name)


def test_course_admin_groups_fields_and_shows_the_inline(operator_client):
    course = CourseFactory()
    LessonFactory(course=course)
    page = operator_client.get(
        reverse("admin:learning_course_change", args=[course.pk])
    ).content.decode()
    assert "基本信息" in page and "学分规则" in page
    assert "每完成一个课时获得学分" in page
    assert 'name="lessons-0-title"' in page


def test_course_admin_refuses_an_out_of_range_policy(operator_client):
    response = operator_client.post(
        reverse("admin:learning_course_add"), _course_form(proof_min_exam_score="101")
    )
    assert response.status_code == 200
    assert "确保该值小于或等于100。" in _errors(response)
    assert not Course.objects.exists()


def test_duplicate_lesson_numbers_in_the_inline_are_refused(operator_client):
    response = operator_client.post(
        reverse("admin:learning_course_add"),
        _course_form(**_inline_lessons([(1, "甲", "required"), (1, "乙", "required")])),
    )
    assert response.status_code == 200
    assert "请修正重复的数据" in _errors(response)
    assert not Course.objects.exists()


@pytest.mark.parametrize(
    "url_name",
    ["admin:learning_course_changelist", "admin:learning_lesson_changelist"],
)
def test_changelists_with_search_and_filters(operator_client, url_name):
    course = CourseFactory(title="企业负责人课程")
    LessonFactory(course=course, title="最高管理者的知识产权职责")
    url = reverse(url_name)
    assert operator_client.get(url).status_code == 200
    assert operator_client.get(url, {"q": "负责人"}).status_code == 200
    assert operator_client.get(url, {"is_published__exact": "1"}).status_code == 200


def test_visitors_and_learners_cannot_reach_the_console(client, django_user_model):
    url = reverse("admin:learning_course_add")
    assert client.get(url).status_code == 302
    user = django_user_model.objects.create_user(phone="13600002925", password="Learner2026")
    client.force_login(user)
    assert client.get(url).status_code == 302


def test_console_links_private_files_to_permission_checked_views(operator_client):
    courseware = CoursewareFactory(
        lesson=LessonFactory(with_video=True), title="讲义", file__filename="认证流程讲义.pdf"
    )
    lesson = courseware.lesson
    video_url = reverse("admin:learning_lesson_video", args=[lesson.pk])
    file_url = reverse("admin:learning_courseware_file", args=[courseware.pk])

    page = operator_client.get(
        reverse("admin:learning_lesson_change", args=[lesson.pk])
    ).content.decode()
    assert f'href="{video_url}"' in page and f'href="{file_url}"' in page
    assert "/media/lessons/" not in page

    video = operator_client.get(video_url)
    assert video.status_code == 200
    assert video["Content-Disposition"].startswith("attachment;")
    assert b"".join(video.streaming_content) == lesson.video.open("rb").read()
    document = operator_client.get(file_url)
    assert document.status_code == 200
    assert "filename*=utf-8''%E8%AE%A4%E8%AF%81" in document["Content-Disposition"]
    assert b"".join(document.streaming_content).startswith(b"%PDF")

    # Visitors are sent to the console login; staff without the permission are refused.
    client = Client()
    assert client.get(video_url).status_code == 302
    staff = User.objects.create_user(phone="13700000001", password="Staff2026x", is_staff=True)
    client.force_login(staff)
    assert client.get(video_url).status_code == 403
    assert client.get(file_url).status_code == 403


def test_console_video_view_404_without_a_video(operator_client):
    lesson = LessonFactory()
    url = reverse("admin:learning_lesson_video", args=[lesson.pk])
    assert operator_client.get(url).status_code == 404


def test_console_edits_of_courses_are_audited_by_field_name(operator_client, operator):
    response = operator_client.post(reverse("admin:learning_course_add"), _course_form())
    assert response.status_code == 302
    course = Course.objects.get(title="知识产权管理人员课程")
    url = reverse("admin:learning_course_change", args=[course.pk])
    assert operator_client.post(url, _course_form(credits_per_lesson="3")).status_code == 302
    added, changed = AuditLog.objects.filter(action__startswith="console.").order_by("id")
    assert (added.action, added.actor, added.role) == ("console.add", operator, "operator")
    assert (changed.action, changed.object_type, changed.object_id) == (
        "console.change",
        "learning.course",
        str(course.pk),
    )
    assert len(changed.details["fields"]) == 1 and "3" not in str(changed.details["fields"])
