"""Demo courses (product-rules §5): three courses with lessons, videos, courseware and covers,
and the demo learners' progress (:func:`load_progress`).

Idempotent by natural key: a course whose title already exists is left exactly as it is
(the operator may have edited it, reordered or removed lessons), so a second run creates
nothing, generates no file and overwrites nothing. A course is created whole in one
transaction, so an interrupted run leaves either the full course or none of it.
"""

from __future__ import annotations

import datetime
import time
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from ipms.accounts.models import User
from ipms.content.models import Lecturer
from ipms.core.errors import DomainError
from ipms.learning import progress as engine
from ipms.learning import services
from ipms.learning.access import learner_may_learn
from ipms.learning.figures import enrollment_figures_refresh
from ipms.learning.models import Course, Enrollment, Lesson, LessonProgress, StudyDay

from . import media as demo_media

REQUIRED = Lesson.Kind.REQUIRED
ELECTIVE = Lesson.Kind.ELECTIVE

VIDEO_SECONDS = 8
VIDEO_SIZE = (320, 180)
COVER_SIZE = (640, 360)


@dataclass(frozen=True)
class DemoLesson:
    title: str
    description: str
    outline: tuple[str, ...]
    kind: str = REQUIRED


@dataclass(frozen=True)
class DemoCourse:
    title: str
    audience: str
    summary: str
    description: str
    cover_colour: str
    lecturer_slots: tuple[int, ...]
    lessons: tuple[DemoLesson, ...] = field(default_factory=tuple)


_FLOW = "企业标准贯标流程——"

