"""Scale data for ``manage.py seed_scale`` and ``make bench`` (issue 10; docs/performance.md).

A national-size data set, written straight into the tables in chunks: PostgreSQL gets
``COPY … FROM STDIN`` through psycopg 3's ``cursor.copy()``, SQLite batched
``executemany`` INSERTs. Memory stays bounded (one chunk of ``CHUNK_USERS`` learners is
held at a time) and the whole seed is ONE transaction: either all of it is there or none.

What it builds (full size, ``Plan()``):

* 5,000 enterprises with complete 企业信息 and valid 统一社会信用代码 (GB 32100 check
  character, computed with the validators of ``ipms.enterprises.validators``), among them
  one of 50,000 members and one of 5,000; the others have a long-tailed size (most have a
  handful of members, a few have hundreds). About 4 % of each enterprise's members are
  待验证 (invited, link open or lapsed) and a few are 已移除;
* 100,000 learners: the enterprises' verified members (their admins included: an admin is
  also a learner) and individual learners, every one with a unique phone 1[3-9]xxxxxxxxx
  and one precomputed password hash (``SEED_PASSWORD``), so every account can log in;
* an extra 导出测试企业 of 100,000 verified members (``Plan.export_members``), enrolled in
  one course only, which gives ``make bench`` its 100,000-row 学习管理 export without
  weighing on the pages measured for the two large enterprises;
* five courses with 4–15 lessons of 15–45 minutes (no video files: the lesson page shows
  its 暂无视频 frame), linked to the portal's lecturers, and about 1.5 million
  lesson-progress rows (plus ~0.3 million in the export enterprise) over many study days.

The learning rows obey the invariants the learning app relies on (``ipms.learning.stats``
derives every figure from them, ``progress.heartbeat_record`` would have left them so):
a lesson's credited seconds never exceed its length, ``completed_at`` is set exactly when
they reach ``LESSON_COMPLETION_SHARE`` of it, the :class:`StudyDay` seconds of a learner and
course sum to the credited seconds of the progress rows, days are Asia/Shanghai dates,
the enrolment remembers the lesson opened last, and learners who studied in the last 30
days have a closed playback view and an idle accrual lease, as after real playback.

Generation is deterministic (``Plan.seed``). The accounts to log in with have fixed phones
(:data:`ACCOUNTS`), whatever the size; ``MARKER_PHONE`` doubles as the "already seeded"
marker, since it is written in the same transaction as everything else.
"""

from __future__ import annotations

import datetime
import math
import random
import time
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core.management.color import no_style
from django.db import DatabaseError, models, transaction
from django.db import connection as default_connection

from ipms.accounts.models import User
from ipms.content.models import Lecturer
from ipms.core import regions
from ipms.enterprises.models import Enterprise, Invitation, Membership
from ipms.enterprises.validators import org_code_check_character, uscc_check_character
from ipms.learning.figures import figures_recompute_all
from ipms.learning.models import (
    AccrualLease,
    Course,
    Enrollment,
    Lesson,
    LessonProgress,
    PlaybackView,
    StudyDay,
)
from ipms.learning.progress import completion_share

SEED_PASSWORD = "Scale2026pw"  # noqa: S105 - printed seed password, refused in production
CHUNK_USERS = 2_000

# Phone namespaces (11 digits, 1[3-9]…): seeded accounts, invitees without an account,
# and the fixed accounts that are printed. ``make bench`` uses 199… for its own rows.
ACCOUNT_PHONE = "15{:09d}"
INVITEE_PHONE = "16{:09d}"
LARGE_ADMIN = "15899990001"
MEDIUM_ADMIN = "15899990002"
EXPORT_ADMIN = "15899990003"
LARGE_LEARNER = "15899990011"
MEDIUM_LEARNER = "15899990012"
INDIVIDUAL_LEARNER = "15899990013"
MARKER_PHONE = LARGE_ADMIN
# Numbers a seed writes (accounts 15000…, invitees 16000…, the fixed ones): any of them in a
# database without the marker means data in the way.
SEED_PHONE_PREFIXES = ("15000", "16000", "1589999")

LARGE_NAME = "华夏智造集团股份有限公司"
MEDIUM_NAME = "江南精密仪器股份有限公司"
EXPORT_NAME = "神州全员培训实业有限公司"
# Serial numbers of the seed's organisation codes (the test factories use 10,000,000+).
CREDIT_SERIAL_BASE = 60_000_000


@dataclass(frozen=True)
class CourseSpec:
    title: str
    lessons: int
    credits_per_lesson: int
    credits_per_study_day: int
    enrol_share: float  # share of the main population enrolled
    topics: tuple[str, ...]
    summary: str


