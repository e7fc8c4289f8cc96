"""The Django side of `make bench`: ``python -m bench.data <step> …`` (bench.settings).

Steps (each prints one JSON line on stdout; progress goes to stderr):

* ``ensure --learners N`` — migrate, then build the scale data set with ``seed_scale``
  if the database has none (the first run only; later runs reuse it);
* ``prepare --state FILE --throughput-learners K`` — everything the run needs: sessions
  for the seed's accounts, the paths of the pages to measure, K learners and a course of
  the bench's own for the heartbeat, and an enterprise of the bench's own with a filled-in
  批量导入 file (5,000 rows by default);
* ``drop-throughput`` — remove the heartbeat's learners and course once measured, so the
  pages that follow see only the seeded data;
* ``cleanup --state FILE`` — remove what ``prepare`` and the measured requests added
  (bench learners and course, the import enterprise and its invitees, the sessions, the
  playback views the lesson page opened), so the seeded data stays as it was.

Sessions are written server-side (the login form's slider, lockout and Argon2 are not
what is measured), as a browser would hold them after logging in.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# Rows of the bench's own (the seed never uses 199…).
THROUGHPUT_PHONE = "1990000{:04d}"
THROUGHPUT_COURSE = "性能测试课程(bench)"
THROUGHPUT_LESSON_SECONDS = 10 * 3600  # long enough that no learner finishes during a run
IMPORT_ADMIN_PHONE = "19920000001"
IMPORT_PHONE = "1991{:07d}"
IMPORT_ENTERPRISE = "性能测试导入企业有限公司"
IMPORT_CREDIT_SERIAL = 79_999_999


def _django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def _say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# --- ensure: the data set ---------------------------------------------------------------


def ensure(learners: int) -> dict:
    from django.core.management import call_command

    from ipms.demo import scale

    call_command("migrate", verbosity=0, interactive=False)
    seeded_now = None
    if not scale.is_seeded():
        _say(f"  未找到规模数据:生成 {learners:,} 名学员的数据集(只在第一次运行时)…")
        out = io.StringIO()
        import time

        started = time.monotonic()
        call_command("seed_scale", learners=learners, stdout=_Tee(out))
        seeded_now = round(time.monotonic() - started, 1)
    return {"summary": scale.summary(), "seeded_seconds": seeded_now}


class _Tee(io.StringIO):
    """The seed's progress lines to stderr as they come."""

    def __init__(self, keep: io.StringIO) -> None:
        super().__init__()
        self.keep = keep

    def write(self, text: str) -> int:
        self.keep.write(text)
        sys.stderr.write(text)
        sys.stderr.flush()
        return len(text)


# --- prepare ---------------------------------------------------------------------------


def session_for(user) -> str:
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    from ipms.accounts.middleware import session_mark_login

    # The database store: each worker's cache starts empty and reads it from there, as
    # after a deploy; config.settings' cached_db engine then caches it.
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session_mark_login(session)
    session.create()
    return session.session_key


