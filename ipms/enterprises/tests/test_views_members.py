"""成员管理, 添加成员, 移除 and 重新发送邀请 pages."""

import datetime
from urllib.parse import unquote

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from ipms.accounts.tests.factories import UserFactory
from ipms.enterprises import messages
from ipms.enterprises.models import Invitation, Membership
from ipms.enterprises.services import membership_invite

from .factories import MembershipFactory, enterprise_with_admin
from .helpers import age_invitations, link_token

pytestmark = pytest.mark.django_db

LIST = reverse("enterprises:member_list")
ADD = reverse("enterprises:member_add")
BANNER = "务必填写完整正确的企业信息，否则无法添加员工以及证书下载"


def add_data(**more):
    data = {
        "name": "张总监",
        "phone": "13600002925",
        "position": Membership.Position.IP_MANAGER,
        "province": "310000",
        "city": "310000",
    }
    return data | more


# --- 成员管理 --------------------------------------------------------------------------------


def test_list_shows_header_columns_and_rows(admin_client, enterprise, admin_user):
    MembershipFactory(enterprise=enterprise, name="李研发", province="320000", city="320500")
    membership_invite(
        enterprise=enterprise,
        by=admin_user,
        phone="13600002925",
        name="张总监",
        position=Membership.Position.IP_MANAGER,
        province="310000",
        city="310000",
    )
    body = admin_client.get(LIST).content.decode()
    assert "+添加成员" in body and "共3个人" in body
    for header in ["手机号", "姓名", "职位", "省份", "城市", "账号状态", "操作"]:
        assert f'<th scope="col">{header}</th>' in body
    assert "（管理员）" in body
    assert "李研发" in body and "江苏省" in body and "苏州市" in body
    assert "张总监" in body and "知识产权管理员" in body and "上海市" in body
    assert "待验证" in body and "已验证" in body
    assert "13600002925" in body  # the admin sees the full number they entered
    assert "{#" not in body and "#}" not in body  # no template comment leaks as text


def test_the_admins_own_row_has_no_actions(admin_client, enterprise, admin_user):
    admin_row = enterprise.memberships.get(user=admin_user)
    body = admin_client.get(LIST).content.decode()
    row = body.split(f'data-member="{admin_row.pk}"')[1].split("</tr>")[0]
    assert "（管理员）" in row
    assert "移除" not in row and "重新发送邀请" not in row


def test_pending_rows_offer_resend_and_verified_rows_only_remove(admin_client, enterprise):
    verified = MembershipFactory(enterprise=enterprise)
    pending = MembershipFactory(enterprise=enterprise, pending=True)
    body = admin_client.get(LIST).content.decode()
    verified_row = body.split(f'data-member="{verified.pk}"')[1].split("</tr>")[0]
    pending_row = body.split(f'data-member="{pending.pk}"')[1].split("</tr>")[0]
    assert "移除" in verified_row and "重新发送邀请" not in verified_row
    assert "移除" in pending_row and "重新发送邀请" in pending_row
    assert "链接已失效" in pending_row  # the factory row has no open link


def test_an_expired_link_is_pointed_out(admin_client, enterprise, admin_user):
    invited = membership_invite(
        enterprise=enterprise, by=admin_user, phone="13600002925", position="legal"
    )
    Invitation.objects.filter(membership=invited.membership).update(
        expires_at=timezone.now() - datetime.timedelta(minutes=1)
    )
    assert "邀请链接已过期" in admin_client.get(LIST).content.decode()


def test_removed_members_are_not_listed(admin_client, enterprise):
    gone = MembershipFactory(
        enterprise=enterprise, name="已离职", status="removed", removed_at=timezone.now()
    )
    body = admin_client.get(LIST).content.decode()
    assert "已离职" not in body and f'data-member="{gone.pk}"' not in body
    assert "共1个人" in body


def test_search_by_phone_or_name(admin_client, enterprise):
    MembershipFactory(enterprise=enterprise, name="王小明", user__phone="13911112222")
    MembershipFactory(enterprise=enterprise, name="赵小红", user__phone="13933334444")
    by_name = admin_client.get(LIST, {"q": "小明"}).content.decode()
    assert "王小明" in by_name and "赵小红" not in by_name
    assert "共3个人" in by_name  # the header still counts everyone
    by_phone = admin_client.get(LIST, {"q": "3333"}).content.decode()
    assert "赵小红" in by_phone and "王小明" not in by_phone
    none = admin_client.get(LIST, {"q": "没有这个人"}).content.decode()
    assert "没有找到匹配“没有这个人”的成员" in none


