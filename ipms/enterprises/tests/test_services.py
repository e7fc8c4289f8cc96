"""Every enterprise, member and invitation service, including each refusal."""

import datetime
import re

import pytest
from django.utils import timezone

from ipms.accounts.tests.factories import UserFactory
from ipms.core.errors import DomainError
from ipms.enterprises import messages, services
from ipms.enterprises.models import Enterprise, Invitation, Membership
from ipms.enterprises.services import (
    enterprise_register,
    enterprise_update_profile,
    invitation_accept,
    invitation_check,
    invitation_resend,
    membership_phone_changed,
    membership_remove,
)

from .factories import (
    INVITEE_PHONE,
    MembershipFactory,
    enterprise_with_admin,
    invite_member,
    make_uscc,
)
from .helpers import age_invitations

pytestmark = pytest.mark.django_db

NEW_PHONE = INVITEE_PHONE


def refused(message=None):
    """Expect a DomainError whose message contains ``message`` (plain text, not a regex)."""
    return pytest.raises(DomainError, match=re.escape(message) if message else None)


# --- enterprise_register ------------------------------------------------------------------


def test_register_creates_the_enterprise_and_its_verified_admin():
    user = UserFactory(name="赵总")
    enterprise = enterprise_register(
        name=" 知识产权科技（苏州）有限公司 ",
        credit_code="9135 0100 m000 100y43",
        admin_user=user,
        address="苏州工业园区星湖街328号",
        scale=Enterprise.Scale.FROM_500,
        industry=Enterprise.Industry.IT,
        type=Enterprise.Type.FOREIGN_INVESTED,
    )
    assert enterprise.name == "知识产权科技（苏州）有限公司"
    assert enterprise.credit_code == "91350100M000100Y43"
    assert enterprise.created_by == user
    assert enterprise.is_profile_complete
    admin = enterprise.memberships.get()
    assert (admin.user, admin.phone, admin.name) == (user, user.phone, "赵总")
    assert admin.role == Membership.Role.ADMIN
    assert admin.status == Membership.Status.VERIFIED
    assert admin.position == Membership.Position.OTHER  # the manual shows 其他 for the admin
    assert admin.verified_at is not None


def test_register_with_only_the_required_fields_leaves_the_profile_incomplete():
    enterprise = enterprise_register(
        name="甲公司", credit_code="110108000000016", admin_user=UserFactory()
    )
    assert not enterprise.is_profile_complete


def test_register_refuses_a_code_already_registered_in_any_spelling():
    code = make_uscc(42)
    enterprise_register(name="甲公司", credit_code=code, admin_user=UserFactory())
    with refused("已注册") as caught:
        enterprise_register(name="乙公司", credit_code=code.lower(), admin_user=UserFactory())
    assert caught.value.field == "credit_code"
    assert Enterprise.objects.count() == 1


@pytest.mark.parametrize(
    ("code", "message"),
    [
        ("91350100M000100Y44", "统一社会信用代码校验位不正确，请核对营业执照"),
        ("1234", "请填写18位统一社会信用代码或15位营业执照注册号"),
        ("", "请填写统一社会信用代码或营业执照注册号"),
    ],
)
def test_register_refuses_an_invalid_code(code, message):
    with refused(message) as caught:
        enterprise_register(name="甲公司", credit_code=code, admin_user=UserFactory())
    assert caught.value.field == "credit_code"
    assert not Enterprise.objects.exists()


def test_register_refuses_a_blank_name():
    with pytest.raises(DomainError) as caught:
        enterprise_register(name="  ", credit_code=make_uscc(7), admin_user=UserFactory())
    assert caught.value.field == "name"


def test_register_refuses_an_admin_who_is_a_member_elsewhere(enterprise):
    member = MembershipFactory(enterprise=enterprise)
    with refused("已是其他企业的成员") as caught:
        enterprise_register(name="乙公司", credit_code=make_uscc(8), admin_user=member.user)
    assert caught.value.field == "phone"
    assert Enterprise.objects.count() == 1


