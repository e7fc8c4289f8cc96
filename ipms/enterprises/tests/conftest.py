import pytest

from ipms.accounts.tests import conftest as account_fixtures
from ipms.core.sms import testing as sms_testing

from .factories import EnterpriseFactory, MembershipFactory, UserFactory

sms_outbox = sms_testing.sms_outbox
slider_pass = account_fixtures.slider_pass


@pytest.fixture(autouse=True)
def _sms_to_outbox(request):
    """Every invitation SMS lands in the locmem outbox, never on the console."""
    request.getfixturevalue("sms_outbox")


@pytest.fixture
def admin_user(db):
    return UserFactory(name="王管理")


@pytest.fixture
def enterprise(admin_user):
    """An enterprise with a complete profile, administered by ``admin_user``."""
    enterprise = EnterpriseFactory(created_by=admin_user)
    MembershipFactory(enterprise=enterprise, user=admin_user, admin=True)
    return enterprise


@pytest.fixture
def other_admin(db):
    return UserFactory(name="李管理")


@pytest.fixture
def other_enterprise(other_admin):
    enterprise = EnterpriseFactory(created_by=other_admin)
    MembershipFactory(enterprise=enterprise, user=other_admin, admin=True)
    return enterprise


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
