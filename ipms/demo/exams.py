"""Demo exam papers and results (product-rules §6), after the courses and learners exist.

* Each demo course gets a published paper (单选题 and 多选题, 总分 100); 知识产权管理人员课程
  shuffles its options and allows 30 minutes and 3 attempts.
* 张总监 has passed: 知识产权管理人员课程 at the second attempt (70, then 90) and
  贯标政策解读课程 (80); the credentials demo gives them their proofs.
* 吴思远, an individual learner, has finished every lesson of 知识产权管理人员课程 and not
  yet taken its exam, so a newcomer can try the exam (and then the proof) at once.

Attempts go through the real services (start, submit, graded on the server). Idempotent:
a course that has a paper keeps it; a learner with attempts at a paper gets no more.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from ipms.accounts.models import User
from ipms.accounts.services import user_agreement_accept
from ipms.exams import services
from ipms.exams.models import Attempt, ExamPaper, Question
from ipms.learning.models import Course, Lesson

from .enterprises import MEMBER_PASSWORD
from .learning import MANAGEMENT_COURSE, POLICY_COURSE, DemoHistory, _sessions, demo_progress_write

LEADER_COURSE = "企业负责人课程"
SINGLE, MULTIPLE = Question.Kind.SINGLE, Question.Kind.MULTIPLE

# The learner who has finished 知识产权管理人员课程 and not yet taken its exam.
NEWCOMER = {"phone": "13700000006", "password": MEMBER_PASSWORD, "name": "吴思远"}
ACCOUNTS = [
    (
        "个人学员（待考试）",
        NEWCOMER["phone"],
        NEWCOMER["password"],
        "/accounts/login/ → 在学课程 → 知识产权管理人员课程 → 考试",
    ),
]
NEWCOMER_HISTORY = DemoHistory(
    NEWCOMER["phone"], MANAGEMENT_COURSE, completed=15, partial=0, days=9, ended_days_ago=1
)


def q(kind, text, points, options, right) -> services.QuestionSpec:
    return services.QuestionSpec(
        kind=kind,
        text=text,
        points=points,
        options=tuple(options),
        right=frozenset("ABCDEFGH".index(letter) for letter in right),
    )


PAPERS = {
    MANAGEMENT_COURSE: (
        {"shuffle_options": True, "time_limit_minutes": 30, "max_attempts": 3},
        [
            q(
                SINGLE,
                "管理评审是由（ ）、（ ）对知识产权管理体系适宜性和有效性的评价。",
                10,
                [
                    "企业最高管理者、不定期组织",
                    "企业知识产权部门、组织",
                    "企业最高管理者、定期组织",
                    "企业知识产权部门、不定期组织",
                ],
                "C",
            ),
            q(
                SINGLE,
                "采购合同起草后，应当提交（ ）进行合同相关知识产权条款的审查。",
                10,
                [
                    "企业决策层",
                    "知识产权管理部门",
                    "市场销售部门",
                    "知识产权主管",
                ],
                "B",
            ),
            q(
                SINGLE,
                "产品销售前，应对产品所涉及的知识产权状况进行全面审查和分析，制定（ ）。",
                10,
                [
                    "知识产权申请方案",
                    "知识产权保护和风险规避方案",
                    "市场推广方案",
                    "定价方案",
                ],
                "B",
            ),
            q(
                SINGLE,
                "企业知识产权方针应由（ ）批准发布。",
                10,
                [
                    "最高管理者",
                    "管理者代表",
                    "知识产权部门负责人",
                    "人力资源部门",
                ],
                "A",
            ),
            q(
                SINGLE,
                "GB/T 29490 中，知识产权管理体系文件的控制不包括（ ）。",
                10,
                [
                    "发布前经过审核和批准",
                    "保持文件的更新和版本标识",
                    "防止作废文件的非预期使用",
                    "所有文件一律公开",
                ],
                "D",
            ),
            q(
                SINGLE,
                "新员工入职时，企业应对其进行（ ）。",
                10,
                [
                    "知识产权背景调查",
                    "股权激励",
                    "出国培训",
                    "绩效考核",
                ],
                "A",
            ),
            q(
                MULTIPLE,
                "下列属于知识产权的有（ ）。",
                10,
                [
                    "专利权",
                    "商标权",
                    "著作权",
                    "物权",
                ],
                "ABC",
            ),
            q(
                MULTIPLE,
                "立项阶段的知识产权工作包括（ ）。",
                10,
                [
                    "分析该项目所涉及的知识产权信息",
                    "检索分析相关技术的专利状况",
                    "进行知识产权风险评估",
                    "制定产品定价策略",
                ],
                "ABC",
            ),
            q(
                MULTIPLE,
                "企业知识产权管理体系的内部审核应（ ）。",
                10,
                [
                    "按策划的时间间隔进行",
                    "由与被审核工作无直接责任的人员实施",
                    "保留审核记录",
                    "只在认证前进行一次",
                ],
                "ABC",
            ),
            q(
                MULTIPLE,
                "员工离职时，企业应当（ ）。",
                10,
                [
                    "提醒其负有的知识产权保密义务",
                    "必要时签订离职知识产权协议",
                    "收回其所有个人物品",
                    "明确其职务发明的归属",
                ],
                "ABD",
            ),
        ],
    ),
    POLICY_COURSE: (
        {"max_attempts": 3},
        [
            q(
                SINGLE,
                "《企业知识产权管理规范》的国家标准编号是（ ）。",
                20,
                [
                    "GB/T 29490",
                    "GB/T 19001",
                    "GB/T 24001",
                    "GB/T 45001",
                ],
                "A",
            ),
            q(
                SINGLE,
                "企业贯标认证由（ ）实施。",
                20,
                [
                    "经批准的认证机构",
                    "企业自己",
                    "行业协会",
                    "律师事务所",
                ],
                "A",
            ),
            q(
                SINGLE,
                "贯标的首要目的是（ ）。",
                20,
                [
                    "建立规范的知识产权管理体系",
                    "获得政府补贴",
                    "增加专利数量",
                    "减少研发投入",
                ],
                "A",
            ),
            q(
                MULTIPLE,
                "贯标工作的主要阶段包括（ ）。",
                20,
                [
                    "管理诊断",
                    "体系构建",
                    "实施运行",
                    "停产整顿",
                ],
                "ABC",
            ),
            q(
                MULTIPLE,
                "贯标对企业的作用包括（ ）。",
                20,
                [
                    "提升知识产权管理水平",
                    "降低知识产权风险",
                    "支撑创新发展",
                    "代替质量管理体系",
                ],
                "ABC",
            ),
        ],
    ),
    LEADER_COURSE: (
        {"max_attempts": 3},
        [
            q(
                SINGLE,
                "知识产权管理体系的第一责任人是（ ）。",
                20,
                [
                    "最高管理者",
                    "知识产权专员",
                    "法务人员",
                    "研发人员",
                ],
                "A",
            ),
            q(
                SINGLE,
                "最高管理者应任命（ ）负责知识产权管理体系的建立和运行。",
                20,
                [
                    "管理者代表",
                    "外部顾问",
                    "实习生",
                    "财务总监",
                ],
                "A",
            ),
            q(
                SINGLE,
                "知识产权目标应当（ ）。",
                20,
                [
                    "与知识产权方针保持一致并可考核",
                    "只写在口头上",
                    "每十年制定一次",
                    "由员工自行决定",
                ],
                "A",
            ),
            q(
                MULTIPLE,
                "最高管理者在知识产权管理中的职责包括（ ）。",
                20,
                [
                    "制定知识产权方针",
                    "确保资源配备",
                    "组织管理评审",
                    "亲自撰写全部专利",
                ],
                "ABC",
            ),
            q(
                MULTIPLE,
                "企业应为知识产权管理提供的资源包括（ ）。",
                20,
                [
                    "人力资源",
                    "财务资源",
                    "基础设施",
                    "竞争对手的商业秘密",
                ],
                "ABC",
            ),
        ],
    ),
}


@dataclass(frozen=True)
class DemoResult:
    phone: str
    course_title: str
    wrong: tuple[int, ...]  # per attempt, the number of questions answered wrongly
    days_ago: int  # the day of the last attempt


RESULTS = (
    DemoResult("13600002925", MANAGEMENT_COURSE, wrong=(3, 1), days_ago=1),
    DemoResult("13600002925", POLICY_COURSE, wrong=(1,), days_ago=15),
)


def _answers(paper: ExamPaper, *, wrong: int) -> dict[int, list[int]]:
    """Right answers, except the first ``wrong`` questions (answered with a wrong option)."""
    answers = {}
    for index, question in enumerate(paper.questions.prefetch_related("options")):
        options = list(question.options.all())
        right = [o.pk for o in options if o.is_correct]
        if index < wrong:
            answers[question.pk] = [next(o.pk for o in options if not o.is_correct)]
        else:
            answers[question.pk] = right
    return answers


def _newcomer() -> User | None:
    user = User.objects.filter(phone=NEWCOMER["phone"]).first()
    if user is not None:
        return user
    user = User.objects.create_user(**NEWCOMER)
    user_agreement_accept(user=user)
    return user


@transaction.atomic
def load(*, stdout) -> None:
    papers = 0
    for title, (settings, specs) in PAPERS.items():
        course = Course.objects.filter(title=title).first()
        if course is None or ExamPaper.objects.filter(course=course).exists():
            continue
        services.paper_create(course=course, specs=specs, is_published=True, **settings)
        papers += 1
    if papers:
        stdout.write(f"  考试试卷已创建（{papers} 份）。")

    user = _newcomer()
    course = Course.objects.filter(title=MANAGEMENT_COURSE).first()
    if course is not None:
        lessons = [
            lesson
            for lesson in Lesson.objects.published().filter(course=course).order_by("number")
            if lesson.duration > 0
        ]
        sessions = _sessions(NEWCOMER_HISTORY, lessons, timezone.localdate())
        demo_progress_write(user=user, course=course, sessions=sessions)

    now = timezone.now()
    taken = 0
    for result in RESULTS:
        learner = User.objects.filter(phone=result.phone).first()
        paper = ExamPaper.objects.filter(course__title=result.course_title).first()
        if learner is None or paper is None:
            continue
        if Attempt.objects.filter(user=learner, paper=paper).exists():
            continue
        at = now - datetime.timedelta(days=result.days_ago)
        for number, wrong in enumerate(result.wrong):
            started = at - datetime.timedelta(hours=len(result.wrong) - number, minutes=20)
            attempt = services.attempt_start(user=learner, course=paper.course, now=started).attempt
            services.attempt_submit(
                user=learner,
                attempt_id=attempt.pk,
                answers=_answers(paper, wrong=wrong),
                now=started + datetime.timedelta(minutes=12),
            )
            taken += 1
    if taken:
        stdout.write(f"  演示考试记录已写入（{taken} 次考试）。")
