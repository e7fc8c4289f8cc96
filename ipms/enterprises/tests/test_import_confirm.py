"""确认导入 (imports.member_import_confirm): the view only reports what it says."""

import pytest

from ipms.core.errors import DomainError
from ipms.enterprises import imports, services
from ipms.enterprises.models import Enterprise, Membership

pytestmark = pytest.mark.django_db


def _preview(enterprise, admin_user, *rows):
    stored = [
        imports.ImportRow(row=number, phone=phone, position=Membership.Position.RND)
        for number, phone in rows
    ]
    preview_id = imports.preview_store(
        enterprise=enterprise, user=admin_user, filename="成员.xlsx", rows=stored
    )
    return imports.preview_load(enterprise=enterprise, preview_id=preview_id)


def test_the_valid_rows_are_invited_once_and_the_result_is_stored(enterprise, admin_user):
    preview = _preview(enterprise, admin_user, (2, "13600000001"), (3, "13600000002"))
    imports.member_import_confirm(enterprise=enterprise, by=admin_user, preview=preview)
    result = imports.result_load(enterprise=enterprise, preview_id=preview.id)
    assert result["invited"] == 2 and result["filename"] == "成员.xlsx"
    # A re-submit finds the claim and changes nothing.
    imports.member_import_confirm(enterprise=enterprise, by=admin_user, preview=preview)
    assert Membership.objects.filter(enterprise=enterprise, phone__startswith="136").count() == 2


def test_nothing_to_import_is_refused_with_a_code(enterprise, admin_user):
    preview = _preview(enterprise, admin_user)
    with pytest.raises(DomainError) as caught:
        imports.member_import_confirm(enterprise=enterprise, by=admin_user, preview=preview)
    assert caught.value.code == "import_nothing"
    assert not imports.import_claimed(enterprise=enterprise, preview_id=preview.id)


def test_an_incomplete_profile_is_refused_and_the_claim_left_free(enterprise, admin_user):
    preview = _preview(enterprise, admin_user, (2, "13600000001"))
    Enterprise.objects.filter(pk=enterprise.pk).update(address="")
    enterprise.refresh_from_db()
    with pytest.raises(DomainError) as caught:
        imports.member_import_confirm(enterprise=enterprise, by=admin_user, preview=preview)
    assert caught.value.code == "profile_incomplete"
    assert not imports.import_claimed(enterprise=enterprise, preview_id=preview.id)


def test_a_refusal_of_the_import_releases_the_claim(enterprise, admin_user, monkeypatch):
    preview = _preview(enterprise, admin_user, (2, "13600000001"))

    def conflict(**kwargs):
        raise DomainError(services.BULK_CONFLICT, code="bulk_conflict")

    monkeypatch.setattr(services, "membership_invite_bulk", conflict)
    with pytest.raises(DomainError):
        imports.member_import_confirm(enterprise=enterprise, by=admin_user, preview=preview)
    assert not imports.import_claimed(enterprise=enterprise, preview_id=preview.id)


def _bulk_queries(enterprise, admin_user, first: int, count: int) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    rows = [
        services.InviteRow(ref=n, phone=f"135{first + n:08d}", position=Membership.Position.RND)
        for n in range(count)
    ]
    with CaptureQueriesContext(connection) as captured:
        result = services.membership_invite_bulk(enterprise=enterprise, by=admin_user, rows=rows)
    assert len(result.invited) == count
    return len(captured.captured_queries)


def test_the_bulk_import_does_not_grow_with_rows(enterprise, admin_user, settings):
    """Load, decide, write: a fixed number of statements per 500 phones."""
    few = _bulk_queries(enterprise, admin_user, 0, 5)
    many = _bulk_queries(enterprise, admin_user, 1000, 60)
    assert many == few
