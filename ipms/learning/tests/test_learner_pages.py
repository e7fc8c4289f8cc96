"""The learner's course page (figures, tabs, 我的学分, 本课程排行榜), 在学课程, and the
在学课程 entries in the navigation and the user menu (issue 4 point 1)."""

from __future__ import annotations

import datetime
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from ipms.accounts.services import operator_create
from ipms.accounts.tests.factories import UserFactory
from ipms.learning.models import Enrollment
from ipms.learning.tests.factories import CourseFactory, LessonFactory, record_learning

pytestmark = pytest.mark.django_db

MY_COURSES = "/courses/mine/"
DAY1 = datetime.date(2026, 3, 2)


@pytest.fixture
def course():
    course = CourseFactory(title="知识产权管理人员课程")
    LessonFactory(course=course, number=1, title="知识产权管理体系认证流程", duration=600)
    LessonFactory(course=course, number=2, title="企业标准贯标流程——工作启动", duration=600)
    LessonFactory(course=course, number=3, title="知识产权宏观形势（一）", duration=600)
    return course


def lesson(course, number):
    return course.lessons.get(number=number)


def detail_url(course) -> str:
    return reverse("learning:course_detail", args=[course.pk])


def lesson_url(lesson) -> str:
    return reverse("learning:lesson_detail", args=[lesson.course_id, lesson.pk])