COURSES: tuple[DemoCourse, ...] = (
    DemoCourse(
        title="贯标政策解读课程",
        audience="所有人员",
        summary=(
            "系统梳理国家和地方关于知识产权管理体系贯标认证的政策文件，"
            "讲清楚为什么要贯标、谁来认证、能获得哪些支持。"
        ),
        description=(
            "本课程面向参与贯标工作的全体人员，从国家知识产权战略讲起，"
            "介绍《企业知识产权管理规范》（GB/T 29490）的定位、认证制度的安排，"
            "以及各地对贯标认证企业的资助与奖励政策。\n\n"
            "学完本课程，学员能够说明贯标认证的政策依据和基本流程，"
            "并能找到本地区适用的支持政策。"
        ),
        cover_colour="#9e1c26",
        lecturer_slots=(0,),
        lessons=(
            DemoLesson(
                "国家知识产权管理体系贯标认证政策概述",
                "从国家知识产权战略和强国建设纲要出发，介绍贯标认证制度的由来和政策框架。",
                ("知识产权强国建设的总体部署", "贯标认证制度的政策依据", "认证机构与认证证书"),
            ),
            DemoLesson(
                "地方贯标资助与奖励政策解读",
                "以若干省市的政策为例，说明贯标资助、认证奖励的申报条件和办理流程。",
                ("地方政策的常见类型", "申报条件与所需材料", "政策兑现中的注意事项"),
            ),
            DemoLesson(
                "贯标认证常见问题解答",
                "汇总企业在贯标认证过程中最常提出的问题，并逐一给出解答。",
                ("贯标与认证的区别", "认证周期与费用", "证书的维持与再认证"),
                kind=ELECTIVE,
            ),
        ),
    ),
    DemoCourse(
        title="企业负责人课程",
        audience="贯标单位最高管理者和管理者代表",
        summary=(
            "精讲《企业知识产权管理规范》中与管理层相关的重要条款，"
            "帮助企业负责人认识贯标认证对企业创新发展的意义并履行好领导职责。"
        ),
        description=(
            "最高管理者是企业知识产权管理的第一责任人。本课程围绕标准中"
            "“管理职责”“资源管理”等条款，讲解知识产权方针与目标的制定、"
            "管理者代表的任命、资源保障和管理评审。\n\n"
            "学完本课程，企业负责人能够主导贯标工作的启动和推进。"
        ),
        cover_colour="#7a141d",
        lecturer_slots=(1,),
        lessons=(
            DemoLesson(
                "知识产权与企业创新发展",
                "结合国内外产业竞争形势，说明知识产权对企业创新发展的支撑作用。",
                ("创新发展与知识产权的关系", "产业竞争中的知识产权", "企业知识产权战略要点"),
            ),
            DemoLesson(
                "最高管理者的知识产权职责",
                "解读标准对最高管理者和管理者代表的要求，明确领导层在体系中的角色。",
                ("最高管理者的职责", "管理者代表的任命与职责", "知识产权机构的设置"),
            ),
            DemoLesson(
                "知识产权方针、目标与管理评审",
                "讲解如何制定符合企业实际的知识产权方针和目标，以及如何开展管理评审。",
                ("方针与目标的制定", "目标的分解与考核", "管理评审的输入与输出"),
            ),
        ),
    ),
    DemoCourse(
        title="知识产权管理人员课程",
        audience="贯标单位知识产权管理人员、内审员及各部门贯标联络人",
        summary=(
            "按贯标工作的实际顺序，从认证流程、管理诊断、体系策划到内部审核和认证审核，"
            "完整讲解知识产权管理体系的建立与运行。"
        ),
        description=(
            "本课程是贯标认证的核心课程，共 15 个课时。课程按照企业贯标的工作流程展开："
            "工作启动、管理诊断、体系策划、文件编写、宣贯培训、体系运行、内部审核、"
            "管理评审和认证审核，并对 GB/T 29490 的重点条款进行解读。\n\n"
            "完成全部必修课时并通过考试的学员，可以生成学习证明；"
            "所在企业通过认证机构审核后，还可以获得内审员人才库合格证书。"
        ),
        cover_colour="#5a0f16",
        lecturer_slots=(1, 2),
        lessons=(
            DemoLesson(
                "知识产权管理体系认证流程",
                "介绍知识产权管理体系认证的申请、受理、审核、发证和监督的完整流程。",
                ("认证申请与受理", "第一阶段与第二阶段审核", "认证决定、发证与监督审核"),
            ),
            DemoLesson(
                f"{_FLOW}工作启动",
                "讲解贯标工作启动阶段的准备：领导承诺、组建贯标小组、制定工作计划。",
                ("最高管理者的承诺", "贯标工作小组的组建", "贯标工作计划的制定"),
            ),
            DemoLesson(
                f"{_FLOW}管理诊断（一）",
                "介绍管理诊断的目的和方法，以及诊断前的资料收集与访谈安排。",
                ("管理诊断的目的", "资料收集清单", "部门访谈的组织"),
            ),
            DemoLesson(
                f"{_FLOW}管理诊断（二）",
                "讲解如何对照标准分析企业现状、识别差距，并形成诊断报告。",
                ("对照标准逐条分析", "差距与风险的识别", "诊断报告的编写"),
            ),
            DemoLesson(
                f"{_FLOW}体系策划",
                "根据诊断结果策划知识产权管理体系的结构、职责分配和过程控制。",
                ("体系范围的确定", "职责与权限的分配", "过程识别与控制要求"),
            ),
            DemoLesson(
                f"{_FLOW}文件编写",
                "讲解知识产权手册、程序文件和记录表单的编写要求与常见问题。",
                ("文件体系的层次", "知识产权手册的编写", "程序文件与记录表单"),
            ),
            DemoLesson(
                f"{_FLOW}宣贯培训",
                "介绍如何向全体员工宣贯体系文件，并组织分层次的知识产权培训。",
                ("宣贯的对象与方式", "培训计划与记录", "培训效果的评价"),
            ),
            DemoLesson(
                f"{_FLOW}体系运行",
                "讲解体系试运行期间各部门的工作要点，以及运行记录的保存。",
                ("试运行的安排", "各部门的运行要点", "运行记录的管理"),
            ),
            DemoLesson(
                f"{_FLOW}内部审核",
                "介绍内部审核的策划、实施、不符合项的开具与纠正措施的跟踪。",
                ("内审计划与检查表", "审核实施与证据收集", "不符合项与纠正措施"),
            ),
            DemoLesson(
                f"{_FLOW}管理评审",
                "讲解管理评审的组织、输入材料的准备以及评审结论的落实。",
                ("管理评审的时机", "评审输入的准备", "评审输出与改进"),
            ),
            DemoLesson(
                f"{_FLOW}认证审核",
                "介绍认证审核前的准备工作、审核中的配合要点和审核后的整改。",
                ("认证前的自查", "现场审核的配合", "审核发现的整改"),
            ),
            DemoLesson(
                "GB/T 29490 条款解读——知识产权获取、维护与运用",
                "解读标准中知识产权获取、维护、运用和保护的要求，并结合案例说明。",
                ("知识产权的获取", "知识产权的维护", "知识产权的运用与保护"),
            ),
            DemoLesson(
                "GB/T 29490 条款解读——立项、研发、采购、生产与销售",
                "解读标准对产品全生命周期各环节的知识产权管理要求。",
                ("立项与研究开发", "采购与生产", "销售与售后"),
            ),
            DemoLesson(
                "知识产权宏观形势（一）",
                "从国际形势的分析入手，介绍中国产业发展和企业在全球制造业中的位置。",
                ("如何认识创新发展与知识产权的关系", "中国制造业发展的基本态势"),
            ),
            DemoLesson(
                "知识产权宏观形势（二）",
                "总结经验和问题，从宏观和微观两个角度提出企业知识产权战略的实施重点。",
                ("中国企业应明确的战略实施重点和目标", "企业知识产权战略的落地"),
            ),
        ),
    ),
)


