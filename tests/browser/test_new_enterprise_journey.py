"""Issue 3's whole chain in one browser session, as a new customer lives it:
企业注册 → 添加成员 → the member opens the SMS link → 确认加入 → 已验证 → the member logs in.
"""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import DESKTOP, assert_accessible_basics, open_nav, sms_code_get
from tests.browser.test_accounts_journey import fill_more_enterprise_info, log_in, log_out
from tests.browser.test_enterprise_journey import LINK_RE, member_row

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ADMIN_PHONE = "13912340001"
ADMIN_PASSWORD = "Qiye2026admin"
MEMBER_PHONE = "13912340002"
MEMBER_PASSWORD = "Xueyuan2026ok"


def test_register_add_a_member_who_confirms_and_logs_in(
    page, live_server, other_page, sms_outbox, settings, shoot, slider
):
    from ipms.enterprises.models import Membership
    from ipms.enterprises.tests.factories import make_uscc

    settings.SMS_LINK_BASE = live_server.url + "/j/"
    page.set_viewport_size(DESKTOP)

    # 企业注册 with the folding part filled in, so the profile is complete.
    page.goto(live_server.url + "/")
    open_nav(page, "登录")
    page.get_by_role("link", name="立即注册").click()
    page.get_by_label("公司名称").fill("无锡链路测试科技有限公司")
    page.get_by_label("营业执照注册号/统一社会信用代码").fill(make_uscc(31_415_926))
    page.get_by_label("管理员手机号").fill(ADMIN_PHONE)
    slider.solve(page)
    code = sms_code_get(page, sms_outbox, ADMIN_PHONE, "验证码已发送至 139****0001")
    page.get_by_label("短信验证码").fill(code)
    page.get_by_label("登录密码").fill(ADMIN_PASSWORD)
    fill_more_enterprise_info(page, address="无锡市新吴区长江路 7 号", scale="50-150人")
    page.get_by_role("checkbox", name=re.compile("我已阅读并同意")).check()
    page.get_by_role("button", name="注册", exact=True).click()
    expect(page.get_by_text(re.compile("企业注册成功"))).to_be_visible()

    # Straight into 成员管理 as the admin; 添加成员.
    page.goto(live_server.url + "/enterprise/members/")
    expect(page.get_by_role("heading", name="成员管理")).to_be_visible()
    page.get_by_role("link", name="+添加成员").click()
    page.get_by_label("姓名").fill("钱工程师")
    page.get_by_label("手机").fill(MEMBER_PHONE)
    page.get_by_label("职位").select_option(label="研发/技术")
    page.get_by_role("button", name="提交").click()
    expect(member_row(page, MEMBER_PHONE)).to_contain_text("待验证")
    assert_accessible_basics(page)
    shoot(page, "member-pending")

    # The SMS link, opened in the member's own browser: set a password, 确认加入.
    (message,) = [m for m in sms_outbox if m.phone == MEMBER_PHONE]
    assert "无锡链路测试科技有限公司" in message.text
    link = LINK_RE.search(message.text).group(1)
    member = other_page(DESKTOP)
    member.goto(live_server.url + link)
    member.get_by_label("设置登录密码").fill(MEMBER_PASSWORD)
    member.get_by_label("确认登录密码").fill(MEMBER_PASSWORD)
    member.get_by_label("我已阅读并同意").check()
    member.get_by_role("button", name="确认加入").click()
    expect(member.get_by_role("heading", name="激活成功")).to_be_visible()
    shoot(member, "joined")

    # The admin sees 已验证; the member logs out and back in with the new password.
    page.reload()
    expect(member_row(page, MEMBER_PHONE)).to_contain_text("已验证")
    shoot(page, "member-verified")
    log_out(member)
    log_in(member, MEMBER_PHONE, MEMBER_PASSWORD)

    membership = Membership.objects.get(phone=MEMBER_PHONE)
    assert membership.status == Membership.Status.VERIFIED
    assert membership.user.check_password(MEMBER_PASSWORD)