COURSES: tuple[CourseSpec, ...] = (
    CourseSpec(
        "知识产权管理体系贯标实务",
        15,
        2,
        1,
        0.95,
        (
            "贯标认证流程总览",
            "工作启动与贯标小组",
            "管理诊断方法",
            "差距分析与诊断报告",
            "体系策划",
            "知识产权手册编写",
            "程序文件与记录表单",
            "宣贯培训的组织",
            "体系试运行",
            "内部审核策划",
            "内审实施与不符合项",
            "管理评审",
            "认证审核的准备",
            "审核发现的整改",
            "体系的持续改进",
        ),
        "按企业贯标的实际顺序，从认证流程、管理诊断到内部审核与认证审核，完整讲解体系的建立与运行。",
    ),
    CourseSpec(
        "《企业知识产权管理规范》条款精讲",
        10,
        2,
        0,
        0.5,
        (
            "标准的结构与术语",
            "知识产权方针与目标",
            "管理职责",
            "资源管理",
            "知识产权获取",
            "知识产权维护",
            "知识产权运用",
            "知识产权保护",
            "产品全生命周期管理",
            "检查分析与改进",
        ),
        "逐条解读 GB/T 29490 的要求，并结合企业案例说明如何落实到日常管理中。",
    ),
    CourseSpec(
        "专利挖掘与布局实务",
        8,
        3,
        0,
        0.4,
        (
            "专利挖掘的思路",
            "技术交底书的撰写",
            "专利检索与分析",
            "专利布局策略",
            "高价值专利培育",
            "专利申请流程",
            "专利答复与审查",
            "专利运营与转化",
        ),
        "面向研发与知识产权人员，讲解从技术成果中挖掘专利、规划布局并转化运用的方法。",
    ),
    CourseSpec(
        "商业秘密与技术秘密保护",
        6,
        2,
        0,
        0.35,
        (
            "商业秘密的认定",
            "保密制度建设",
            "涉密人员管理",
            "技术秘密的载体管理",
            "离职与竞业限制",
            "侵权应对与维权",
        ),
        "讲解企业商业秘密的识别、保护制度的建立以及发生泄密时的应对措施。",
    ),
    CourseSpec(
        "企业全员知识产权普及",
        4,
        1,
        0,
        0.3,
        ("身边的知识产权", "岗位中的知识产权风险", "尊重他人知识产权", "知识产权与企业发展"),
        "面向企业全体员工的入门课程，帮助每位员工了解与本岗位相关的知识产权常识。",
    ),
)
EXPORT_COURSE = COURSES[-1].title  # the only course of the export enterprise
MAIN_COURSE = COURSES[0].title


@dataclass(frozen=True)
class Plan:
    """How much to build; ``Plan()`` is the full national size."""

    learners: int = 100_000  # accounts of the main population (members and individuals)
    enterprises: int = 5_000
    large: int = 50_000  # active members (admin and 待验证 included) of the largest one
    medium: int = 5_000
    export_members: int = 100_000  # verified members of the export enterprise (0: none)
    individual_share: float = 0.05
    pending_share: float = 0.04
    removed_share: float = 0.01
    seed: int = 2026

    @classmethod
    def scaled(cls, *, learners: int, enterprises: int | None = None, export: bool = True) -> Plan:
        """The full plan shrunk to ``learners`` (enterprises and sizes in proportion)."""
        factor = learners / cls.learners
        return cls(
            learners=learners,
            enterprises=enterprises or max(3, round(cls.enterprises * factor)),
            large=max(2, round(cls.large * factor)),
            medium=max(2, round(cls.medium * factor)),
            export_members=max(2, round(cls.export_members * factor)) if export else 0,
        )

    @property
    def individuals(self) -> int:
        return max(1, round(self.learners * self.individual_share))

    def verified(self, size: int) -> int:
        """Verified members (admin included) of an enterprise of ``size`` active members."""
        return max(1, size - int(size * self.pending_share))

    def check(self) -> None:
        """Raise ``ValueError`` when the numbers cannot be built as asked."""
        if self.enterprises < 3:
            raise ValueError("至少需要 3 家企业（大型、中型与其他企业）。")
        needed = (
            self.verified(self.large)
            + self.verified(self.medium)
            + (self.enterprises - 2)
            + self.individuals
        )
        if needed > self.learners:
            raise ValueError(
                f"{self.learners} 名学员放不下：大型与中型企业的已验证成员、"
                f"每家其他企业的管理员和个人学员共需 {needed} 名。"
            )


# --- names, places, codes ---------------------------------------------------------------

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程"
    "苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵"
)
GIVEN = (
    "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉萍红鹏宇浩然子轩思远雨欣梓涵一诺佳怡俊杰"
    "晨阳文博志强建国海燕晓东丽娟春梅秋云振华永刚国庆立新德明文静雅琴"
)
BRANDS = (
    "恒达",
    "华信",
    "瑞丰",
    "博远",
    "天成",
    "中科",
    "宏图",
    "鼎盛",
    "正泰",
    "安捷",
    "嘉禾",
    "汇通",
    "金诚",
    "联创",
    "明辉",
    "智远",
    "卓越",
    "新锐",
    "海纳",
    "东方",
    "长青",
    "星辰",
    "启航",
    "致远",
    "润泽",
    "和信",
    "德润",
    "同心",
    "万象",
    "凯盛",
    "永安",
    "盛世",
    "腾飞",
    "富源",
    "开元",
    "锦程",
    "佳宁",
    "信达",
    "普华",
    "晟通",
)
TRADES = (
    ("智能科技", Enterprise.Industry.IT),
    ("信息技术", Enterprise.Industry.IT),
    ("精密机械", Enterprise.Industry.MACHINERY),
    ("新材料", Enterprise.Industry.CHEMICAL),
    ("生物医药", Enterprise.Industry.PHARMA),
    ("汽车零部件", Enterprise.Industry.AUTOMOTIVE),
    ("食品", Enterprise.Industry.AGRICULTURE),
    ("建材", Enterprise.Industry.CONSTRUCTION),
    ("电子", Enterprise.Industry.IT),
    ("环保科技", Enterprise.Industry.CHEMICAL),
    ("纺织", Enterprise.Industry.MANUFACTURING),
    ("知识产权服务", Enterprise.Industry.SERVICES),
)
FORMS = ("有限公司", "股份有限公司", "科技有限公司")
ROADS = ("人民路", "建设路", "解放路", "中山路", "科技路", "创新大道", "高新路", "工业园路")
TYPES = (
    Enterprise.Type.PRIVATE,
    Enterprise.Type.PRIVATE,
    Enterprise.Type.PRIVATE,
    Enterprise.Type.STATE_OWNED,
    Enterprise.Type.FOREIGN_INVESTED,
    Enterprise.Type.HMT_INVESTED,
)
POSITIONS = [value for value, _ in Membership.Position.choices]


