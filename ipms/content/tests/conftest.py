from ipms.accounts.tests import conftest as account_fixtures

operator = account_fixtures.operator
operator_client = account_fixtures.operator_client
