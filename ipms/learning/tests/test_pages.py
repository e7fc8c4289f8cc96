import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from ipms.content.tests.factories import LecturerFactory
from ipms.learning.templatetags.learning import duration_cn, duration_iso
from ipms.learning.tests.factories import CourseFactory, LessonFactory

pytestmark = pytest.mark.django_db

LIST_URL = "/courses/"


def detail_url(course) -> str:
    return reverse("learning:course_detail", args=[course.pk])


def test_course_list_url_is_kept():
    assert reverse("learning:course_list") == LIST_URL


def test_course_list_shows_every_published_course_as_a_card(client):
    lecturers = [LecturerFactory(name="王明"), LecturerFactory(name="赵磊")]
    course = CourseFactory(
        title="知识产权管理人员课程",
        audience="贯标单位知识产权管理人员",
        summary="按贯标工作的实际顺序讲解体系的建立与运行。",
        lecturers=lecturers,
    )
    LessonFactory.create_batch(15, course=course)
    CourseFactory(title="未发布的课程", is_published=False)

    response = client.get(LIST_URL)

    assert response.status_code == 200
    html = response.content.decode()
    assert "<h1" in html and "课程列表" in html
    assert "知识产权管理人员课程" in html
    assert "15课时" in html
    assert "王明、赵磊" in html
    assert "学习对象：" in html and "贯标单位知识产权管理人员" in html
    assert "按贯标工作的实际顺序讲解体系的建立与运行。" in html
    assert f'href="{detail_url(course)}"' in html
    assert ">立即学习</a>" in html
    assert "未发布的课程" not in html
    assert "learning/learning.css" in html


def test_course_card_shows_the_cover_or_a_placeholder(client):
    with_cover = CourseFactory(with_cover=True)
    CourseFactory(title="没有封面的课程")
    html = client.get(LIST_URL).content.decode()
    assert with_cover.cover.url in html
    assert "course-cover-placeholder" in html


def test_course_list_empty_state(client):
    assert "暂无课程" in client.get(LIST_URL).content.decode()


def _list_queries(client) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(LIST_URL).status_code == 200
    return len(captured)


def test_course_list_query_count_is_constant(client):
    lecturer = LecturerFactory(name="王明")
    CourseFactory(lecturers=[lecturer])
    few = _list_queries(client)
    for _ in range(8):
        LessonFactory.create_batch(2, course=CourseFactory(lecturers=[lecturer]))
    assert _list_queries(client) == few


def test_course_detail_shows_header_policy_and_catalogue(client):
    course = CourseFactory(
        title="知识产权管理人员课程",
        audience="贯标单位知识产权管理人员",
        lecturers=[LecturerFactory(name="王明")],
    )
    LessonFactory(course=course, number=1, title="知识产权管理体系认证流程", duration=485)
    LessonFactory(course=course, number=2, title="企业标准贯标流程——工作启动")
    LessonFactory(course=course, number=3, title="知识产权宏观形势（一）", elective=True)
    LessonFactory(course=course, number=4, title="未发布课时", is_published=False)

    response = client.get(detail_url(course))

    assert response.status_code == 200
    html = response.content.decode()
    assert "知识产权管理人员课程" in html
    assert "王明" in html
    assert "贯标单位知识产权管理人员" in html
    assert "3课时" in html
    assert "目录" in html
    assert "课时1（必修）" in html and "知识产权管理体系认证流程" in html
    assert "课时2（必修）" in html and "企业标准贯标流程——工作启动" in html
    assert "课时3（选修）" in html and "知识产权宏观形势（一）" in html
    assert "未发布课时" not in html
    assert "8分05秒" in html and 'datetime="PT0H8M5S"' in html
    assert "每完成一个课时获得 2 学分。" in html
    assert "学习证明获取条件：学分 &gt;= 4 分 且 考试得分 &gt;= 60 分。" in html
    assert "课程介绍第二段。" in html


def test_course_detail_asks_a_visitor_to_log_in(client):
    course = CourseFactory()
    LessonFactory(course=course)
    html = client.get(detail_url(course)).content.decode()
    login = reverse("accounts:login")
    assert f'href="{login}?next=/courses/{course.pk}/"' in html
    assert "观看课时视频、下载课件需要先登录。" in html


def test_course_detail_for_a_logged_in_user_has_no_login_prompt(client, django_user_model):
    user = django_user_model.objects.create_user(phone="13600002925", password="Learner2026")
    client.force_login(user)
    course = CourseFactory()
    LessonFactory(course=course)
    html = client.get(detail_url(course)).content.decode()
    assert "需要先登录" not in html
    assert reverse("accounts:login") + "?next" not in html


def test_course_detail_404_for_missing_and_unpublished(client):
    hidden = CourseFactory(is_published=False)
    assert client.get(detail_url(hidden)).status_code == 404
    assert client.get(f"/courses/{hidden.pk + 999}/").status_code == 404


def _detail_queries(client, course) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(detail_url(course)).status_code == 200
    return len(captured)


def test_course_detail_query_count_is_constant_in_lessons(client):
    course = CourseFactory(lecturers=[LecturerFactory(name="王明"), LecturerFactory(name="赵磊")])
    LessonFactory(course=course)
    few = _detail_queries(client, course)
    LessonFactory.create_batch(30, course=course)
    assert _detail_queries(client, course) == few


def test_pages_carry_no_inline_script_and_no_foreign_url(client):
    course = CourseFactory()
    LessonFactory(course=course)
    for url in (LIST_URL, detail_url(course)):
        html = client.get(url).content.decode()
        assert "<script>" not in html
        assert "http://" not in html and "https://" not in html


@pytest.mark.parametrize(
    ("seconds", "text", "iso"),
    [
        (0, "", "PT0H0M0S"),
        (45, "45秒", "PT0H0M45S"),
        (485, "8分05秒", "PT0H8M5S"),
        (3720, "1小时02分", "PT1H2M0S"),
        (None, "", ""),
    ],
)
def test_duration_filters(seconds, text, iso):
    assert duration_cn(seconds) == text
    assert duration_iso(seconds) == iso
