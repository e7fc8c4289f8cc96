"""The lesson page, its video and courseware, and the heartbeat endpoint (issue 4 point 2)."""

from __future__ import annotations

import json
import re
import uuid
from urllib.parse import quote, unquote

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from ipms.accounts.tests.factories import UserFactory
from ipms.learning.models import Courseware, Enrollment, LessonProgress, PlaybackView
from ipms.learning.tests.factories import CourseFactory, CoursewareFactory, LessonFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def course(db):
    return CourseFactory(title="知识产权管理人员课程")


@pytest.fixture
def lesson(course, mp4_bytes):
    lesson = LessonFactory(
        course=course,
        number=2,
        title="企业标准贯标流程——工作启动",
        outline="最高管理者的承诺\n贯标工作小组的组建",
        description="讲解贯标工作启动阶段的准备。",
        with_video=True,
    )
    LessonFactory(course=course, number=1, title="知识产权管理体系认证流程")
    LessonFactory(course=course, number=3, title="知识产权宏观形势（一）", elective=True)
    return lesson


def page_url(lesson) -> str:
    return reverse("learning:lesson_detail", args=[lesson.course_id, lesson.pk])


def video_url(lesson) -> str:
    return reverse("learning:lesson_video", args=[lesson.course_id, lesson.pk])


def courseware_url(courseware) -> str:
    lesson = courseware.lesson
    return reverse(
        "learning:courseware_download", args=[lesson.course_id, lesson.pk, courseware.pk]
    )


def heartbeat_url(lesson) -> str:
    return reverse("learning:heartbeat", args=[lesson.pk])


def data_attribute(html: str, name: str) -> str:
    match = re.search(rf'data-{name}="([^"]*)"', html)
    assert match, f"data-{name} missing"
    return match.group(1)


# --- the page --------------------------------------------------------------------------


def test_lesson_page_shows_player_list_outline_and_courseware(learner_client, learner, lesson):
    courseware = CoursewareFactory(lesson=lesson, title="知识产权宏观形势（一）")

    response = learner_client.get(page_url(lesson))

    assert response.status_code == 200
    html = response.content.decode()
    assert "课时2 企业标准贯标流程——工作启动" in html
    assert f'src="{video_url(lesson)}"' in html and "<video" in html
    assert 'controlslist="nodownload"' in html
    assert "课时1（必修）" in html and "课时3（选修）" in html
    assert "知识产权宏观形势（一）" in html
    assert "课程大纲" in html and "<li>最高管理者的承诺</li>" in html
    assert "讲解贯标工作启动阶段的准备。" in html
    assert f'href="{courseware_url(courseware)}"' in html
    assert 'aria-current="page"' in html
    assert "learning/player.js" in html
    assert "<script>" not in html and " on" + "click=" not in html  # CSP: no inline script
    view_id = data_attribute(html, "view-id")
    view = PlaybackView.objects.get(pk=view_id)
    assert view.user == learner and view.progress.lesson == lesson
    assert data_attribute(html, "heartbeat-url") == heartbeat_url(lesson)
    assert data_attribute(html, "interval") == "15"
    assert data_attribute(html, "csrf-token")
    assert Enrollment.objects.get(user=learner, course=lesson.course).last_lesson == lesson


def test_lesson_page_resumes_at_the_last_position(learner_client, learner, lesson):
    type(lesson).objects.filter(pk=lesson.pk).update(duration=600)
    learner_client.get(page_url(lesson))
    LessonProgress.objects.filter(user=learner, lesson=lesson).update(
        last_position=241.2, furthest_position=301.5, credited_seconds=300
    )
    html = learner_client.get(page_url(lesson)).content.decode()
    assert data_attribute(html, "resume") == "241.2"
    assert data_attribute(html, "furthest") == "301.5"
    assert "已学 50%" in html
    assert "5分00秒" in html  # credited so far


def test_lesson_page_marks_completed_lessons(learner_client, learner, lesson):
    from django.utils import timezone

    learner_client.get(page_url(lesson))
    LessonProgress.objects.filter(user=learner, lesson=lesson).update(
        credited_seconds=2, completed_at=timezone.now(), last_position=2
    )
    html = learner_client.get(page_url(lesson)).content.decode()
    assert data_attribute(html, "completed") == "true"
    assert data_attribute(html, "resume") == "0.0"  # watched to the end: from the start
    assert 'text-success" id="current-lesson-state">已完成' in html


def test_lesson_page_query_count_does_not_grow_with_lessons(learner_client, lesson):
    def count() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert learner_client.get(page_url(lesson)).status_code == 200
        return len(captured)

    learner_client.get(page_url(lesson))  # the first visit also enrols: not counted
    few = count()
    LessonFactory.create_batch(20, course=lesson.course)
    assert count() == few


