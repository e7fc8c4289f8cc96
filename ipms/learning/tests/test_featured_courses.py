"""推荐课程: the learning tag the home page (ipms.content) renders, without importing learning."""

import pytest
from django.db import connection
from django.template import Context, Template
from django.test.utils import CaptureQueriesContext

from ipms.learning.templatetags.learning import FEATURED_COURSES, featured_courses

from .factories import CourseFactory

pytestmark = pytest.mark.django_db


def render(source: str) -> str:
    return Template("{% load learning %}" + source).render(Context({}))


def test_the_first_published_courses_in_catalogue_order():
    for index in range(5):
        CourseFactory(title=f"课程{index}", order=index)
    CourseFactory(title="草稿课程", order=0, is_published=False)
    shown = [course.title for course in featured_courses()["courses"]]
    assert shown == [f"课程{index}" for index in range(FEATURED_COURSES)]
    assert [c.title for c in featured_courses(limit=1)["courses"]] == ["课程0"]


def test_cards_render_at_a_fixed_number_of_queries():
    for index in range(4):
        CourseFactory(title=f"课程{index}", order=index)
    with CaptureQueriesContext(connection) as queries:
        html = render("{% featured_courses %}")
    assert html.count('<li class="col">') == FEATURED_COURSES
    assert "课程2" in html and "课程3" not in html
    assert len(queries) <= 2, [q["sql"] for q in queries]


def test_without_courses_it_says_they_are_coming():
    assert "课程即将上线，敬请期待。" in render("{% featured_courses %}")
