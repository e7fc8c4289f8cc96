"""Delete playback views older than PLAYBACK_VIEW_RETENTION_DAYS (run daily, e.g. cron)."""

import datetime

from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils import timezone

from ipms.learning.progress import playback_views_purge


class Command(BaseCommand):
    help = "删除超过保留期的播放记录（学习进度和学习日不受影响）。"

    def add_arguments(self, parser):
        parser.add_argument(
            "--days",
            type=int,
            default=settings.PLAYBACK_VIEW_RETENTION_DAYS,
            help="保留天数（默认 PLAYBACK_VIEW_RETENTION_DAYS）。",
        )

    def handle(self, *args, days: int, **options):
        before = timezone.now() - datetime.timedelta(days=max(1, days))
        deleted = playback_views_purge(before=before)
        self.stdout.write(f"已删除 {deleted} 条播放记录。")
