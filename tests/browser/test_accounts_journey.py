"""Account journeys in Chromium, as a new user does them: 企业注册 (slider dragged with the
mouse) → 安全退出 → 登录; 个人注册 with an SMS code; 找回密码; 个人资料 and 更换手机.

The slider is dragged on clocks the test moves (``slider`` in conftest), never by waiting.

SMS codes are read from the test outbox (ipms.core.sms.outbox), where the live server's
after-commit sends land.
"""

import re

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect

from ipms.accounts.tests.conftest import ID_NUMBER
from tests.browser.conftest import (
    DESKTOP,
    PHONE,
    assert_accessible_basics,
    open_nav,
    open_user_menu,
    sms_code_get,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "Journey2026pass"
NEW_PASSWORD = "Journey2027next"


def fill_more_enterprise_info(page: Page, *, address: str, scale: str) -> None:
    """Open 填写更多企业信息 on 企业注册 and fill it in (a privately owned IT company)."""
    page.get_by_text("填写更多企业信息").click()
    page.get_by_label("企业实际经营地址").fill(address)
    page.get_by_label("企业规模").select_option(label=scale)
    page.get_by_label("企业所属行业").select_option(label="计算机/互联网/通信/电子")
    page.get_by_label("企业类型").select_option(label="民营企业")


def log_out(page: Page) -> None:
    open_user_menu(page)
    page.get_by_role("button", name="安全退出").click()
    expect(page.locator("#user-menu")).to_have_count(0)


def log_in(page: Page, phone: str, password: str) -> None:
    page.wait_for_load_state("load")  # see open_user_menu
    open_nav(page, "登录")
    expect(page.get_by_role("heading", name="手机号登录")).to_be_visible()
    page.get_by_label("手机号").fill(phone)
    page.get_by_label("登录密码").fill(password)
    page.get_by_role("button", name="登录", exact=True).click()
    masked = f"{phone[:3]}****{phone[-4:]}"
    expect(page.locator("#user-menu")).to_contain_text(masked)


get_code = sms_code_get


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_register_an_enterprise_log_out_and_log_in(
    page, live_server, shoot, viewport, console_errors, slider, sms_outbox
):
    from ipms.enterprises.models import Enterprise, Membership
    from ipms.enterprises.tests.factories import make_uscc

    phone = "13812345678"
    code = make_uscc(23_456_789)
    page.set_viewport_size(viewport)
    page.goto(live_server.url + "/")
    open_nav(page, "登录")
    page.get_by_role("link", name="立即注册").click()
    expect(page.get_by_role("link", name="企业注册")).to_have_attribute("aria-current", "page")
    assert_accessible_basics(page)
    shoot(page, "enterprise-form")

    # A wrong check digit is refused next to the field; what was typed stays.
    page.get_by_label("公司名称").fill("苏州贯标信息科技有限公司")
    page.get_by_label("营业执照注册号/统一社会信用代码").fill(code[:17] + "0")
    page.get_by_label("管理员手机号").fill(phone)
    # The admin's phone is proven with an SMS code (the slider comes first).
    slider.solve(page)
    sms = sms_code_get(page, sms_outbox, phone, "验证码已发送至 138****5678")
    page.get_by_label("短信验证码").fill(sms)
    page.get_by_label("登录密码").fill(PASSWORD)
    page.get_by_role("checkbox", name=re.compile("我已阅读并同意")).check()
    page.get_by_role("button", name="注册", exact=True).click()
    expect(page.get_by_text(re.compile("统一社会信用代码.*不正确"))).to_be_visible()
    expect(page.get_by_label("公司名称")).to_have_value("苏州贯标信息科技有限公司")
    expect(page.get_by_label("管理员手机号")).to_have_value(phone)
    # The valid password and the unspent code stay: nothing to type again.
    expect(page.get_by_label("登录密码")).to_have_value(PASSWORD)
    expect(page.get_by_label("短信验证码")).to_have_value(sms)
    assert_accessible_basics(page)
    shoot(page, "enterprise-refused")

    # Corrected, with the folding part filled in; no second slider: the code proves it.
    page.get_by_label("营业执照注册号/统一社会信用代码").fill(code)
    fill_more_enterprise_info(page, address="苏州工业园区星湖街328号", scale="500-1000人")
    shoot(page, "enterprise-filled")
    page.get_by_role("button", name="注册", exact=True).click()
    expect(page.get_by_text(re.compile("企业注册成功"))).to_be_visible()
    expect(page.locator("#user-menu")).to_contain_text("138****5678")
    shoot(page, "enterprise-registered")

    enterprise = Enterprise.objects.get(credit_code=code)
    assert enterprise.is_profile_complete
    assert Membership.objects.get(enterprise=enterprise).role == Membership.Role.ADMIN

    log_out(page)
    log_in(page, phone, PASSWORD)
    open_user_menu(page)
    expect(page.get_by_role("button", name=re.compile("身份切换"))).to_be_visible()
    expect(page.get_by_role("link", name="个人设置")).to_be_visible()
    shoot(page, "user-menu")


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_personal_registration_with_an_sms_code(
    page, live_server, shoot, sms_outbox, viewport, console_errors, slider
):
    from ipms.accounts.models import User

    phone = "13912345678"
    page.set_viewport_size(viewport)
    page.goto(live_server.url + reverse("enterprises:register"))
    page.get_by_role("link", name="个人注册").click()
    expect(page.get_by_role("link", name="个人注册")).to_have_attribute("aria-current", "page")

    # 获取验证码 before the slider: told to slide first, under the slider; nothing sent.
    page.get_by_label("手机号").fill(phone)
    page.get_by_role("button", name="获取验证码").click()
    expect(page.locator("#sms-slider")).to_contain_text("请先完成滑块验证。")
    assert sms_outbox == []

    slider.solve(page)
    code = get_code(page, sms_outbox, phone, "验证码已发送至 139****5678")
    assert_accessible_basics(page)
    shoot(page, "personal-code-sent")
    page.get_by_label("短信验证码").fill(code)
    page.get_by_label("登录密码").fill(PASSWORD)
    page.get_by_role("checkbox", name=re.compile("我已阅读并同意")).check()
    # A double click posts once (accounts.js); a second post would find the code spent.
    page.get_by_role("button", name="注册", exact=True).dblclick()
    expect(page.get_by_text(re.compile("注册成功"))).to_be_visible()
    expect(page.locator("#user-menu")).to_contain_text("139****5678")
    assert User.objects.get(phone=phone).check_password(PASSWORD)
    shoot(page, "personal-registered")


def test_forgotten_password(page, live_server, shoot, sms_outbox, console_errors, slider):
    from ipms.accounts.models import User

    phone = "13600002925"
    User.objects.create_user(phone=phone, password=PASSWORD, name="张总监")
    page.set_viewport_size(DESKTOP)
    page.goto(live_server.url + reverse("accounts:login"))
    page.get_by_role("link", name="找回密码").click()
    expect(page.get_by_role("heading", name="找回密码")).to_be_visible()
    page.get_by_label("手机号").fill(phone)
    slider.solve(page)
    code = get_code(page, sms_outbox, phone, "如该手机号已注册，验证码已发送至 136****2925")
    assert_accessible_basics(page)

    # A typo in the confirmation is refused; the phone and code stay.
    page.get_by_label("短信验证码").fill(code)
    page.get_by_label("新密码", exact=True).fill(NEW_PASSWORD)
    page.get_by_label("确认新密码").fill(NEW_PASSWORD + "x")
    page.get_by_role("button", name="重设密码").click()
    expect(page.get_by_text("两次输入的密码不一致。")).to_be_visible()
    expect(page.get_by_label("手机号")).to_have_value(phone)
    expect(page.get_by_label("短信验证码")).to_have_value(code)
    shoot(page, "reset-refused")

    page.get_by_label("新密码", exact=True).fill(NEW_PASSWORD)
    page.get_by_label("确认新密码").fill(NEW_PASSWORD)
    page.get_by_role("button", name="重设密码").click()
    expect(page.get_by_text(re.compile("密码已重置"))).to_be_visible()
    expect(page.get_by_role("heading", name="手机号登录")).to_be_visible()
    shoot(page, "reset-done")
    page.get_by_label("手机号").fill(phone)
    page.get_by_label("登录密码").fill(NEW_PASSWORD)
    page.get_by_role("button", name="登录", exact=True).click()
    expect(page.locator("#user-menu")).to_contain_text("136****2925")


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_after_failed_logins_from_one_address_the_slider_appears_and_login_works(
    page, live_server, shoot, viewport, console_errors, slider, settings
):
    """An office behind one address: after its failed logins (here 3, LOGIN_IP_SLIDER_RATE)
    the login form asks for the slider; a colleague drags it and gets in."""
    from ipms.accounts.models import User

    settings.LOGIN_IP_SLIDER_RATE = "3/15m"
    User.objects.create_user(phone="13600002925", password=PASSWORD, name="张总监")
    page.set_viewport_size(viewport)
    page.goto(live_server.url + reverse("accounts:login"))
    expect(slider.handle()).to_have_count(0)
    for _ in range(3):
        page.get_by_label("手机号").fill("13600002925")
        page.get_by_label("登录密码").fill("wrong-Pass1")
        page.get_by_role("button", name="登录", exact=True).click()
        expect(page.get_by_text("手机号或密码不正确。")).to_be_visible()
    notice = page.get_by_role("status").filter(has_text="请先完成滑块验证再登录")
    expect(notice).to_be_visible()
    expect(slider.handle()).to_be_visible()
    expect(page.get_by_label("手机号")).to_have_value("13600002925")
    assert_accessible_basics(page)
    shoot(page, "login-slider")

    # Without dragging: told to slide, no password tried.
    page.get_by_label("登录密码").fill(PASSWORD)
    page.get_by_role("button", name="登录", exact=True).click()
    expect(page.get_by_text("请先完成滑块验证。")).to_be_visible()
    expect(page.locator("#user-menu")).to_have_count(0)

    page.get_by_label("登录密码").fill(PASSWORD)
    slider.solve(page)
    expect(page.get_by_text("请先完成滑块验证。")).to_have_count(0)
    shoot(page, "login-slider-passed")
    page.get_by_role("button", name="登录", exact=True).click()
    expect(page.locator("#user-menu")).to_contain_text("136****2925")


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_profile_and_phone_change(
    page, live_server, shoot, sms_outbox, viewport, console_errors, slider
):
    from ipms.accounts.models import User

    phone, new_phone = "13600002925", "13712345678"
    User.objects.create_user(phone=phone, password=PASSWORD)
    page.set_viewport_size(viewport)
    page.goto(live_server.url + "/")
    log_in(page, phone, PASSWORD)
    open_user_menu(page)
    page.get_by_role("link", name="个人设置").click()
    expect(page.get_by_role("heading", name="个人设置")).to_be_visible()
    page.wait_for_load_state("load")  # htmx has bound 省份's change (see the enterprise journey)
    assert_accessible_basics(page)

    # 个人资料: 省份 → 城市 cascades without a page load (htmx).
    page.get_by_label("姓名").fill("张总监")
    page.get_by_role("textbox", name="身份证").fill(ID_NUMBER)
    page.get_by_label("职位").select_option(label="知识产权管理员")
    page.get_by_label("省份").select_option(label="江苏省")
    expect(page.locator("#id_city option", has_text="苏州市")).to_be_attached()
    page.get_by_label("城市", exact=True).select_option(label="苏州市")
    page.get_by_role("button", name="提交").click()
    expect(page.get_by_text("登记身份证号码需要您的单独同意")).to_be_visible()
    expect(page.get_by_label("姓名")).to_have_value("张总监")
    page.get_by_role("checkbox", name=re.compile("我单独同意")).check()
    page.get_by_role("button", name="提交").click()
    expect(page.get_by_text("个人资料已保存。")).to_be_visible()
    masked = f"已登记：{ID_NUMBER[:6]}{'*' * 8}{ID_NUMBER[-4:]}"
    expect(page.get_by_text(masked)).to_be_visible()
    expect(page.get_by_label("城市", exact=True)).to_have_value("320500")
    assert ID_NUMBER not in page.content()
    shoot(page, "profile-saved")

    # 更换手机: code to the new number, current password. A refused number is told next to
    # the field, and the error goes once the number is fixed (D9).
    page.get_by_role("link", name="更换手机").click()
    page.get_by_label("新手机号").fill(phone)
    page.get_by_role("button", name="提交").click()
    phone_error = page.locator("#sms-phone-errors")
    expect(phone_error).to_contain_text("新手机号与当前手机号相同。")
    expect(page.get_by_label("新手机号")).to_have_attribute("aria-invalid", "true")
    slider.solve(page)
    page.get_by_role("button", name="获取验证码").click()
    expect(phone_error).to_contain_text("新手机号与当前手机号相同。")
    expect(page.locator("#sms-status")).to_have_text("")
    shoot(page, "phone-refused")
    page.get_by_label("新手机号").fill(new_phone)
    slider.solve(page)
    code = get_code(page, sms_outbox, new_phone, "验证码已发送至 137****5678")
    expect(phone_error).to_have_text("")
    expect(page.get_by_label("新手机号")).not_to_have_attribute("aria-invalid", "true")
    expect(page.get_by_label("新手机号")).not_to_have_class(re.compile("is-invalid"))
    page.get_by_label("短信验证码").fill(code)
    page.get_by_label("当前密码").fill(PASSWORD)
    assert_accessible_basics(page)
    shoot(page, "phone-change")
    page.get_by_role("button", name="提交").click()
    expect(page.get_by_text(re.compile("手机号已更换为 137\\*\\*\\*\\*5678"))).to_be_visible()
    expect(page.locator("#user-menu")).to_contain_text("137****5678")

    log_out(page)
    log_in(page, new_phone, PASSWORD)
