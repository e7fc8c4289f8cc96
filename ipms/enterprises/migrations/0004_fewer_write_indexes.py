"""Fewer indexes to keep up on every member and invitation written (docs/performance.md,
"确认导入"): each of 确认导入's 5,000 rows updates every index of its table.

* ``Invitation.token_hash``: unique by ``invitation_unique_token_hash`` instead of
  ``unique=True``, which on PostgreSQL also built a ``varchar_pattern_ops`` copy (``_like``)
  that no equality lookup of a hash uses. The constraint is built before the old
  uniqueness goes, so the hashes are never without one.
* ``Membership.enterprise``: no index of its own; ``membership_list`` (and the
  enterprise's other indexes) lead with the same column.
* Kept, measured: the plain ``membership_name_trgm`` (dropping it made no difference to
  the memberships' INSERT, GIN's pending list takes new entries cheaply, while matching
  Chinese names on ``UPPER(name)`` instead cost the 50,000-member search ~5 ms a scan).
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

class Migration(migrations.Migration):
    dependencies = [
        ("enterprises", "0003_member_list_indexes"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddConstraint(
            model_name="invitation",
            constraint=models.UniqueConstraint(
                fields=("token_hash",),
                name="invitation_unique_token_hash",
                violation_error_message="邀请令牌重复。",
            ),
        ),
        migrations.AlterField(
            model_name="invitation",
            name="token_hash",
            field=models.CharField(editable=False, max_length=64, verbose_name="令牌摘要"),
        ),
        migrations.AlterField(
            model_name="membership",
            name="enterprise",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="memberships",
                to="enterprises.enterprise",
                verbose_name="企业",
            ),
        ),
    ]
