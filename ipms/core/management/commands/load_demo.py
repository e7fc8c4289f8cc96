"""Load the demo content and accounts; safe to run again (a second run changes nothing)."""

import time

from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils.module_loading import import_string

from ipms.accounts.models import User
from ipms.accounts.services import operator_create, operator_group_ensure

# Each app's demo module exposes load(*, stdout); order matters (courses link lecturers).
DEMO_LOADERS = [
    "ipms.content.demo.load",
    "ipms.learning.demo.load",
    "ipms.enterprises.demo.load",
    # Learning records need both the courses and the demo people.
    "ipms.learning.demo.load_progress",
]
# (role, phone, password, where) rows printed after loading, besides the operator's.
DEMO_ACCOUNT_LISTS = ["ipms.enterprises.demo.ACCOUNTS"]

DEMO_OPERATOR = {"phone": "13800000000", "password": "Demo2026ops", "name": "平台运营"}


class Command(BaseCommand):
    help = "载入演示数据(政策、资料、讲师、课程与演示账号);可重复运行,不会覆盖已有数据。"

    def add_arguments(self, parser):
        parser.add_argument("--quiet-accounts", action="store_true", help="不打印演示账号列表")

    def handle(self, *args, quiet_accounts=False, **options):
        started = time.monotonic()
        for path in DEMO_LOADERS:
            import_string(path)(stdout=self.stdout)
        operator_group_ensure()
        if not User.objects.filter(phone=DEMO_OPERATOR["phone"]).exists():
            operator_create(**DEMO_OPERATOR)
        self.stdout.write(f"演示数据就绪,用时 {time.monotonic() - started:.1f} 秒。")
        if not quiet_accounts:
            self._print_accounts()

    def _print_accounts(self):
        rows = [("平台运营", DEMO_OPERATOR["phone"], DEMO_OPERATOR["password"], "/console/")]
        for path in DEMO_ACCOUNT_LISTS:
            rows += import_string(path)
        self.stdout.write("")
        self.stdout.write(self.style.MIGRATE_HEADING("演示账号(仅供本机演示,生产环境请勿载入):"))
        for role, phone, password, where in rows:
            self.stdout.write(f"  {role:<10} 手机号 {phone}  密码 {password}  入口 {where}")
        if settings.PRODUCTION:
            self.stdout.write(self.style.WARNING("当前为生产模式:请立即修改或删除演示账号。"))