def test_register_refuses_a_disabled_account():
    user = UserFactory(is_active=False)
    with refused("已停用"):
        enterprise_register(name="乙公司", credit_code=make_uscc(9), admin_user=user)


# --- enterprise_update_profile ------------------------------------------------------------


def profile(**overrides):
    fields = {
        "name": "新名称有限公司",
        "credit_code": make_uscc(77),
        "address": "上海市徐汇区漕河泾开发区",
        "scale": Enterprise.Scale.FROM_1000,
        "industry": Enterprise.Industry.MACHINERY,
        "type": Enterprise.Type.STATE_OWNED,
    }
    return fields | overrides


def test_admin_updates_the_profile(enterprise, admin_user):
    updated = enterprise_update_profile(enterprise=enterprise, by=admin_user, **profile())
    enterprise.refresh_from_db()
    assert enterprise.name == "新名称有限公司"
    assert enterprise.credit_code == make_uscc(77)
    assert enterprise.scale == Enterprise.Scale.FROM_1000
    assert updated.pk == enterprise.pk


def test_update_keeping_the_same_code_is_fine(enterprise, admin_user):
    enterprise_update_profile(
        enterprise=enterprise, by=admin_user, **profile(credit_code=enterprise.credit_code)
    )


def test_update_refuses_another_enterprises_code(enterprise, admin_user, other_enterprise):
    with refused("已由平台上的另一家企业登记") as caught:
        enterprise_update_profile(
            enterprise=enterprise,
            by=admin_user,
            **profile(credit_code=other_enterprise.credit_code),
        )
    assert caught.value.field == "credit_code"


def test_update_refuses_a_bad_choice(enterprise, admin_user):
    with refused() as caught:
        enterprise_update_profile(enterprise=enterprise, by=admin_user, **profile(scale="huge"))
    assert caught.value.field == "scale"


def test_only_the_enterprises_admin_may_update(enterprise, other_admin):
    learner = MembershipFactory(enterprise=enterprise).user
    for intruder in (learner, other_admin, UserFactory()):
        with refused(services.NOT_ADMIN):
            enterprise_update_profile(enterprise=enterprise, by=intruder, **profile())
    enterprise.refresh_from_db()
    assert enterprise.name != "新名称有限公司"


def test_clearing_a_field_makes_the_profile_incomplete(enterprise, admin_user):
    updated = enterprise_update_profile(enterprise=enterprise, by=admin_user, **profile(address=""))
    assert not updated.is_profile_complete


# --- membership_invite --------------------------------------------------------------------


def test_invite_adds_a_pending_member_and_texts_a_link(
    enterprise, admin_user, sms_outbox, settings, django_capture_on_commit_callbacks
):
    settings.SMS_LINK_BASE = "https://study.example.cn/j/"
    with django_capture_on_commit_callbacks(execute=True):
        membership, token = invite_member(enterprise, admin_user, phone="+86 136-0000-2925")
    assert membership.phone == NEW_PHONE
    assert membership.user is None  # no account yet
    assert membership.status == Membership.Status.PENDING
    assert membership.role == Membership.Role.LEARNER
    assert (membership.name, membership.province, membership.city) == ("张总监", "310000", "310000")
    assert membership.invited_by == admin_user

    invitation = membership.invitations.get()
    assert invitation.token_hash == Invitation.hash_token(token)
    assert len(token) >= 43  # 256 random bits
    assert not Invitation.objects.filter(token_hash=token).exists()  # only the hash is kept
    assert invitation.is_usable()

    (message,) = sms_outbox
    assert message.phone == NEW_PHONE
    assert message.text == (
        f"【贯标认证学习平台】您好，{enterprise.name} 将您加入贯标认证学习平台，"
        f"成为该企业认证学员。请点击以下链接确认加入：https://study.example.cn/j/{token}"
    )


