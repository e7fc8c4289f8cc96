import io

import pytest

from ipms.core import demo_media
from ipms.learning import demo
from ipms.learning.models import Course, Courseware, Lesson
from ipms.learning.selectors import course_credit_policy, course_detail
from ipms.learning.tests.factories import TINY_VIDEO_SECONDS, tiny_pdf, tiny_png

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


def test_demo_load_creates_the_three_courses(generated, make_lecturer):
    lecturers = [make_lecturer(name) for name in ("王明", "赵磊", "陈静")]
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
    assert lessons[2].title == "企业标准贯标流程——管理诊断(一)"
    # All 15 are 必修, so the proof threshold X is 30 credits as PRODUCT.md §5 states.
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
    assert "课时3 企业标准贯标流程——管理诊断(一)" in generated.video_titles
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


def test_demo_load_with_one_lecturer_links_it_once(generated, make_lecturer):
    only = make_lecturer("王明")
    demo.load(stdout=io.StringIO())
    management = Course.objects.get(title="知识产权管理人员课程")
    assert list(management.lecturers.all()) == [only]