def test_course_page_links_a_learner_to_the_lessons(learner_client, lesson):
    course_url = reverse("learning:course_detail", args=[lesson.course_id])
    html = learner_client.get(course_url).content.decode()
    first = lesson.course.lessons.get(number=1)
    assert ">立即学习</a>" in html
    assert f'href="{page_url(first)}"' in html
    learner_client.get(page_url(lesson))
    html = learner_client.get(course_url).content.decode()
    assert ">继续学习</a>" in html
    assert "上次学习到 课时2（必修）企业标准贯标流程——工作启动" in html


@pytest.mark.parametrize("unpublish", ["lesson", "course"])
def test_unpublished_lessons_are_not_found(learner_client, lesson, unpublish):
    target = lesson if unpublish == "lesson" else lesson.course
    type(target).objects.filter(pk=target.pk).update(is_published=False)
    assert learner_client.get(page_url(lesson)).status_code == 404
    assert learner_client.get(video_url(lesson)).status_code == 404


def test_a_lesson_under_another_course_is_not_found(learner_client, lesson):
    other = CourseFactory()
    url = reverse("learning:lesson_detail", args=[other.pk, lesson.pk])
    assert learner_client.get(url).status_code == 404


# --- who may fetch what ----------------------------------------------------------------


def _urls(lesson):
    courseware = CoursewareFactory(lesson=lesson)
    return [page_url(lesson), video_url(lesson), courseware_url(courseware)]


def test_visitors_are_sent_to_the_login_page(client, lesson):
    login = reverse("accounts:login")
    for url in _urls(lesson):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"] == f"{login}?next={quote(url)}"
    assert not PlaybackView.objects.exists()


def test_operators_may_not_learn(client, lesson):
    client.force_login(UserFactory(is_staff=True))
    for url in _urls(lesson):
        assert client.get(url).status_code == 403, url
    assert not PlaybackView.objects.exists()


def _disposition_name(response) -> str:
    return unquote(response["Content-Disposition"].split("filename*=utf-8''")[1])


def test_courseware_downloads_under_the_name_it_was_uploaded_with(learner_client, lesson):
    courseware = CoursewareFactory(
        lesson=lesson,
        title="知识产权宏观形势（一）",
        file__filename="第2讲 知识产权宏观形势.PDF",
    )
    assert courseware.original_name == "第2讲 知识产权宏观形势.PDF"
    assert not courseware.file.name.endswith("宏观形势.PDF")  # storage keeps a random name
    response = learner_client.get(courseware_url(courseware))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment")
    assert _disposition_name(response) == "第2讲 知识产权宏观形势.PDF"
    assert b"".join(response.streaming_content).startswith(b"%PDF")


@pytest.mark.parametrize(
    ("uploaded", "kept"),
    [
        ("C:\\fakepath\\讲义.pdf", "讲义.pdf"),
        ("../../讲义 <终稿>.pdf", "讲义 终稿.pdf"),
    ],
)
def test_an_upload_name_is_sanitised_and_keeps_an_extension(learner_client, lesson, uploaded, kept):
    courseware = CoursewareFactory(lesson=lesson, file__filename=uploaded)
    assert _disposition_name(learner_client.get(courseware_url(courseware))) == kept


def test_the_side_list_is_titled_as_in_the_manual(learner_client, lesson):
    html = learner_client.get(page_url(lesson)).content.decode()
    assert '<h2 class="section-title" id="lesson-list-title">课程列表</h2>' in html


def test_courseware_stored_before_names_were_kept_downloads_as_lesson_and_title(
    learner_client, lesson
):
    courseware = CoursewareFactory(lesson=lesson, title="知识产权宏观形势（一）")
    Courseware.objects.filter(pk=courseware.pk).update(original_name="")
    response = learner_client.get(courseware_url(courseware))
    assert _disposition_name(response) == "课时2 知识产权宏观形势（一）.pdf"


def test_courseware_of_another_lesson_is_not_found(learner_client, lesson):
    elsewhere = CoursewareFactory()
    url = reverse("learning:courseware_download", args=[lesson.course_id, lesson.pk, elsewhere.pk])
    assert learner_client.get(url).status_code == 404


# --- video delivery --------------------------------------------------------------------


def test_video_is_streamed_whole_with_range_support(learner_client, lesson, mp4_bytes):
    response = learner_client.get(video_url(lesson))
    assert response.status_code == 200
    assert response["Content-Type"] == "video/mp4"
    assert response["Accept-Ranges"] == "bytes"
    assert response["Content-Length"] == str(len(mp4_bytes))
    assert response["Cache-Control"] == "private, no-store"
    assert b"".join(response.streaming_content) == mp4_bytes