def test_nothing_is_sent_when_the_transaction_rolls_back(
    enterprise, admin_user, sms_outbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        invite_member(enterprise, admin_user)
    assert len(callbacks) == 1 and sms_outbox == []  # queued for commit, not sent


def test_invite_links_an_existing_account(enterprise, admin_user):
    user = UserFactory(phone=NEW_PHONE)
    membership, _ = invite_member(enterprise, admin_user)
    assert membership.user == user
    assert membership.status == Membership.Status.PENDING


def test_invite_is_refused_while_the_profile_is_incomplete(admin_user):
    enterprise, _ = enterprise_with_admin(admin_user, incomplete=True)
    with refused("务必填写完整正确的企业信息，否则无法添加员工以及证书下载"):
        invite_member(enterprise, admin_user)
    assert not Membership.objects.filter(phone=NEW_PHONE).exists()


def test_the_gate_reads_the_current_profile_not_a_stale_copy(enterprise, admin_user):
    stale = Enterprise.objects.get(pk=enterprise.pk)
    Enterprise.objects.filter(pk=enterprise.pk).update(address="")
    with refused(messages.PROFILE_INCOMPLETE):
        invite_member(stale, admin_user)


def test_invite_refuses_a_phone_verified_in_another_enterprise(
    enterprise, admin_user, other_enterprise
):
    member = MembershipFactory(enterprise=other_enterprise, user=UserFactory(phone=NEW_PHONE))
    with refused(messages.PHONE_NOT_ADDABLE) as caught:
        invite_member(enterprise, admin_user)
    assert caught.value.field == "phone"
    assert not enterprise.memberships.filter(phone=NEW_PHONE).exists()
    assert member.enterprise == other_enterprise


def test_invite_refuses_the_admin_of_another_enterprise(
    enterprise, admin_user, other_enterprise, other_admin
):
    with refused(messages.PHONE_NOT_ADDABLE):
        invite_member(enterprise, admin_user, phone=other_admin.phone)


def test_a_phone_pending_in_another_enterprise_may_be_invited(
    enterprise, admin_user, other_enterprise, other_admin
):
    invite_member(other_enterprise, other_admin)
    membership, _ = invite_member(enterprise, admin_user)
    assert membership.enterprise == enterprise


def test_invite_refuses_an_existing_verified_member(enterprise, admin_user):
    member = MembershipFactory(enterprise=enterprise, user=UserFactory(phone=NEW_PHONE))
    with refused(services.PHONE_ALREADY_MEMBER):
        invite_member(enterprise, admin_user)
    with refused(services.PHONE_ALREADY_MEMBER):
        invite_member(enterprise, admin_user, phone=admin_user.phone)
    assert enterprise.memberships.filter(user=member.user).count() == 1


def test_inviting_a_pending_phone_again_resends_with_the_new_details(
    enterprise, admin_user, sms_outbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        first, first_token = invite_member(enterprise, admin_user)
    age_invitations(first)
    with django_capture_on_commit_callbacks(execute=True):
        again, second_token = invite_member(
            enterprise, admin_user, name="张三", position=Membership.Position.LEGAL
        )
    assert again.pk == first.pk
    assert (again.name, again.position) == ("张三", Membership.Position.LEGAL)
    assert second_token != first_token
    assert enterprise.memberships.filter(phone=NEW_PHONE).count() == 1
    old = Invitation.objects.get(token_hash=Invitation.hash_token(first_token))
    assert old.revoked_at is not None
    assert len(sms_outbox) == 2


def test_inviting_again_within_a_minute_is_refused(enterprise, admin_user):
    invite_member(enterprise, admin_user)
    with refused(messages.RESEND_TOO_SOON):
        invite_member(enterprise, admin_user)


def test_one_phone_gets_at_most_five_invitations_a_day(db):
    enterprises = []
    for _ in range(6):
        enterprise, admin = enterprise_with_admin()
        enterprises.append((enterprise, admin))
    for enterprise, admin in enterprises[:5]:
        invite_member(enterprise, admin)
    enterprise, admin = enterprises[5]
    with refused(messages.TOO_MANY_INVITATIONS) as caught:
        invite_member(enterprise, admin)
    assert caught.value.field == "phone"


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"phone": "12345"}, "phone"),
        ({"phone": ""}, "phone"),
        ({"position": "ceo"}, "position"),
        ({"position": ""}, "position"),
        ({"province": "999999", "city": ""}, "province"),
        ({"province": "320000", "city": "330100"}, "city"),
        ({"province": "", "city": "320500"}, "city"),
    ],
)
def test_invite_refuses_bad_input_on_its_field(enterprise, admin_user, fields, field):
    with refused() as caught:
        invite_member(enterprise, admin_user, **fields)
    assert caught.value.field == field
    assert enterprise.memberships.count() == 1  # only the admin


