"""个人设置: 个人资料, 更换手机, 密码修改, 用户协议; the user menu and 身份切换."""

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from ipms.accounts.models import User
from ipms.enterprises.identity import SESSION_KEY as IDENTITY_KEY
from ipms.enterprises.models import Membership
from ipms.enterprises.tests.factories import EnterpriseFactory, MembershipFactory

from .conftest import ID_NUMBER, NEW_PASSWORD, OTHER_ID_NUMBER, PASSWORD, make_id_number

pytestmark = pytest.mark.django_db

PROFILE = reverse("accounts:settings")
PASSWORD_URL = reverse("accounts:settings_password")
PHONE_URL = reverse("accounts:settings_phone")
AGREEMENT_URL = reverse("accounts:settings_agreement")
SWITCH = reverse("enterprises:identity_switch")
NEW_PHONE = "13912345678"


def profile_data(**overrides):
    data = {
        "name": "张总监",
        "id_number": "",
        "position": "ip_manager",
        "province": "310000",
        "city": "310000",
    }
    data.update(overrides)
    return data


@pytest.mark.parametrize("url", [PROFILE, PASSWORD_URL, PHONE_URL, AGREEMENT_URL])
def test_settings_need_login(client, url):
    response = client.get(url)
    assert response.status_code == 302 and response.url.startswith(reverse("accounts:login"))


@pytest.mark.parametrize("url", [PROFILE, PASSWORD_URL, PHONE_URL, AGREEMENT_URL])
def test_settings_pages_are_not_cached_and_have_the_tabs(signed_in, url):
    response = signed_in.get(url)
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"] or "private" in response["Cache-Control"]
    body = response.content.decode()
    for tab in ["个人资料", "密码修改", "用户协议"]:
        assert tab in body


# --- 个人资料 ----------------------------------------------------------------------------


def test_profile_shows_the_manual_fields(signed_in):
    body = signed_in.get(PROFILE).content.decode()
    labels = ["姓名", "手机", "13600002925", "更换手机", "身份证", "公司", "职位", "城市", "提交"]
    for text in labels:
        assert text in body, text
    assert "未加入企业" in body


def test_profile_update_saves_everything_and_redirects(signed_in, learner):
    data = profile_data(id_number=ID_NUMBER, id_number_consent="on")
    response = signed_in.post(PROFILE, data)
    assert response.status_code == 302 and response.url == PROFILE
    learner.refresh_from_db()
    assert (learner.name, learner.position, learner.province, learner.city) == (
        "张总监",
        "ip_manager",
        "310000",
        "310000",
    )
    assert learner.reveal_id_number() == ID_NUMBER
    assert learner.id_number_agreed_at is not None
    body = signed_in.get(PROFILE).content.decode()
    assert "个人资料已保存。" in body
    assert "110101********" + ID_NUMBER[-4:] in body
    assert ID_NUMBER not in body  # not even the owner's page sends it back unasked


def test_id_number_needs_the_separate_consent(signed_in, learner):
    body = signed_in.post(PROFILE, profile_data(id_number=ID_NUMBER)).content.decode()
    assert "登记身份证号码需要您的单独同意" in body
    assert f'value="{ID_NUMBER}"' in body  # what the owner typed is kept for them
    learner.refresh_from_db()
    assert not learner.has_id_number


def test_keeping_the_same_number_needs_no_new_consent(signed_in, learner):
    signed_in.post(PROFILE, profile_data(id_number=ID_NUMBER, id_number_consent="on"))
    response = signed_in.post(PROFILE, profile_data(id_number=ID_NUMBER, name="张三"))
    assert response.status_code == 302
    learner.refresh_from_db()
    assert learner.name == "张三" and learner.reveal_id_number() == ID_NUMBER


def test_an_empty_id_input_keeps_the_number_and_clear_erases_it(signed_in, learner):
    signed_in.post(PROFILE, profile_data(id_number=ID_NUMBER, id_number_consent="on"))
    signed_in.post(PROFILE, profile_data(name="李四"))
    learner.refresh_from_db()
    assert learner.reveal_id_number() == ID_NUMBER
    assert "删除已登记的身份证号码" in signed_in.get(PROFILE).content.decode()
    signed_in.post(PROFILE, profile_data(clear_id_number="on"))
    learner.refresh_from_db()
    assert not learner.has_id_number and learner.id_number_digest == ""
    assert learner.id_number_agreed_at is None


def test_one_id_number_per_account(signed_in, learner):
    other = User.objects.create_user(phone="13900001111", password=PASSWORD)
    other.set_id_number(ID_NUMBER)
    other.save()
    data = profile_data(id_number=ID_NUMBER, id_number_consent="on")
    body = signed_in.post(PROFILE, data).content.decode()
    assert "该身份证号码已登记在其他账号下" in body
    learner.refresh_from_db()
    assert not learner.has_id_number


