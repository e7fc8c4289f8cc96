"""/j/<token>/: 账号确认 / 账号激活, every state of the link and of the visitor."""

import datetime

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from ipms.accounts.models import User
from ipms.accounts.tests.factories import TEST_PASSWORD, UserFactory
from ipms.enterprises.models import Invitation, Membership
from ipms.enterprises.services import invitation_resend, membership_remove

from .factories import INVITEE_PHONE, MembershipFactory, invite_member
from .helpers import age_invitations

pytestmark = pytest.mark.django_db

PHONE = INVITEE_PHONE
NEW_PASSWORD = "Xuexi2026ok"
JOINED = reverse("enterprises:joined")


def link(token):
    return f"/j/{token}/"


def signup(client, token, **more):
    data = {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD, "agree": "on"} | more
    return client.post(link(token), data)


# --- invalid links ------------------------------------------------------------------------


@pytest.mark.parametrize("token", ["nope", "a" * 43, "x" * 150, "%00", "%E4%B8%AD"])
def test_an_unknown_link_gets_a_clear_page_not_a_500(client, token):
    response = client.get(f"/j/{token}/")
    assert response.status_code == 404
    assert "邀请链接无效" in response.content.decode()
    assert client.post(f"/j/{token}/").status_code == 404


def test_the_sms_link_without_a_trailing_slash_works(client, enterprise, admin_user):
    _, token = invite_member(enterprise, admin_user)
    response = client.get(f"/j/{token}", follow=True)
    assert response.status_code == 200
    assert "账号激活" in response.content.decode()


def test_expired_link(client, enterprise, admin_user):
    membership, token = invite_member(enterprise, admin_user)
    Invitation.objects.filter(membership=membership).update(
        expires_at=timezone.now() - datetime.timedelta(seconds=1)
    )
    response = client.get(link(token))
    assert response.status_code == 410
    assert "该邀请链接已过期，请联系企业管理员重新发送邀请。" in response.content.decode()
    response = signup(client, token)
    assert response.status_code == 410
    assert not User.objects.filter(phone=PHONE).exists()


def test_revoked_after_a_resend(client, enterprise, admin_user):
    membership, old = invite_member(enterprise, admin_user)
    age_invitations(membership)
    new = invitation_resend(membership=membership, by=admin_user)
    response = client.get(link(old))
    assert response.status_code == 410
    assert "已失效（企业管理员已重新发送邀请）" in response.content.decode()
    assert client.get(link(new)).status_code == 200


def test_removed_member(client, enterprise, admin_user):
    membership, token = invite_member(enterprise, admin_user)
    membership_remove(membership=membership, by=admin_user)
    body = client.get(link(token)).content.decode()
    assert "已不在该企业的待验证成员中" in body


def test_refusal_pages_show_nothing_about_the_enterprise_or_its_members(
    client, enterprise, admin_user
):
    MembershipFactory(enterprise=enterprise, name="别的员工")
    membership, token = invite_member(enterprise, admin_user)
    membership_remove(membership=membership, by=admin_user)
    body = client.get(link(token)).content.decode()
    for secret in [enterprise.name, "别的员工", "136****2925", PHONE, admin_user.phone]:
        assert secret not in body


# --- a phone without an account: 账号激活 ---------------------------------------------------


def test_new_user_sees_enterprise_masked_phone_and_sets_a_password(client, enterprise, admin_user):
    membership, token = invite_member(enterprise, admin_user)
    page = client.get(link(token))
    body = page.content.decode()
    assert page.status_code == 200
    assert "账号激活" in body and enterprise.name in body and "136****2925" in body
    assert PHONE not in body
    assert "设置登录密码" in body and "确认登录密码" in body and "确认加入" in body
    assert 'name="name"' not in body  # the admin already gave the name
    assert page["Cache-Control"].startswith("max-age=0")
    # same-origin (site-wide): the token never reaches another site; not no-referrer, which
    # makes browsers send "Origin: null" and fail the CSRF check (found by the browser test).
    assert page["Referrer-Policy"] == "same-origin"

    response = signup(client, token)
    assert response.status_code == 302 and response["Location"] == JOINED
    user = User.objects.get(phone=PHONE)
    assert user.check_password(NEW_PASSWORD)
    assert user.name == "张总监"
    assert user.agreed_at is not None  # consent to the 《用户协议》 recorded
    assert (user.position, user.province, user.city) == ("ip_manager", "310000", "310000")
    membership.refresh_from_db()
    assert membership.status == Membership.Status.VERIFIED and membership.user == user
    # Logged in as the new user, who lands on 激活成功.
    joined = client.get(JOINED).content.decode()
    assert "激活成功" in joined and enterprise.name in joined
    assert int(client.session["_auth_user_id"]) == user.pk