def test_region_and_name_are_optional(enterprise, admin_user):
    membership, _ = invite_member(enterprise, admin_user, name="", province="", city="")
    assert (membership.name, membership.province, membership.city) == ("", "", "")


def test_only_the_enterprises_admin_may_invite(enterprise, other_admin):
    learner = MembershipFactory(enterprise=enterprise).user
    for intruder in (learner, other_admin):
        with refused(services.NOT_ADMIN):
            invite_member(enterprise, intruder)
    pending_admin_row = MembershipFactory(enterprise=enterprise, pending=True)
    with refused(services.NOT_ADMIN):
        invite_member(enterprise, pending_admin_row.user)  # None: nobody signed in


def test_a_disabled_admin_cannot_invite(enterprise, admin_user):
    admin_user.is_active = False
    admin_user.save()
    with refused(services.NOT_ADMIN):
        invite_member(enterprise, admin_user)


def test_a_disabled_account_cannot_be_invited(enterprise, admin_user):
    UserFactory(phone=NEW_PHONE, is_active=False)
    with refused(messages.PHONE_NOT_ADDABLE):
        invite_member(enterprise, admin_user)


# --- invitation_resend --------------------------------------------------------------------


def test_resend_revokes_the_previous_link(
    enterprise, admin_user, sms_outbox, django_capture_on_commit_callbacks
):
    membership, old_token = invite_member(enterprise, admin_user)
    age_invitations(membership)
    with django_capture_on_commit_callbacks(execute=True):
        new_token = invitation_resend(membership=membership, by=admin_user)
    assert new_token != old_token
    assert membership.invitations.count() == 2
    assert membership.invitations.filter(revoked_at__isnull=True).get().token_hash == (
        Invitation.hash_token(new_token)
    )
    assert sms_outbox[-1].params["token"] == new_token

    user = UserFactory(phone=NEW_PHONE)
    with refused(services.INVITATION_REVOKED):
        invitation_accept(token=old_token, user=user)
    assert invitation_accept(token=new_token, user=user).status == Membership.Status.VERIFIED


def test_resend_within_a_minute_is_refused(enterprise, admin_user):
    membership, _ = invite_member(enterprise, admin_user)
    with refused(messages.RESEND_TOO_SOON):
        invitation_resend(membership=membership, by=admin_user)


def test_resend_only_for_pending_members(enterprise, admin_user):
    member = MembershipFactory(enterprise=enterprise)
    with refused(services.MEMBER_NOT_PENDING):
        invitation_resend(membership=member, by=admin_user)


def test_resend_by_another_enterprises_admin_is_refused(enterprise, admin_user, other_admin):
    membership, _ = invite_member(enterprise, admin_user)
    age_invitations(membership)
    with refused(services.NOT_ADMIN):
        invitation_resend(membership=membership, by=other_admin)
    assert membership.invitations.count() == 1


# --- invitation_accept --------------------------------------------------------------------


def test_accept_links_the_user_and_verifies_the_member(enterprise, admin_user):
    membership, token = invite_member(enterprise, admin_user)
    user = UserFactory(phone=NEW_PHONE)
    accepted = invitation_accept(token=token, user=user)
    assert accepted.pk == membership.pk
    assert accepted.user == user
    assert accepted.status == Membership.Status.VERIFIED
    assert accepted.verified_at is not None
    invitation = membership.invitations.get()
    assert invitation.used_at is not None and invitation.used_by == user


