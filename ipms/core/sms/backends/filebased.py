"""Appends each message as one JSON line to ``SMS_FILE_PATH/sms-YYYYMMDD.jsonl``.

Useful on a demo or staging server without a provider: the files hold the full text
(codes and links included), so the folder is created private (0700) and each file 0600.
One line per message is written with a single ``write`` on a file opened in append mode,
which keeps lines whole when several processes append at once.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone

from ..errors import SERVICE_UNAVAILABLE, SmsTemporaryError
from .base import BaseSmsBackend


class SmsBackend(BaseSmsBackend):
    def __init__(self, *, file_path: str | os.PathLike | None = None, **options) -> None:
        super().__init__(**options)
        path = file_path or settings.SMS_FILE_PATH
        if not path:
            raise ImproperlyConfigured("The file SMS backend needs settings.SMS_FILE_PATH.")
        self.path = Path(path)

    def send(self, message) -> str:
        provider_id = self.local_id()
        sent_at = timezone.localtime()
        record = {
            "id": provider_id,
            "sent_at": sent_at.isoformat(),
            "phone": message.phone,
            "template": message.template,
            "params": message.params,
            "text": message.text,
        }
        line = (json.dumps(record, ensure_ascii=False) + "\n").encode("utf-8")
        try:
            self.path.mkdir(mode=0o700, parents=True, exist_ok=True)
            target = self.path / f"sms-{sent_at:%Y%m%d}.jsonl"
            fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
            try:
                os.write(fd, line)
            finally:
                os.close(fd)
        except OSError as exc:
            raise SmsTemporaryError(SERVICE_UNAVAILABLE, code="file_error") from exc
        return provider_id
