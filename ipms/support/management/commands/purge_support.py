from django.core.management.base import BaseCommand

from ipms.support.services import conversations_purge


class Command(BaseCommand):
    help = "删除结束超过 SUPPORT_RETENTION_DAYS 天的在线客服会话及其消息（个人信息保存期限）。"

    def handle(self, *args, **options):
        count = conversations_purge()
        self.stdout.write(f"已删除 {count} 个过期会话。")