def test_new_user_without_a_name_is_asked_for_it(client, enterprise, admin_user):
    _, token = invite_member(enterprise, admin_user, name="")
    assert 'name="name"' in client.get(link(token)).content.decode()
    response = signup(client, token)
    assert "请填写姓名。" in response.content.decode()
    signup(client, token, name="李新人")
    assert User.objects.get(phone=PHONE).name == "李新人"


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"password1": "", "password2": ""}, "password1", "请设置登录密码。"),
        ({"password2": "Other2026ok"}, "password2", "两次输入的密码不一致。"),
        ({"password1": "abc123", "password2": "abc123"}, "password1", "8"),
        ({"password1": "abcdefghij", "password2": "abcdefghij"}, "password1", "字母和数字"),
        ({"password1": "password1", "password2": "password1"}, "password1", "常见"),
        ({"agree": ""}, "agree", "请阅读并勾选同意《用户协议》。"),
    ],
)
def test_bad_passwords_are_refused_next_to_the_field(
    client, enterprise, admin_user, data, field, message
):
    _, token = invite_member(enterprise, admin_user)
    response = signup(client, token, **data)
    assert response.status_code == 200
    assert message in " ".join(response.context["form"].errors[field])
    assert f'id="id_{field}_error"' in response.content.decode()
    assert not User.objects.filter(phone=PHONE).exists()


def test_a_double_submit_of_the_signup_creates_one_account(client, enterprise, admin_user):
    _, token = invite_member(enterprise, admin_user)
    signup(client, token)
    second = signup(Client(), token)  # the same form sent again from a second tab
    assert User.objects.filter(phone=PHONE).count() == 1
    assert second.status_code == 410
    assert "该邀请链接已使用过" in second.content.decode()


def test_logged_in_as_someone_else_on_a_new_phones_link(client, enterprise, admin_user):
    _, token = invite_member(enterprise, admin_user)
    stranger = UserFactory()
    client.force_login(stranger)
    response = client.get(link(token))
    assert response.status_code == 403
    body = response.content.decode()
    assert "该邀请是发给手机号 136****2925 的" in body and stranger.masked_phone in body
    assert "安全退出" in body
    assert signup(client, token).status_code == 403
    assert not User.objects.filter(phone=PHONE).exists()


# --- a phone with an account: 账号确认 ------------------------------------------------------


def test_existing_account_not_logged_in_is_asked_to_log_in(client, enterprise, admin_user):
    UserFactory(phone=PHONE)
    _, token = invite_member(enterprise, admin_user)
    body = client.get(link(token)).content.decode()
    assert "账号确认" in body and "请先用手机号" in body
    login_url = reverse("accounts:login") + "?next=" + f"/j/{token}/".replace("/", "%2F")
    assert login_url in body
    # A POST without login changes nothing.
    client.post(link(token))
    assert Membership.objects.get(phone=PHONE).status == Membership.Status.PENDING


def test_the_login_page_from_the_link_starts_with_the_invited_phone(client, enterprise, admin_user):
    UserFactory(phone=PHONE)
    _, token = invite_member(enterprise, admin_user)
    body = client.get(link(token)).content.decode()
    assert PHONE not in body  # the invitation page shows it masked
    login_url = reverse("accounts:login") + "?next=" + f"/j/{token}/".replace("/", "%2F")
    assert PHONE not in login_url
    login_page = client.get(login_url).content.decode()
    assert f'name="username" value="{PHONE}"' in login_page
    # Another visitor's login page (no invitation opened) starts empty.
    assert PHONE not in Client().get(login_url).content.decode()


