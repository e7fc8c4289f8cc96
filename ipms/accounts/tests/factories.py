"""Factories for users and operators; every app's tests use these.

``TEST_PASSWORD`` is every factory user's password unless one is given.
"""

from __future__ import annotations

import factory
from factory.django import DjangoModelFactory

from ipms.accounts.models import User

TEST_PASSWORD = "Passw0rdTest"
OPERATOR_PASSWORD = "Console2026ops"


class UserFactory(DjangoModelFactory):
    """A learner's account (phone-keyed), through ``create_user`` so the password hashes."""

    class Meta:
        model = User

    # 147…: a prefix no test writes by hand, so a sequence number never meets a literal
    # phone of the same test (139… ones such as 13900000100 are written out in tests).
    phone = factory.Sequence(lambda n: f"147{n:08d}")
    name = factory.Sequence(lambda n: f"用户{n}")

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        password = kwargs.pop("password", TEST_PASSWORD)
        return model_class.objects.create_user(*args, password=password, **kwargs)


def make_operator(*, phone: str = "13900000001", password: str = OPERATOR_PASSWORD, name="运营"):
    """An operator (console user in the operators group), made by the real service."""
    from ipms.accounts.services import operator_create

    return operator_create(phone=phone, password=password, name=name)