def test_pagination_20_per_page_keeps_the_search(admin_client, enterprise):
    for _ in range(45):
        MembershipFactory(enterprise=enterprise, name="同名员工")
    first = admin_client.get(LIST).content.decode()
    assert "第1页/共3页，共46条" in first
    assert first.count("data-member=") == 20
    searched = admin_client.get(LIST, {"q": "同名", "page": 3}).content.decode()
    assert "第3页/共3页，共45条" in searched
    assert searched.count("data-member=") == 5
    assert "?q=%E5%90%8C%E5%90%8D&amp;page=2" in searched  # the previous page keeps ?q=


@pytest.mark.parametrize("page", ["abc", "-1", "999", "1e9"])
def test_bad_page_numbers_show_a_page(admin_client, enterprise, page):
    assert admin_client.get(LIST, {"page": page}).status_code == 200


def _list_queries(client) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(LIST).status_code == 200
    return len(queries)


def test_the_member_list_costs_the_same_queries_for_5_and_60_members(
    client, enterprise, admin_user
):
    client.force_login(admin_user)
    client.get(LIST)  # the first request after login writes the session
    for index in range(4):
        MembershipFactory(enterprise=enterprise, pending=index % 2 == 0)
    few = _list_queries(client)
    for index in range(55):
        MembershipFactory(enterprise=enterprise, pending=index % 3 == 0)
    many = _list_queries(client)
    assert few == many
    assert many <= 8, many


def test_the_search_list_costs_the_same_queries_too(client, enterprise, admin_user):
    client.force_login(admin_user)
    client.get(LIST)
    MembershipFactory(enterprise=enterprise, name="搜索员工")
    with CaptureQueriesContext(connection) as few:
        client.get(LIST, {"q": "搜索"})
    for _ in range(30):
        MembershipFactory(enterprise=enterprise, name="搜索员工")
    with CaptureQueriesContext(connection) as many:
        client.get(LIST, {"q": "搜索"})
    assert len(few) == len(many)


def test_the_incomplete_banner_shows_on_the_member_list(client, db):
    _, admin = enterprise_with_admin(incomplete=True)
    client.force_login(admin)
    body = client.get(LIST).content.decode()
    assert BANNER in body
    assert "企业实际经营地址" in body  # says what is missing


# --- 添加成员 --------------------------------------------------------------------------------


def test_add_form_fields(admin_client):
    body = admin_client.get(ADD).content.decode()
    for label in ["姓名", "手机", "职位", "城市"]:
        assert f">{label}</" in body
    assert "请选择职位" in body and "请选择省份" in body and "请选择城市" in body
    assert 'hx-get="/core/regions/cities/"' in body
    assert "成员管理</a>" in body and "添加成员" in body  # breadcrumb


def test_add_a_member_shows_pending_and_texts_the_link(
    admin_client, enterprise, sms_outbox, settings
):
    response = admin_client.post(ADD, add_data())
    assert response.status_code == 302 and response["Location"] == LIST
    member = enterprise.memberships.get(phone="13600002925")
    assert member.status == Membership.Status.PENDING
    assert (member.name, member.position, member.city) == ("张总监", "ip_manager", "310000")

    body = admin_client.get(LIST).content.decode()
    assert "已添加成员 张总监（136****2925），邀请短信已发送至 136****2925。" in body
    row = body.split(f'data-member="{member.pk}"')[1].split("</tr>")[0]
    assert "待验证" in row

    assert len(sms_outbox) == 1
    message = sms_outbox[0]
    assert message.phone == "13600002925"
    assert message.text.startswith("【贯标认证学习平台】您好，")
    assert enterprise.name in message.text
    token = link_token(message)
    assert f"{settings.SMS_LINK_BASE}{token}" in message.text
    assert Invitation.objects.get(membership=member).token_hash == Invitation.hash_token(token)


