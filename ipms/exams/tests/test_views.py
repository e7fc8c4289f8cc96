"""The exam pages: who may use them, what they show, what a repeat submit says."""

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from ipms.accounts.tests.factories import UserFactory
from ipms.exams import messages
from ipms.exams.models import Attempt
from ipms.exams.tests.factories import answers_for, enroll, make_paper

pytestmark = pytest.mark.django_db


@pytest.fixture
def paper():
    return make_paper()


@pytest.fixture
def course(paper):
    return paper.course


def text_of(html: str) -> str:
    """The page's text, tags removed, whitespace collapsed."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", html))


def figure(html: str, name: str) -> str:
    return re.search(rf'data-figure="{name}">([^<]*)<', html).group(1)


def course_url(course):
    return reverse("learning:course_detail", args=[course.pk])


def start_url(course):
    return reverse("exams:start", args=[course.pk])


def attempt_url(attempt):
    return reverse("exams:attempt", args=[attempt.pk])


def submit_url(attempt):
    return reverse("exams:submit", args=[attempt.pk])


def form_data(paper, *, wrong=0):
    return {f"q{q}": [str(o) for o in opts] for q, opts in answers_for(paper, wrong=wrong).items()}


def start(client, course) -> Attempt:
    response = client.post(start_url(course))
    assert response.status_code == 302, response
    return Attempt.objects.get(pk=int(re.search(r"/attempts/(\d+)/", response.url).group(1)))


def test_the_exam_tab_shows_the_header_and_the_start_button(learner_client, learner, course):
    enroll(learner, course)
    html = learner_client.get(course_url(course)).content.decode()
    pane = text_of(html[html.index('id="pane-exam"') : html.index('id="pane-certificate"')])
    assert "单选题 4题 得分 80 分" in pane
    assert "多选题 1题 得分 20 分" in pane
    assert "总分：100 分" in pane
    assert "每位学员可参加 3 次考试，成绩取最高一次。" in pane
    assert "开始考试" in pane
    assert figure(html, "exam") == "未完成" and figure(html, "exam-score") == "—"


def test_a_visitor_is_asked_to_log_in(client, course):
    html = client.get(course_url(course)).content.decode()
    assert "登录后参加考试" in html
    response = client.post(start_url(course))
    assert response.status_code == 302 and "/accounts/login/" in response.url


def test_answer_submit_and_read_the_result(learner_client, learner, paper, course):
    enroll(learner, course)
    attempt = start(learner_client, course)
    sheet = learner_client.get(attempt_url(attempt)).content.decode()
    # The 在线客服 panel's 评价 stars are radios too (name="score"); the sheet's are its own.
    radios = sheet.count('type="radio"') - sheet.count(
        'type="radio" class="visually-hidden" name="score"'
    )
    assert radios == 16 and sheet.count('type="checkbox"') == 4
    assert ">提交</button>" in sheet

    response = learner_client.post(submit_url(attempt), form_data(paper, wrong=1), follow=True)
    text = text_of(response.content.decode())
    assert messages.MSG_SUBMITTED.format(score=80) in text
    assert "本次得分：80 分" in text
    assert "正确答案 A 您选错了 B 得分：0分" in text
    assert "正确答案 A 您选对了 得分：20分" in text
    assert "正确答案 AC 您选对了 得分：20分" in text
    assert "重新考试" in text

    course_page = learner_client.get(course_url(course)).content.decode()
    assert figure(course_page, "exam") == "已完成"
    assert figure(course_page, "exam-score") == "80"


def test_a_second_submit_says_it_was_not_recorded(learner_client, learner, paper, course):
    enroll(learner, course)
    attempt = start(learner_client, course)
    learner_client.post(submit_url(attempt), form_data(paper))
    response = learner_client.post(submit_url(attempt), form_data(paper, wrong=5), follow=True)
    text = text_of(response.content.decode())
    assert messages.MSG_ALREADY_SUBMITTED in text
    assert "本次得分：100 分" in text
    assert Attempt.objects.filter(user=learner).count() == 1


def test_a_late_submit_is_not_graded(learner_client, learner, paper, course):
    paper.time_limit_minutes = 1
    paper.save()
    enroll(learner, course)
    attempt = start(learner_client, course)
    Attempt.objects.filter(pk=attempt.pk).update(
        deadline=timezone.now() - datetime.timedelta(minutes=5)
    )
    sheet = text_of(learner_client.get(attempt_url(attempt)).content.decode())
    assert "本次考试已超时结束，不能再提交。" in sheet
    response = learner_client.post(submit_url(attempt), form_data(paper), follow=True)
    assert messages.MSG_EXPIRED in text_of(response.content.decode())
    attempt.refresh_from_db()
    assert attempt.state == Attempt.State.EXPIRED and attempt.score is None


def test_a_second_tab_starting_reopens_the_same_attempt(learner_client, learner, course):
    enroll(learner, course)
    first = start(learner_client, course)
    response = learner_client.post(start_url(course), follow=True)
    assert messages.MSG_STARTED_ELSEWHERE in text_of(response.content.decode())
    assert response.redirect_chain[-1][0] == attempt_url(first)


def test_a_refused_start_says_why_on_the_exam_tab(learner_client, course):
    response = learner_client.post(start_url(course), follow=True)
    assert response.redirect_chain[-1][0] == course_url(course) + "#exam"
    assert messages.MSG_NOT_ENROLLED in text_of(response.content.decode())
    assert not Attempt.objects.exists()


def test_another_learners_attempt_is_not_found(client, learner, paper, course):
    enroll(learner, course)
    client.force_login(learner)
    attempt = start(client, course)
    other = UserFactory()
    enroll(other, course)
    client.force_login(other)
    assert client.get(attempt_url(attempt)).status_code == 404
    assert client.post(submit_url(attempt), form_data(paper)).status_code == 404
    attempt.refresh_from_db()
    assert attempt.state == Attempt.State.STARTED


def test_operators_cannot_take_exams(operator_client, operator, course):
    enroll(operator, course)
    response = operator_client.post(start_url(course), follow=True)
    assert messages.MSG_NOT_A_LEARNER in text_of(response.content.decode())
    assert not Attempt.objects.exists()


def test_pages_refuse_the_wrong_method_and_unknown_ids(learner_client, course):
    assert learner_client.get(start_url(course)).status_code == 405
    assert learner_client.get(reverse("exams:attempt", args=[999999])).status_code == 404
    assert learner_client.post(reverse("exams:start", args=[999999])).status_code == 404


def test_tampered_answers_are_ignored_not_errors(learner_client, learner, paper, course):
    enroll(learner, course)
    attempt = start(learner_client, course)
    data = {"q999999": ["1"], "qx": ["2"], "zzz": "3", **form_data(paper)}
    first = next(iter(answers_for(paper)))
    data[f"q{first}"] = ["abc", "1" * 30]
    response = learner_client.post(submit_url(attempt), data)
    assert response.status_code == 302
    attempt.refresh_from_db()
    assert attempt.score == 80  # the tampered question scores 0, the others count


def test_the_exam_tab_costs_the_same_queries_whatever_the_history(
    learner, paper, course, django_assert_num_queries
):
    from ipms.exams.overview import exam_overview
    from ipms.exams.tests.factories import take_exam
    from ipms.learning.tests.factories import LessonFactory

    LessonFactory(course=course)  # a 必修 lesson not yet watched
    paper.open_before_lessons_done = False
    paper.save()
    enroll(learner, course)
    # paper with its subtotals, questions, options, attempts, enrolment, lessons left
    with django_assert_num_queries(6):
        overview = exam_overview(user=learner, course=course)
    assert overview.action is None and overview.refusal.code == "lessons_left"
    paper.open_before_lessons_done = True
    paper.save()
    for wrong in (1, 2):
        take_exam(learner, course, wrong=wrong)
    paper.open_before_lessons_done = False
    paper.save()
    with django_assert_num_queries(6):
        overview = exam_overview(user=learner, course=course)
    assert overview.best == 80 and overview.used == 2
    assert overview.action is None and overview.refusal.code == "lessons_left"
