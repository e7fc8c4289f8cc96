"""Public course pages (PRODUCT.md §2 课程列表, §5 course page)."""

from django.http import Http404
from django.shortcuts import render

from ipms.learning import selectors
from ipms.learning.models import Course


def course_list(request):
    courses = selectors.published_courses()
    return render(request, "learning/course_list.html", {"courses": courses})


def course_detail(request, pk: int):
    try:
        course = selectors.course_detail(pk=pk)
    except Course.DoesNotExist:
        raise Http404("课程不存在或尚未发布。") from None
    context = {
        "course": course,
        "lessons": selectors.course_lessons(course=course),
        "policy": selectors.course_credit_policy(course=course),
    }
    return render(request, "learning/course_detail.html", context)
