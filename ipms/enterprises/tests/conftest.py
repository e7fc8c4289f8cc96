"""Fixtures for the enterprise tests; learning's and the site-wide tests import them too.

Every SMS lands in the outbox (the root conftest), so invitations are read from there.
"""

import pytest

from ipms.accounts.tests import conftest as account_fixtures
from ipms.accounts.tests.factories import UserFactory
from ipms.core.tests import conftest as core_fixtures

from .factories import enterprise_with_admin

slider_clock = core_fixtures.slider_clock
slider_pass = core_fixtures.slider_pass
send_code = account_fixtures.send_code


@pytest.fixture
def admin_user(db):
    return UserFactory(name="王管理")


@pytest.fixture
def enterprise(admin_user):
    """An enterprise with a complete profile, administered by ``admin_user``."""
    return enterprise_with_admin(admin_user)[0]


@pytest.fixture
def other_admin(db):
    return UserFactory(name="李管理")


@pytest.fixture
def other_enterprise(other_admin):
    return enterprise_with_admin(other_admin)[0]


@pytest.fixture
def committing(client, django_capture_on_commit_callbacks):
    """``client`` whose requests run their after-commit callbacks (the SMS)."""
    from .helpers import CommittingClient

    return CommittingClient(client, django_capture_on_commit_callbacks)


@pytest.fixture
def admin_client(committing, admin_user, enterprise):
    """The admin of ``enterprise``, logged in; SMS are sent as after a real commit."""
    committing.force_login(admin_user)
    return committing
