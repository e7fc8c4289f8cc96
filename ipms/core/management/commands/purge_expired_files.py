"""Delete expired generated files and their rows (exports; ``ipms.core.files``).

Production runs the same work hourly from Celery beat (``purge_expired_files_task``);
the embedded mode, which has no beat, runs this command (e.g. from cron).
"""

from django.core.management.base import BaseCommand

from ipms.core.files import expired_files_purge


class Command(BaseCommand):
    help = "删除超过保留期的导出文件及其记录。"

    def handle(self, *args, **options):
        removed = expired_files_purge()
        total = sum(removed.values())
        self.stdout.write(f"已删除 {total} 个过期文件。")
