"""Links in text messages use the address the platform is served at, not a fixed port."""

import logging
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from celery import Celery

ROOT = Path(__file__).resolve().parents[3]

RENDER_INVITATION = (
    "import django; django.setup();"
    "from ipms.core.sms.templates import render;"
    "print(render('member_invitation', {'enterprise': '示范企业', 'token': 'TOKEN'}))"
)


def _python(code: str, **env) -> str:
    environment = {
        key: value
        for key, value in os.environ.items()
        if key not in {"SITE_URL", "SMS_LINK_BASE", "DJANGO_SETTINGS_MODULE"}
    }
    environment.update(DJANGO_SETTINGS_MODULE="config.settings", **env)
    result = subprocess.run(  # noqa: S603 - fixed arguments, our own settings
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return result.stdout


def test_invitation_sms_links_to_site_url():
    text = _python(RENDER_INVITATION, SITE_URL="http://192.168.1.20:8123/")
    assert "http://192.168.1.20:8123/j/TOKEN" in text


def test_an_explicit_link_base_still_wins():
    text = _python(
        RENDER_INVITATION,
        SITE_URL="http://192.168.1.20:8123",
        SMS_LINK_BASE="https://study.example.cn/j/",
    )
    assert "https://study.example.cn/j/TOKEN" in text


@pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")
def test_make_run_tells_the_demo_and_the_server_their_address():
    result = subprocess.run(
        ["make", "-n", "run", "HOST=10.1.2.3", "PORT=8123"],  # noqa: S607 - the README's make
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    lines = [line for line in result.stdout.splitlines() if "manage.py" in line]
    for command in ("load_demo", "runserver 10.1.2.3:8123"):
        line = next(line for line in lines if command in line)
        assert "SITE_URL=http://10.1.2.3:8123" in line


def test_no_fixed_port_outside_the_one_default():
    found = []
    for folder in ("ipms", "config"):
        for path in (ROOT / folder).rglob("*"):
            if path.suffix not in {".py", ".html", ".js", ".txt"} or "tests" in path.parts:
                continue
            for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
                if re.search(r":8000\b", line):
                    found.append(f"{path.relative_to(ROOT)}:{number}")
    # The runserver default address, from which SITE_URL and SMS_LINK_BASE derive.
    assert found == [f"config{os.sep}settings.py:{_settings_line('SITE_URL =')}"]


def _settings_line(prefix: str) -> int:
    lines = (ROOT / "config" / "settings.py").read_text(encoding="utf-8").splitlines()
    return next(number for number, line in enumerate(lines, 1) if line.startswith(prefix))


def test_embedded_tasks_print_no_broker_warning(settings, caplog):
    """The eager mode still asks the broker's producer pool for a serializer."""
    app = Celery("warning-probe", set_as_current=False)
    app.config_from_object("django.conf:settings", namespace="CELERY")
    assert app.conf.task_always_eager

    @app.task
    def noop():
        return "ran"

    with caplog.at_level(logging.WARNING):
        assert noop.apply_async().get() == "ran"
        assert noop.apply_async().get() == "ran"
    assert [r for r in caplog.records if r.name.startswith(("kombu", "celery"))] == []
