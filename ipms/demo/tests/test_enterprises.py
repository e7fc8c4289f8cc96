import io

import pytest

from ipms.accounts.models import User
from ipms.demo import enterprises as demo
from ipms.enterprises.models import Enterprise, Membership

pytestmark = pytest.mark.django_db


def test_demo_enterprise_has_an_admin_verified_and_pending_members():
    demo.load(stdout=io.StringIO())
    enterprise = Enterprise.objects.get(credit_code=demo.CREDIT_CODE)
    assert enterprise.is_profile_complete
    statuses = dict(Membership.objects.filter(enterprise=enterprise).values_list("phone", "status"))
    assert statuses[demo.ADMIN["phone"]] == Membership.Status.VERIFIED
    verified = [m.phone for m in demo.MEMBERS if m.verified]
    pending = [m.phone for m in demo.MEMBERS if not m.verified]
    assert all(statuses[phone] == Membership.Status.VERIFIED for phone in verified)
    assert all(statuses[phone] == Membership.Status.PENDING for phone in pending)
    for role, phone, password, _where in demo.ACCOUNTS:
        assert User.objects.get(phone=phone).check_password(password), role


def test_demo_load_twice_changes_nothing():
    demo.load(stdout=io.StringIO())
    counts = (User.objects.count(), Membership.objects.count(), Enterprise.objects.count())
    demo.load(stdout=io.StringIO())
    assert (User.objects.count(), Membership.objects.count(), Enterprise.objects.count()) == counts
