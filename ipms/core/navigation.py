"""The public top navigation (product-rules §2), in order.

Each entry: label, URL name, and the view-name prefixes that mark it as the current page.
"""

PUBLIC_NAV = [
    ("首页", "content:home", ("content:home",)),
    ("政策文件", "content:policy_list", ("content:policy",)),
    ("课程列表", "learning:course_list", ("learning:course",)),
    ("学习资料", "content:material_list", ("content:material",)),
    ("讲师简介", "content:lecturer_list", ("content:lecturer",)),
    ("意见反馈", "content:feedback", ("content:feedback", "content:complaint")),
]

# Added after 课程列表 for a signed-in user who may learn (product-rules §2: “logged in:
# 在学课程 is added”); the template decides who that is (ipms.learning.access).
LEARNER_NAV_AFTER = "learning:course_list"
LEARNER_NAV = ("在学课程", "learning:my_courses", ("learning:my_courses",))

# Entries of the signed-in user's menu that higher apps add (e.g. 机构审核 for a body's
# reviewers), registered in their AppConfig.ready(): label, URL name, the view-name
# prefixes that mark it as the current page, and ``shown(request)``
# deciding who sees it. ``shown`` must not query the database on every request (read the
# session or the request's memo); tests/test_page_queries.py counts the queries.
USER_MENU: dict[str, tuple[str, str, tuple[str, ...], object]] = {}


def user_menu_register(label: str, url_name: str, *, prefixes: tuple[str, ...], shown) -> None:
    """Add a user-menu entry (idempotent per URL name)."""
    USER_MENU[url_name] = (label, url_name, prefixes, shown)