def _pages(summary: dict, sessions: list[str]) -> list[dict]:
    """The pages measured for each of the two large enterprises, with their sessions."""
    from ipms.accounts.models import User
    from ipms.demo import scale
    from ipms.enterprises.models import Membership
    from ipms.enterprises.views import MEMBERS_PER_PAGE
    from ipms.learning.models import Enrollment
    from ipms.learning.views import REPORT_PER_PAGE

    course = summary["main_course"]
    pages = []
    for key, admin_phone, learner_phone in (
        ("large", scale.LARGE_ADMIN, scale.LARGE_LEARNER),
        ("medium", scale.MEDIUM_ADMIN, scale.MEDIUM_LEARNER),
    ):
        enterprise = summary[key]
        learner = User.objects.get(phone=learner_phone)
        admin = User.objects.get(phone=admin_phone)
        learner_session, admin_session = session_for(learner), session_for(admin)
        sessions += [learner_session, admin_session]
        lesson = Enrollment.objects.get(user=learner, course_id=course).last_lesson_id
        members = Membership.objects.filter(
            enterprise_id=enterprise["id"], status__in=Membership.ACTIVE_STATUSES
        )
        verified = members.filter(status=Membership.Status.VERIFIED)
        member_last = max(1, -(-members.count() // MEMBERS_PER_PAGE))
        report_last = max(1, -(-verified.count() // REPORT_PER_PAGE))
        # Search as an admin would: the name, or the phone, of a member near the end.
        target = verified.select_related("user").order_by("-created_at", "-id")[
            min(10, verified.count() - 1)
        ]
        name, phone = target.user.name, target.user.phone
        report = f"/courses/report/?course={course}"
        label = f"{enterprise['members']:,}"
        for page, path, who in (
            ("首页", "/", learner_session),
            ("课程列表", "/courses/", learner_session),
            ("课程页", f"/courses/{course}/", learner_session),
            ("课时页", f"/courses/{course}/lessons/{lesson}/", learner_session),
            ("成员管理 第1页", "/enterprise/members/", admin_session),
            (
                f"成员管理 第{member_last}页",
                f"/enterprise/members/?page={member_last}",
                admin_session,
            ),
            ("成员管理 搜索姓名", f"/enterprise/members/?q={_quote(name)}", admin_session),
            ("成员管理 搜索手机", f"/enterprise/members/?q={phone}", admin_session),
            ("学习管理 第1页", report, admin_session),
            (f"学习管理 第{report_last}页", f"{report}&page={report_last}", admin_session),
            ("学习管理 搜索姓名", f"{report}&q={_quote(name)}", admin_session),
            ("学习管理 搜索手机", f"{report}&q={phone}", admin_session),
        ):
            pages.append(
                {"enterprise": label, "page": page, "path": path, "session": who, "kind": key}
            )
    return pages


def _quote(text: str) -> str:
    from urllib.parse import quote

    return quote(text)


def _throughput(learners: int, sessions: list[str]) -> dict:
    from ipms.accounts.models import User
    from ipms.learning.models import Course, Lesson

    _throughput_cleanup()
    course = Course.objects.create(
        title=THROUGHPUT_COURSE, summary="性能测试", audience="性能测试", is_published=True
    )
    lesson = Lesson.objects.create(
        course=course, number=1, title="性能测试课时", duration=THROUGHPUT_LESSON_SECONDS
    )
    keys = []
    for index in range(learners):
        user = User.objects.create_user(phone=THROUGHPUT_PHONE.format(index), name=f"学员{index}")
        keys.append(session_for(user))
    sessions += keys
    return {"course": course.pk, "lesson": lesson.pk, "sessions": keys}


def _throughput_cleanup() -> None:
    from ipms.accounts.models import User
    from ipms.learning.models import Course

    User.objects.filter(phone__startswith=THROUGHPUT_PHONE[:7]).delete()
    Course.objects.filter(title=THROUGHPUT_COURSE).delete()


def _import(sessions: list[str], workdir: Path, rows: int) -> dict:
    """An enterprise of the bench's own (complete 企业信息) and a 5,000-row file for it."""
    from openpyxl import load_workbook

    from ipms.accounts.models import User
    from ipms.core import regions
    from ipms.demo.scale import make_credit_code
    from ipms.enterprises import imports
    from ipms.enterprises.models import Enterprise, Membership

    _import_cleanup()
    # Kept across runs: the imports it ran are in the append-only audit log, which
    # protects the actor's account from deletion.
    admin = User.objects.filter(phone=IMPORT_ADMIN_PHONE).first() or User.objects.create_user(
        phone=IMPORT_ADMIN_PHONE, name="导入测试管理员"
    )
    enterprise = Enterprise.objects.create(
        name=IMPORT_ENTERPRISE,
        credit_code=make_credit_code(IMPORT_CREDIT_SERIAL, "110000"),
        address="北京市海淀区中关村大街1号",
        scale=Enterprise.Scale.FROM_1000,
        industry=Enterprise.Industry.IT,
        type=Enterprise.Type.PRIVATE,
        created_by=admin,
    )
    Membership.objects.create(
        enterprise=enterprise,
        user=admin,
        phone=admin.phone,
        name=admin.name,
        position=Membership.Position.EXECUTIVE,
        role=Membership.Role.ADMIN,
        status=Membership.Status.VERIFIED,
    )
    key = session_for(admin)
    sessions.append(key)
    workbook = load_workbook(io.BytesIO(imports.build_template()))
    sheet = workbook[imports.SHEET_MEMBERS]
    positions = [label for _, label in Membership.Position.choices]
    places = [(p.name, c.name) for p in regions.provinces() for c in regions.cities(p.code)]
    for index in range(rows):
        province, city = places[index % len(places)]
        sheet.append(
            [
                f"导入成员{index}",
                IMPORT_PHONE.format(index),
                positions[index % len(positions)],
                province,
                city,
            ]
        )
    path = workdir / f"import-{rows}.xlsx"
    workbook.save(path)
    return {"session": key, "file": str(path), "rows": rows, "enterprise": enterprise.pk}


def _import_cleanup() -> None:
    from ipms.accounts.models import User
    from ipms.enterprises.models import Enterprise

    Enterprise.objects.filter(name=IMPORT_ENTERPRISE).delete()  # members, invitations
    # The imported members, not the admin (see _import_prepare).
    User.objects.filter(phone__startswith=IMPORT_PHONE[:4]).exclude(
        phone=IMPORT_ADMIN_PHONE
    ).delete()


def prepare(state_file: Path, throughput_learners: int, import_rows: int) -> dict:
    from django.utils import timezone

    from ipms.accounts.models import User
    from ipms.demo import scale

    summary = scale.summary()
    sessions: list[str] = []
    pages = _pages(summary, sessions)
    export = None
    if summary["export"]:
        admin = User.objects.get(phone=scale.EXPORT_ADMIN)
        key = session_for(admin)
        sessions.append(key)
        export = {
            "session": key,
            "path": f"/courses/report/export/?course={summary['export_course']}",
            "warm": f"/courses/report/?course={summary['export_course']}",
            "rows": summary["export"]["members"],
        }
    else:  # no export enterprise: the largest one's 学习管理 export
        session = next(p["session"] for p in pages if p["kind"] == "large" and "管理" in p["page"])
        export = {
            "session": session,
            "path": f"/courses/report/export/?course={summary['main_course']}",
            "warm": f"/courses/report/?course={summary['main_course']}",
            "rows": summary["large"]["members"],
        }
    data = {
        "started": timezone.now().isoformat(),
        "summary": summary,
        "pages": pages,
        "noop_session": pages[0]["session"],
        "throughput": _throughput(throughput_learners, sessions),
        "export": export,
        "import": _import(sessions, state_file.parent, import_rows) if import_rows else None,
        "sessions": sessions,
        "page_users": [scale.LARGE_LEARNER, scale.MEDIUM_LEARNER],
    }
    state_file.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return data


def cleanup(state_file: Path) -> dict:
    from django.contrib.sessions.models import Session
    from django.utils.dateparse import parse_datetime

    from ipms.learning.models import PlaybackView

    _throughput_cleanup()
    _import_cleanup()
    if not state_file.exists():
        return {"cleaned": False}
    data = json.loads(state_file.read_text(encoding="utf-8"))
    Session.objects.filter(session_key__in=data["sessions"]).delete()
    # The lesson page opens a playback view per request; drop the ones the run opened.
    PlaybackView.objects.filter(
        user__phone__in=data["page_users"], created_at__gte=parse_datetime(data["started"])
    ).delete()
    if data["import"]:
        Path(data["import"]["file"]).unlink(missing_ok=True)
    state_file.unlink()
    return {"cleaned": True}


def heavy_again(state_file: Path) -> dict:
    """The export and import once more, on a server with a Celery worker: a new import
    enterprise and file (the first import's rows are all on its list now), and this run's
    exports removed (a new one within ``REUSE_SECONDS`` would get the first's file back).
    """
    from django.utils.dateparse import parse_datetime

    from ipms.learning.export_models import ReportExport

    data = json.loads(state_file.read_text(encoding="utf-8"))
    for job in ReportExport.objects.filter(created_at__gte=parse_datetime(data["started"])):
        job.file.delete(save=False)
        job.delete()
    if data["import"]:
        Path(data["import"]["file"]).unlink(missing_ok=True)
        data["import"] = _import(data["sessions"], state_file.parent, data["import"]["rows"])
    state_file.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return {"import": data["import"]}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "step", choices=["ensure", "prepare", "drop-throughput", "heavy-again", "cleanup"]
    )
    parser.add_argument("--learners", type=int, default=100_000)
    parser.add_argument("--throughput-learners", type=int, default=50)
    parser.add_argument("--import-rows", type=int, default=5000)
    parser.add_argument("--state", type=Path)
    args = parser.parse_args()
    _django()
    if args.step == "ensure":
        answer = ensure(args.learners)
    elif args.step == "prepare":
        answer = prepare(args.state, args.throughput_learners, args.import_rows)
    elif args.step == "heavy-again":
        answer = heavy_again(args.state)
    elif args.step == "drop-throughput":
        _throughput_cleanup()
        answer = {"dropped": True}
    else:
        answer = cleanup(args.state)
    print(json.dumps(answer, ensure_ascii=False, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
