"""Load the demo content and accounts; safe to run again (a second run changes nothing).

Refused in the production mode (``IPMS_MODE=production``) unless ``--force`` is given: the
demo accounts' passwords are printed by ``make run`` and in the README. The guard is the
mode, not ``DEBUG``, so ``make run`` (embedded mode, DEBUG off) keeps loading them.
"""

import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from ipms.accounts.models import User
from ipms.accounts.services import operator_create, operator_group_ensure
from ipms.demo import content, credentials, enterprises, exams, learning, reviews, support

# Each loader takes (*, stdout); order matters: courses link lecturers, learning records
# need both the courses and the demo people, exam results the learning records.
# Proofs come after them: they need the records and the exams demo's attempts.
DEMO_LOADERS = (
    content.load,
    learning.load,
    enterprises.load,
    learning.load_progress,
    exams.load,
    support.load,
    credentials.load,
    reviews.load,
)
# (role, phone, password, where) rows printed after loading, besides the operator's.
DEMO_ACCOUNTS = enterprises.ACCOUNTS + exams.ACCOUNTS + reviews.ACCOUNTS

DEMO_OPERATOR = {"phone": "13800000000", "password": "Demo2026ops", "name": "平台运营"}

REFUSED_IN_PRODUCTION = (
    "当前为生产模式（IPMS_MODE=production）：演示账号的密码是公开的，不载入演示数据。"
    "确需载入时请加 --force，并在载入后立即修改或删除演示账号。"
)


class Command(BaseCommand):
    help = "载入演示数据（政策、资料、讲师、课程与演示账号）；可重复运行，不会覆盖已有数据。"

    def add_arguments(self, parser):
        parser.add_argument("--quiet-accounts", action="store_true", help="不打印演示账号列表")
        parser.add_argument(
            "--force", action="store_true", help="在生产模式下也载入（演示账号的密码是公开的）"
        )

    def handle(self, *args, quiet_accounts=False, force=False, **options):
        if settings.PRODUCTION and not force:
            raise CommandError(REFUSED_IN_PRODUCTION)
        started = time.monotonic()
        for load in DEMO_LOADERS:
            load(stdout=self.stdout)
        operator_group_ensure()
        if not User.objects.filter(phone=DEMO_OPERATOR["phone"]).exists():
            operator_create(**DEMO_OPERATOR)
        self.stdout.write(f"演示数据就绪，用时 {time.monotonic() - started:.1f} 秒。")
        if not quiet_accounts:
            self._print_accounts()

    def _print_accounts(self):
        rows = [("平台运营", DEMO_OPERATOR["phone"], DEMO_OPERATOR["password"], "/console/")]
        rows += DEMO_ACCOUNTS
        self.stdout.write("")
        self.stdout.write(
            self.style.MIGRATE_HEADING("演示账号（仅供本机演示，生产环境请勿载入）：")
        )
        for role, phone, password, where in rows:
            self.stdout.write(f"  {role:<10} 手机号 {phone}  密码 {password}  入口 {where}")
        if settings.PRODUCTION:
            self.stdout.write(self.style.WARNING("当前为生产模式：请立即修改或删除演示账号。"))