def test_a_link_works_once(enterprise, admin_user):
    _, token = invite_member(enterprise, admin_user)
    user = UserFactory(phone=NEW_PHONE)
    invitation_accept(token=token, user=user)
    with refused(services.INVITATION_USED):
        invitation_accept(token=token, user=user)


def test_an_expired_link_is_refused(enterprise, admin_user):
    membership, token = invite_member(enterprise, admin_user)
    membership.invitations.update(expires_at=timezone.now() - datetime.timedelta(seconds=1))
    with refused("已过期"):
        invitation_accept(token=token, user=UserFactory(phone=NEW_PHONE))
    membership.refresh_from_db()
    assert membership.status == Membership.Status.PENDING


def test_links_expire_after_the_configured_days(enterprise, admin_user, settings):
    settings.INVITATION_TTL_DAYS = 7
    membership, _ = invite_member(enterprise, admin_user)
    invitation = membership.invitations.get()
    assert (invitation.expires_at - invitation.created_at) == pytest.approx(
        datetime.timedelta(days=7), abs=datetime.timedelta(seconds=5)
    )
    just_before = invitation.expires_at - datetime.timedelta(seconds=1)
    invitation_check(invitation, now=just_before)
    with refused(services.INVITATION_EXPIRED):
        invitation_check(invitation, now=invitation.expires_at)


@pytest.mark.parametrize("token", ["", "not-a-token", "x" * 43])
def test_an_unknown_link_is_refused(token):
    with refused(services.INVITATION_INVALID):
        invitation_accept(token=token, user=UserFactory())


def test_a_forwarded_link_cannot_add_another_account(enterprise, admin_user):
    membership, token = invite_member(enterprise, admin_user)
    stranger = UserFactory(phone="13900009999")
    with refused("136****2925"):
        invitation_accept(token=token, user=stranger)
    membership.refresh_from_db()
    assert membership.status == Membership.Status.PENDING
    assert membership.invitations.get().used_at is None  # still usable by the invitee


def test_accept_while_verified_elsewhere_is_refused_and_the_link_stays_usable(
    enterprise, admin_user, other_enterprise
):
    user = UserFactory(phone=NEW_PHONE)
    membership, token = invite_member(enterprise, admin_user)
    # Verified in another enterprise after the invitation was sent.
    MembershipFactory(enterprise=other_enterprise, user=user)
    with refused(f"您已是“{other_enterprise.name}”的成员"):
        invitation_accept(token=token, user=user)
    assert membership.invitations.get().used_at is None


def test_accepting_one_of_two_invitations_blocks_the_other(
    enterprise, admin_user, other_enterprise, other_admin
):
    _, token_a = invite_member(enterprise, admin_user)
    _, token_b = invite_member(other_enterprise, other_admin)
    user = UserFactory(phone=NEW_PHONE)
    invitation_accept(token=token_a, user=user)
    with refused(f"您已是“{enterprise.name}”的成员"):
        invitation_accept(token=token_b, user=user)
    assert Membership.objects.filter(user=user, status="verified").count() == 1


def test_a_link_of_a_removed_member_is_refused(enterprise, admin_user):
    membership, token = invite_member(enterprise, admin_user)
    membership_remove(membership=membership, by=admin_user)
    with refused(services.INVITATION_MEMBER_GONE):
        invitation_accept(token=token, user=UserFactory(phone=NEW_PHONE))


def test_a_disabled_account_cannot_accept(enterprise, admin_user):
    _, token = invite_member(enterprise, admin_user)
    with refused(services.ACCOUNT_DISABLED):
        invitation_accept(token=token, user=UserFactory(phone=NEW_PHONE, is_active=False))


def test_accept_by_the_account_linked_at_invite_time(enterprise, admin_user):
    user = UserFactory(phone=NEW_PHONE)
    _, token = invite_member(enterprise, admin_user)
    assert invitation_accept(token=token, user=user).user == user


