"""The exam pages: start (or resume) an attempt, answer it, submit it, read its result.

Thin: ``services`` does every write and every rule, ``selectors`` scopes every read to
the signed-in learner (someone else's attempt id is “not found”), ``overview`` lays out
what the pages show.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST, require_safe

from ipms.exams import messages as texts
from ipms.exams import overview, selectors, services
from ipms.exams.grading import MAX_OPTIONS
from ipms.exams.models import Attempt
from ipms.learning import selectors as learning_selectors
from ipms.learning.models import Course

# A form names at most this many questions (a tampered one may name more; they are cut).
MAX_POSTED_QUESTIONS = 500


def _course(pk: int) -> Course:
    try:
        return learning_selectors.course_detail(pk=pk)
    except Course.DoesNotExist:
        raise Http404(texts.MSG_NO_EXAM) from None


def _exam_tab_url(course: Course) -> str:
    return reverse("learning:course_detail", args=[course.pk]) + "#exam"


@never_cache
@login_required
@require_POST
def attempt_start(request, course_pk: int):
    """开始考试 / 继续考试 / 重新考试."""
    course = _course(course_pk)
    try:
        outcome = services.attempt_start(user=request.user, course=course, request=request)
    except services.ExamRefused as error:
        messages.error(request, error.message)
        return redirect(_exam_tab_url(course))
    if outcome.resumed:
        messages.info(request, texts.MSG_STARTED_ELSEWHERE)
    return redirect("exams:attempt", pk=outcome.attempt.pk)


def posted_answers(post) -> dict[int, list[int]]:
    """``q<question id>`` → the option ids posted for it (integers only, bounded)."""
    answers: dict[int, list[int]] = {}
    for key in list(post.keys())[:MAX_POSTED_QUESTIONS]:
        if not key.startswith("q") or not key[1:].isdigit():
            continue
        values = [int(v) for v in post.getlist(key)[:MAX_OPTIONS] if v.isdigit() and len(v) < 12]
        answers[int(key[1:])] = values
    return answers


@never_cache
@login_required
@require_POST
def attempt_submit(request, pk: int):
    """提交: graded once, on the server; a repeat, late or second-tab submit says so."""
    try:
        outcome = services.attempt_submit(
            user=request.user,
            attempt_id=pk,
            answers=posted_answers(request.POST),
            request=request,
        )
    except services.ExamRefused as error:
        if error.code == "not_found":
            raise Http404(texts.MSG_ATTEMPT_NOT_FOUND) from None
        raise
    level = messages.SUCCESS if outcome.status == "graded" else messages.WARNING
    messages.add_message(request, level, outcome.message)
    return redirect("exams:attempt", pk=outcome.attempt.pk)


@never_cache
@login_required
@require_safe
def attempt_detail(request, pk: int):
    """The answer sheet while in progress; the graded result afterwards."""
    attempt = selectors.attempt_for_user(user=request.user, pk=pk)
    paper = selectors.paper_for_course(attempt.paper.course)
    course = attempt.paper.course
    now = timezone.now()
    overdue = attempt.state == Attempt.State.STARTED and services.is_overdue(attempt, now)
    in_progress = attempt.state == Attempt.State.STARTED and not overdue
    context = {
        "attempt": attempt,
        "course": course,
        "paper": paper,
        "header": overview.paper_header(paper),
        "in_progress": in_progress,
        "overdue": overdue,
    }
    if in_progress:
        context["sheet"] = overview.attempt_sheet(attempt)
    else:
        context["answers"] = selectors.attempt_answers(attempt)
        context["best"] = selectors.best_score(user=request.user, course=course)
        tab = overview.exam_overview(user=request.user, course=course, now=now)
        if tab is not None:
            context["may_retake"] = tab.action is not None
            context["retake_refusal"] = tab.refusal.message if tab.refusal else ""
    return render(request, "exams/attempt.html", context)
