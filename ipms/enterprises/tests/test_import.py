"""批量导入: template, file checks, per-row preview, 确认导入, duplicates and re-uploads."""

import io
import time
import zipfile

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from ipms.accounts.tests.factories import UserFactory
from ipms.core.errors import DomainError
from ipms.core.phone import PHONE_INVALID
from ipms.enterprises import imports, messages, services
from ipms.enterprises.models import Invitation, Membership
from ipms.enterprises.services import InviteRow, membership_invite_bulk

from .factories import MembershipFactory, enterprise_with_admin
from .helpers import upload, xlsx

pytestmark = pytest.mark.django_db

IMPORT = reverse("enterprises:member_import")
TEMPLATE = reverse("enterprises:member_import_template")
LIST = reverse("enterprises:member_list")

GOOD = [
    ("张三", "13600002925", "知识产权管理员", "上海市", "上海市"),
    ("李四", 13800001234, "研发/技术", "江苏省", "苏州市"),  # typed as a number
    ("", "158 0000 0001", "法务", "", ""),
]


def post_file(client, content, name="成员.xlsx"):
    return client.post(IMPORT, {"file": upload(content, name)})


def preview_id_of(response) -> str:
    assert response.status_code == 302, response.content.decode()[:2000]
    return response["Location"].rstrip("/").rsplit("/", 1)[-1]


# --- 下载模板 ------------------------------------------------------------------------------


def test_template_download(admin_client):
    response = admin_client.get(TEMPLATE)
    assert response.status_code == 200
    assert response["Content-Type"] == imports.XLSX_MIME
    assert "attachment" in response["Content-Disposition"]
    assert "filename*=utf-8''" in response["Content-Disposition"]
    wb = load_workbook(io.BytesIO(response.content))
    assert wb.sheetnames == ["成员", "填写说明", "选项"]
    members = wb["成员"]
    assert [cell.value for cell in members[1]] == ["姓名", "手机", "职位", "省份", "城市"]
    assert members.max_row == 1  # no example row to import by mistake
    assert members["B1"].comment is not None
    assert wb["选项"].sheet_state == "hidden"
    options = [row[0] for row in wb["选项"].iter_rows(min_col=1, max_col=1, values_only=True)]
    assert "知识产权管理员" in options
    formulas = {dv.formula1 for dv in members.data_validations.dataValidation}
    assert formulas == {"职位列表", "省份列表", "INDIRECT($D2)"}
    assert "江苏省" in wb.defined_names
    assert "苏州市" in wb["填写说明"]["D12"].value or "苏州市" in str(
        [c.value for c in wb["填写说明"][12]]
    )


def test_the_template_filled_in_imports_cleanly(admin_client, enterprise):
    wb = load_workbook(io.BytesIO(admin_client.get(TEMPLATE).content))
    for row in GOOD:
        wb["成员"].append(list(row))
    buffer = io.BytesIO()
    wb.save(buffer)
    preview = admin_client.get(
        reverse(
            "enterprises:member_import_preview",
            args=[preview_id_of(post_file(admin_client, buffer.getvalue()))],
        )
    )
    body = preview.content.decode()
    assert "可导入 3 条" in body and "有错误 0 条" in body


# --- upload checks ------------------------------------------------------------------------


def _zip(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("content", "name", "message"),
    [
        (b"name,phone\n", "members.csv", "请上传 .xlsx 格式的Excel文件"),
        (xlsx(GOOD), "members.xls", "请上传 .xlsx 格式的Excel文件"),
        (b"%PDF-1.4 not a sheet", "members.xlsx", "无法读取该文件"),
        (b"PK\x03\x04broken zip", "members.xlsx", "无法读取该文件"),
        (_zip({"hello.txt": b"hi"}), "members.xlsx", "无法读取该文件"),
        (_zip({"xl/workbook.xml": b"<not-really/>"}), "members.xlsx", "无法读取该文件"),
        (xlsx([], headers=("姓名", "电话")), "members.xlsx", "缺少“手机”“职位”列"),
        (xlsx([]), "members.xlsx", "文件中没有成员数据"),
    ],
)
def test_bad_files_get_a_clear_message(admin_client, content, name, message):
    response = post_file(admin_client, content, name)
    assert response.status_code == 200
    assert message in " ".join(response.context["form"].errors["file"])
    assert 'id="id_file_error"' in response.content.decode()