def load(*, stdout) -> None:
    """Create the demo courses that do not exist yet; leave existing ones untouched."""
    lecturers = list(Lecturer.objects.published().order_by("order", "id"))
    started = time.monotonic()
    created_lessons = 0
    for order, spec in enumerate(COURSES, start=1):
        if Course.objects.filter(title=spec.title).exists():
            stdout.write(f"  课程“{spec.title}”已存在，保持不变。")
            continue
        created_lessons += _create_course(spec, order=order, lecturers=lecturers)
        stdout.write(f"  课程“{spec.title}”已创建（{len(spec.lessons)}课时）。")
    if created_lessons:
        elapsed = time.monotonic() - started
        stdout.write(f"  生成课时视频与课件 {created_lessons} 组，用时 {elapsed:.1f} 秒。")


@transaction.atomic
def _create_course(spec: DemoCourse, *, order: int, lecturers: list[Lecturer]) -> int:
    chosen = [lecturers[slot % len(lecturers)] for slot in spec.lecturer_slots] if lecturers else []
    course = services.course_create(
        title=spec.title,
        summary=spec.summary,
        audience=spec.audience,
        description=spec.description,
        lecturers=dict.fromkeys(chosen),  # keeps order, drops repeats when few lecturers
        cover=ContentFile(
            demo_media.make_image(spec.title, size=COVER_SIZE, bg=spec.cover_colour),
            name="cover.png",
        ),
        order=order,
    )
    for number, item in enumerate(spec.lessons, start=1):
        heading = f"课时{number} {item.title}"
        lesson = services.lesson_create(
            course=course,
            number=number,
            title=item.title,
            kind=item.kind,
            description=item.description,
            outline="\n".join(item.outline),
            video=ContentFile(
                demo_media.make_video(heading, seconds=VIDEO_SECONDS, size=VIDEO_SIZE),
                name="lesson.mp4",
            ),
        )
        paragraphs = [
            f"所属课程：{spec.title}",
            item.description,
            "课程大纲：",
            *(f"{index}. {point}" for index, point in enumerate(item.outline, start=1)),
            "本课件由平台演示数据自动生成，仅供体验平台功能使用。",
        ]
        services.courseware_create(
            lesson=lesson,
            title=item.title,
            file=ContentFile(demo_media.make_pdf(heading, paragraphs), name=f"{item.title}.pdf"),
        )
    return len(spec.lessons)


# --- demo learning progress ---------------------------------------------------------------
#
# The demo enterprise's verified members and the individual learner (ipms.demo.enterprises)
# get a believable history, so 本课程排行榜 and 学习管理 have something to show on the first
# start: one finished the 15-lesson course over two weeks, others are midway. Written by
# demo_progress_write (consistent rows, never heartbeats); a learner who already
# has records in a course is left alone, so loading twice changes nothing.

MANAGEMENT_COURSE = "知识产权管理人员课程"
POLICY_COURSE = "贯标政策解读课程"


@dataclass(frozen=True)
class DemoHistory:
    phone: str
    course_title: str
    completed: int  # lessons 1..completed watched to the end
    partial: float  # share of the next lesson watched (0: none)
    days: int  # number of study days the lessons are spread over
    ended_days_ago: int  # the last study day, counted back from today


_H = DemoHistory
HISTORIES: tuple[DemoHistory, ...] = (
    # 张总监: finished the 15 lessons over two weeks, and the policy course earlier.
    _H("13600002925", MANAGEMENT_COURSE, completed=15, partial=0, days=14, ended_days_ago=2),
    _H("13600002925", POLICY_COURSE, completed=3, partial=0, days=2, ended_days_ago=20),
    # 周晓岚 (individual learner), 李研发, 陈法务: midway.
    _H("13700000005", MANAGEMENT_COURSE, completed=12, partial=0.4, days=8, ended_days_ago=1),
    _H("13600002926", MANAGEMENT_COURSE, completed=9, partial=0.5, days=6, ended_days_ago=1),
    _H("13600002927", MANAGEMENT_COURSE, completed=4, partial=0.6, days=3, ended_days_ago=4),
    # 王明远, the admin: has only just started.
    _H("18600002641", MANAGEMENT_COURSE, completed=1, partial=0.3, days=1, ended_days_ago=6),
)
# Gaps between study days, cycled: people do not study every single day.
_DAY_GAPS = (1, 1, 2, 1, 3, 1, 2)


@dataclass(frozen=True)
class DemoStudySession:
    """One day of invented study: the lessons watched that day and for how long (seconds)."""

    at: datetime.datetime
    watched: tuple[tuple[Lesson, float], ...]


