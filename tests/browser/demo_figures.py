"""What the demo data holds, read back from the database after ``load_demo``, so journeys
on demo data assert figures and names computed from the rows rather than copied numbers.

The figures are counted from the raw rows with the product rules spelt out here (学分 =
completed lessons × the course's credits per lesson + study days × its credits per study
day; a study day counts when time was credited that day), not through the selectors and
statistics the pages use, so a journey still catches those being wrong.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Q

DEMO_ADMIN_ROLE = "企业管理员"
DEMO_LEARNER_ROLE = "企业学员（已验证）"


def demo_account(role: str) -> tuple[str, str]:
    """(phone, password) of a demo account as ``load_demo`` prints it."""
    from ipms.demo.enterprises import ACCOUNTS

    (found,) = [(phone, password) for name, phone, password, _ in ACCOUNTS if name == role]
    return found


def user_of(phone: str):
    from ipms.accounts.models import User

    return User.objects.get(phone=phone)


def published_lessons(course):
    from ipms.learning.models import Lesson

    return Lesson.objects.filter(course=course, is_published=True)


def catalogue():
    """Published courses in catalogue order (课程列表, the 学习管理 selector)."""
    from ipms.learning.models import Course

    return Course.objects.filter(is_published=True).order_by("order", "id")


def longest_course():
    """The published course with the most published lessons."""
    return (
        catalogue()
        .annotate(n=Count("lessons", filter=Q(lessons__is_published=True)))
        .order_by("-n", "order", "id")
        .first()
    )


@dataclass(frozen=True)
class Figures:
    """One learner's figures in one course."""

    lessons: int  # published lessons of the course
    completed: int  # of those, completed by the learner
    days: int  # study days with credited time
    credits: int

    @property
    def completed_text(self) -> str:
        return f"{self.completed}/{self.lessons}"


def figures(user, course) -> Figures:
    from ipms.learning.models import LessonProgress, StudyDay

    lessons = published_lessons(course).count()
    completed = LessonProgress.objects.filter(
        user=user, lesson__in=published_lessons(course), completed_at__isnull=False
    ).count()
    days = StudyDay.objects.filter(user=user, course=course, seconds__gt=0).count()
    credits = completed * course.credits_per_lesson + days * course.credits_per_study_day
    return Figures(lessons=lessons, completed=completed, days=days, credits=credits)


def learners(course) -> list:
    """Everyone enrolled in ``course`` (active accounts)."""
    from ipms.learning.models import Enrollment

    return [
        enrolment.user
        for enrolment in Enrollment.objects.filter(course=course, user__is_active=True)
        .select_related("user")
        .order_by("pk")
    ]


def rank(user, course) -> int:
    """1 + the number of the course's learners with more credits (ties share a rank)."""
    mine = figures(user, course).credits
    return 1 + sum(1 for other in learners(course) if figures(other, course).credits > mine)


def learners_with_credits(course) -> int:
    return sum(1 for other in learners(course) if figures(other, course).credits > 0)


def last_lesson(user, course):
    from ipms.learning.models import Enrollment

    return Enrollment.objects.get(user=user, course=course).last_lesson


def enrolled_courses(user) -> list:
    from ipms.learning.models import Course

    return list(Course.objects.filter(enrollments__user=user, is_published=True).order_by("pk"))


def verified_members(enterprise) -> list:
    """The enterprise's verified members, its admin included."""
    from ipms.enterprises.models import Membership

    return list(
        Membership.objects.filter(enterprise=enterprise, status=Membership.Status.VERIFIED)
        .select_related("user")
        .order_by("pk")
    )


def enterprise_of(user):
    from ipms.enterprises.models import Membership

    return Membership.objects.select_related("enterprise").get(user=user).enterprise


def masked_name(user) -> str:
    """How 本课程排行榜 names a learner with a name: the first character, then stars."""
    return user.name[0] + "*" * max(1, len(user.name) - 1)


def best_exam_score(user, course) -> int | None:
    """The best graded attempt of the learner at the course's exam, counted from the rows."""
    from django.db.models import Max

    from ipms.exams.models import Attempt

    return Attempt.objects.filter(
        user=user, paper__course=course, state=Attempt.State.SUBMITTED
    ).aggregate(best=Max("score"))["best"]
