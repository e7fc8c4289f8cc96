"""Course pages (product-rules §2 课程列表, §5), the lesson page, its video and courseware,
and the heartbeat endpoint. Views stay thin: selectors check who may see what, the
progress module does every write."""

from __future__ import annotations

import json
import logging
import uuid

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST, require_safe

from ipms.core import ratelimit
from ipms.core.errors import DomainError
from ipms.core.files import download_response
from ipms.core.pagination import paginate
from ipms.enterprises.access import enterprise_admin_required
from ipms.learning import exports, progress, selectors, stats
from ipms.learning.access import learner_may_learn
from ipms.learning.delivery import video_response
from ipms.learning.models import Course

logger = logging.getLogger(__name__)


def course_list(request):
    courses = selectors.published_courses()
    return render(request, "learning/course_list.html", {"courses": courses})


def course_detail(request, pk: int):
    """The course page: public for visitors; for a learner also 继续学习 and “上次学习到”,
    the figures, the 我的学分 panel and 本课程排行榜 (constant queries, none of which
    grows with the number of learners: learning/tests/test_figures.py)."""
    try:
        course = selectors.course_detail(pk=pk)
    except Course.DoesNotExist:
        raise Http404("课程不存在或尚未发布。") from None
    basis = stats.course_basis(course)
    may_learn = learner_may_learn(request.user)
    context = {
        "course": course,
        "policy": basis.policy,
        "may_learn": may_learn,
        "next_lesson": None,
        "resuming": False,
    }
    if not may_learn:
        context["lessons"] = selectors.course_lessons(course=course)
        return render(request, "learning/course_detail.html", context)
    mine = selectors.learner_course(user=request.user, course=course)
    # The figures are stored on the enrolment just read; the leaderboard reads two ranges
    # of its index (stats.course_leaderboard).
    figures = stats.figures_of_enrollment(
        basis=basis, user=request.user, enrollment=mine.enrollment
    )
    context.update(
        {
            "rows": mine.rows,
            "lessons": [row.lesson for row in mine.rows],
            "last_lesson_id": mine.last_lesson_id,
            "enrollment": mine.enrollment,
            "next_lesson": mine.next_lesson,
            "resuming": mine.resuming,
            "figures": figures,
            "leaderboard": stats.course_leaderboard(
                basis=basis,
                user=request.user,
                my_credits=figures.rank_credits,
                enrolled=mine.enrollment is not None,
            ),
        }
    )
    return render(request, "learning/course_detail.html", context)


@never_cache
@login_required
@require_safe
def my_courses(request):
    """在学课程: the learner's enrolled courses with 已学习视频 x/y and 继续学习."""
    if not learner_may_learn(request.user):
        raise PermissionDenied(progress.MSG_NOT_A_LEARNER)
    cards = selectors.my_courses(user=request.user)
    return render(request, "learning/my_courses.html", {"cards": cards})


# --- 学习管理 (enterprise admin) ----------------------------------------------------------

REPORT_PER_PAGE = 20


def _report_selection(request):
    """The courses of the selector, the chosen one (default: the first) and the search."""
    courses = selectors.report_courses()
    course = selectors.report_course(courses, request.GET.get("course"))
    search = (request.GET.get("q") or "").strip()[: selectors.REPORT_SEARCH_MAX_LENGTH]
    return courses, course, search


@never_cache
@require_safe
@enterprise_admin_required
def enterprise_report(request, enterprise):
    """学习管理: per-learner figures of one course for the enterprise's verified members."""
    courses, course, search = _report_selection(request)
    context = {"enterprise": enterprise, "courses": courses, "course": course, "search": search}
    if course is not None:
        basis = stats.course_basis(course)
        listing = selectors.report_list(enterprise=enterprise, search=search)
        page_obj = paginate(
            request, listing.keys, rows=listing.rows, lead=listing.lead, per_page=REPORT_PER_PAGE
        )
        members = list(page_obj.object_list)
        figures = stats.figures_for_users(basis=basis, user_ids=[m.user_id for m in members])
        context.update(
            {
                "page_obj": page_obj,
                "rows": [(member, figures[member.user_id]) for member in members],
            }
        )
    return render(request, "learning/enterprise_report.html", context)


@never_cache
@require_POST
@enterprise_admin_required
def enterprise_report_export(request, enterprise):
    """导出Excel: start (or, on a double click, find) the export of every matching row of
    学习管理, then show its progress. In the embedded mode the file is made right here."""
    course = selectors.report_course(selectors.report_courses(), request.POST.get("course"))
    if course is None:
        raise Http404("暂无课程。")
    export, _started = exports.report_export_request(
        enterprise=enterprise, course=course, search=request.POST.get("q") or "", by=request.user
    )
    return redirect("learning:enterprise_report_export_status", pk=export.pk)


@never_cache
@require_safe
@enterprise_admin_required
def enterprise_report_export_status(request, enterprise, pk: int):
    """The export's progress (htmx polls the partial until it is done) and its link."""
    export = selectors.report_export_for_admin(enterprise=enterprise, pk=pk)
    template = "learning/partials/report_export_status.html"
    if not request.htmx:
        template = "learning/report_export.html"
    context = {
        "enterprise": enterprise,
        "export": export,
        "retention_hours": settings.REPORT_EXPORT_RETENTION_HOURS,
    }
    return render(request, template, context)