def test_existing_account_logs_in_then_confirms(client, enterprise, admin_user):
    user = UserFactory(phone=PHONE)
    membership, token = invite_member(enterprise, admin_user)
    # Log in through the real login page and come back to the link.
    response = client.post(
        reverse("accounts:login"),
        {"username": PHONE, "password": TEST_PASSWORD, "next": link(token)},
    )
    assert response.status_code == 302 and response["Location"] == link(token)
    body = client.get(link(token)).content.decode()
    assert "确认加入" in body and enterprise.name in body
    response = client.post(link(token))
    assert response.status_code == 302 and response["Location"] == JOINED
    membership.refresh_from_db()
    assert membership.status == Membership.Status.VERIFIED and membership.user == user
    assert "激活成功" in client.get(JOINED).content.decode()


def test_a_replay_by_the_same_user_is_treated_as_success(client, enterprise, admin_user):
    user = UserFactory(phone=PHONE)
    _, token = invite_member(enterprise, admin_user)
    client.force_login(user)
    client.post(link(token))
    again = client.post(link(token))
    assert again.status_code == 302 and again["Location"] == JOINED
    assert client.get(link(token))["Location"] == JOINED


def test_a_used_link_opened_by_someone_else(client, enterprise, admin_user):
    user = UserFactory(phone=PHONE)
    _, token = invite_member(enterprise, admin_user)
    client.force_login(user)
    client.post(link(token))
    other = Client()
    other.force_login(UserFactory())
    response = other.get(link(token))
    assert response.status_code == 410
    assert "该邀请链接已使用过" in response.content.decode()
    assert Client().get(link(token)).status_code == 410


def test_logged_in_as_another_phone_is_refused(client, enterprise, admin_user):
    UserFactory(phone=PHONE)
    _, token = invite_member(enterprise, admin_user)
    stranger = UserFactory()
    client.force_login(stranger)
    assert client.get(link(token)).status_code == 403
    response = client.post(link(token))
    assert response.status_code == 403
    assert "请先安全退出" in response.content.decode()
    assert Membership.objects.get(phone=PHONE).status == Membership.Status.PENDING


def test_the_logout_button_comes_back_to_the_link(client, enterprise, admin_user):
    _, token = invite_member(enterprise, admin_user)
    client.force_login(UserFactory())
    body = client.get(link(token)).content.decode()
    assert f'name="next" value="/j/{token}/"' in body
    response = client.post(reverse("accounts:logout"), {"next": link(token)})
    assert response["Location"] == link(token)


def test_member_of_another_enterprise_is_told_so(client, enterprise, admin_user, other_enterprise):
    user = UserFactory(phone=PHONE)
    _, token = invite_member(enterprise, admin_user)
    MembershipFactory(enterprise=other_enterprise, user=user)  # verified there meanwhile
    client.force_login(user)
    response = client.get(link(token))
    assert response.status_code == 409
    assert other_enterprise.name in response.content.decode()
    assert client.post(link(token)).status_code == 409


def test_a_disabled_account(client, enterprise, admin_user):
    user = UserFactory(phone=PHONE)
    _, token = invite_member(enterprise, admin_user)
    User.objects.filter(pk=user.pk).update(is_active=False)
    response = client.get(link(token))
    assert response.status_code == 403
    assert "该手机号的账号已停用" in response.content.decode()


def test_get_never_changes_anything(client, enterprise, admin_user):
    user = UserFactory(phone=PHONE)
    membership, token = invite_member(enterprise, admin_user)
    client.force_login(user)
    for _ in range(3):
        client.get(link(token))
    membership.refresh_from_db()
    assert membership.status == Membership.Status.PENDING
    assert Invitation.objects.get(membership=membership).used_at is None


def test_joined_page_without_membership_goes_home(client):
    client.force_login(UserFactory())
    response = client.get(JOINED)
    assert response.status_code == 302 and response["Location"] == reverse("content:home")
