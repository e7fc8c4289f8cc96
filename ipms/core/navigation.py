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