def make_credit_code(serial: int, region: str) -> str:
    """A valid 统一社会信用代码 (企业, 工商) for ``region`` whose organisation code is built
    from ``serial``: check characters from ``ipms.enterprises.validators``."""
    body = f"{serial:08d}"[-8:]
    first17 = f"91{region}{body}{org_code_check_character(body)}"
    return first17 + uscc_check_character(first17)


def scale_choice(size: int) -> str:
    for limit, choice in (
        (50, Enterprise.Scale.UNDER_50),
        (150, Enterprise.Scale.FROM_50),
        (500, Enterprise.Scale.FROM_150),
        (1000, Enterprise.Scale.FROM_500),
        (5000, Enterprise.Scale.FROM_1000),
        (10000, Enterprise.Scale.FROM_5000),
    ):
        if size < limit:
            return choice
    return Enterprise.Scale.OVER_10000


def _places() -> list[tuple[str, str, str]]:
    """(province code, city code, "省市" text) for every city of GB/T 2260."""
    places = []
    for province in regions.provinces():
        for city in regions.cities(province.code):
            text = province.name if province.name == city.name else province.name + city.name
            places.append((province.code, city.code, text))
    return places


# --- writing rows ------------------------------------------------------------------------


class BulkWriter:
    """Append rows (tuples in ``columns`` order, Python values) to a model's table.

    PostgreSQL: ``COPY … FROM STDIN`` (psycopg adapts the values). SQLite: one
    ``executemany`` per batch, values prepared by the fields as the ORM would.
    """

    def __init__(self, connection) -> None:
        self.connection = connection
        self.postgresql = connection.vendor == "postgresql"
        self.counts: dict[type[models.Model], int] = defaultdict(int)

    def write(self, model: type[models.Model], columns: tuple[str, ...], rows: list[tuple]):
        if not rows:
            return
        opts = model._meta
        fields = [opts.get_field(name) for name in columns]
        quote = self.connection.ops.quote_name
        table = quote(opts.db_table)
        names = ", ".join(quote(f.column) for f in fields)
        with self.connection.cursor() as cursor:
            if self.postgresql:
                with cursor.cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
            else:
                prepared = [
                    tuple(
                        f.get_db_prep_save(value, self.connection)
                        for f, value in zip(fields, row, strict=True)
                    )
                    for row in rows
                ]
                marks = ", ".join(["%s"] * len(fields))
                cursor.executemany(f"INSERT INTO {table} ({names}) VALUES ({marks})", prepared)  # noqa: S608 - names from the models
        self.counts[model] += len(rows)


class Ids:
    """Primary keys handed out by the seed (the sequences are reset afterwards)."""

    def __init__(self, connection, model_list) -> None:
        self.next: dict[type[models.Model], int] = {}
        with connection.cursor() as cursor:
            for model in model_list:
                table = connection.ops.quote_name(model._meta.db_table)
                pk = connection.ops.quote_name(model._meta.pk.column)
                cursor.execute(f"SELECT MAX({pk}) FROM {table}")  # noqa: S608 - names from the models
                self.next[model] = (cursor.fetchone()[0] or 0) + 1

    def take(self, model: type[models.Model]) -> int:
        value = self.next[model]
        self.next[model] = value + 1
        return value


USER_COLUMNS = (
    "id",
    "password",
    "last_login",
    "is_superuser",
    "phone",
    "name",
    "id_number_encrypted",
    "id_number_digest",
    "id_number_agreed_at",
    "position",
    "province",
    "city",
    "agreement_version",
    "agreed_at",
    "is_active",
    "is_staff",
    "date_joined",
)
ENTERPRISE_COLUMNS = (
    "id",
    "created_at",
    "updated_at",
    "name",
    "credit_code",
    "address",
    "scale",
    "industry",
    "type",
    "created_by_id",
)
MEMBERSHIP_COLUMNS = (
    "id",
    "created_at",
    "updated_at",
    "enterprise_id",
    "user_id",
    "phone",
    "name",
    "position",
    "province",
    "city",
    "role",
    "status",
    "invited_by_id",
    "verified_at",
    "removed_at",
    "removed_by_id",
)
INVITATION_COLUMNS = (
    "id",
    "created_at",
    "updated_at",
    "membership_id",
    "token_hash",
    "expires_at",
    "created_by_id",
    "used_at",
    "used_by_id",
    "revoked_at",
)
ENROLLMENT_COLUMNS = (
    "id",
    "user_id",
    "course_id",
    "enrolled_at",
    "last_lesson_id",
    "last_opened_at",
)
PROGRESS_COLUMNS = (
    "id",
    "user_id",
    "lesson_id",
    "course_id",
    "credited_seconds",
    "furthest_position",
    "last_position",
    "completed_at",
    "created_at",
    "updated_at",
)
DAY_COLUMNS = ("id", "user_id", "course_id", "day", "seconds")
VIEW_COLUMNS = (
    "id",
    "user_id",
    "progress_id",
    "created_at",
    "last_seq",
    "last_beat_at",
    "last_position",
    "accruing",
    "interacted_at",
)
LEASE_COLUMNS = ("user_id", "view_id", "renewed_at")

