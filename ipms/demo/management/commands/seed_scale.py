"""Build the national-size data set of issue 10 (ipms/demo/scale.py; docs/performance.md)."""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from ipms.demo import content, scale


class Command(BaseCommand):
    help = (
        "生成规模测试数据（默认 5,000 家企业、10 万名学员、约 150 万条学习进度）："
        "仅用于测试与性能测量的专用数据库，生产模式下拒绝运行。"
        "数据库中已有规模数据时不做任何改动（只打印账号）；有冲突数据时拒绝运行。"
    )

    def add_arguments(self, parser):
        size = parser.add_mutually_exclusive_group()
        size.add_argument(
            "--scale", type=float, help="规模系数，1 为完整规模（默认），0.05 为 5,000 名学员"
        )
        size.add_argument("--learners", type=int, help="学员人数（其他数量按比例缩放）")
        parser.add_argument("--enterprises", type=int, help="企业数（默认按学员人数比例）")
        parser.add_argument(
            "--no-export-enterprise",
            action="store_true",
            help="不生成导出测试企业（其成员数与学员人数相同）",
        )
        parser.add_argument("--seed", type=int, help="随机数种子（默认 2026，结果可重现）")

    def handle(self, *args, **options):
        if settings.PRODUCTION:
            raise CommandError("生产模式（IPMS_MODE=production）下不能生成规模测试数据。")
        using = None
        if scale.is_seeded(using):
            self.stdout.write("数据库中已有规模测试数据，未做任何改动。")
            self._print(using)
            return
        if problems := scale.obstacles(using):
            raise CommandError(
                "数据库中已有与规模测试数据冲突的内容，未做任何改动："
                + ";".join(problems)
                + "。请使用一个新建的专用数据库（migrate 之后再运行）。"
            )
        if options["scale"] is not None and options["scale"] <= 0:
            raise CommandError("--scale 须大于 0。")
        try:
            plan = scale.plan_for(
                scale=options["scale"],
                learners=options["learners"],
                enterprises=options["enterprises"],
                seed=options["seed"],
                export=not options["no_export_enterprise"],
            )
            plan.check()
        except ValueError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(
            f"生成规模测试数据（{connection.vendor}）：企业 {plan.enterprises:,} 家"
            f"（大型 {plan.large:,} 人、中型 {plan.medium:,} 人），学员 {plan.learners:,} 名"
            + (f"，导出测试企业 {plan.export_members:,} 人" if plan.export_members else "")
            + " …"
        )
        self._portal_content()
        report = scale.Seeder(plan, connection=connection, progress=self.stdout.write).run()
        self.stdout.write(self.style.SUCCESS(f"规模测试数据已生成，用时 {report.seconds:.0f} 秒。"))
        for label, count in report.counts.items():
            self.stdout.write(f"  {label}:{count:,}")
        self._print(using)

    def _portal_content(self):
        """The portal's policies, materials and lecturers, so 首页 looks as it would."""
        content.load(stdout=self.stdout)

    def _print(self, using):
        facts = scale.summary(using)
        large, medium = facts["large"]["members"], facts["medium"]["members"]
        self.stdout.write(
            f"  大型企业 {large:,} 人，中型企业 {medium:,} 人；"
            f"账号 {facts['users']:,} 个，学习进度 {facts['progress_rows']:,} 条。"
        )
        self.stdout.write("")
        self.stdout.write(self.style.MIGRATE_HEADING("规模测试账号（所有生成的账号密码相同）："))
        for role, phone, password, where in scale.iter_accounts():
            self.stdout.write(f"  {role}  手机号 {phone}  密码 {password}  入口 {where}")