def test_an_empty_upload_and_no_file(admin_client):
    response = admin_client.post(IMPORT, {})
    assert "请选择要上传的Excel文件。" in response.context["form"].errors["file"][0]
    response = post_file(admin_client, b"", "a.xlsx")
    assert "文件是空的" in response.context["form"].errors["file"][0]


def test_size_cap(admin_client, settings):
    settings.MEMBER_IMPORT_MAX_SIZE = 1000
    response = post_file(admin_client, xlsx(GOOD * 50))
    assert "文件过大" in response.context["form"].errors["file"][0]


def test_zip_bomb_is_refused_before_parsing(admin_client, monkeypatch):
    monkeypatch.setattr(imports, "MAX_UNCOMPRESSED", 1000)
    response = post_file(admin_client, xlsx(GOOD * 200))
    assert "文件过大" in response.context["form"].errors["file"][0]


def test_row_cap(admin_client, settings):
    settings.MEMBER_IMPORT_MAX_ROWS = 2
    response = post_file(admin_client, xlsx(GOOD))
    assert "超过 2 行" in response.context["form"].errors["file"][0]


def test_uploads_are_rate_limited(admin_client, settings):
    settings.MEMBER_IMPORT_UPLOAD_RATE = "2/h"
    for _ in range(2):
        assert post_file(admin_client, xlsx(GOOD)).status_code == 302
    response = post_file(admin_client, xlsx(GOOD))
    assert "上传过于频繁" in response.content.decode()


# --- parsing and row checks -----------------------------------------------------------------


def test_parse_reads_values_as_people_type_them():
    rows = imports.parse_workbook(
        upload(
            xlsx(
                [
                    (" 张三 ", 13600002925.0, "法务", "上海", "上海市"),
                    (None, None, None, None, None),  # an empty row in between is skipped
                    ("李四", "１３８０００01234", "研发/技术", "江苏省", "苏州"),
                ],
                headers=("*姓名", "*手机 ", "职位", "省份", "城市", "备注"),
            )
        )
    )
    assert [(row.row, row.name, row.phone) for row in rows] == [
        (2, "张三", "13600002925"),
        (4, "李四", "13800001234"),
    ]


