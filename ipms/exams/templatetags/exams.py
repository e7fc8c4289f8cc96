from django import template

from ipms.exams.overview import exam_overview

register = template.Library()


@register.inclusion_tag("exams/partials/exam_tab.html", takes_context=True)
def exam_tab(context, course) -> dict:
    """``{% exam_tab course %}``: the course page's 考试 tab.

    The course page belongs to ipms.learning, which sits below exams and imports nothing
    from it: the page renders the tab through this tag instead.
    """
    request = context.get("request")
    user = getattr(request, "user", None)
    return {
        "course": course,
        "user": user,
        "overview": exam_overview(user=user, course=course),
        "request": request,
    }
