import pytest

from ipms.accounts.tests import conftest as account_fixtures

operator = account_fixtures.operator
operator_client = account_fixtures.operator_client
learner = account_fixtures.learner


@pytest.fixture
def learner_client(client, learner):
    client.force_login(learner)
    return client