@pytest.mark.parametrize(
    ("header", "start", "end"),
    [
        ("bytes=0-99", 0, 99),
        ("bytes=100-", 100, None),
        ("bytes=-50", -50, None),
        ("bytes=10-999999999", 10, None),
    ],
)
def test_video_answers_a_range_with_206(learner_client, lesson, mp4_bytes, header, start, end):
    response = learner_client.get(video_url(lesson), HTTP_RANGE=header)
    assert response.status_code == 206
    expected = mp4_bytes[start : (end + 1 if end is not None else None)]
    body = b"".join(response.streaming_content)
    assert body == expected
    size = len(mp4_bytes)
    first = start if start >= 0 else size + start
    assert response["Content-Range"] == f"bytes {first}-{first + len(expected) - 1}/{size}"
    assert response["Content-Length"] == str(len(expected))


def test_an_unsatisfiable_range_gets_416(learner_client, lesson, mp4_bytes):
    response = learner_client.get(video_url(lesson), HTTP_RANGE=f"bytes={len(mp4_bytes)}-")
    assert response.status_code == 416
    assert response["Content-Range"] == f"bytes */{len(mp4_bytes)}"


def test_several_ranges_get_the_whole_file(learner_client, lesson, mp4_bytes):
    response = learner_client.get(video_url(lesson), HTTP_RANGE="bytes=0-1,5-9")
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == mp4_bytes


def test_x_accel_delivery_hands_the_file_to_nginx(learner_client, lesson, settings):
    settings.VIDEO_DELIVERY = "x-accel"
    settings.VIDEO_ACCEL_PREFIX = "/_private/"
    response = learner_client.get(video_url(lesson), HTTP_RANGE="bytes=0-99")
    assert response.status_code == 200
    assert response["X-Accel-Redirect"] == "/_private/" + lesson.video.name
    assert response["Content-Type"] == "video/mp4"
    assert response.content == b""
    assert response["Cache-Control"] == "private, no-store"


def test_signed_url_delivery_redirects_to_the_object_storage(learner_client, lesson, settings):
    from ipms.core.files import private_storage

    calls = []

    def signing_url(name, parameters=None, expire=None):
        calls.append((name, expire))
        return f"https://bucket.oss.example.cn/{name}?Expires=1&Signature=x"

    settings.VIDEO_DELIVERY = "signed-url"
    settings.VIDEO_URL_EXPIRY = 600
    storage = private_storage()
    storage._setup()
    original = storage._wrapped.url
    storage._wrapped.url = signing_url
    try:
        response = learner_client.get(video_url(lesson))
    finally:
        storage._wrapped.url = original
    assert response.status_code == 302
    assert response["Location"].startswith("https://bucket.oss.example.cn/lessons/videos/")
    assert calls == [(lesson.video.name, 600)]
    assert response["Cache-Control"] == "private, no-store"


# --- the heartbeat endpoint ------------------------------------------------------------


def open_page(client, lesson) -> dict:
    html = client.get(page_url(lesson)).content.decode()
    return {
        "view": data_attribute(html, "view-id"),
        "token": data_attribute(html, "csrf-token"),
    }


def post_beat(client, lesson, page, **fields):
    body = {"view": page["view"], "seq": 1, "position": 0, "playing": True, "visible": True}
    body.update(fields)
    return client.post(
        heartbeat_url(lesson),
        data=json.dumps(body),
        content_type="application/json",
        HTTP_ACCEPT="application/json",
        HTTP_X_CSRFTOKEN=page["token"],
    )


@pytest.fixture
def csrf_client(learner):
    client = Client(enforce_csrf_checks=True)
    client.force_login(learner)
    return client


def test_heartbeat_answers_totals_and_flags(csrf_client, lesson):
    page = open_page(csrf_client, lesson)
    response = post_beat(csrf_client, lesson, page, start=True, interacted=True)
    assert response.status_code == 200
    data = response.json()
    assert data == {
        "accepted": True,
        "credited": 0,
        "credited_total": 0,
        "duration": 2,
        "furthest": 0,
        "completed": False,
        "paused_other_view": False,
        "idle_prompt": False,
        "seek_refused": False,
    }
    assert "no-cache" in response["Cache-Control"]
    # A replay of the same beat is answered, and accepted: false.
    assert post_beat(csrf_client, lesson, page, start=True).json()["accepted"] is False


def test_heartbeat_needs_the_csrf_header(csrf_client, lesson):
    page = open_page(csrf_client, lesson)
    response = post_beat(csrf_client, lesson, {**page, "token": "x" * 32})
    assert response.status_code == 403


def test_heartbeat_refuses_visitors_with_401_json(lesson):
    client = Client()
    response = client.post(heartbeat_url(lesson), data="{}", content_type="application/json")
    assert response.status_code == 401
    assert response.json()["login_url"] == reverse("accounts:login")