@transaction.atomic
def demo_progress_write(*, user, course: Course, sessions: list[DemoStudySession]) -> bool:
    """Write a demo learner's invented history in a course in one go.

    Real learning time is only ever credited by the heartbeat engine
    (``progress.heartbeat_record``); this writes what such a history would have left,
    with the same invariants: a lesson's credit never exceeds its length, ``completed_at``
    is set when the credit reaches the completion share, each ``StudyDay`` holds the
    seconds credited that day (so the day rows sum to the progress rows), and the
    enrolment remembers the lesson opened last. A learner who already has records in
    the course is left untouched (returns False), so demo loading is idempotent.
    """
    if not learner_may_learn(user):
        raise DomainError(engine.MSG_NOT_A_LEARNER)
    if not sessions or LessonProgress.objects.filter(user=user, course=course).exists():
        return False
    if Enrollment.objects.filter(user=user, course=course).exists():
        return False
    share = engine.completion_share()
    credited: dict[int, float] = {}
    rows: dict[int, LessonProgress] = {}
    days: dict[datetime.date, float] = {}
    last_lesson = None
    for session in sorted(sessions, key=lambda s: s.at):
        for lesson, seconds in session.watched:
            if lesson.course_id != course.pk:
                raise ValueError("demo session names a lesson of another course")
            already = credited.get(lesson.pk, 0.0)
            gained = max(0.0, min(float(seconds), lesson.duration - already))
            if gained <= 0:
                continue
            credited[lesson.pk] = already + gained
            row = rows.get(lesson.pk) or LessonProgress(
                user=user, lesson=lesson, course=course, created_at=session.at
            )
            row.credited_seconds = credited[lesson.pk]
            row.furthest_position = max(row.furthest_position, row.credited_seconds)
            row.last_position = row.credited_seconds
            row.updated_at = session.at
            if row.completed_at is None and row.credited_seconds >= share * lesson.duration:
                row.completed_at = session.at
            rows[lesson.pk] = row
            day = engine.study_day_of(session.at)
            days[day] = days.get(day, 0.0) + gained
            last_lesson = lesson
    if not rows:
        return False
    first = min(row.created_at for row in rows.values())
    latest = max(row.updated_at for row in rows.values())
    Enrollment.objects.create(
        user=user, course=course, enrolled_at=first, last_lesson=last_lesson, last_opened_at=latest
    )
    LessonProgress.objects.bulk_create(rows.values())
    StudyDay.objects.bulk_create(
        StudyDay(user=user, course=course, day=day, seconds=seconds)
        for day, seconds in days.items()
    )
    enrollment_figures_refresh(user_id=user.pk, course_id=course.pk)  # its stored figures
    return True


def _study_dates(history: DemoHistory, today: datetime.date) -> list[datetime.date]:
    dates = [today - datetime.timedelta(days=history.ended_days_ago)]
    for index in range(history.days - 1):
        dates.append(dates[-1] - datetime.timedelta(days=_DAY_GAPS[index % len(_DAY_GAPS)]))
    return sorted(dates)


def _sessions(
    history: DemoHistory, lessons: list[Lesson], today: datetime.date
) -> list[DemoStudySession]:
    watched = [(lesson, float(lesson.duration)) for lesson in lessons[: history.completed]]
    if history.partial and len(lessons) > history.completed:
        following = lessons[history.completed]
        watched.append((following, round(following.duration * history.partial, 1)))
    dates = _study_dates(history, today)
    per_day, extra = divmod(len(watched), len(dates))
    sessions, start = [], 0
    zone = ZoneInfo(settings.TIME_ZONE)
    for index, day in enumerate(dates):
        size = per_day + (1 if index < extra else 0)
        chunk = watched[start : start + size]
        start += size
        if chunk:
            at = datetime.datetime.combine(day, datetime.time(19, 30 + index % 25), tzinfo=zone)
            sessions.append(DemoStudySession(at=at, watched=tuple(chunk)))
    return sessions


def load_progress(*, stdout) -> None:
    """Give the demo learners their learning history (after the courses and people exist)."""
    today = timezone.localdate()
    phones = {history.phone for history in HISTORIES}
    users = {user.phone: user for user in User.objects.filter(phone__in=phones)}
    written = 0
    for history in HISTORIES:
        user = users.get(history.phone)
        course = Course.objects.filter(title=history.course_title).first()
        if user is None or course is None:
            continue
        lessons = [
            lesson
            for lesson in Lesson.objects.published().filter(course=course).order_by("number")
            if lesson.duration > 0
        ]
        sessions = _sessions(history, lessons, today)
        if demo_progress_write(user=user, course=course, sessions=sessions):
            written += 1
    if written:
        stdout.write(f"  演示学习记录已写入（{written} 条在学课程）。")
