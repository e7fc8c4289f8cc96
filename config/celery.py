"""Celery application.

In the embedded mode tasks run inline (``CELERY_TASK_ALWAYS_EAGER``); in production a
Redis broker and separate workers take them. Task code must be idempotent because
production runs with ``acks_late``.
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("ipms")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
