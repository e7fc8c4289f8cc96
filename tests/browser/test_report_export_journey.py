"""导出Excel with a worker, in Chromium at desktop and phone widths (issue 10 point 5).

The demo admin opens 学习管理 and presses 导出Excel. Here the task is not run inline: the
export page shows 排队中 and its progress bar; the test then plays the worker (it runs
the job), and the page — polling with htmx, never reloaded by the test — turns to
已完成 with 下载Excel, whose file opens with every verified member in it.
"""

from __future__ import annotations

import re

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect

from ipms.learning import exports
from ipms.learning.models import ReportExport
from tests.browser import demo_figures as demo
from tests.browser.conftest import (
    DESKTOP,
    PHONE,
    assert_accessible_basics,
    log_in,
    open_nav,
    open_user_menu,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_the_admin_exports_sees_progress_and_downloads(
    page, live_server, demo_data, shoot, viewport, tmp_path, monkeypatch
):
    queued: list[int] = []
    monkeypatch.setattr(exports, "_queue", queued.append)  # a worker that has not started
    phone, password = demo.demo_account(demo.DEMO_ADMIN_ROLE)
    admin = demo.user_of(phone)
    members = demo.verified_members(demo.enterprise_of(admin))

    page.set_viewport_size(viewport)
    log_in(page, live_server, phone, password)
    open_user_menu(page)
    page.get_by_role("button", name=re.compile("身份切换")).click()
    expect(page.get_by_role("heading", name="成员管理")).to_be_visible()
    open_nav(page, "学习管理")
    expect(page.get_by_role("heading", level=1, name="学习管理")).to_be_visible()

    page.get_by_role("button", name="导出Excel").click()
    expect(page.get_by_role("heading", level=1, name="导出Excel")).to_be_visible()
    status = page.get_by_test_id("report-export-status")
    expect(status).to_have_attribute("data-status", "queued")
    expect(status).to_contain_text("排队中：正在准备，完成后可在此页下载。")
    expect(page.get_by_role("progressbar", name="导出进度")).to_be_visible()
    assert_accessible_basics(page)
    shoot(page, "export-queued")

    # A second press (back on 学习管理) finds the same export.
    page.go_back()
    page.get_by_role("button", name="导出Excel").click()
    expect(page.get_by_test_id("report-export-status")).to_have_attribute("data-status", "queued")
    assert len(queued) == 1 and ReportExport.objects.count() == 1

    # The worker makes the file; the page sees it by polling.
    assert exports.report_export_run(queued[0]) == "done"
    expect(status).to_have_attribute("data-status", "done", timeout=10_000)
    expect(status).to_contain_text(f"已完成：共 {len(members)} 位学员。")
    link = page.get_by_role("link", name="下载Excel")
    expect(link).to_be_visible()
    assert_accessible_basics(page)
    shoot(page, "export-done")

    with page.expect_download() as download_info:
        link.click()
    download = download_info.value
    assert re.fullmatch(r"学习管理-.+-\d{4}-\d{2}-\d{2}\.xlsx", download.suggested_filename)
    target = tmp_path / "export.xlsx"
    download.save_as(target)
    rows = list(load_workbook(target, read_only=True)["学习管理"].iter_rows(values_only=True))
    assert rows[0] == exports.HEADERS
    assert len(rows) == 1 + len(members)
    assert {row[0] for row in rows[1:]} == {m.user.phone for m in members}