# Tables in the order their rows must be written (foreign keys are checked immediately).
TABLES: tuple[tuple[type[models.Model], tuple[str, ...]], ...] = (
    (User, USER_COLUMNS),
    (Enterprise, ENTERPRISE_COLUMNS),
    (Membership, MEMBERSHIP_COLUMNS),
    (Invitation, INVITATION_COLUMNS),
    (Enrollment, ENROLLMENT_COLUMNS),
    (LessonProgress, PROGRESS_COLUMNS),
    (StudyDay, DAY_COLUMNS),
    (PlaybackView, VIEW_COLUMNS),
    (AccrualLease, LEASE_COLUMNS),
)
SEQUENCED = (User, Enterprise, Membership, Invitation, Enrollment, LessonProgress, StudyDay)


# --- the generator -----------------------------------------------------------------------


@dataclass
class SeedCourse:
    course: Course
    lessons: list[Lesson]
    spec: CourseSpec


@dataclass
class EnterpriseSlot:
    """An enterprise to fill: its id, admin, place and how many members of each kind."""

    id: int
    admin_id: int
    name: str
    place: tuple[str, str, str]
    created_at: datetime.datetime
    verified: int  # admin included
    pending: int
    removed: int
    courses: tuple[int, ...] | None = None  # indexes into COURSES; None: the usual mix
    special_learner: str = ""
    admin_phone: str = ""


@dataclass
class Report:
    """What the seed wrote, for the command's output and the tests."""

    seconds: float = 0.0
    counts: dict[str, int] = field(default_factory=dict)
    large_id: int = 0
    medium_id: int = 0
    export_id: int | None = None
    main_course_id: int = 0
    export_course_id: int = 0