@never_cache
@require_safe
@enterprise_admin_required
def enterprise_report_export_download(request, enterprise, pk: int):
    """下载Excel: the finished file, to the admin of the enterprise it was made for."""
    export = selectors.report_export_for_admin(enterprise=enterprise, pk=pk)
    if export.status != export.Status.DONE or not export.file:
        raise Http404("导出文件还没有生成或已过期。")
    return download_response(export.file, download_name=export.download_name)


# --- the lesson page -------------------------------------------------------------------


@never_cache
@login_required
@require_safe
def lesson_detail(request, course_pk: int, lesson_pk: int):
    lesson = selectors.get_lesson_for_learner(
        user=request.user, course_pk=course_pk, lesson_pk=lesson_pk
    )
    opening = progress.lesson_open(user=request.user, lesson=lesson)
    rows = selectors.lesson_rows(user=request.user, course=lesson.course)
    context = {
        "course": lesson.course,
        "lesson": lesson,
        "rows": rows,
        "current": selectors.lesson_row_of(rows, lesson),
        "coursewares": selectors.lesson_coursewares(lesson=lesson),
        "outline": [line.strip() for line in lesson.outline.splitlines() if line.strip()],
        "view": opening.view,
        "progress": opening.progress,
        "resume": opening.resume,
        "completion_seconds": progress.completion_seconds(lesson.duration),
        "heartbeat_interval": int(settings.LEARNING_HEARTBEAT_INTERVAL),
        "idle_minutes": int(settings.IDLE_PROMPT_MINUTES),
    }
    return render(request, "learning/lesson_detail.html", context)


@login_required
@require_safe
def lesson_video(request, course_pk: int, lesson_pk: int):
    lesson = selectors.get_lesson_for_learner(
        user=request.user, course_pk=course_pk, lesson_pk=lesson_pk
    )
    if not lesson.video:
        raise Http404("该课时暂无视频。")
    return video_response(request, lesson.video)


@login_required
@require_safe
def courseware_download(request, course_pk: int, lesson_pk: int, pk: int):
    courseware = selectors.get_courseware_for_learner(
        user=request.user, course_pk=course_pk, lesson_pk=lesson_pk, pk=pk
    )
    response = download_response(courseware.file, download_name=courseware.download_name)
    response["Cache-Control"] = "private, no-store"
    return response


# --- the heartbeat ---------------------------------------------------------------------

_MAX_BODY = 2048
_MAX_SEQ = 2_000_000_000


def _json(data: dict, status: int = 200) -> JsonResponse:
    response = JsonResponse(data, status=status)
    # What add_never_cache_headers says, without its date arithmetic on every beat.
    response["Cache-Control"] = "max-age=0, no-cache, no-store, must-revalidate, private"
    return response


def _parse_beat(body: bytes) -> dict | None:
    if len(body) > _MAX_BODY:
        return None
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return None
    if not isinstance(data, dict):
        return None
    try:
        beat = {
            "view_id": uuid.UUID(str(data["view"])),
            "seq": data["seq"],
            "position": float(data["position"]),
            "playing": data["playing"],
            "visible": data["visible"],
            "interacted": data.get("interacted", False),
            "start": data.get("start", False),
        }
    except (KeyError, TypeError, ValueError):
        return None
    flags = ("playing", "visible", "interacted", "start")
    if not all(isinstance(beat[flag], bool) for flag in flags):
        return None
    seq = beat["seq"]
    if isinstance(seq, bool) or not isinstance(seq, int) or not 0 < seq < _MAX_SEQ:
        return None
    if beat["position"] != beat["position"] or abs(beat["position"]) > 1e7:  # NaN, huge
        return None
    return beat


@require_POST
def heartbeat(request, lesson_pk: int):
    """POST JSON ``{view, seq, position, playing, visible, interacted, start}``.

    The CSRF token travels in the ``X-CSRFToken`` header. Answers the lesson's credited
    totals and the flags the player acts on (docs/learning.md).
    """
    if not request.user.is_authenticated:
        return _json(
            {"error": "登录已失效，请重新登录后继续学习。", "login_url": reverse("accounts:login")},
            status=401,
        )
    if not learner_may_learn(request.user):
        return _json({"error": progress.MSG_NOT_A_LEARNER}, status=403)
    decision = ratelimit.hit("heartbeat_user", request)
    if not decision.allowed:
        return _json({"error": decision.message}, status=429)
    beat = _parse_beat(request.body)
    if beat is None:
        return _json({"error": "心跳数据格式不正确。"}, status=400)
    try:
        result = progress.heartbeat_record(user=request.user, lesson_id=lesson_pk, **beat)
    except progress.InvalidView as error:
        return _json({"error": error.message, "reload": True}, status=409)
    except DomainError as error:
        return _json({"error": error.message}, status=403)
    return _json(result.as_json())
