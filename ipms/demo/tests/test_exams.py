import io

import pytest

from ipms.accounts.models import User
from ipms.demo import enterprises as enterprise_demo
from ipms.demo import exams as demo
from ipms.demo import learning as learning_demo
from ipms.demo.tests.test_learning import generated  # noqa: F401 - the fixture
from ipms.exams import selectors, services
from ipms.exams.models import Attempt, ExamPaper
from ipms.learning.models import Course

pytestmark = pytest.mark.django_db


@pytest.fixture
def loaded(generated):  # noqa: F811 - the fixture above
    out = io.StringIO()
    learning_demo.load(stdout=out)
    enterprise_demo.load(stdout=out)
    learning_demo.load_progress(stdout=out)
    demo.load(stdout=out)
    return out.getvalue()


def test_every_demo_course_has_a_paper_that_can_be_taken(loaded):
    assert "考试试卷已创建（3 份）" in loaded
    for course in Course.objects.all():
        paper = ExamPaper.objects.get(course=course)
        assert paper.is_published and services.paper_ready(paper)


def test_the_passed_learner_and_the_newcomer(loaded):
    management = Course.objects.get(title=learning_demo.MANAGEMENT_COURSE)
    policy = Course.objects.get(title=learning_demo.POLICY_COURSE)
    passed = User.objects.get(phone="13600002925")
    assert selectors.best_score(user=passed, course=management) == 90
    assert selectors.best_score(user=passed, course=policy) == 80
    assert Attempt.objects.filter(user=passed, paper__course=management).count() == 2

    newcomer = User.objects.get(phone=demo.NEWCOMER["phone"])
    assert newcomer.check_password(demo.NEWCOMER["password"])
    assert selectors.required_lessons_left(user=newcomer, course=management) == 0
    assert not Attempt.objects.filter(user=newcomer).exists()
    # The exam is open to them right away.
    outcome = services.attempt_start(user=newcomer, course=management)
    assert outcome.attempt.number == 1 and outcome.attempt.deadline is not None


def test_loading_again_changes_nothing(loaded):
    counts = (ExamPaper.objects.count(), Attempt.objects.count(), User.objects.count())
    out = io.StringIO()
    demo.load(stdout=out)
    assert (ExamPaper.objects.count(), Attempt.objects.count(), User.objects.count()) == counts
    assert out.getvalue() == ""
