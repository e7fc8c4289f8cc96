import pytest

from ipms.accounts.tests import conftest as account_fixtures
from ipms.core.tests.factories import tiny_pdf
from ipms.learning.tests.factories import tiny_mp4

operator = account_fixtures.operator
operator_client = account_fixtures.operator_client
learner = account_fixtures.learner


@pytest.fixture
def learner_client(client, learner):
    client.force_login(learner)
    return client


@pytest.fixture(scope="session")
def mp4_bytes() -> bytes:
    """The one real H.264 clip of the test run (two seconds, generated once)."""
    return tiny_mp4()


@pytest.fixture(scope="session")
def pdf_bytes() -> bytes:
    return tiny_pdf()
