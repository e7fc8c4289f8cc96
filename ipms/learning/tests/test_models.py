import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from ipms.learning.models import Course, Courseware, Lesson
from ipms.learning.policy import CreditPolicy
from ipms.learning.tests.factories import CourseFactory, CoursewareFactory, LessonFactory

pytestmark = pytest.mark.django_db


def test_defaults_follow_the_product_policy():
    course = CourseFactory()
    assert course.credits_per_lesson == 2
    assert course.credits_per_study_day == 0
    assert course.exam_score_counts is False
    assert course.proof_min_credits is None
    assert course.proof_min_exam_score == 60
    assert course.is_published is True


def test_course_title_is_unique():
    CourseFactory(title="企业负责人课程")
    with pytest.raises(ValidationError) as info:
        Course(title="企业负责人课程", summary="简介", audience="所有人员").full_clean()
    assert "课程名称" in str(info.value)
    with pytest.raises(IntegrityError), transaction.atomic():
        Course.objects.create(title="企业负责人课程", summary="简介", audience="所有人员")


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("credits_per_lesson", 101),
        ("credits_per_study_day", 101),
        ("proof_min_credits", 10_001),
        ("proof_min_exam_score", 101),
    ],
)
def test_credit_policy_ranges_are_checked_by_the_database(field, value):
    course = CourseFactory()
    with pytest.raises(ValidationError):
        setattr(course, field, value)
        course.full_clean()
    with pytest.raises(IntegrityError), transaction.atomic():
        Course.objects.filter(pk=course.pk).update(**{field: value})


def test_lesson_number_is_unique_per_course_and_starts_at_one():
    course = CourseFactory()
    LessonFactory(course=course, number=1)
    LessonFactory(number=1)  # another course may use the same number
    duplicate = Lesson(course=course, number=1, title="重复")
    with pytest.raises(ValidationError) as info:
        duplicate.full_clean()
    assert "同一课程内课时序号不能重复。" in str(info.value)
    with pytest.raises(IntegrityError), transaction.atomic():
        Lesson.objects.create(course=course, number=1, title="重复")
    with pytest.raises(IntegrityError), transaction.atomic():
        Lesson.objects.create(course=course, number=0, title="零")


def test_courseware_title_is_unique_per_lesson():
    courseware = CoursewareFactory(title="讲义")
    with pytest.raises(IntegrityError), transaction.atomic():
        Courseware.objects.create(lesson=courseware.lesson, title="讲义", file="x.pdf")


def test_lesson_label_reads_like_the_catalogue():
    assert LessonFactory.build(number=2).label == "课时2（必修）"
    assert LessonFactory.build(number=14, elective=True).label == "课时14（选修）"


def test_files_live_in_private_storage_out_of_public_reach(settings, client):
    courseware = CoursewareFactory(lesson=LessonFactory(with_video=True))
    video = courseware.lesson.video
    for field_file, prefix, ext in (
        (courseware.file, "lessons/courseware/", ".pdf"),
        (video, "lessons/videos/", ".mp4"),
    ):
        assert field_file.path.startswith(str(settings.PRIVATE_MEDIA_ROOT))
        assert field_file.name.startswith(prefix) and field_file.name.endswith(ext)
        # Whatever address the storage makes up, the public media route cannot serve it.
        assert client.get(f"/media/{field_file.name}").status_code == 404


class TestCreditPolicy:
    def test_default_proof_credits_are_those_of_all_required_lessons(self):
        course = CourseFactory.build()
        policy = CreditPolicy.for_course(course, required_lesson_count=15)
        assert policy.min_credits == 30
        assert policy.min_exam_score == 60

    def test_an_explicit_proof_credit_threshold_wins(self):
        course = CourseFactory.build(proof_min_credits=12)
        assert CreditPolicy.for_course(course, required_lesson_count=15).min_credits == 12

    def test_credits_combine_lessons_days_and_exam_when_configured(self):
        course = CourseFactory.build(
            credits_per_lesson=3, credits_per_study_day=1, exam_score_counts=True
        )
        policy = CreditPolicy.for_course(course, required_lesson_count=2)
        assert policy.credits(completed_lessons=4, study_days=5, exam_score=80) == 97
        assert policy.credits(completed_lessons=4, study_days=5, exam_score=None) == 17

    def test_exam_score_does_not_count_by_default(self):
        policy = CreditPolicy.for_course(CourseFactory.build(), required_lesson_count=15)
        assert policy.credits(completed_lessons=15, study_days=9, exam_score=90) == 30

    def test_proof_needs_both_conditions(self):
        policy = CreditPolicy.for_course(CourseFactory.build(), required_lesson_count=15)
        assert policy.proof_conditions_met(credits=30, exam_score=60)
        assert not policy.proof_conditions_met(credits=28, exam_score=100)
        assert not policy.proof_conditions_met(credits=30, exam_score=59)
        assert not policy.proof_conditions_met(credits=30, exam_score=None)

    def test_rules_in_words(self):
        course = CourseFactory.build(credits_per_study_day=1, exam_score_counts=True)
        rules = CreditPolicy.for_course(course, required_lesson_count=15).rules
        assert rules == [
            "每完成一个课时获得 2 学分。",
            "每个有效学习日另得 1 学分。",
            "考试得分（取最高一次）计入学分。",
            "学习证明获取条件：学分 >= 30 分 且 考试得分 >= 60 分。",
        ]