def test_id_number_changes_are_limited(signed_in, settings):
    settings.ID_NUMBER_CHANGE_RATE = "2/d"
    numbers = [make_id_number(seq=f"{i:03d}") for i in range(3)]
    for number in numbers[:2]:
        data = profile_data(id_number=number, id_number_consent="on")
        assert signed_in.post(PROFILE, data).status_code == 302
    body = signed_in.post(
        PROFILE, profile_data(id_number=numbers[2], id_number_consent="on")
    ).content.decode()
    assert "身份证号码修改过于频繁" in body


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"id_number": "110101199003071234"}, "校验位不正确"),
        ({"id_number": "11010119900307123"}, "应为18位"),
        ({"id_number": "110101" + "19900230" + "1234"}, "出生日期"),
        ({"id_number": "x" * 40}, "应为18位"),
        ({"id_number": "' OR '1'='1' --  "}, "身份证号码"),
        ({"province": "999999"}, "请选择有效的省份。"),
        ({"province": "320000", "city": "310000"}, "所选城市不属于所选省份，请重新选择。"),
        ({"province": "", "city": "310000"}, "请先选择省份，再选择城市。"),
        ({"city": "<svg/onload=alert(1)>"}, "所选城市不属于所选省份"),
        ({"position": "ceo"}, "请从列表中选择职位。"),
        ({"name": "名" * 51}, "姓名不能超过50个字。"),
        ({"clear_id_number": "on", "id_number": ID_NUMBER}, "删除身份证号码时请不要同时填写新号码"),
    ],
)
def test_profile_refusals_keep_what_was_typed(signed_in, learner, overrides, message):
    if "clear_id_number" in overrides:
        learner.set_id_number(OTHER_ID_NUMBER)
        learner.save()
    response = signed_in.post(PROFILE, profile_data(**{"name": "王五", **overrides}))
    assert response.status_code == 200
    body = response.content.decode()
    assert message in body, body
    if "name" not in overrides:
        assert 'value="王五"' in body


def test_without_js_a_new_province_shows_its_cities(signed_in):
    """Submitting 江苏省 with 上海's city re-displays the form with 江苏's cities."""
    body = signed_in.post(PROFILE, profile_data(province="320000", city="310000")).content.decode()
    assert '<option value="320100">南京市</option>' in body
    assert 'value="320000" selected' in body


def test_city_options_endpoint(client):
    url = reverse("core:city_options")
    body = client.get(url, {"province": "320000"}).content.decode()
    assert body.startswith('<option value="">请选择城市</option>')
    assert '<option value="320100">南京市</option>' in body
    for bogus in ["", "999999", "'; DROP TABLE", "x" * 1000]:
        response = client.get(url, {"province": bogus})
        assert response.status_code == 200
        assert response.content.decode().count("<option") == 1
    assert client.post(url).status_code == 405


def test_profile_prefills_from_the_member_row_and_shows_the_company(signed_in, learner):
    enterprise = EnterpriseFactory(name="苏州信息科技有限公司")
    MembershipFactory(
        enterprise=enterprise,
        user=learner,
        name="张总监",
        position=Membership.Position.IP_MANAGER,
        province="310000",
        city="310000",
    )
    learner.name = ""
    learner.save()
    body = signed_in.get(PROFILE).content.decode()
    assert "苏州信息科技有限公司" in body
    assert 'value="张总监"' in body
    assert 'value="ip_manager" selected' in body
    assert 'value="310000" selected' in body


def test_profile_page_query_count_stays_small(signed_in, learner):
    MembershipFactory(user=learner)
    signed_in.get(PROFILE)
    with CaptureQueriesContext(connection) as queries:
        assert signed_in.get(PROFILE).status_code == 200
    # session user, member row (公司 and defaults), the menu's admin check
    assert len(queries) <= 3, [q["sql"] for q in queries]


# --- 密码修改 ----------------------------------------------------------------------------