class Seeder:
    def __init__(
        self,
        plan: Plan,
        *,
        connection=default_connection,
        now: datetime.datetime | None = None,
        progress: Callable[[str], None] | None = None,
    ) -> None:
        plan.check()
        self.plan = plan
        self.connection = connection
        self.rng = random.Random(plan.seed)  # noqa: S311 - invented data, reproducible
        self.zone = ZoneInfo(settings.TIME_ZONE)
        self.now = (now or datetime.datetime.now(tz=datetime.UTC)).astimezone(self.zone)
        self.today = self.now.date()
        self.say = progress or (lambda _message: None)
        self.share = completion_share()
        self.places = _places()
        self.password = make_password(SEED_PASSWORD)
        self.agreement = settings.USER_AGREEMENT_VERSION
        self.phone_serial = 0
        self.invitee_serial = 0
        self.buffer: dict[type[models.Model], list[tuple]] = defaultdict(list)
        self.buffered_users = 0
        self.writer = BulkWriter(connection)

    # --- entry point ---

    def run(self) -> Report:
        started = time.monotonic()
        report = Report()
        with transaction.atomic(using=self.connection.alias):
            unchecked = self._defer_foreign_keys()
            self.ids = Ids(self.connection, list(SEQUENCED))
            self.courses = self._courses()
            report.main_course_id = self.courses[0].course.pk
            report.export_course_id = self.courses[-1].course.pk
            slots = self._enterprise_slots()
            report.large_id, report.medium_id = slots[0].id, slots[1].id
            if self.plan.export_members:
                report.export_id = slots[2].id
            self._write_enterprises(slots)
            self.say(f"  企业 {len(slots)} 家已写入。")
            for slot in slots:
                self._members(slot)
            self._individuals()
            self._flush()
            if unchecked:
                self._verify_foreign_keys()
            self._reset_sequences()
            # The enrolments' stored figures, from the rows just written (set-based).
            figures_recompute_all(using=self.connection.alias)
            self.say("  学习统计已计算。")
        if self.writer.postgresql:
            # VACUUM, not only ANALYZE: the load and the figures' recompute leave every
            # page unmarked in the visibility map, so index-only scans (the lists' keyset
            # paths) would visit the heap for every row until autovacuum came by.
            with self.connection.cursor() as cursor:
                # VACUUM cannot run in a transaction (a test's, or a caller's).
                in_transaction = self.connection.in_atomic_block
                cursor.execute("ANALYZE" if in_transaction else "VACUUM (ANALYZE)")
        report.seconds = time.monotonic() - started
        report.counts = {
            model._meta.verbose_name: count for model, count in self.writer.counts.items()
        }
        return report

    # --- foreign keys on PostgreSQL ---

    def _defer_foreign_keys(self) -> bool:
        """On PostgreSQL, skip the per-row foreign-key triggers while loading (they cost
        more than the COPY itself) and check every key in one query per column at the
        end (:meth:`_verify_foreign_keys`). Needs a superuser; otherwise keys are checked
        row by row (immediately, so millions of checks do not queue until COMMIT).
        Returns True when the check at the end is needed."""
        if not self.writer.postgresql:
            return False  # SQLite checks its (deferred) keys at COMMIT
        with self.connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            try:
                with transaction.atomic(using=self.connection.alias):
                    cursor.execute("SET LOCAL session_replication_role = replica")
            except DatabaseError:
                return False
        return True

    def _verify_foreign_keys(self) -> None:
        """Every foreign key written by the seed points at an existing row (else roll back)."""
        quote = self.connection.ops.quote_name
        with self.connection.cursor() as cursor:
            for model, columns in TABLES:
                for name in columns:
                    target = model._meta.get_field(name)
                    if not target.is_relation:
                        continue
                    parent = target.related_model._meta
                    child_table, column = quote(model._meta.db_table), quote(target.column)
                    cursor.execute(
                        f"SELECT count(*) FROM {child_table} c WHERE c.{column} IS NOT NULL"  # noqa: S608 - names from the models
                        f" AND NOT EXISTS (SELECT 1 FROM {quote(parent.db_table)} p"
                        f" WHERE p.{quote(target.target_field.column)} = c.{column})"
                    )
                    orphans = cursor.fetchone()[0]
                    if orphans:
                        raise RuntimeError(
                            f"seed bug: {orphans} rows of {model._meta.db_table}.{target.column}"
                            " point at nothing"
                        )
        with self.connection.cursor() as cursor:
            cursor.execute("SET LOCAL session_replication_role = origin")

    # --- courses (a few rows: through the ORM) ---

    def _courses(self) -> list[SeedCourse]:
        lecturers = list(Lecturer.objects.order_by("order", "id")[:3])
        result = []
        for order, spec in enumerate(COURSES, start=1):
            course = Course.objects.create(
                title=spec.title,
                summary=spec.summary,
                audience="贯标单位全体员工",
                description=spec.summary + "\n\n本课程由规模测试数据生成。",
                order=order,
                credits_per_lesson=spec.credits_per_lesson,
                credits_per_study_day=spec.credits_per_study_day,
            )
            if lecturers:
                course.lecturers.set([lecturers[order % len(lecturers)]])
            lessons = [
                Lesson.objects.create(
                    course=course,
                    number=number,
                    title=topic,
                    kind=Lesson.Kind.ELECTIVE if number == spec.lessons else Lesson.Kind.REQUIRED,
                    description=f"{spec.title}第{number}讲：{topic}。",
                    outline="\n".join(f"{topic}要点{i}" for i in range(1, 4)),
                    duration=self.rng.randrange(15, 46) * 60,
                )
                for number, topic in enumerate(spec.topics[: spec.lessons], start=1)
            ]
            result.append(SeedCourse(course=course, lessons=lessons, spec=spec))
        return result

    # --- enterprises and their admins ---

    def _enterprise_slots(self) -> list[EnterpriseSlot]:
        plan = self.plan
        small = plan.enterprises - 2
        # Verified members left for the small enterprises, over a long-tailed spread.
        budget = plan.learners - plan.individuals
        budget -= plan.verified(plan.large) + plan.verified(plan.medium)
        extra = budget - small  # beyond each small enterprise's admin
        weights = [self.rng.paretovariate(1.3) for _ in range(small)]
        total = sum(weights)
        sizes = [1 + int(extra * w / total) for w in weights]
        for index in self.rng.sample(range(small), k=budget - sum(sizes)):
            sizes[index] += 1
        # (name, active members, verified members, courses, special learner, admin phone)
        specs: list[tuple[str, int, int, tuple[int, ...] | None, str, str]] = [
            (LARGE_NAME, plan.large, plan.verified(plan.large), None, LARGE_LEARNER, LARGE_ADMIN),
            (
                MEDIUM_NAME,
                plan.medium,
                plan.verified(plan.medium),
                None,
                MEDIUM_LEARNER,
                MEDIUM_ADMIN,
            ),
        ]
        if plan.export_members:
            only_export = (len(COURSES) - 1,)
            size = plan.export_members
            specs.append((EXPORT_NAME, size, size, only_export, "", EXPORT_ADMIN))
        for index, verified in enumerate(sizes):
            pending = int(verified * plan.pending_share + self.rng.random())
            specs.append((self._enterprise_name(index), verified + pending, verified, None, "", ""))
        slots = []
        for serial, (name, size, verified, courses, learner, admin_phone) in enumerate(specs):
            pending = size - verified
            removed = int(size * plan.removed_share + self.rng.random() * 0.5)
            days_ago = self.rng.randrange(200, 720)
            slots.append(
                EnterpriseSlot(
                    id=self.ids.take(Enterprise),
                    admin_id=self.ids.take(User),
                    name=name,
                    place=self.places[(serial * 7) % len(self.places)],
                    created_at=self.now - datetime.timedelta(days=days_ago, hours=serial % 24),
                    verified=verified,
                    pending=pending,
                    removed=removed,
                    courses=courses,
                    special_learner=learner,
                    admin_phone=admin_phone,
                )
            )
        return slots

    def _enterprise_name(self, index: int) -> str:
        cities = len(self.places)
        place = self.places[index % cities][2]
        brand = BRANDS[(index // cities) % len(BRANDS)]
        trade = TRADES[(index // (cities * len(BRANDS))) % len(TRADES)][0]
        short = place[-3:] if len(place) > 3 else place
        return f"{short.removesuffix('市')}{brand}{trade}{FORMS[index % len(FORMS)]}"

    def _write_enterprises(self, slots: list[EnterpriseSlot]) -> None:
        for slot in slots:
            province, city, text = slot.place
            size = slot.verified + slot.pending
            phone = slot.admin_phone or self._next_phone()
            name = self._person_name()
            self._user(slot.admin_id, phone, name, "executive", province, city, slot.created_at)
            trade = next(
                (industry for word, industry in TRADES if word in slot.name),
                Enterprise.Industry.OTHER,
            )
            serial = CREDIT_SERIAL_BASE + slot.id
            self.buffer[Enterprise].append(
                (
                    slot.id,
                    slot.created_at,
                    slot.created_at,
                    slot.name,
                    make_credit_code(serial, city),
                    f"{text}{self.rng.choice(ROADS)}{self.rng.randrange(1, 999)}号",
                    scale_choice(size),
                    trade,
                    TYPES[slot.id % len(TYPES)],
                    slot.admin_id,
                )
            )
            self.buffer[Membership].append(
                (
                    self.ids.take(Membership),
                    slot.created_at,
                    slot.created_at,
                    slot.id,
                    slot.admin_id,
                    phone,
                    name,
                    Membership.Position.EXECUTIVE,
                    province,
                    city,
                    Membership.Role.ADMIN,
                    Membership.Status.VERIFIED,
                    None,
                    slot.created_at,
                    None,
                    None,
                )
            )
            self._history(slot.admin_id, slot.courses, special=bool(slot.admin_phone))
            self._maybe_flush()
        self._flush()

    # --- members ---

    def _members(self, slot: EnterpriseSlot) -> None:
        province, city, _ = slot.place
        span = max(1.0, (self.now - slot.created_at).total_seconds() - 86400)
        for index in range(1, slot.verified):
            joined = slot.created_at + datetime.timedelta(seconds=self.rng.random() * span)
            verified_at = joined + datetime.timedelta(minutes=self.rng.randrange(5, 2880))
            verified_at = min(verified_at, self.now)
            special = index == 1 and bool(slot.special_learner)
            phone = slot.special_learner if special else self._next_phone()
            name = self._person_name()
            position = self.rng.choice(POSITIONS)
            user_id = self.ids.take(User)
            self._user(user_id, phone, name, position, province, city, verified_at)
            membership_id = self.ids.take(Membership)
            self.buffer[Membership].append(
                (
                    membership_id,
                    joined,
                    verified_at,
                    slot.id,
                    user_id,
                    phone,
                    name,
                    position,
                    province,
                    city,
                    Membership.Role.LEARNER,
                    Membership.Status.VERIFIED,
                    slot.admin_id,
                    verified_at,
                    None,
                    None,
                )
            )
            self._invitation(membership_id, slot.admin_id, joined, used=(verified_at, user_id))
            self._history(user_id, slot.courses, special=special)
            self._maybe_flush()
        for kind, count in (("pending", slot.pending), ("removed", slot.removed)):
            for _ in range(count):
                self._invitee(slot, kind)
            self._maybe_flush()

    def _invitee(self, slot: EnterpriseSlot, kind: str) -> None:
        """A 待验证 member (open or lapsed link) or a removed one, without an account."""
        province, city, _ = slot.place
        self.invitee_serial += 1
        phone = INVITEE_PHONE.format(self.invitee_serial)
        invited = self.now - datetime.timedelta(seconds=self.rng.randrange(3600, 30 * 86400))
        removed_at = None
        if kind == "removed":
            removed_at = invited + datetime.timedelta(days=self.rng.randrange(1, 5))
            removed_at = min(removed_at, self.now)
        membership_id = self.ids.take(Membership)
        self.buffer[Membership].append(
            (
                membership_id,
                invited,
                removed_at or invited,
                slot.id,
                None,
                phone,
                self._person_name(),
                self.rng.choice(POSITIONS),
                province,
                city,
                Membership.Role.LEARNER,
                Membership.Status.REMOVED if removed_at else Membership.Status.PENDING,
                slot.admin_id,
                None,
                removed_at,
                slot.admin_id if removed_at else None,
            )
        )
        self._invitation(membership_id, slot.admin_id, invited, revoked=removed_at)

    def _invitation(self, membership_id, admin_id, created, *, used=None, revoked=None) -> None:
        used_at, used_by = used or (None, None)
        self.buffer[Invitation].append(
            (
                self.ids.take(Invitation),
                created,
                used_at or revoked or created,
                membership_id,
                f"{self.rng.getrandbits(256):064x}",  # a hash nobody holds the token of
                created + datetime.timedelta(days=settings.INVITATION_TTL_DAYS),
                admin_id,
                used_at,
                used_by,
                revoked,
            )
        )

    def _individuals(self) -> None:
        for index in range(self.plan.individuals):
            province, city, _ = self.rng.choice(self.places)
            joined = self.now - datetime.timedelta(seconds=self.rng.randrange(86400, 400 * 86400))
            special = index == 0
            phone = INDIVIDUAL_LEARNER if special else self._next_phone()
            user_id = self.ids.take(User)
            position = self.rng.choice(POSITIONS)
            self._user(user_id, phone, self._person_name(), position, province, city, joined)
            self._history(user_id, None, special=special)
            self._maybe_flush()

    # --- people ---

    def _next_phone(self) -> str:
        self.phone_serial += 1
        return ACCOUNT_PHONE.format(self.phone_serial)

    def _person_name(self) -> str:
        given = self.rng.choice(GIVEN)
        if self.rng.random() < 0.6:
            given += self.rng.choice(GIVEN)
        return self.rng.choice(SURNAMES) + given

    def _user(self, user_id, phone, name, position, province, city, joined) -> None:
        self.buffer[User].append(
            (
                user_id,
                self.password,
                None,
                False,
                phone,
                name,
                "",
                "",
                None,
                position,
                province,
                city,
                self.agreement,
                joined,
                True,
                False,
                joined,
            )
        )
        self.buffered_users += 1

    # --- learning histories ---

    def _history(self, user_id: int, courses: tuple[int, ...] | None, *, special: bool) -> None:
        """Enrolments, progress, study days, lease and last view of one learner."""
        if courses is None:
            courses = tuple(
                index
                for index, item in enumerate(self.courses)
                if (special and index < 2) or self.rng.random() < item.spec.enrol_share
            )
        last_seen = None
        last_progress = None
        for index in courses:
            seed_course = self.courses[index]
            outcome = self._course_history(user_id, seed_course, special=special)
            if outcome and (last_seen is None or outcome[0] > last_seen):
                last_seen, last_progress = outcome
        if last_seen is None:
            return
        view_id = None
        if (self.now - last_seen).days < settings.PLAYBACK_VIEW_RETENTION_DAYS and last_progress:
            progress_id, position, seconds = last_progress
            view_id = uuid.UUID(int=self.rng.getrandbits(128), version=4)
            beats = max(1, int(seconds // settings.LEARNING_HEARTBEAT_INTERVAL))
            started = last_seen - datetime.timedelta(seconds=seconds)
            self.buffer[PlaybackView].append(
                (view_id, user_id, progress_id, started, beats, last_seen, position, False, started)
            )
        # The lease is released when playback stops: no view holds it.
        self.buffer[AccrualLease].append((user_id, None, last_seen))

    def _course_history(self, user_id: int, seed_course: SeedCourse, *, special: bool):
        """One enrolment; returns (last activity, (progress id, position, seconds)) or None."""
        lessons = seed_course.lessons
        count = len(lessons)
        roll = self.rng.random()
        if special:
            completed, partial = max(1, count * 3 // 5), True
        elif roll < 0.05:
            completed, partial = 0, False  # enrolled (立即学习), never opened a lesson
        elif roll < 0.30:
            completed, partial = count, False
        else:
            completed, partial = self.rng.randrange(0, count), True
        watched = [(lesson, True) for lesson in lessons[:completed]]
        if partial and completed < count:
            watched.append((lessons[completed], False))
        # The last study day, recent more often than not, then earlier days with gaps.
        last_day = self.today - datetime.timedelta(days=min(179, int(self.rng.expovariate(1 / 18))))
        if special:
            last_day = self.today - datetime.timedelta(days=1)
        if not watched:
            at = self._moment(last_day)
            self.buffer[Enrollment].append(
                (self.ids.take(Enrollment), user_id, seed_course.course.pk, at, None, at)
            )
            return None
        days = max(1, min(len(watched), round(len(watched) / self.rng.uniform(1.0, 3.0))))
        dates = [last_day]
        for _ in range(days - 1):
            dates.append(dates[-1] - datetime.timedelta(days=self.rng.choice((1, 1, 2, 3, 5))))
        dates.reverse()
        per_day, extra = divmod(len(watched), days)
        cursor = 0
        first_at = last_at = None
        last_item = None
        for number, day in enumerate(dates):
            take = per_day + (1 if number < extra else 0)
            at = self._moment(day)
            day_seconds = 0.0
            for lesson, done in watched[cursor : cursor + take]:
                duration = float(lesson.duration)
                if done:
                    seconds = round(duration * self.rng.uniform(self.share, 1.0), 1)
                    seconds = min(duration, max(seconds, math.ceil(duration * self.share)))
                    position = duration
                else:
                    top = max(0.06, min(0.9, self.share - 0.02))
                    seconds = round(duration * self.rng.uniform(0.05, top), 1)
                    position = seconds
                progress_id = self.ids.take(LessonProgress)
                finished = at + datetime.timedelta(seconds=seconds)
                self.buffer[LessonProgress].append(
                    (
                        progress_id,
                        user_id,
                        lesson.pk,
                        seed_course.course.pk,
                        seconds,
                        position,
                        position,
                        finished if done else None,
                        at,
                        finished,
                    )
                )
                day_seconds += seconds
                last_item = (progress_id, position, seconds, lesson.pk)
                at = finished + datetime.timedelta(minutes=self.rng.randrange(1, 20))
                first_at = first_at or finished - datetime.timedelta(seconds=seconds)
                last_at = finished
            cursor += take
            if day_seconds > 0:
                self.buffer[StudyDay].append(
                    (self.ids.take(StudyDay), user_id, seed_course.course.pk, day, day_seconds)
                )
        self.buffer[Enrollment].append(
            (
                self.ids.take(Enrollment),
                user_id,
                seed_course.course.pk,
                first_at,
                last_item[3],
                last_at,
            )
        )
        return last_at, last_item[:3]

    def _moment(self, day: datetime.date) -> datetime.datetime:
        """A time on ``day`` (local) when people study: 8:00–22:00, never in the future."""
        minutes = self.rng.randrange(8 * 60, 21 * 60)
        at = datetime.datetime.combine(day, datetime.time(minutes // 60, minutes % 60))
        at = at.replace(tzinfo=self.zone)
        if at > self.now - datetime.timedelta(hours=3):
            at = self.now - datetime.timedelta(hours=3, minutes=self.rng.randrange(0, 60))
        return at

    # --- flushing ---

    def _maybe_flush(self) -> None:
        if self.buffered_users >= CHUNK_USERS:
            self._flush()

    def _flush(self) -> None:
        for model, columns in TABLES:
            rows = self.buffer.pop(model, [])
            self.writer.write(model, columns, rows)
        if self.buffered_users:
            users, rows = self.writer.counts[User], self.writer.counts[LessonProgress]
            self.say(f"  已写入学员账号 {users:,} 个，学习进度 {rows:,} 条。")
        self.buffered_users = 0

    def _reset_sequences(self) -> None:
        statements = self.connection.ops.sequence_reset_sql(no_style(), list(SEQUENCED))
        with self.connection.cursor() as cursor:
            for statement in statements:
                cursor.execute(statement)


# --- the command's checks and output ------------------------------------------------------


class SeedRefused(Exception):
    """The database cannot take the seed (production, or data in the way)."""


def is_seeded(using=None) -> bool:
    return User.objects.using(using).filter(phone=MARKER_PHONE).exists()


def obstacles(using=None) -> list[str]:
    """Rows that would collide with a new seed (when the marker is absent)."""
    found = []
    titles = [spec.title for spec in COURSES]
    taken = list(
        Course.objects.using(using).filter(title__in=titles).values_list("title", flat=True)
    )
    if taken:
        found.append("课程已存在：" + "、".join(taken))
    users = User.objects.using(using)
    if any(users.filter(phone__startswith=prefix).exists() for prefix in SEED_PHONE_PREFIXES):
        found.append(
            "已有规模数据号段（" + "、".join(p + "…" for p in SEED_PHONE_PREFIXES) + "）的账号"
        )
    return found


@dataclass(frozen=True)
class Account:
    role: str
    phone: str
    where: str


ACCOUNTS: tuple[Account, ...] = (
    Account(
        f"大型企业管理员（{LARGE_NAME}）", LARGE_ADMIN, "/enterprise/members/ · /courses/report/"
    ),
    Account(
        f"中型企业管理员（{MEDIUM_NAME}）", MEDIUM_ADMIN, "/enterprise/members/ · /courses/report/"
    ),
    Account(f"导出测试企业管理员（{EXPORT_NAME}）", EXPORT_ADMIN, "/courses/report/"),
    Account("大型企业学员", LARGE_LEARNER, "/courses/"),
    Account("中型企业学员", MEDIUM_LEARNER, "/courses/"),
    Account("个人学员", INDIVIDUAL_LEARNER, "/courses/"),
)


def summary(using=None) -> dict:
    """Sizes of a seeded database, read back from it (for the command and the bench)."""
    large = Membership.objects.using(using).get(user__phone=LARGE_ADMIN, role="admin").enterprise
    medium = Membership.objects.using(using).get(user__phone=MEDIUM_ADMIN, role="admin").enterprise
    export = (
        Membership.objects.using(using)
        .filter(user__phone=EXPORT_ADMIN, role="admin")
        .select_related("enterprise")
        .first()
    )
    active = Membership.ACTIVE_STATUSES

    def members(enterprise):
        return Membership.objects.using(using).filter(enterprise=enterprise, status__in=active)

    return {
        "users": User.objects.using(using).count(),
        "enterprises": Enterprise.objects.using(using).count(),
        "progress_rows": LessonProgress.objects.using(using).count(),
        "study_days": StudyDay.objects.using(using).count(),
        "large": {"id": large.pk, "name": large.name, "members": members(large).count()},
        "medium": {"id": medium.pk, "name": medium.name, "members": members(medium).count()},
        "export": (
            {
                "id": export.enterprise_id,
                "name": export.enterprise.name,
                "members": members(export.enterprise_id).count(),
            }
            if export
            else None
        ),
        "main_course": Course.objects.using(using).get(title=MAIN_COURSE).pk,
        "export_course": Course.objects.using(using).get(title=EXPORT_COURSE).pk,
    }


def plan_for(*, scale: float | None = None, learners: int | None = None, **extra) -> Plan:
    """The plan the command's options ask for (``scale`` 1.0 = full size)."""
    if learners is None:
        learners = round(Plan.learners * (1.0 if scale is None else scale))
    plan = Plan() if learners == Plan.learners else Plan.scaled(learners=learners)
    overrides = {key: value for key, value in extra.items() if value is not None}
    if overrides.pop("export", True) is False:
        overrides["export_members"] = 0
    return replace(plan, **overrides)


def iter_accounts() -> Iterator[tuple[str, str, str, str]]:
    for account in ACCOUNTS:
        yield account.role, account.phone, SEED_PASSWORD, account.where