def test_check_rows_finds_every_kind_of_problem(enterprise, other_enterprise):
    MembershipFactory(enterprise=enterprise, user=UserFactory(phone="15800000011"))
    MembershipFactory(enterprise=enterprise, pending=True, phone="15800000012")
    MembershipFactory(enterprise=other_enterprise, user=UserFactory(phone="15800000013"))
    UserFactory(phone="15800000014", is_active=False)
    data = [
        ("好行", "15800000001", "法务", "上海市", "上海市"),  # 2
        ("坏手机", "1390000", "法务", "", ""),  # 3
        ("无手机", "", "法务", "", ""),  # 4
        ("坏职位", "15800000002", "总经理", "", ""),  # 5
        ("无职位", "15800000003", "", "", ""),  # 6
        ("坏省份", "15800000004", "法务", "火星", ""),  # 7
        ("错城市", "15800000005", "法务", "上海市", "苏州市"),  # 8
        ("重复", "15800000001", "法务", "", ""),  # 9
        ("本企业", "15800000011", "法务", "", ""),  # 10
        ("待验证", "15800000012", "法务", "", ""),  # 11
        ("他企业", "15800000013", "法务", "", ""),  # 12
        ("停用", "15800000014", "法务", "", ""),  # 13
        ("只城市", "15800000006", "法务", "", "苏州市"),  # 14: the province is inferred
        ("名" * 51, "15800000007", "法务", "", ""),  # 15
        ("@SUM(1+1)", "15800000008", "法务", "", ""),  # 16
    ]
    rows = imports.check_rows(
        enterprise, imports.parse_workbook(upload(xlsx(data))), by=enterprise.created_by
    )
    by_row = {row.row: row for row in rows}
    assert by_row[2].ok and by_row[2].province == "310000" and by_row[2].position == "legal"
    assert by_row[3].errors == ["手机号格式不正确（应为11位手机号码）"]
    assert by_row[4].errors == ["手机号为空"]
    assert by_row[5].errors == ["职位“总经理”不在可选列表中"]
    assert by_row[6].errors == ["职位为空"]
    assert by_row[7].errors == ["省份“火星”不正确"]
    assert by_row[8].errors == ["城市“苏州市”不属于上海市"]
    assert by_row[9].errors == ["与第2行的手机号重复"]
    assert by_row[10].skip == "已是本企业成员" and not by_row[10].errors
    assert by_row[11].skip.startswith("已是本企业成员") and not by_row[11].errors
    assert by_row[12].errors == [messages.PHONE_NOT_ADDABLE]
    assert by_row[13].errors == [messages.PHONE_NOT_ADDABLE]
    assert by_row[14].ok and (by_row[14].province, by_row[14].city) == ("320000", "320500")
    assert by_row[15].errors == ["姓名不能超过50个字。"]
    assert by_row[16].errors == ["姓名不能以 = + - @ 等符号开头。"]


def test_check_rows_asks_the_database_a_fixed_number_of_times(
    enterprise, django_assert_max_num_queries
):
    rows = [
        imports.ImportRow(row=n, phone=f"137{n:08d}", position_label="法务") for n in range(900)
    ]
    # Two chunks of 500 phones, three queries each, whatever the number of rows.
    with django_assert_max_num_queries(6):
        imports.check_rows(enterprise, rows, by=enterprise.created_by)


# --- preview and 确认导入 --------------------------------------------------------------------

MIXED = [
    ("张三", "13600002925", "知识产权管理员", "上海市", "上海市"),  # 2 ok
    ("李四", "13800001234", "研发/技术", "江苏省", "苏州市"),  # 3 ok
    ("王五", "1380000", "法务", "", ""),  # 4 bad phone
    ("赵六", "15800000009", "厨师", "", ""),  # 5 bad position
    ("钱七", "13600002925", "法务", "", ""),  # 6 duplicate of row 2
    ("孙八", "15800000010", "法务", "上海市", "苏州市"),  # 7 bad pair
]


def test_preview_then_confirm_imports_the_valid_rows_and_texts_each(
    admin_client, enterprise, sms_outbox
):
    preview_id = preview_id_of(post_file(admin_client, xlsx(MIXED)))
    preview_url = reverse("enterprises:member_import_preview", args=[preview_id])
    body = admin_client.get(preview_url).content.decode()
    assert "可导入 2 条" in body and "有错误 4 条" in body
    for text in [
        "第4行",
        "手机号格式不正确",
        "职位“厨师”不在可选列表中",
        "与第2行的手机号重复",
        "城市“苏州市”不属于上海市",
        "确认导入 2 条",
    ]:
        assert text in body
    assert not enterprise.memberships.filter(phone="13600002925").exists()  # nothing yet

    response = admin_client.post(preview_url)
    result_url = reverse("enterprises:member_import_result", args=[preview_id])
    assert response.status_code == 302 and response["Location"] == result_url
    result = admin_client.get(result_url).content.decode()
    assert "已添加 2 位成员" in result and "另有 4 行有错误" in result

    added = enterprise.memberships.filter(phone__in=["13600002925", "13800001234"])
    assert added.count() == 2
    assert {m.status for m in added} == {Membership.Status.PENDING}
    li = added.get(phone="13800001234")
    assert (li.name, li.position, li.province, li.city) == ("李四", "rnd", "320000", "320500")
    assert sorted(m.phone for m in sms_outbox) == ["13600002925", "13800001234"]
    assert all("/j/" in m.text and enterprise.name in m.text for m in sms_outbox)
    list_body = admin_client.get(LIST).content.decode()
    assert "张三" in list_body and "待验证" in list_body


