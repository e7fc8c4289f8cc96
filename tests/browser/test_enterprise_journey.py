"""An enterprise admin's journey in Chromium, at desktop and phone widths.

The admin logs in, adds a member (待验证), the member opens the SMS link in a browser of
their own, sets a password and joins (激活成功), the admin sees 已验证, the member logs in
again, and the admin imports a file of good and bad rows through the pages.
"""

import io
import re

import pytest
from openpyxl import Workbook, load_workbook
from playwright.sync_api import Page, expect

from tests.browser.conftest import (
    DESKTOP,
    PHONE,
    assert_accessible_basics,
    expand_nav,
    log_in,
    wait_for_animations,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ADMIN_PHONE = "18600002641"
ADMIN_PASSWORD = "Guanli2026ok"
MEMBER_PHONE = "13600002925"
MEMBER_PASSWORD = "Xuexi2026ok"
LINK_RE = re.compile(r"(/j/[A-Za-z0-9_-]+)")


@pytest.fixture
def enterprise_admin(transactional_db):
    from ipms.accounts.models import User
    from ipms.enterprises.models import Enterprise
    from ipms.enterprises.services import enterprise_register

    admin = User.objects.create_user(phone=ADMIN_PHONE, password=ADMIN_PASSWORD, name="王明远")
    return enterprise_register(
        name="苏州示范智能科技有限公司",
        credit_code="91350100M000100Y43",
        admin_user=admin,
        address="江苏省苏州市工业园区星湖街328号",
        scale=Enterprise.Scale.FROM_500,
        industry=Enterprise.Industry.IT,
        type=Enterprise.Type.PRIVATE,
    )


def admin_nav(page: Page, label: str) -> None:
    expand_nav(page)
    page.get_by_role("navigation", name="主导航").get_by_role(
        "link", name=label, exact=True
    ).click()


def member_row(page: Page, phone: str):
    return page.locator("table.member-table tbody tr", has_text=phone)


def import_file(path) -> None:
    wb = Workbook()
    ws = wb.active
    ws.title = "成员"
    ws.append(["姓名", "手机", "职位", "省份", "城市"])
    ws.append(["陈一", "13700000101", "知识产权管理员", "江苏省", "苏州市"])
    ws.append(["林二", 13700000102, "研发/技术", "上海市", "上海市"])
    ws.append(["周三", "1370000", "法务", "", ""])  # bad phone
    ws.append(["吴四", "13700000104", "厨师", "", ""])  # unknown 职位
    ws.append(["郑五", "13700000101", "法务", "", ""])  # duplicate of row 2
    ws.append(["张总监", MEMBER_PHONE, "法务", "", ""])  # already a member here
    wb.save(path)


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_admin_adds_a_member_who_joins_then_imports_a_file(
    page, live_server, other_page, enterprise_admin, sms_outbox, settings, shoot, viewport, tmp_path
):
    settings.SMS_LINK_BASE = live_server.url + "/j/"
    page.set_viewport_size(viewport)

    # The admin logs in and switches to the 管理员 identity from the user menu.
    log_in(page, live_server, ADMIN_PHONE, ADMIN_PASSWORD)
    expand_nav(page)
    page.locator("#user-menu").click()
    page.get_by_role("button", name=re.compile("身份切换")).click()
    expect(page.get_by_role("heading", name="成员管理")).to_be_visible()
    expect(page.get_by_text("苏州示范智能科技有限公司").first).to_be_visible()
    expect(page.get_by_text("共1个人")).to_be_visible()
    expect(member_row(page, ADMIN_PHONE)).to_contain_text("（管理员）")
    assert_accessible_basics(page)
    shoot(page, "members-empty")

    # 添加成员: a wrong phone first (the typed name stays), then the right one.
    page.get_by_role("link", name="+添加成员").click()
    expect(page.get_by_role("heading", name="添加成员")).to_be_visible()
    # htmx binds 省份's change on DOMContentLoaded; a busy machine shows the heading first.
    page.wait_for_load_state("load")
    page.get_by_label("姓名").fill("张总监")
    page.get_by_label("手机").fill("1360000")
    page.get_by_label("职位").select_option(label="知识产权管理员")
    page.get_by_label("省份").select_option(label="上海市")
    expect(page.get_by_label("城市").locator("option", has_text="上海市")).to_be_attached()
    page.get_by_label("城市").select_option(label="上海市")
    assert_accessible_basics(page)
    shoot(page, "add-member")
    page.get_by_role("button", name="提交").click()
    expect(page.get_by_text("请输入正确的11位手机号码（1开头）。")).to_be_visible()
    expect(page.get_by_label("姓名")).to_have_value("张总监")
    expect(page.get_by_label("城市")).to_have_value("310000")
    page.get_by_label("手机").fill(MEMBER_PHONE)
    page.get_by_role("button", name="提交").click()
    expect(page.get_by_text("已添加成员 张总监（136****2925）")).to_be_visible()
    expect(member_row(page, MEMBER_PHONE)).to_contain_text("待验证")
    expect(page.get_by_text("共2个人")).to_be_visible()
    assert_accessible_basics(page)
    shoot(page, "member-pending")

    # The member opens the SMS link in a browser of their own.
    (message,) = [m for m in sms_outbox if m.phone == MEMBER_PHONE]
    link = LINK_RE.search(message.text).group(1)
    assert message.text.startswith("【贯标认证学习平台】您好，苏州示范智能科技有限公司 将您加入")
    member = other_page(viewport)
    member.goto(live_server.url + link)
    expect(member.get_by_role("heading", name="账号激活")).to_be_visible()
    expect(member.get_by_text("136****2925", exact=True)).to_be_visible()
    assert_accessible_basics(member)
    shoot(member, "invitation-signup")
    member.get_by_label("设置登录密码").fill(MEMBER_PASSWORD)
    member.get_by_label("确认登录密码").fill("Different2026")
    member.get_by_label("我已阅读并同意").check()
    member.get_by_role("button", name="确认加入").click()
    expect(member.get_by_text("两次输入的密码不一致。")).to_be_visible()
    member.get_by_label("设置登录密码").fill(MEMBER_PASSWORD)
    member.get_by_label("确认登录密码").fill(MEMBER_PASSWORD)
    member.get_by_role("button", name="确认加入").click()
    expect(member.get_by_role("heading", name="激活成功")).to_be_visible()
    assert_accessible_basics(member)
    shoot(member, "joined")
    # The link works once.
    member.goto(live_server.url + link)
    expect(member).to_have_url(re.compile(r"/enterprise/joined/$"))

    # Back as the admin: 已验证.
    page.reload()
    expect(member_row(page, MEMBER_PHONE)).to_contain_text("已验证")
    shoot(page, "member-verified")

    # The member logs out and logs in again with the new password.
    expand_nav(member)
    member.locator("#user-menu").click()
    member.get_by_role("button", name="安全退出").click()
    log_in(member, live_server, MEMBER_PHONE, MEMBER_PASSWORD)

    # 批量导入: the template, then a file with good and bad rows.
    page.get_by_role("link", name="批量导入").click()
    expect(page.get_by_role("heading", name="批量导入")).to_be_visible()
    with page.expect_download() as download_info:
        page.get_by_role("link", name="下载模板").click()
    download = download_info.value
    assert download.suggested_filename == "成员批量导入模板.xlsx"
    with open(download.path(), "rb") as handle:
        template = load_workbook(io.BytesIO(handle.read()))
    assert [c.value for c in template["成员"][1]] == ["姓名", "手机", "职位", "省份", "城市"]
    assert_accessible_basics(page)
    shoot(page, "import")

    path = tmp_path / "成员名单.xlsx"
    import_file(path)
    page.get_by_label("选择文件").set_input_files(str(path))
    page.get_by_role("button", name="上传并检查").click()
    expect(page.get_by_role("heading", name="检查结果")).to_be_visible()
    expect(page.get_by_text("可导入 2 条")).to_be_visible()
    expect(page.get_by_text("有错误 3 条")).to_be_visible()
    expect(page.get_by_text("已跳过 1 条")).to_be_visible()
    expect(page.get_by_text("职位“厨师”不在可选列表中")).to_be_visible()
    expect(page.get_by_text("与第2行的手机号重复")).to_be_visible()
    assert_accessible_basics(page)
    shoot(page, "import-preview")
    page.get_by_role("button", name="确认导入 2 条").click()
    expect(page.get_by_text("已添加 2 位成员")).to_be_visible()
    shoot(page, "import-result")
    page.get_by_role("link", name="返回成员管理").click()
    expect(page.get_by_text("共4个人")).to_be_visible()
    expect(member_row(page, "13700000101")).to_contain_text("待验证")
    expect(member_row(page, "13700000102")).to_contain_text("待验证")
    assert_accessible_basics(page)
    shoot(page, "members-after-import")

    # 移除 with the confirmation dialog.
    member_row(page, "13700000102").get_by_role("button", name="移除").click()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_contain_text("林二")
    expect(page.locator("#remove-dialog.show")).to_be_visible()
    wait_for_animations(page)  # the fade-in is over before the screenshot
    shoot(page, "remove-dialog")
    dialog.get_by_role("button", name="确认移除").click()
    expect(page.get_by_text("已移除成员 林二")).to_be_visible()
    expect(page.get_by_text("共3个人")).to_be_visible()
    assert sorted(m.phone for m in sms_outbox) == [MEMBER_PHONE, "13700000101", "13700000102"]

    # 企业信息 is one click away in the admin navigation.
    admin_nav(page, "企业信息")
    expect(page.get_by_label("公司名称")).to_have_value("苏州示范智能科技有限公司")
    assert_accessible_basics(page)
    shoot(page, "profile")