def test_heartbeat_refuses_operators(client, lesson):
    client.force_login(UserFactory(is_staff=True))
    response = client.post(heartbeat_url(lesson), data="{}", content_type="application/json")
    assert response.status_code == 403


def test_heartbeat_after_the_session_ended_gets_401_json(learner_client, lesson, settings):
    page = open_page(learner_client, lesson)
    session = learner_client.session
    from ipms.accounts.middleware import SESSION_ACTIVITY

    session[SESSION_ACTIVITY] = session[SESSION_ACTIVITY] - settings.SESSION_IDLE_TIMEOUT - 5
    session.save()
    response = post_beat(learner_client, lesson, page)
    assert response.status_code == 401
    assert "login_url" in response.json()


VALID = {"seq": 1, "position": 0, "playing": True, "visible": True}


@pytest.mark.parametrize(
    "fields",
    [
        "not json",
        [],
        {**VALID, "view": "x"},
        {**VALID, "view": None},
        {**VALID, "seq": 0},
        {**VALID, "seq": "1"},
        {**VALID, "seq": True},
        {**VALID, "seq": 1.5},
        {**VALID, "playing": "yes"},
        {**VALID, "visible": None},
        {**VALID, "start": 1},
        {**VALID, "position": "NaN"},
        {**VALID, "position": 1e12},
        {**VALID, "padding": "x" * 4000},
        {"seq": 1, "position": 0, "playing": True},
    ],
)
def test_heartbeat_refuses_malformed_beats_with_400(learner_client, lesson, fields):
    page = open_page(learner_client, lesson)
    if isinstance(fields, dict):
        body = json.dumps({"view": page["view"], **fields})
    else:
        body = fields if isinstance(fields, str) else json.dumps(fields)
    response = learner_client.post(
        heartbeat_url(lesson), data=body, content_type="application/json"
    )
    assert response.status_code == 400, body
    assert "格式不正确" in response.json()["error"]


def test_heartbeat_for_a_forged_view_gets_409(learner_client, lesson):
    page = open_page(learner_client, lesson)
    response = post_beat(learner_client, lesson, {**page, "view": str(uuid.uuid4())})
    assert response.status_code == 409
    assert response.json()["reload"] is True
    other = LessonFactory(course=lesson.course)
    response = post_beat(learner_client, other, page)  # a view of another lesson
    assert response.status_code == 409


def test_heartbeat_rate_limit(learner_client, lesson, settings):
    settings.LEARNING_HEARTBEAT_RATE = "3/m"
    page = open_page(learner_client, lesson)
    codes = [post_beat(learner_client, lesson, page, seq=n).status_code for n in range(1, 6)]
    assert codes == [200, 200, 200, 429, 429]


def test_heartbeat_rejects_get(learner_client, lesson):
    assert learner_client.get(heartbeat_url(lesson)).status_code == 405


def test_heartbeat_rate_limit_is_per_learner(learner_client, lesson, settings):
    settings.LEARNING_HEARTBEAT_RATE = "2/m"
    page = open_page(learner_client, lesson)
    assert [post_beat(learner_client, lesson, page, seq=n).status_code for n in (1, 2, 3)] == [
        200,
        200,
        429,
    ]
    other = Client()
    other.force_login(UserFactory())
    assert post_beat(other, lesson, open_page(other, lesson)).status_code == 200


def test_heartbeat_goes_through_when_the_shared_cache_is_down(learner_client, lesson, monkeypatch):
    from django.core.cache import cache

    def down(*args, **kwargs):
        raise ConnectionError("redis is down")

    page = open_page(learner_client, lesson)
    monkeypatch.setattr(cache, "incr", down)
    monkeypatch.setattr(cache, "add", down)
    assert post_beat(learner_client, lesson, page).status_code == 200


def test_heartbeat_policy_fails_open(learner_client, lesson, ratelimit_cache_down, settings):
    """``heartbeat_user`` fails open: beats are credited while the limiter is down."""
    settings.LEARNING_HEARTBEAT_RATE = "1/m"
    page = open_page(learner_client, lesson)
    codes = [post_beat(learner_client, lesson, page, seq=n).status_code for n in (1, 2, 3)]
    assert codes == [200, 200, 200]


def test_video_answers_head_without_a_body(learner_client, lesson, mp4_bytes):
    response = learner_client.head(video_url(lesson))
    assert response.status_code == 200
    assert response["Content-Length"] == str(len(mp4_bytes))
    assert response.content == b""


def test_an_unknown_video_delivery_fails_the_system_check(settings):
    from ipms.learning.checks import video_delivery_check

    assert video_delivery_check() == []
    settings.VIDEO_DELIVERY = "nginx"
    assert [error.id for error in video_delivery_check()] == ["ipms.learning.E001"]
