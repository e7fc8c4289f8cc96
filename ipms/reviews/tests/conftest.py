import pytest

from ipms.accounts.tests.factories import UserFactory
from ipms.enterprises.tests.factories import enterprise_with_admin

from .factories import BodyFactory, ReviewerFactory, give_proof


@pytest.fixture
def body(db):
    return BodyFactory(name="华智认证有限公司")


@pytest.fixture
def reviewer(body):
    return ReviewerFactory(body=body, user=UserFactory(name="王审核"), name="王审核")


@pytest.fixture
def other_body(db):
    return BodyFactory(name="远方认证有限公司")


@pytest.fixture
def other_reviewer(other_body):
    return ReviewerFactory(body=other_body, name="李审核")


@pytest.fixture
def enterprise_and_admin(db):
    return enterprise_with_admin(name="苏州贯标科技有限公司")


@pytest.fixture
def enterprise(enterprise_and_admin):
    return enterprise_and_admin[0]


@pytest.fixture
def admin(enterprise_and_admin):
    return enterprise_and_admin[1]


@pytest.fixture
def proof(enterprise):
    return give_proof(enterprise)


@pytest.fixture
def run_tasks(django_capture_on_commit_callbacks):
    """Run what the request queued after commit (the eager task), as the embedded mode does."""

    def run(callable_, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return callable_(*args, **kwargs)

    return run
