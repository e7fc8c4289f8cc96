import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from ipms.content.tests.factories import LecturerFactory
from ipms.learning import selectors
from ipms.learning.models import Course
from ipms.learning.tests.factories import CourseFactory, LessonFactory

pytestmark = pytest.mark.django_db


def test_published_courses_counts_published_lessons_only():
    shown = LecturerFactory(name="王明")
    hidden = LecturerFactory(name="李华", is_published=False)
    course = CourseFactory(lecturers=[shown, hidden])
    LessonFactory.create_batch(2, course=course)
    LessonFactory(course=course, elective=True)
    LessonFactory(course=course, is_published=False)
    CourseFactory(is_published=False)

    [row] = selectors.published_courses()
    assert row == course
    assert row.lesson_count == 3
    assert row.required_lesson_count == 2
    assert row.published_lecturers == [shown]


def test_published_courses_follow_the_operators_order():
    second = CourseFactory(order=2)
    first = CourseFactory(order=1)
    assert list(selectors.published_courses()) == [first, second]


def _queries_for_listing() -> int:
    with CaptureQueriesContext(connection) as captured:
        for course in selectors.published_courses():
            _ = (course.lesson_count, [lecturer.name for lecturer in course.published_lecturers])
    return len(captured)


def test_published_courses_query_count_does_not_grow():
    lecturers = [LecturerFactory(name=f"讲师{n}") for n in range(3)]
    CourseFactory(lecturers=lecturers[:1])
    few = _queries_for_listing()
    for _ in range(6):
        course = CourseFactory(lecturers=lecturers)
        LessonFactory.create_batch(3, course=course)
    assert _queries_for_listing() == few == 2


def test_course_detail_refuses_missing_and_unpublished_courses():
    hidden = CourseFactory(is_published=False)
    with pytest.raises(Course.DoesNotExist):
        selectors.course_detail(pk=hidden.pk)
    with pytest.raises(Course.DoesNotExist):
        selectors.course_detail(pk=hidden.pk + 100)


def test_course_lessons_in_number_order_without_unpublished():
    course = CourseFactory()
    third = LessonFactory(course=course, number=3)
    first = LessonFactory(course=course, number=1)
    LessonFactory(course=course, number=2, is_published=False)
    assert list(selectors.course_lessons(course=course)) == [first, third]


def test_credit_policy_of_a_course_counts_required_published_lessons():
    course = CourseFactory()
    LessonFactory.create_batch(3, course=course)
    LessonFactory(course=course, elective=True)
    LessonFactory(course=course, is_published=False)
    annotated = selectors.course_detail(pk=course.pk)
    assert selectors.course_credit_policy(course=annotated).min_credits == 6
    # A course not fetched through a selector still gets the same answer.
    plain = Course.objects.get(pk=course.pk)
    assert selectors.course_credit_policy(course=plain).min_credits == 6
