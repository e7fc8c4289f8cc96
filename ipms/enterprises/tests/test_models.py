"""What must never happen is refused by the database itself, not only by services."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from ipms.accounts.tests.factories import UserFactory
from ipms.enterprises.models import Enterprise, Invitation, Membership

from .factories import EnterpriseFactory, MembershipFactory, make_uscc, open_invitation

pytestmark = pytest.mark.django_db


def assert_integrity_error(callable_, *args, **kwargs):
    with pytest.raises(IntegrityError), transaction.atomic():
        callable_(*args, **kwargs)


# --- Enterprise ---------------------------------------------------------------------------


def test_one_enterprise_per_credit_code():
    code = make_uscc(1)
    Enterprise.objects.create(name="甲公司", credit_code=code)
    assert_integrity_error(Enterprise.objects.create, name="乙公司", credit_code=code)


def test_codes_are_stored_canonical_so_the_unique_constraint_holds():
    code = make_uscc(2)
    # The field normalises whatever the ORM saves, so a lower-case duplicate collides.
    stored = Enterprise.objects.create(name="甲", credit_code=code.lower().replace("0", "0 ", 1))
    assert Enterprise.objects.get(pk=stored.pk).credit_code == code
    assert_integrity_error(Enterprise.objects.create, name="乙", credit_code=code.lower())
    # Below the ORM, the check constraint refuses a non-canonical value.
    now = timezone.now()
    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO enterprises_enterprise (created_at, updated_at, name, credit_code,"
            " address, scale, industry, type) VALUES (%s, %s, %s, %s, '', '', '', '')",
            [now, now, "丙", make_uscc(3).lower()],
        )
    assert_integrity_error(Enterprise.objects.create, name="丁", credit_code=make_uscc(4)[:16])


def test_full_clean_normalises_the_code_and_reports_a_duplicate_on_the_field():
    code = make_uscc(5)
    EnterpriseFactory(credit_code=code)
    duplicate = Enterprise(name="乙", credit_code=" " + code.lower()[:9] + " " + code.lower()[9:])
    with pytest.raises(ValidationError) as caught:
        duplicate.full_clean()
    assert duplicate.credit_code == code
    assert "credit_code" in caught.value.message_dict
    assert "已注册" in caught.value.message_dict["credit_code"][0]


def test_full_clean_rejects_an_invalid_code_with_a_chinese_message():
    enterprise = Enterprise(name="甲", credit_code="91310000123456789X")
    with pytest.raises(ValidationError) as caught:
        enterprise.full_clean()
    assert "营业执照" in caught.value.message_dict["credit_code"][0]


def test_profile_completeness():
    enterprise = EnterpriseFactory(incomplete=True)
    assert not enterprise.is_profile_complete
    assert enterprise.missing_profile_fields == [
        "企业实际经营地址",
        "企业规模",
        "企业所属行业",
        "企业类型",
    ]
    enterprise.address = "   "
    enterprise.scale = Enterprise.Scale.FROM_500
    enterprise.industry = Enterprise.Industry.IT
    enterprise.type = Enterprise.Type.FOREIGN_INVESTED
    assert enterprise.missing_profile_fields == ["企业实际经营地址"]
    enterprise.address = "苏州工业园区星湖街328号"
    assert enterprise.is_profile_complete


def test_choice_labels_follow_the_manual():
    assert Enterprise.Scale.FROM_500.label == "500-1000人"
    assert Enterprise.Industry.IT.label == "计算机/互联网/通信/电子"
    assert Enterprise.Type.FOREIGN_INVESTED.label == "外商投资企业"
    assert Membership.Position.IP_MANAGER.label == "知识产权管理员"
    assert Membership.Position.OTHER.label == "其他"
    assert Membership.Status.PENDING.label == "待验证"
    assert Membership.Status.VERIFIED.label == "已验证"


def test_has_uscc():
    assert EnterpriseFactory().has_uscc
    assert not EnterpriseFactory(credit_code="110108000000016").has_uscc


# --- Membership ---------------------------------------------------------------------------


def test_a_user_is_verified_in_one_enterprise_at_a_time():
    member = MembershipFactory()
    assert_integrity_error(MembershipFactory, user=member.user)


def test_a_removed_membership_does_not_count():
    member = MembershipFactory()
    member.status = Membership.Status.REMOVED
    member.removed_at = timezone.now()
    member.save()
    MembershipFactory(user=member.user)  # a new enterprise is fine


def test_one_active_row_per_phone_in_an_enterprise():
    pending = MembershipFactory(pending=True)
    assert_integrity_error(
        MembershipFactory, enterprise=pending.enterprise, pending=True, phone=pending.phone
    )
    # The same phone waiting in another enterprise is allowed.
    MembershipFactory(pending=True, phone=pending.phone)


def test_one_active_row_per_user_in_an_enterprise():
    member = MembershipFactory()
    assert_integrity_error(
        MembershipFactory,
        enterprise=member.enterprise,
        user=member.user,
        phone="13612345678",
        status=Membership.Status.PENDING,
        verified_at=None,
    )


def test_a_verified_member_has_a_user():
    assert_integrity_error(MembershipFactory, user=None, phone="13612345678")


def test_an_admin_is_never_pending():
    assert_integrity_error(MembershipFactory, admin=True, status=Membership.Status.PENDING)


def test_a_removed_member_records_when():
    assert_integrity_error(MembershipFactory, status=Membership.Status.REMOVED)


def test_region_pair_is_validated():
    member = MembershipFactory.build(
        enterprise=EnterpriseFactory(), user=UserFactory(), province="320000", city="330100"
    )
    with pytest.raises(ValidationError) as caught:
        member.full_clean()
    assert caught.value.message_dict == {"city": ["所选城市不属于所选省份，请重新选择。"]}
    member.city = "320500"
    member.full_clean()
    assert (member.province_name, member.city_name) == ("江苏省", "苏州市")
    member.province = ""
    with pytest.raises(ValidationError):
        member.full_clean()
    member.province, member.city = "999999", ""
    with pytest.raises(ValidationError):
        member.full_clean()


def test_display_helpers_follow_the_linked_account():
    member = MembershipFactory(name="")
    member.user.phone = "13811112222"
    assert member.current_phone == "13811112222"
    assert member.masked_phone == "138****2222"
    assert member.display_name == member.user.name
    pending = MembershipFactory(pending=True, name="张总监")
    assert pending.current_phone == pending.phone
    assert pending.display_name == "张总监"
    assert str(pending) == f"张总监 @ {pending.enterprise}"


# --- Invitation ---------------------------------------------------------------------------


def test_one_open_invitation_per_member():
    member = MembershipFactory(pending=True)
    open_invitation(member)
    assert_integrity_error(open_invitation, member)


def test_a_revoked_or_used_invitation_leaves_room_for_a_new_one():
    member = MembershipFactory(pending=True)
    first, _ = open_invitation(member)
    first.revoked_at = timezone.now()
    first.save()
    open_invitation(member)


def test_an_invitation_is_not_both_used_and_revoked():
    member = MembershipFactory(pending=True)
    now = timezone.now()
    assert_integrity_error(open_invitation, member, used_at=now, revoked_at=now)


def test_token_hashes_are_unique():
    invitation, _ = open_invitation(MembershipFactory(pending=True))
    other = MembershipFactory(pending=True)
    assert_integrity_error(
        Invitation.objects.create, membership=other, token_hash=invitation.token_hash
    )


def test_tokens_are_long_random_and_stored_as_sha256(settings):
    tokens = {Invitation.new_token() for _ in range(50)}
    assert len(tokens) == 50
    assert all(len(token) >= 43 for token in tokens)  # 32 random bytes, url-safe base64
    token = next(iter(tokens))
    digest = Invitation.hash_token(token)
    assert len(digest) == 64 and token not in digest


def test_default_expiry_follows_the_setting(settings):
    settings.INVITATION_TTL_DAYS = 3
    invitation, _ = open_invitation(MembershipFactory(pending=True))
    expected = timezone.now() + datetime.timedelta(days=3)
    assert abs((invitation.expires_at - expected).total_seconds()) < 5
    assert invitation.is_usable()
    assert invitation.state_label == "有效"
    later = invitation.expires_at + datetime.timedelta(seconds=1)
    assert invitation.is_expired(later) and not invitation.is_usable(later)


def test_default_expiry_is_seven_days(settings):
    assert settings.INVITATION_TTL_DAYS == 7  # the default in config/settings.py
    invitation, _ = open_invitation(MembershipFactory(pending=True))
    assert (invitation.expires_at - invitation.created_at).days in {6, 7}


def test_the_form_field_normalises_before_checking_length_and_format():
    field = Enterprise._meta.get_field("credit_code").formfield()
    assert field.clean(" 9135 0100 m000 100y43 ") == "91350100M000100Y43"
    assert field.widget.attrs["maxlength"] == "30"  # room for a pasted code with spaces
    with pytest.raises(ValidationError) as caught:
        field.clean("91350100M000100Y44")
    assert caught.value.messages == ["统一社会信用代码校验位不正确，请核对营业执照。"]