def test_password_change_keeps_this_session_and_ends_the_others(signed_in, learner):
    elsewhere = Client()
    elsewhere.force_login(learner)
    data = {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}
    response = signed_in.post(PASSWORD_URL, data)
    assert response.status_code == 302
    learner.refresh_from_db()
    assert learner.check_password(NEW_PASSWORD)
    assert signed_in.get(PROFILE).status_code == 200
    assert elsewhere.get(PROFILE).status_code == 302


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"old_password": ""}, "请填写当前密码。"),
        ({"old_password": "wrong-pass1"}, "当前密码不正确。"),
        ({"old_password": "x" * 500}, "当前密码不正确。"),
        ({"new_password2": "Other2026x"}, "两次输入的密码不一致。"),
        ({"new_password1": "abcdefgh", "new_password2": "abcdefgh"}, "字母和数字"),
        ({"new_password1": PASSWORD, "new_password2": PASSWORD}, "新密码不能与当前密码相同。"),
    ],
)
def test_password_change_refusals(signed_in, learner, overrides, message):
    data = {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}
    body = signed_in.post(PASSWORD_URL, {**data, **overrides}).content.decode()
    assert message in body
    assert NEW_PASSWORD not in body and PASSWORD not in body
    learner.refresh_from_db()
    assert learner.check_password(PASSWORD)


def test_wrong_current_passwords_are_limited(signed_in, learner, settings):
    settings.PASSWORD_CHECK_RATE = "3/15m"
    data = {
        "old_password": "wrong-pass1",
        "new_password1": NEW_PASSWORD,
        "new_password2": NEW_PASSWORD,
    }
    for _ in range(2):
        assert "当前密码不正确。" in signed_in.post(PASSWORD_URL, data).content.decode()
    assert "当前密码输错次数过多" in signed_in.post(PASSWORD_URL, data).content.decode()
    body = signed_in.post(PASSWORD_URL, {**data, "old_password": PASSWORD}).content.decode()
    assert "当前密码输错次数过多" in body  # even the right one waits for the cool-off
    learner.refresh_from_db()
    assert learner.check_password(PASSWORD)


# --- 更换手机 ----------------------------------------------------------------------------


def test_phone_change(signed_in, learner, send_code, sms_outbox):
    enterprise = EnterpriseFactory()
    membership = MembershipFactory(enterprise=enterprise, user=learner)
    elsewhere = Client()
    elsewhere.force_login(learner)

    code = send_code(NEW_PHONE, "change_phone", via=signed_in)
    assert sms_outbox[-1].phone == NEW_PHONE
    response = signed_in.post(PHONE_URL, {"phone": NEW_PHONE, "code": code, "password": PASSWORD})
    assert response.status_code == 302 and response.url == PROFILE
    learner.refresh_from_db()
    assert learner.phone == NEW_PHONE
    membership.refresh_from_db()
    assert membership.phone == NEW_PHONE
    body = signed_in.get(PROFILE).content.decode()
    assert "手机号已更换为 139****5678" in body
    assert elsewhere.get(PROFILE).status_code == 302  # the other session ended


def test_phone_change_checks_the_password_before_the_code(signed_in, learner, send_code):
    code = send_code(NEW_PHONE, "change_phone", via=signed_in)
    body = signed_in.post(
        PHONE_URL, {"phone": NEW_PHONE, "code": code, "password": "wrong-pass1"}
    ).content.decode()
    assert "当前密码不正确。" in body
    assert f'value="{NEW_PHONE}"' in body
    # The code was not spent by the refused attempt.
    response = signed_in.post(PHONE_URL, {"phone": NEW_PHONE, "code": code, "password": PASSWORD})
    assert response.status_code == 302


def test_phone_change_refuses_wrong_and_reused_codes(signed_in, learner, send_code):
    code = send_code(NEW_PHONE, "change_phone", via=signed_in)
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    body = signed_in.post(PHONE_URL, {"phone": NEW_PHONE, "code": wrong, "password": PASSWORD})
    assert "验证码错误" in body.content.decode()
    assert (
        signed_in.post(
            PHONE_URL, {"phone": NEW_PHONE, "code": code, "password": PASSWORD}
        ).status_code
        == 302
    )
    body = signed_in.post(PHONE_URL, {"phone": "13912340000", "code": code, "password": PASSWORD})
    assert "请先获取短信验证码。" in body.content.decode()


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"phone": "13600002925"}, "新手机号与当前手机号相同。"),
        ({"phone": "123"}, "请输入正确的11位手机号码"),
        ({"code": "12"}, "请输入6位数字验证码。"),
        ({"password": ""}, "请填写当前密码。"),
    ],
)
def test_phone_change_refusals(signed_in, learner, overrides, message):
    data = {"phone": NEW_PHONE, "code": "123456", "password": PASSWORD, **overrides}
    assert message in signed_in.post(PHONE_URL, data).content.decode()
    learner.refresh_from_db()
    assert learner.phone == "13600002925"


def test_phone_taken_in_the_meantime(signed_in, learner, send_code):
    code = send_code(NEW_PHONE, "change_phone", via=signed_in)
    User.objects.create_user(phone=NEW_PHONE, password=PASSWORD)
    body = signed_in.post(PHONE_URL, {"phone": NEW_PHONE, "code": code, "password": PASSWORD})
    assert "该手机号已被其他账号使用。" in body.content.decode()