def text_of(html: str) -> str:
    """The page's text with tags removed and whitespace collapsed."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


# --- the course page ------------------------------------------------------------------


def test_course_page_shows_seconds_of_a_learner_below_a_minute(learner_client, learner, course):
    record_learning(learner, lesson(course, 1), seconds=40, day=DAY1)
    text = text_of(learner_client.get(detail_url(course)).content.decode())
    assert "已学习时长 40秒" in text


def test_course_page_shows_a_learners_figures_credits_and_rank(learner_client, learner, course):
    record_learning(learner, lesson(course, 1), day=DAY1)
    record_learning(learner, lesson(course, 2), seconds=300, day=DAY1 + datetime.timedelta(1))
    Enrollment.objects.filter(user=learner).update(last_lesson=lesson(course, 2))
    rival = UserFactory(name="李研发")
    record_learning(rival, lesson(course, 1))
    record_learning(rival, lesson(course, 2))

    html = learner_client.get(detail_url(course)).content.decode()
    text = text_of(html)

    assert ">继续学习</a>" in html
    assert "上次学习到 课时2（必修）企业标准贯标流程——工作启动" in html
    assert "已累计学习 2天" in text
    assert "已学习时长 15分钟" in text
    assert "已学习课程 1 / 3" in text
    assert "是否完成考试 未完成" in text
    assert "您在本课程的当前总学分为 2 学分" in text
    assert "每完成一个课时获得 2 学分。" in text
    assert "本课程排行榜" in text
    assert "在全部学员中您在第 2 名" in text
    assert "李** 4学分" in text and "张** 我 2学分" in text
    # The catalogue marks the learner's state per lesson.
    assert "上次学习" in text and "已完成" in text and "已学 50%" in text


def test_course_page_has_three_tabs_without_dead_buttons(learner_client, course):
    html = learner_client.get(detail_url(course)).content.decode()
    for label in ("目录", "考试", "证书"):
        assert re.search(rf'role="tab"[^>]*>{label}</button>', html)
    assert "本课程暂未开放考试。" in html  # the course has no exam paper
    assert "学习证明获取条件：学分 &gt;= 6 分 且 考试得分 &gt;= 60 分。" in html
    assert "当前学分 <strong>0</strong> 分，当前考试得分 <strong>—</strong>" in html
    assert "学习证明生成后将无法修改。" in html
    exam_pane = html[html.index('id="pane-exam"') : html.index('id="pane-certificate"')]
    cert_pane = html[
        html.index('id="pane-certificate"') : html.index(
            "</section>", html.index('id="pane-certificate"')
        )
    ]
    assert "<button" not in exam_pane and "<a " not in exam_pane
    # 生成学习证明 is there, disabled, with the reason beside it (credentials' panel).
    assert re.search(r'<button[^>]*data-testid="proof-generate" disabled', cert_pane)
    assert "尚未满足学习证明获取条件" in cert_pane


def test_course_page_for_a_learner_who_has_not_started(learner_client, course):
    html = learner_client.get(detail_url(course)).content.decode()
    text = text_of(html)
    assert ">立即学习</a>" in html and "上次学习到" not in html
    assert f'href="{lesson_url(lesson(course, 1))}"' in html
    assert "已累计学习 0天" in text and "已学习课程 0 / 3" in text
    assert "开始学习本课程后即可参与排名。" in text
    assert "暂无学员获得学分。" in text


def test_visitors_see_the_public_page_with_login_links(client, course):
    record_learning(UserFactory(name="李研发"), lesson(course, 1))
    html = client.get(detail_url(course)).content.decode()
    assert f'href="{reverse("accounts:login")}?next={detail_url(course)}"' in html
    assert "登录后开始学习" in html
    assert "学分规则" in html and "每完成一个课时获得 2 学分。" in html
    assert "本课程排行榜" not in html and "我的学分" not in html
    assert "李**" not in html
    assert "已累计学习" not in html
    assert lesson_url(lesson(course, 1)) not in html


def test_operators_see_the_public_page_without_learning_links(client, course):
    operator = operator_create(phone="13900000009", password="Console2026ops", name="运营")
    client.force_login(operator)
    html = client.get(detail_url(course)).content.decode()
    assert "本课程排行榜" not in html and "立即学习" not in html
    assert lesson_url(lesson(course, 1)) not in html


def _page_queries(client, course) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(detail_url(course)).status_code == 200
    return len(captured)


def test_learner_course_page_query_count_is_constant(learner_client, learner, course):
    record_learning(learner, lesson(course, 1))
    learner_client.get(detail_url(course))  # session refresh etc. out of the way
    few = _page_queries(learner_client, course)
    for index in range(25):
        other = UserFactory()
        for number in range(1, 1 + index % 4):
            if number <= 3:
                record_learning(other, lesson(course, number))
    LessonFactory.create_batch(12, course=course)
    assert _page_queries(learner_client, course) == few


# --- 在学课程 ---------------------------------------------------------------------------


def test_my_courses_needs_a_login(client):
    response = client.get(MY_COURSES)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_my_courses_refuses_operators(client):
    client.force_login(operator_create(phone="13900000009", password="Console2026ops"))
    assert client.get(MY_COURSES).status_code == 403


def test_my_courses_url_name():
    assert reverse("learning:my_courses") == MY_COURSES


def test_my_courses_empty_state(learner_client):
    html = learner_client.get(MY_COURSES).content.decode()
    assert "<h1" in html and "在学课程" in html
    assert "您还没有在学课程。" in html
    assert f'href="{reverse("learning:course_list")}"' in html


def test_my_courses_lists_enrolled_courses_with_progress(learner_client, learner, course):
    record_learning(learner, lesson(course, 1))
    record_learning(learner, lesson(course, 2), seconds=200)
    Enrollment.objects.filter(user=learner, course=course).update(last_lesson=lesson(course, 2))
    policy = CourseFactory(title="贯标政策解读课程", with_cover=True)
    first_policy_lesson = LessonFactory(course=policy, number=1, duration=60)
    record_learning(learner, first_policy_lesson)
    CourseFactory(title="没学过的课程")
    hidden = CourseFactory(title="已下线的课程")
    record_learning(learner, LessonFactory(course=hidden))
    hidden.is_published = False
    hidden.save()

    html = learner_client.get(MY_COURSES).content.decode()
    text = text_of(html)

    assert "知识产权管理人员课程" in html and "贯标政策解读课程" in html
    assert "没学过的课程" not in html and "已下线的课程" not in html
    assert "3课时" in text and "已学习视频： 1/3" in text
    assert "1课时" in text and "已学习视频： 1/1" in text
    assert text.count("证明下载（未获得）") == 2 and text.count("证书下载（未获得）") == 2
    assert f'href="{lesson_url(lesson(course, 2))}"' in html  # 继续学习: the last lesson
    assert f'href="{lesson_url(first_policy_lesson)}"' in html
    assert policy.cover.url in html
    assert html.count(">继续学习</a>") == 2


def test_my_courses_continue_falls_back_to_the_first_lesson(learner_client, learner, course):
    record_learning(learner, lesson(course, 2))
    Enrollment.objects.filter(user=learner).update(last_lesson=lesson(course, 2))
    lesson(course, 2).__class__.objects.filter(pk=lesson(course, 2).pk).update(is_published=False)
    html = learner_client.get(MY_COURSES).content.decode()
    assert f'href="{lesson_url(lesson(course, 1))}"' in html
    assert "已学习视频： 0/2" in text_of(html)


def _my_courses_queries(client) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(MY_COURSES).status_code == 200
    return len(captured)


def test_my_courses_query_count_is_constant(learner_client, learner, course):
    record_learning(learner, lesson(course, 1))
    learner_client.get(MY_COURSES)
    few = _my_courses_queries(learner_client)
    for _ in range(6):
        extra = CourseFactory()
        for number in (1, 2, 3):
            record_learning(learner, LessonFactory(course=extra, number=number))
    assert _my_courses_queries(learner_client) == few


# --- navigation and user menu -----------------------------------------------------------


def _nav(html: str) -> str:
    return html[html.index('aria-label="主导航"') : html.index("</nav>")]


def test_learners_get_my_courses_in_the_nav_after_the_course_list(learner_client):
    nav = _nav(learner_client.get("/").content.decode())
    labels = re.findall(r'class="nav-link[^"]*" href="[^"]*"[^>]*>([^<]+)</a>', nav)
    assert labels[:4] == ["首页", "政策文件", "课程列表", "在学课程"]
    assert f'<a class="dropdown-item" href="{MY_COURSES}">在学课程</a>' in nav


def test_my_courses_is_marked_current_on_its_page(learner_client):
    nav = _nav(learner_client.get(MY_COURSES).content.decode())
    assert f'class="nav-link active" href="{MY_COURSES}" aria-current="page">在学课程' in nav


def test_visitors_and_operators_get_no_my_courses_entry(client):
    assert MY_COURSES not in client.get("/").content.decode()
    client.force_login(operator_create(phone="13900000009", password="Console2026ops"))
    assert MY_COURSES not in client.get("/").content.decode()