def test_add_links_an_existing_account(admin_client, enterprise):
    user = UserFactory(phone="13600002925")
    admin_client.post(ADD, add_data())
    assert enterprise.memberships.get(phone="13600002925").user == user


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"phone": ""}, "phone", "请填写手机号。"),
        ({"phone": "1360000292"}, "phone", "请输入正确的11位手机号码（1开头）。"),
        ({"phone": "12600002925"}, "phone", "请输入正确的11位手机号码（1开头）。"),
        ({"phone": "1" * 30}, "phone", "请输入正确的11位手机号码（1开头）。"),
        ({"position": ""}, "position", "请选择职位。"),
        ({"position": "ceo"}, "position", "请选择职位。"),
        ({"province": "999999", "city": ""}, "province", "请选择有效的省份。"),
        ({"province": "", "city": "310000"}, "city", "请先选择省份，再选择城市。"),
        ({"province": "310000", "city": "320500"}, "city", "所选城市不属于所选省份"),
        ({"province": "320000", "city": "<script>"}, "city", "所选城市不属于所选省份"),
        ({"name": "名" * 51}, "name", "姓名不能超过50个字。"),
        ({"name": "=cmd|' /C calc'!A0"}, "name", "姓名不能以 = + - @ 等符号开头。"),
    ],
)
def test_bad_input_gets_a_chinese_message_next_to_the_field_and_keeps_the_rest(
    admin_client, enterprise, data, field, message, sms_outbox
):
    posted = add_data(**data)
    response = admin_client.post(ADD, posted)
    assert response.status_code == 200
    form = response.context["form"]
    assert message in " ".join(form.errors[field])
    body = response.content.decode()
    assert f'id="id_{field}_error"' in body
    # What was typed stays in the form.
    if field != "name":
        assert 'value="张总监"' in body
    if field != "phone":
        assert 'value="13600002925"' in body
    assert not enterprise.memberships.filter(phone="13600002925").exists()
    assert sms_outbox == []


def test_the_city_select_keeps_the_chosen_provinces_cities_after_an_error(admin_client):
    body = admin_client.post(
        ADD, add_data(phone="123", province="320000", city="320500")
    ).content.decode()
    assert '<option value="320500" selected>苏州市</option>' in body
    assert '<option value="320000" selected>江苏省</option>' in body


def test_phone_in_another_enterprise_is_refused_next_to_the_phone(
    admin_client, enterprise, other_enterprise, sms_outbox
):
    MembershipFactory(enterprise=other_enterprise, user=UserFactory(phone="13600002925"))
    response = admin_client.post(ADD, add_data())
    assert response.status_code == 200
    # The same answer as for a disabled account: nothing about the other enterprise.
    assert response.context["form"].errors["phone"] == [messages.PHONE_NOT_ADDABLE]
    assert 'id="id_phone_error"' in response.content.decode()
    assert 'value="张总监"' in response.content.decode()
    assert sms_outbox == []


def test_phone_already_a_verified_member_here(admin_client, enterprise):
    MembershipFactory(enterprise=enterprise, user=UserFactory(phone="13600002925"))
    response = admin_client.post(ADD, add_data())
    assert "该手机号已是本企业的成员" in response.context["form"].errors["phone"][0]


def test_adding_a_pending_phone_again_within_a_minute_says_wait(admin_client, enterprise):
    admin_client.post(ADD, add_data())
    response = admin_client.post(ADD, add_data())
    assert response.status_code == 200
    assert "请1分钟后再重新发送" in response.content.decode()


def test_add_is_refused_with_the_banner_while_the_profile_is_incomplete(client, sms_outbox):
    enterprise, admin = enterprise_with_admin(incomplete=True)
    client.force_login(admin)
    page = client.get(ADD).content.decode()
    assert BANNER in page and "前往填写企业信息" in page
    assert 'name="phone"' not in page
    response = client.post(ADD, add_data())
    assert BANNER in response.content.decode()
    assert not enterprise.memberships.filter(phone="13600002925").exists()
    assert sms_outbox == []


def test_city_options_for_a_province(admin_client):
    response = admin_client.get(reverse("core:city_options"), {"province": "320000"})
    body = response.content.decode()
    assert '<option value="">请选择城市</option>' in body
    assert '<option value="320500">苏州市</option>' in body
    assert "上海市" not in body
    for bad in ["", "999999", "<script>", "310000' OR 1=1"]:
        body = admin_client.get(reverse("core:city_options"), {"province": bad}).content.decode()
        assert body.strip() == '<option value="">请选择城市</option>'


# --- 移除 -----------------------------------------------------------------------------------


def test_remove_asks_for_confirmation_then_removes(admin_client, enterprise):
    member = MembershipFactory(enterprise=enterprise, name="李研发")
    url = reverse("enterprises:member_remove", args=[member.pk])
    page = admin_client.get(url).content.decode()
    assert "确定要移除成员" in page and "李研发" in page and "确认移除" in page
    member.refresh_from_db()
    assert member.status == Membership.Status.VERIFIED  # GET changes nothing

    response = admin_client.post(url, {"back": "?q=李&page=1"})
    assert response.status_code == 302
    assert unquote(response["Location"]) == LIST + "?q=李&page=1"
    member.refresh_from_db()
    assert member.status == Membership.Status.REMOVED
    assert member.user.is_active  # the account and its records stay
    body = admin_client.get(LIST).content.decode()
    assert "已移除成员 李研发" in body


