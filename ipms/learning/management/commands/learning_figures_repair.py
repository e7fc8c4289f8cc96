"""Recompute the enrolments' stored figures from the learning records (docs/learning.md).

Safe at any time and idempotent: only figures that differ from the records are written,
chunk by chunk (bounded memory and lock time). ``--check`` only counts them.
"""

import time

from django.core.management.base import BaseCommand, CommandError

from ipms.learning.figures import RECOMPUTE_CHUNK, figures_mismatches, figures_recompute
from ipms.learning.models import Course


class Command(BaseCommand):
    help = "按学习记录重新计算学员的学习统计（已学课时数、学习天数、学习时长、学分）。"

    def add_arguments(self, parser):
        parser.add_argument("--course", type=int, help="只处理这门课程（课程 ID）。")
        parser.add_argument("--check", action="store_true", help="只统计不一致的记录，不修改。")
        parser.add_argument(
            "--chunk", type=int, default=RECOMPUTE_CHUNK, help="每批处理的在学课程数。"
        )

    def handle(self, *args, course=None, check=False, chunk=RECOMPUTE_CHUNK, **options):
        courses = Course.objects.order_by("pk")
        if course is not None:
            courses = courses.filter(pk=course)
            if not courses.exists():
                raise CommandError(f"课程 {course} 不存在。")
        chunk = max(1, chunk)
        total = 0
        for item in courses:
            started = time.monotonic()
            if check:
                count = figures_mismatches(course=item, chunk=chunk)
                verb = "不一致"
            else:
                count = figures_recompute(course=item, chunk=chunk)
                verb = "已更正"
            total += count
            self.stdout.write(
                f"课程 {item.pk}（{item.title}）：{verb} {count} 条，"
                f"用时 {time.monotonic() - started:.1f} 秒。"
            )
        self.stdout.write(f"合计{'不一致' if check else '已更正'} {total} 条。")