# --- 用户协议 ----------------------------------------------------------------------------


def test_public_agreement_page(client):
    body = client.get(reverse("accounts:agreement")).content.decode()
    assert "《用户协议》" in body and settings.USER_AGREEMENT_VERSION in body
    for topic in ["身份证号码", "加密", "境内", "删除", "撤回同意", "联系我们"]:
        assert topic in body, topic


def test_agreement_tab_shows_the_record_and_accepts_a_new_version(signed_in, learner):
    body = signed_in.get(AGREEMENT_URL).content.decode()
    assert "尚无同意记录" in body and "请阅读后确认" in body
    response = signed_in.post(AGREEMENT_URL)
    assert response.status_code == 302
    learner.refresh_from_db()
    assert learner.agreement_version == settings.USER_AGREEMENT_VERSION
    body = signed_in.get(AGREEMENT_URL).content.decode()
    assert f"同意{settings.USER_AGREEMENT_VERSION}版" in body and "请阅读后确认" not in body


def test_login_asks_for_a_newer_agreement(client, learner):
    client.post(reverse("accounts:login"), {"username": learner.phone, "password": PASSWORD})
    assert "《用户协议》" in client.get(reverse("content:home")).content.decode()


# --- user menu and 身份切换 ----------------------------------------------------------------


def test_menu_for_a_learner(signed_in):
    body = signed_in.get(reverse("content:home")).content.decode()
    assert "136****2925" in body and "个人设置" in body and "安全退出" in body
    assert "身份切换" not in body
    assert reverse("accounts:settings") in body


def test_menu_and_switch_for_an_enterprise_admin(signed_in, learner):
    MembershipFactory(user=learner, admin=True)
    body = signed_in.get(reverse("content:home")).content.decode()
    assert "身份切换" in body and "切换为管理员" in body
    response = signed_in.post(SWITCH)
    assert response.status_code == 302 and response.url == reverse("enterprises:index")
    assert signed_in.session[IDENTITY_KEY] == "admin"
    assert "切换为学员" in signed_in.get(reverse("content:home")).content.decode()
    response = signed_in.post(SWITCH)
    assert response.url == reverse("content:home")
    assert signed_in.session[IDENTITY_KEY] == "learner"


def test_switch_is_refused_to_non_admins_and_needs_post(signed_in):
    assert signed_in.get(SWITCH).status_code == 405
    response = signed_in.post(SWITCH)
    assert response.status_code == 302 and response.url == reverse("content:home")
    assert signed_in.session[IDENTITY_KEY] == "learner"


def test_switch_needs_login(client):
    response = client.post(SWITCH)
    assert response.status_code == 302 and reverse("accounts:login") in response.url


def test_login_page_links(client):
    body = client.get(reverse("accounts:login")).content.decode()
    assert reverse("accounts:password_reset") in body and "找回密码" in body
    assert reverse("enterprises:register") in body and "立即注册" in body


def test_with_the_limit_cache_down_the_current_password_is_not_checked(
    signed_in, learner, ratelimit_cache_down
):
    """``password_check_user`` fails closed: a stolen session cannot guess unlimited."""
    data = {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}
    body = signed_in.post(PASSWORD_URL, data).content.decode()
    assert "服务暂时不可用，请稍后再试。" in body
    learner.refresh_from_db()
    assert learner.check_password(PASSWORD)


def test_phone_change_errors_sit_next_to_their_fields_and_go_once_fixed(
    signed_in, learner, send_code
):
    """D9: each refusal next to its field (not only a page-level notice); a corrected
    resubmission shows none of the old ones."""
    data = {"phone": "13600002925", "code": "12", "password": ""}
    body = signed_in.post(PHONE_URL, data).content.decode()
    phone_row = body.split('id="sms-phone-errors"', 1)[1].split("</div>\n</div>", 1)[0]
    assert "新手机号与当前手机号相同。" in phone_row
    assert 'id="id_code_error">请输入6位数字验证码。' in body
    assert 'id="id_password_error">请填写当前密码。' in body
    code = send_code(NEW_PHONE, "change_phone", via=signed_in)
    fixed = {"phone": NEW_PHONE, "code": code, "password": "wrong-pass1"}
    body = signed_in.post(PHONE_URL, fixed).content.decode()
    assert "当前密码不正确。" in body
    for old in ("新手机号与当前手机号相同。", "请输入6位数字验证码。", "请填写当前密码。"):
        assert old not in body
    assert signed_in.post(PHONE_URL, {**fixed, "password": PASSWORD}).status_code == 302
