import getpass

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from ipms.accounts.forms import MISMATCH_MESSAGE
from ipms.accounts.services import operator_create
from ipms.core.errors import DomainError


class Command(BaseCommand):
    help = "创建平台运营账号（可登录运营后台 /console/ 管理内容）。"

    def add_arguments(self, parser):
        parser.add_argument("--phone", required=True, help="运营人员手机号")
        parser.add_argument("--name", default="", help="姓名")
        parser.add_argument(
            "--password",
            help="登录密码；不给出时交互输入（避免密码留在 shell 历史中）",
        )

    def handle(self, *args, phone, name, password, **options):
        if not password:
            password = getpass.getpass("密码：")
            if password != getpass.getpass("再次输入密码："):
                raise CommandError(MISMATCH_MESSAGE)
        try:
            user = operator_create(phone=phone, password=password, name=name)
        except ValidationError as exc:
            raise CommandError(";".join(exc.messages)) from exc
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(self.style.SUCCESS(f"运营账号已就绪：{user.phone}"))
