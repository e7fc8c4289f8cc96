import pytest

from ipms.accounts.services import operator_create
from ipms.content.models import Lecturer
from ipms.learning.tests.factories import tiny_mp4, tiny_pdf

OPERATOR_PASSWORD = "Console2026ops"


@pytest.fixture(scope="session")
def mp4_bytes() -> bytes:
    """The one real H.264 clip of the test run (two seconds, generated once)."""
    return tiny_mp4()


@pytest.fixture(scope="session")
def pdf_bytes() -> bytes:
    return tiny_pdf()


@pytest.fixture
def operator(db):
    return operator_create(phone="13900000001", password=OPERATOR_PASSWORD, name="运营")


@pytest.fixture
def operator_client(client, operator):
    client.force_login(operator)
    return client


@pytest.fixture
def make_lecturer(db):
    def _make(name: str, **extra) -> Lecturer:
        defaults = {"organization": "某知识产权研究院", "bio": f"{name}的简介。"}
        return Lecturer.objects.create(name=name, **{**defaults, **extra})

    return _make