def test_remove_needs_the_csrf_token(client, enterprise, admin_user):
    from django.test import Client

    member = MembershipFactory(enterprise=enterprise)
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(admin_user)
    response = strict.post(reverse("enterprises:member_remove", args=[member.pk]))
    assert response.status_code == 403
    member.refresh_from_db()
    assert member.status == Membership.Status.VERIFIED


def test_the_list_has_a_confirmation_dialog_with_a_csrf_token(admin_client, enterprise):
    MembershipFactory(enterprise=enterprise)
    body = admin_client.get(LIST).content.decode()
    dialog = body.split('id="remove-dialog"')[1]
    assert 'method="post"' in dialog and "csrfmiddlewaretoken" in dialog and "确认移除" in dialog


def test_removing_twice_is_friendly(admin_client, enterprise):
    member = MembershipFactory(enterprise=enterprise)
    url = reverse("enterprises:member_remove", args=[member.pk])
    admin_client.post(url)
    response = admin_client.post(url, follow=True)
    assert "该成员已移除" in response.content.decode()


def test_a_back_parameter_cannot_redirect_elsewhere(admin_client, enterprise):
    member = MembershipFactory(enterprise=enterprise)
    url = reverse("enterprises:member_remove", args=[member.pk])
    for back in ["https://evil.example/", "//evil.example", "?a\r\nSet-Cookie: x=1"]:
        response = admin_client.post(url, {"back": back})
        assert response["Location"] == LIST


def test_the_admin_row_cannot_be_removed(admin_client, enterprise, admin_user):
    admin_row = enterprise.memberships.get(user=admin_user)
    url = reverse("enterprises:member_remove", args=[admin_row.pk])
    response = admin_client.post(url, follow=True)
    assert "不能移除企业管理员" in response.content.decode()
    admin_row.refresh_from_db()
    assert admin_row.status == Membership.Status.VERIFIED
    assert admin_client.get(url).status_code == 302  # no confirmation page either


def test_remove_a_pending_member_voids_their_link(admin_client, enterprise, client):
    admin_client.post(ADD, add_data())
    token = link_token()
    member = enterprise.memberships.get(phone="13600002925")
    admin_client.post(reverse("enterprises:member_remove", args=[member.pk]))
    from django.test import Client

    page = Client().get(f"/j/{token}/")
    assert page.status_code == 410
    assert "已不在该企业的待验证成员中" in page.content.decode()


# --- 重新发送邀请 ---------------------------------------------------------------------------


def test_resend_sends_a_new_link_and_voids_the_old(admin_client, enterprise, sms_outbox):
    admin_client.post(ADD, add_data())
    first = link_token()
    member = enterprise.memberships.get(phone="13600002925")
    age_invitations(member)
    response = admin_client.post(
        reverse("enterprises:member_resend", args=[member.pk]), {"back": "?page=1"}, follow=True
    )
    assert "已重新发送邀请短信至 136****2925，之前的链接已失效。" in response.content.decode()
    assert len(sms_outbox) == 2
    second = link_token()
    assert second != first
    from django.test import Client

    assert "已失效" in Client().get(f"/j/{first}/").content.decode()
    assert Client().get(f"/j/{second}/").status_code == 200


def test_resend_within_a_minute_shows_the_services_message(admin_client, enterprise, sms_outbox):
    admin_client.post(ADD, add_data())
    member = enterprise.memberships.get(phone="13600002925")
    response = admin_client.post(
        reverse("enterprises:member_resend", args=[member.pk]), follow=True
    )
    assert "邀请短信刚刚发出，请1分钟后再重新发送。" in response.content.decode()
    assert len(sms_outbox) == 1


def test_resend_for_a_verified_member_is_refused_with_a_message(admin_client, enterprise):
    member = MembershipFactory(enterprise=enterprise)
    response = admin_client.post(
        reverse("enterprises:member_resend", args=[member.pk]), follow=True
    )
    assert "该成员已验证或已移除，无需发送邀请。" in response.content.decode()


def test_resend_is_post_only(admin_client, enterprise):
    member = MembershipFactory(enterprise=enterprise, pending=True)
    assert (
        admin_client.get(reverse("enterprises:member_resend", args=[member.pk])).status_code == 405
    )
