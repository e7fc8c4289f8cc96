"""load_demo: every app's demo rows in order, refused in the production mode unless forced."""

import io

import pytest
from django.core.management import CommandError, call_command

from ipms.accounts.models import User
from ipms.demo import content, credentials, enterprises, exams, learning, reviews, support
from ipms.demo.management.commands import load_demo

pytestmark = pytest.mark.django_db


@pytest.fixture
def loaders(monkeypatch):
    """The app loaders replaced by recorders (the real ones render media for seconds)."""
    calls: list[str] = []

    def recorder(name):
        return lambda *, stdout: calls.append(name)

    names = ("content", "learning", "enterprises", "learning progress", "exams")
    monkeypatch.setattr(load_demo, "DEMO_LOADERS", tuple(recorder(name) for name in names))
    return calls


def test_embedded_mode_loads_everything_with_debug_off(settings, loaders):
    """``make run`` runs with DEBUG off: the guard is the mode, not DEBUG."""
    settings.PRODUCTION, settings.DEBUG = False, False
    out = io.StringIO()
    call_command("load_demo", stdout=out)
    assert loaders == ["content", "learning", "enterprises", "learning progress", "exams"]
    assert User.objects.filter(phone=load_demo.DEMO_OPERATOR["phone"], is_staff=True).exists()
    text = out.getvalue()
    assert "演示数据就绪" in text and load_demo.DEMO_OPERATOR["password"] in text
    for _role, phone, password, _where in load_demo.DEMO_ACCOUNTS:
        assert phone in text and password in text


@pytest.mark.parametrize("debug", [False, True])
def test_production_mode_refuses_without_force(settings, loaders, debug):
    settings.PRODUCTION, settings.DEBUG = True, debug
    with pytest.raises(CommandError, match="生产模式") as caught:
        call_command("load_demo", stdout=io.StringIO())
    assert "--force" in str(caught.value)
    assert loaders == []
    assert not User.objects.exists()


def test_production_mode_loads_with_force_and_warns(settings, loaders):
    settings.PRODUCTION = True
    out = io.StringIO()
    call_command("load_demo", "--force", stdout=out)
    assert len(loaders) == 5
    assert User.objects.filter(phone=load_demo.DEMO_OPERATOR["phone"]).exists()
    assert "请立即修改或删除演示账号" in out.getvalue()


def test_the_real_loaders_cover_every_demo_module():
    expected = (
        content.load,
        learning.load,
        enterprises.load,
        learning.load_progress,
        exams.load,
        support.load,
        credentials.load,
        reviews.load,
    )
    assert expected == load_demo.DEMO_LOADERS
