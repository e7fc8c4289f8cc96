"""How apps above accounts take part in account events: signals and the affiliation registry.

accounts imports none of them (docs/decisions/0006-layered-apps.md); these tests pin the
contract they rely on.
"""

import pytest
from django.db import connection

from ipms.accounts import selectors, services
from ipms.accounts.selectors import Affiliation
from ipms.accounts.signals import phone_changed

from .conftest import PASSWORD

pytestmark = pytest.mark.django_db

NEW_PHONE = "13912345678"


@pytest.fixture
def listen():
    """listen(signal, receiver): connect for the test only."""
    connected = []

    def connect(signal, receiver):
        signal.connect(receiver, weak=False)
        connected.append((signal, receiver))

    yield connect
    for signal, receiver in connected:
        signal.disconnect(receiver)


def test_phone_change_tells_the_upper_apps_inside_its_transaction(learner, listen):
    seen = []
    listen(phone_changed, lambda sender, user, **kw: seen.append((user.phone, kw)))
    listen(phone_changed, lambda sender, user, **kw: seen.append(connection.in_atomic_block))
    services.user_phone_change(user=learner, new_phone=NEW_PHONE)
    assert seen == [(NEW_PHONE, {"signal": phone_changed}), True]


def test_a_failing_receiver_rolls_the_phone_change_back(learner, listen):
    def refuse(sender, user, **kwargs):
        raise RuntimeError("member rows could not follow")

    listen(phone_changed, refuse)
    with pytest.raises(RuntimeError):
        services.user_phone_change(user=learner, new_phone=NEW_PHONE)
    learner.refresh_from_db()
    assert learner.phone != NEW_PHONE and learner.check_password(PASSWORD)


def test_without_sources_a_user_has_no_affiliation(learner, monkeypatch):
    monkeypatch.setattr(selectors, "_affiliation_sources", [])
    assert selectors.affiliation_of(learner) is None
    assert selectors.profile_defaults(learner) == (learner.name, "", "", "")


def test_the_first_source_that_knows_the_user_answers(learner, monkeypatch):
    monkeypatch.setattr(selectors, "_affiliation_sources", [])
    found = Affiliation("苏州信息科技有限公司", "张三", "legal", "320000", "320500")
    selectors.affiliation_source_register(lambda user: None)
    selectors.affiliation_source_register(lambda user: found)
    selectors.affiliation_source_register(lambda user: pytest.fail("not asked"))
    assert selectors.affiliation_of(learner) == found
    learner.name = ""
    assert selectors.profile_defaults(learner, found) == ("张三", "legal", "320000", "320500")


def test_registering_a_source_twice_keeps_one(monkeypatch):
    monkeypatch.setattr(selectors, "_affiliation_sources", [])

    def source(user):
        return None

    selectors.affiliation_source_register(source)
    selectors.affiliation_source_register(source)
    assert selectors._affiliation_sources == [source]
