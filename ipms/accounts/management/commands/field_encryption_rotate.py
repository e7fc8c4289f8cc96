"""Re-encrypt personal data with the first FIELD_ENCRYPTION_KEYS key and recompute the
lookup digests with FIELD_DIGEST_KEY (key rotation; see ipms/core/crypto.py).

Safe to run again and while the site is up: each row is updated in its own short
transaction, locked, from the value it holds at that moment.
"""

from django.core.management.base import BaseCommand
from django.db import transaction

from ipms.accounts.models import User
from ipms.core import crypto


class Command(BaseCommand):
    help = "用当前主密钥重新加密身份证号码，并用当前摘要密钥重算摘要（密钥轮换）。"

    def handle(self, *args, **options):
        done = failed = 0
        ids = (
            User.objects.exclude(id_number_encrypted="")
            .order_by("pk")
            .values_list("pk", flat=True)
            .iterator(chunk_size=500)
        )
        for pk in ids:
            with transaction.atomic():
                user = User.objects.select_for_update().get(pk=pk)
                if not user.id_number_encrypted:
                    continue
                try:
                    number = crypto.decrypt(user.id_number_encrypted)
                except crypto.DecryptionError:
                    failed += 1
                    self.stderr.write(f"用户 {pk}：无法用已配置的任何密钥解密，已跳过。")
                    continue
                user.id_number_encrypted = crypto.rotate(user.id_number_encrypted)
                user.id_number_digest = User.id_number_digest_for(number)
                user.save(update_fields=["id_number_encrypted", "id_number_digest"])
                done += 1
        self.stdout.write(f"已重新加密 {done} 条，失败 {failed} 条。")
        if failed:
            raise SystemExit(1)