def test_invitation_check_explains_each_state(enterprise, admin_user):
    membership, _ = invite_member(enterprise, admin_user)
    invitation = membership.invitations.get()
    invitation_check(invitation)
    invitation.revoked_at = timezone.now()
    with refused(services.INVITATION_REVOKED):
        invitation_check(invitation)
    invitation.revoked_at, invitation.used_at = None, timezone.now()
    with refused(services.INVITATION_USED):
        invitation_check(invitation)


# --- membership_remove --------------------------------------------------------------------


def test_remove_a_verified_member(enterprise, admin_user):
    member = MembershipFactory(enterprise=enterprise)
    removed = membership_remove(membership=member, by=admin_user)
    assert removed.status == Membership.Status.REMOVED
    assert removed.removed_by == admin_user and removed.removed_at is not None
    member.user.refresh_from_db()  # the account and everything it owns stay
    assert member.user.is_active


def test_remove_a_pending_member_revokes_the_link(enterprise, admin_user):
    membership, _ = invite_member(enterprise, admin_user)
    membership_remove(membership=membership, by=admin_user)
    assert membership.invitations.get().revoked_at is not None


def test_removing_twice_changes_nothing(enterprise, admin_user):
    member = MembershipFactory(enterprise=enterprise)
    first = membership_remove(membership=member, by=admin_user)
    second = membership_remove(membership=member, by=admin_user)
    assert second.removed_at == first.removed_at


def test_the_admin_cannot_be_removed(enterprise, admin_user):
    admin_row = enterprise.memberships.get(user=admin_user)
    with refused(services.CANNOT_REMOVE_ADMIN):
        membership_remove(membership=admin_row, by=admin_user)


def test_only_the_enterprises_admin_may_remove(enterprise, other_admin):
    member = MembershipFactory(enterprise=enterprise)
    for intruder in (other_admin, MembershipFactory(enterprise=enterprise).user):
        with refused(services.NOT_ADMIN):
            membership_remove(membership=member, by=intruder)
    member.refresh_from_db()
    assert member.status == Membership.Status.VERIFIED


def test_a_removed_member_can_join_another_enterprise(
    enterprise, admin_user, other_enterprise, other_admin
):
    user = UserFactory(phone=NEW_PHONE)
    member = MembershipFactory(enterprise=enterprise, user=user)
    with refused(messages.PHONE_NOT_ADDABLE):
        invite_member(other_enterprise, other_admin)
    membership_remove(membership=member, by=admin_user)
    _, token = invite_member(other_enterprise, other_admin)
    assert invitation_accept(token=token, user=user).enterprise == other_enterprise


def test_a_removed_member_can_be_invited_back(enterprise, admin_user):
    member = MembershipFactory(enterprise=enterprise, user=UserFactory(phone=NEW_PHONE))
    membership_remove(membership=member, by=admin_user)
    again, _ = invite_member(enterprise, admin_user)
    assert again.pk != member.pk
    assert enterprise.memberships.filter(phone=NEW_PHONE).count() == 2


# --- membership_phone_changed -------------------------------------------------------------


def test_rows_follow_a_changed_phone(enterprise, admin_user):
    member = MembershipFactory(enterprise=enterprise)
    waiting, _ = invite_member(
        enterprise, admin_user, phone="13811112222"
    )  # the new number, unlinked
    member.user.phone = "13811112222"
    member.user.save()
    assert membership_phone_changed(user=member.user) == 1
    member.refresh_from_db()
    waiting.refresh_from_db()
    assert member.phone == "13811112222"
    assert waiting.status == Membership.Status.REMOVED
    assert waiting.invitations.get().revoked_at is not None
    assert membership_phone_changed(user=member.user) == 0  # nothing left to change


def test_a_city_without_its_province_is_refused_like_everywhere_else(enterprise, admin_user):
    """The region rule of ipms.core.regions: a city needs its province (also on 个人资料)."""
    with refused("请先选择省份，再选择城市。") as caught:
        invite_member(enterprise, admin_user, province="", city="310000")
    assert caught.value.field == "city"
