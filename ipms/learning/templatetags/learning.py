from django import template

from ipms.learning.access import learner_may_learn
from ipms.learning.selectors import published_courses
from ipms.learning.stats import study_time_text

register = template.Library()

# Courses the home page recommends (推荐课程), in catalogue order.
FEATURED_COURSES = 3


@register.inclusion_tag("learning/partials/featured_courses.html")
def featured_courses(limit: int = FEATURED_COURSES, heading_level: int = 3) -> dict:
    """``{% featured_courses %}``: the first published courses as cards (two queries).

    The home page belongs to ipms.content, which sits below learning and imports nothing
    from it: the page asks for the cards through this tag instead.
    """
    return {"courses": published_courses()[:limit], "heading_level": heading_level}


@register.simple_tag
def may_learn(user) -> bool:
    """``{% may_learn user as flag %}``: whether the user may learn (在学课程 in the menus)."""
    return learner_may_learn(user)


@register.filter
def study_time(seconds) -> str:
    """累计学习时长: “1小时5分钟”, “15分钟”."""
    return study_time_text(seconds)


@register.filter
def duration_cn(seconds) -> str:
    """Seconds as Chinese text: 45秒, 8分05秒, 1小时02分."""
    try:
        total = int(seconds)
    except (TypeError, ValueError):
        return ""
    if total <= 0:
        return ""
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours}小时{minutes:02d}分"
    if minutes:
        return f"{minutes}分{secs:02d}秒"
    return f"{secs}秒"


@register.filter
def duration_iso(seconds) -> str:
    """Seconds as an ISO 8601 duration for <time datetime>: PT8M5S."""
    try:
        total = int(seconds)
    except (TypeError, ValueError):
        return ""
    hours, rest = divmod(max(total, 0), 3600)
    minutes, secs = divmod(rest, 60)
    return f"PT{hours}H{minutes}M{secs}S"
