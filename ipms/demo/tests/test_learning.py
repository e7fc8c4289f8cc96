import datetime as dt
import io

import pytest
from django.utils import timezone

from ipms.accounts.services import operator_create
from ipms.content.tests.factories import LecturerFactory
from ipms.core.errors import DomainError
from ipms.core.tests.factories import tiny_pdf, tiny_png
from ipms.demo import enterprises as enterprise_demo
from ipms.demo import learning as demo
from ipms.demo import media as demo_media
from ipms.learning.models import Course, Courseware, Enrollment, Lesson, LessonProgress, StudyDay
from ipms.learning.selectors import course_credit_policy, course_detail
from ipms.learning.tests.factories import TINY_VIDEO_SECONDS

pytestmark = pytest.mark.django_db


class Generated:
    """Counts file generations; hands out the session's tiny files instead of real renders."""

    def __init__(self) -> None:
        self.counts = {"video": 0, "pdf": 0, "image": 0}
        self.video_titles: list[str] = []

    def fake(self, kind, payload):
        def _make(*args, **kwargs):
            self.counts[kind] += 1
            if kind == "video":
                self.video_titles.append(args[0])
            return payload()

        return _make


@pytest.fixture
def generated(monkeypatch, mp4_bytes) -> Generated:
    recorder = Generated()
    monkeypatch.setattr(demo_media, "make_video", recorder.fake("video", lambda: mp4_bytes))
    monkeypatch.setattr(demo_media, "make_pdf", recorder.fake("pdf", tiny_pdf))
    monkeypatch.setattr(demo_media, "make_image", recorder.fake("image", tiny_png))
    return recorder


def _stored(root) -> dict:
    return {path: path.stat().st_mtime_ns for path in root.rglob("*") if path.is_file()}


def _counts() -> tuple[int, int, int]:
    return Course.objects.count(), Lesson.objects.count(), Courseware.objects.count()


def test_demo_load_creates_the_three_courses(generated):
    lecturers = [LecturerFactory(name=name) for name in ("王明", "赵磊", "陈静")]
    out = io.StringIO()

    demo.load(stdout=out)

    assert list(Course.objects.values_list("title", flat=True)) == [
        "贯标政策解读课程",
        "企业负责人课程",
        "知识产权管理人员课程",
    ]
    management = Course.objects.get(title="知识产权管理人员课程")
    lessons = list(management.lessons.order_by("number"))
    assert len(lessons) == 15
    assert [lesson.number for lesson in lessons] == list(range(1, 16))
    assert lessons[0].title == "知识产权管理体系认证流程"
    assert lessons[1].title == "企业标准贯标流程——工作启动"
    assert lessons[2].title == "企业标准贯标流程——管理诊断（一）"
    # All 15 are 必修, so the proof threshold X is 30 credits as product-rules §5 states.
    assert {lesson.kind for lesson in lessons} == {Lesson.Kind.REQUIRED}
    assert course_credit_policy(course=course_detail(pk=management.pk)).min_credits == 30
    assert Lesson.objects.filter(kind=Lesson.Kind.ELECTIVE).exists()  # other courses have 选修
    assert list(management.lecturers.order_by("order", "id")) == lecturers[1:]
    for course in Course.objects.all():
        assert course.cover and course.lessons.count() >= 3
        assert course.audience and course.summary
    for lesson in Lesson.objects.all():
        assert lesson.video and lesson.video.storage.exists(lesson.video.name)
        assert lesson.duration == TINY_VIDEO_SECONDS and lesson.duration_detected
        assert lesson.description and lesson.outline
        assert lesson.coursewares.count() == 1
    assert generated.counts == {"video": 21, "pdf": 21, "image": 3}
    # Each clip shows its lesson's number and title.
    assert "课时3 企业标准贯标流程——管理诊断（一）" in generated.video_titles
    assert "知识产权管理人员课程" in out.getvalue()


def test_demo_load_twice_creates_nothing_and_generates_no_file(generated, settings):
    demo.load(stdout=io.StringIO())
    counts = _counts()
    calls = dict(generated.counts)
    files = _stored(settings.PRIVATE_MEDIA_ROOT) | _stored(settings.MEDIA_ROOT)

    out = io.StringIO()
    demo.load(stdout=out)

    assert _counts() == counts
    assert generated.counts == calls
    assert _stored(settings.PRIVATE_MEDIA_ROOT) | _stored(settings.MEDIA_ROOT) == files
    assert "已存在" in out.getvalue()


def test_demo_load_keeps_operator_edits(generated):
    demo.load(stdout=io.StringIO())
    course = Course.objects.get(title="企业负责人课程")
    course.summary = "运营人员改过的简介"
    course.save()
    course.lessons.get(number=3).delete()

    demo.load(stdout=io.StringIO())

    course.refresh_from_db()
    assert course.summary == "运营人员改过的简介"
    assert course.lessons.count() == 2