def test_a_double_click_or_resubmit_imports_once(admin_client, enterprise, sms_outbox):
    preview_id = preview_id_of(post_file(admin_client, xlsx(GOOD)))
    url = reverse("enterprises:member_import_preview", args=[preview_id])
    first = admin_client.post(url)
    second = admin_client.post(url)
    assert first["Location"] == second["Location"]
    assert enterprise.memberships.filter(status="pending").count() == 3
    assert len(sms_outbox) == 3
    assert Invitation.objects.count() == 3
    # The preview itself now forwards to the result.
    assert admin_client.get(url)["Location"] == first["Location"]


def test_a_claimed_import_in_progress(admin_client, enterprise):
    preview_id = preview_id_of(post_file(admin_client, xlsx(GOOD)))
    assert imports.import_claim(enterprise=enterprise, preview_id=preview_id)
    url = reverse("enterprises:member_import_preview", args=[preview_id])
    response = admin_client.post(url, follow=True)
    assert "正在导入" in response.content.decode()
    assert not enterprise.memberships.filter(status="pending").exists()


def test_reuploading_the_same_file_skips_everyone_already_invited(
    admin_client, enterprise, sms_outbox
):
    content = xlsx(MIXED)
    first = preview_id_of(post_file(admin_client, content))
    admin_client.post(reverse("enterprises:member_import_preview", args=[first]))
    sms_outbox.clear()

    second = preview_id_of(post_file(admin_client, content))
    body = admin_client.get(
        reverse("enterprises:member_import_preview", args=[second])
    ).content.decode()
    assert "可导入 0 条" in body and "已跳过 2 条" in body
    assert "已是本企业成员（待验证，无需重复邀请）" in body
    assert "确认导入" not in body
    response = admin_client.post(
        reverse("enterprises:member_import_preview", args=[second]), follow=True
    )
    assert "没有可导入的成员" in response.content.decode()
    assert sms_outbox == []
    assert enterprise.memberships.filter(status="pending").count() == 2


def test_rows_that_became_members_between_preview_and_confirm_are_skipped(
    admin_client, enterprise, admin_user, sms_outbox
):
    preview_id = preview_id_of(post_file(admin_client, xlsx(GOOD)))
    services.membership_invite(
        enterprise=enterprise, by=admin_user, phone="13600002925", position="legal"
    )
    admin_client.post(reverse("enterprises:member_import_preview", args=[preview_id]))
    result = admin_client.get(
        reverse("enterprises:member_import_result", args=[preview_id])
    ).content.decode()
    # The result says what the preview says of such a row (one admission rule).
    assert "已添加 2 位成员" in result and messages.SKIP_PENDING in result
    assert enterprise.memberships.filter(phone="13600002925").count() == 1


def test_posted_row_data_is_ignored(admin_client, enterprise):
    """The confirm imports what the server stored, never what the browser sends."""
    preview_id = preview_id_of(post_file(admin_client, xlsx(GOOD[:1])))
    admin_client.post(
        reverse("enterprises:member_import_preview", args=[preview_id]),
        {"phone": "13999999999", "rows": "13999999999,legal", "enterprise": 999},
    )
    assert not Membership.objects.filter(phone="13999999999").exists()
    assert enterprise.memberships.filter(status="pending").count() == 1