def test_demo_load_tolerates_no_lecturers(generated):
    demo.load(stdout=io.StringIO())
    assert Course.objects.count() == 3
    assert not Course.lecturers.through.objects.exists()


def test_demo_load_with_one_lecturer_links_it_once(generated):
    only = LecturerFactory(name="王明")
    demo.load(stdout=io.StringIO())
    management = Course.objects.get(title="知识产权管理人员课程")
    assert list(management.lecturers.all()) == [only]


# --- demo learning progress ---------------------------------------------------------------


@pytest.fixture
def demo_people(generated):
    demo.load(stdout=io.StringIO())
    enterprise_demo.load(stdout=io.StringIO())


def _records() -> tuple:
    return (
        sorted(Enrollment.objects.values_list("user_id", "course_id", "enrolled_at")),
        sorted(
            LessonProgress.objects.values_list(
                "user_id", "lesson_id", "credited_seconds", "completed_at"
            )
        ),
        sorted(StudyDay.objects.values_list("user_id", "course_id", "day", "seconds")),
    )


def test_demo_progress_gives_the_demo_learners_a_history(demo_people):
    from django.db.models import Sum

    from ipms.accounts.models import User
    from ipms.learning import stats
    from ipms.learning.models import Enrollment, LessonProgress, StudyDay
    from ipms.learning.progress import completion_share

    out = io.StringIO()
    demo.load_progress(stdout=out)

    assert "演示学习记录已写入" in out.getvalue()
    course = course_detail(pk=Course.objects.get(title=demo.MANAGEMENT_COURSE).pk)
    basis = stats.course_basis(course)
    users = {u.phone: u for u in User.objects.all()}
    figures = stats.figures_for_users(basis=basis, user_ids=[u.pk for u in users.values()])
    finished = figures[users["13600002925"].pk]
    assert (finished.completed_text, finished.study_days, finished.credits) == ("15/15", 14, 30)
    assert figures[users["13700000005"].pk].completed_text == "12/15"  # the individual learner
    assert figures[users["13600002926"].pk].completed_text == "9/15"
    assert figures[users["18600002641"].pk].completed_text == "1/15"  # the admin
    assert Enrollment.objects.count() == len(demo.HISTORIES)
    board = stats.course_leaderboard(basis=basis, user=users["13600002926"])
    assert [row.name for row in board.rows][:2] == ["张**", "周**"]
    assert board.my_rank == 3
    # The rows are consistent as the heartbeat engine would have left them.
    for user_id, course_id in LessonProgress.objects.values_list("user_id", "course_id").distinct():
        credited = LessonProgress.objects.filter(user_id=user_id, course_id=course_id).aggregate(
            total=Sum("credited_seconds")
        )["total"]
        days = StudyDay.objects.filter(user_id=user_id, course_id=course_id)
        assert days.aggregate(total=Sum("seconds"))["total"] == pytest.approx(credited)
        assert all(day.seconds > 0 for day in days)
    for row in LessonProgress.objects.select_related("lesson"):
        assert row.credited_seconds <= row.lesson.duration
        reached = row.credited_seconds >= completion_share() * row.lesson.duration
        assert (row.completed_at is not None) == reached
        assert row.furthest_position >= row.credited_seconds


def test_demo_progress_twice_changes_nothing(demo_people):
    demo.load_progress(stdout=io.StringIO())
    before = _records()
    out = io.StringIO()
    demo.load_progress(stdout=out)
    assert _records() == before
    assert out.getvalue() == ""


def test_demo_progress_leaves_real_learners_alone(demo_people):
    from ipms.accounts.models import User
    from ipms.learning.models import LessonProgress
    from ipms.learning.tests.factories import record_learning

    zhang = User.objects.get(phone="13600002925")
    first = Course.objects.get(title=demo.MANAGEMENT_COURSE).lessons.get(number=1)
    record_learning(zhang, first, seconds=3)
    demo.load_progress(stdout=io.StringIO())
    assert list(LessonProgress.objects.filter(user=zhang, course=first.course)) == [
        LessonProgress.objects.get(user=zhang, lesson=first)
    ]


def test_demo_progress_without_people_or_courses_does_nothing():
    demo.load_progress(stdout=io.StringIO())
    assert _records() == ([], [], [])


def test_the_demo_progress_service_refuses_non_learners(demo_people):
    operator = operator_create(phone="13900000009", password="Console2026ops")
    lesson = Lesson.objects.first()
    session = demo.DemoStudySession(
        at=timezone.now() - dt.timedelta(days=1), watched=((lesson, 5.0),)
    )
    with pytest.raises(DomainError):
        demo.demo_progress_write(user=operator, course=lesson.course, sessions=[session])