def test_an_expired_preview(admin_client, enterprise):
    preview_id = preview_id_of(post_file(admin_client, xlsx(GOOD)))
    from django.core.cache import cache

    cache.clear()
    url = reverse("enterprises:member_import_preview", args=[preview_id])
    response = admin_client.get(url)
    assert response.status_code == 404
    assert "导入预览已过期或不存在" in response.content.decode()
    assert admin_client.post(url).status_code == 404
    assert not enterprise.memberships.filter(status="pending").exists()


def test_import_is_refused_while_the_profile_is_incomplete(client, sms_outbox):
    enterprise, admin = enterprise_with_admin(incomplete=True)
    client.force_login(admin)
    page = client.get(IMPORT).content.decode()
    assert "务必填写完整正确的企业信息" in page and "前往填写企业信息" in page
    assert 'type="file"' not in page
    assert client.get(TEMPLATE).status_code == 200  # the template is still available
    response = client.post(IMPORT, {"file": upload(xlsx(GOOD))})
    assert response.status_code == 200
    assert not enterprise.memberships.filter(status="pending").exists()


def test_the_gate_is_checked_again_at_confirm(admin_client, enterprise, sms_outbox):
    preview_id = preview_id_of(post_file(admin_client, xlsx(GOOD)))
    type(enterprise).objects.filter(pk=enterprise.pk).update(address="")
    response = admin_client.post(
        reverse("enterprises:member_import_preview", args=[preview_id]), follow=True
    )
    assert "务必填写完整正确的企业信息" in response.content.decode()
    assert not enterprise.memberships.filter(status="pending").exists()
    assert sms_outbox == []


# --- membership_invite_bulk ---------------------------------------------------------------


def rows_for(*phones, position="legal"):
    return [InviteRow(ref=n, phone=phone, position=position) for n, phone in enumerate(phones, 2)]


def test_bulk_keeps_the_single_invite_rules(enterprise, admin_user, other_enterprise):
    MembershipFactory(enterprise=other_enterprise, user=UserFactory(phone="15800000013"))
    UserFactory(phone="15800000014", is_active=False)
    linked = UserFactory(phone="15800000015")
    result = membership_invite_bulk(
        enterprise=enterprise,
        by=admin_user,
        rows=[
            *rows_for("15800000001", "15800000013", "15800000014", "15800000015", "15800000001"),
            InviteRow(ref=20, phone="139", position="legal"),
            InviteRow(ref=21, phone="15800000002", position="boss"),
            InviteRow(ref=22, phone="15800000003", position="legal", province="310000", city="1"),
        ],
    )
    assert [ref for ref, _ in result.invited] == [2, 5]
    assert dict(result.failed) == {
        3: messages.PHONE_NOT_ADDABLE,
        4: messages.PHONE_NOT_ADDABLE,
        20: PHONE_INVALID,
        21: messages.POSITION_INVALID,
        22: "所选城市不属于所选省份，请重新选择。",
    }
    assert dict(result.skipped) == {6: "与前面的行手机号重复"}
    assert enterprise.memberships.get(phone="15800000015").user == linked


def test_bulk_only_for_the_admin_and_a_complete_profile(enterprise, other_admin, admin_user):
    with pytest.raises(DomainError, match="只有本企业的管理员"):
        membership_invite_bulk(enterprise=enterprise, by=other_admin, rows=rows_for("15800000001"))
    type(enterprise).objects.filter(pk=enterprise.pk).update(scale="")
    with pytest.raises(DomainError, match="务必填写完整"):
        membership_invite_bulk(enterprise=enterprise, by=admin_user, rows=rows_for("15800000001"))


def test_bulk_respects_the_per_phone_daily_invitation_limit(db):
    phone = "15800000001"
    for _ in range(services.INVITATIONS_PER_PHONE_PER_DAY):
        enterprise, admin = enterprise_with_admin()
        services.membership_invite(enterprise=enterprise, by=admin, phone=phone, position="legal")
    enterprise, admin = enterprise_with_admin()
    result = membership_invite_bulk(enterprise=enterprise, by=admin, rows=rows_for(phone))
    assert dict(result.failed) == {2: messages.TOO_MANY_INVITATIONS}


def test_bulk_respects_the_enterprise_daily_cap(enterprise, admin_user, settings, sms_outbox):
    settings.MEMBER_INVITE_DAILY_LIMIT = 3
    services.membership_invite(
        enterprise=enterprise, by=admin_user, phone="15800000009", position="legal"
    )
    result = membership_invite_bulk(
        enterprise=enterprise,
        by=admin_user,
        rows=rows_for("15800000001", "15800000002", "15800000003"),
    )
    assert len(result.invited) == 2
    assert [message for _, message in result.failed] == [
        "本企业今日发送的邀请短信已达上限（3条），请明天再邀请其余成员。"
    ]
    with pytest.raises(DomainError, match="已达上限"):
        services.membership_invite(
            enterprise=enterprise, by=admin_user, phone="15800000008", position="legal"
        )


def test_bulk_sends_nothing_when_the_transaction_rolls_back(
    enterprise, admin_user, sms_outbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        membership_invite_bulk(
            enterprise=enterprise, by=admin_user, rows=rows_for("15800000001", "15800000002")
        )
    # One after-commit callback queues the batch tasks of every invitation.
    assert len(callbacks) == 1 and sms_outbox == []


def test_bulk_links_are_single_use_and_hashed(
    enterprise, admin_user, sms_outbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        membership_invite_bulk(enterprise=enterprise, by=admin_user, rows=rows_for("15800000001"))
    from .helpers import link_token

    token = link_token()
    invitation = Invitation.objects.get()
    assert invitation.token_hash == Invitation.hash_token(token) != token
    assert invitation.is_usable()
    user = UserFactory(phone="15800000001")
    services.invitation_accept(token=token, user=user)
    with pytest.raises(DomainError):
        services.invitation_accept(token=token, user=user)


# --- 5,000 rows -----------------------------------------------------------------------------


def test_importing_5000_rows(
    enterprise, admin_user, sms_outbox, django_capture_on_commit_callbacks, capsys
):
    """Not a timed assertion: prints the figures for the report (SQLite or PostgreSQL)."""
    positions = [label for _, label in Membership.Position.choices]
    data = [
        (f"员工{n}", f"135{n:08d}", positions[n % len(positions)], "江苏省", "苏州市")
        for n in range(5000)
    ]
    started = time.perf_counter()
    content = xlsx(data)
    built = time.perf_counter()
    rows = imports.parse_workbook(upload(content))
    parsed = time.perf_counter()
    imports.check_rows(enterprise, rows, by=enterprise.created_by)
    checked = time.perf_counter()
    with django_capture_on_commit_callbacks(execute=True):
        result = membership_invite_bulk(
            enterprise=enterprise,
            by=admin_user,
            rows=[
                InviteRow(
                    ref=r.row,
                    phone=r.phone,
                    position=r.position,
                    name=r.name,
                    province=r.province,
                    city=r.city,
                )
                for r in rows
                if r.ok
            ],
        )
        imported = time.perf_counter()
    sent = time.perf_counter()
    assert len(result.invited) == 5000 and not result.failed
    assert enterprise.memberships.filter(status="pending").count() == 5000
    assert len(sms_outbox) == 5000
    with capsys.disabled():
        print(
            f"\n[5000-row import] file {len(content) // 1024} KB built {built - started:.2f}s, "
            f"parse {parsed - built:.2f}s, check {checked - parsed:.2f}s, "
            f"write+SMS {sent - checked:.2f}s (write {imported - checked:.2f}s)"
        )


def test_with_the_limit_cache_down_uploads_are_refused(admin_client, ratelimit_cache_down):
    response = post_file(admin_client, xlsx(GOOD))
    assert response.status_code == 200
    assert "服务暂时不可用，请稍后再试。" in response.content.decode()
