"""Operator console: operators manage content, uploads are checked, feedback is handled."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from ipms.accounts.tests.factories import UserFactory
from ipms.content.models import Feedback, Lecturer, Material, Policy
from ipms.core.models import AuditLog
from ipms.core.tests.factories import tiny_pdf, tiny_png

from .factories import FeedbackFactory, LecturerFactory, MaterialFactory, PolicyFactory

pytestmark = pytest.mark.django_db


def pdf_upload(name="政策全文.pdf", data=None):
    return SimpleUploadedFile(name, data if data is not None else tiny_pdf(), "application/pdf")


def policy_form(**overrides):
    data = {
        "scope": "national",
        "region": "",
        "title": "运营新增的国家政策",
        "published_on": "2026-03-01",
        "is_published": "on",
        "issuer": "国家知识产权局",
        "document_number": "国知发运字〔2026〕1号",
        "source_url": "",
        "body": "第一段。\n\n第二段。",
        "attachments-TOTAL_FORMS": "1",
        "attachments-INITIAL_FORMS": "0",
        "attachments-MIN_NUM_FORMS": "0",
        "attachments-MAX_NUM_FORMS": "1000",
        "attachments-0-title": "政策全文",
        "attachments-0-file": pdf_upload(),
        "attachments-0-order": "0",
    }
    data.update(overrides)
    return data


def material_form(**overrides):
    data = {
        "section": "service_standard",
        "title": "中知（北京）认证有限公司",
        "organization": "中知（北京）认证有限公司",
        "description": "",
        "file": pdf_upload("服务标准.pdf"),
        "published_on": "2026-03-02",
        "is_published": "on",
    }
    data.update(overrides)
    return data


def errors_of(response) -> str:
    return response.content.decode()


def test_console_is_in_chinese(operator_client):
    html = operator_client.get(reverse("admin:index")).content.decode()
    assert "门户内容" in html
    for label in ["政策文件", "学习资料", "讲师", "意见反馈"]:
        assert label in html


def test_operator_adds_policy_with_attachment_and_it_appears_on_the_portal(operator_client, client):
    response = operator_client.post(reverse("admin:content_policy_add"), policy_form())

    assert response.status_code == 302, errors_of(response)
    policy = Policy.objects.get(title="运营新增的国家政策")
    attachment = policy.attachments.get()
    assert attachment.title == "政策全文"
    assert not attachment.file.name.endswith("政策全文.pdf")  # the uploader's name is not kept

    client.logout()
    assert "运营新增的国家政策" in client.get(reverse("content:policy_list")).content.decode()
    detail = client.get(reverse("content:policy_detail", args=[policy.pk])).content.decode()
    assert "国知发运字〔2026〕1号" in detail
    download = client.get(
        reverse("content:policy_attachment_download", args=[policy.pk, attachment.pk])
    )
    assert b"".join(download.streaming_content) == tiny_pdf()


def test_local_policy_needs_a_region(operator_client):
    response = operator_client.post(
        reverse("admin:content_policy_add"), policy_form(scope="local", region="")
    )
    assert response.status_code == 200
    assert "地方政策必须填写地区。" in errors_of(response)
    assert not Policy.objects.exists()


def test_operator_adds_material_and_it_is_downloadable(operator_client, client):
    response = operator_client.post(reverse("admin:content_material_add"), material_form())

    assert response.status_code == 302, errors_of(response)
    material = Material.objects.get()
    client.logout()
    listing = client.get(reverse("content:material_list")).content.decode()
    assert "中知（北京）认证有限公司" in listing
    download = client.get(reverse("content:material_download", args=[material.pk]))
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == tiny_pdf()


def test_admin_refuses_a_fake_pdf(operator_client):
    fake = pdf_upload("伪装.pdf", b"MZ\x90\x00 this is an executable, not a PDF" * 10)

    response = operator_client.post(reverse("admin:content_material_add"), material_form(file=fake))

    assert response.status_code == 200
    assert "文件内容与扩展名 .pdf 不符，请上传真实的文档文件。" in errors_of(response)
    assert not Material.objects.exists()


def test_admin_refuses_an_unsupported_type(operator_client):
    script = SimpleUploadedFile("资料.exe", b"MZ\x90\x00" * 10)
    response = operator_client.post(
        reverse("admin:content_material_add"), material_form(file=script)
    )
    assert response.status_code == 200
    assert "不支持的文档格式" in errors_of(response)
    assert not Material.objects.exists()


def test_admin_refuses_an_oversized_file(operator_client, settings):
    settings.UPLOAD_MAX_DOCUMENT = 512
    big = pdf_upload("大文件.pdf", tiny_pdf() + b"%" * 1024)

    response = operator_client.post(
        reverse("admin:content_policy_add"), policy_form(**{"attachments-0-file": big})
    )

    assert response.status_code == 200
    assert "文件过大" in errors_of(response)
    assert "不能超过 512 B" in errors_of(response)
    assert not Policy.objects.exists()


def test_lecturer_photo_must_be_an_image(operator_client):
    data = {
        "name": "新讲师",
        "organization": "江城大学",
        "title": "副教授",
        "bio": "简介。",
        "order": "5",
        "is_published": "on",
        "photo": SimpleUploadedFile("photo.png", tiny_pdf(), "image/png"),
    }
    response = operator_client.post(reverse("admin:content_lecturer_add"), data)
    assert response.status_code == 200
    assert not Lecturer.objects.exists()


def test_lecturer_list_shows_thumbnail_and_order_is_editable(operator_client):
    lecturer = LecturerFactory(with_photo=True, name="林慕言", order=3)
    LecturerFactory(name="周启航")

    html = operator_client.get(reverse("admin:content_lecturer_changelist")).content.decode()

    assert lecturer.photo.url in html
    assert 'alt="林慕言的照片"' in html
    assert 'name="form-0-order"' in html


def test_lecturer_added_with_photo_appears_on_portal(operator_client, client):
    data = {
        "name": "新讲师",
        "organization": "江城大学",
        "title": "副教授",
        "bio": "简介。",
        "order": "5",
        "is_published": "on",
        "photo": SimpleUploadedFile("photo.png", tiny_png(), "image/png"),
    }
    response = operator_client.post(reverse("admin:content_lecturer_add"), data)
    assert response.status_code == 302, errors_of(response)
    client.logout()
    html = client.get(reverse("content:lecturer_list")).content.decode()
    assert "新讲师" in html
    assert Lecturer.objects.get().photo.url in html


def test_policy_changelist_filters_and_counts(operator_client):
    policy = PolicyFactory(title="带附件的政策")
    PolicyFactory(local=True, title="重庆的政策")
    from .factories import PolicyAttachmentFactory

    PolicyAttachmentFactory.create_batch(2, policy=policy)
    url = reverse("admin:content_policy_changelist")

    html = operator_client.get(url).content.decode()
    assert "附件数" in html
    local_only = operator_client.get(url, {"scope__exact": "local"}).content.decode()
    assert "重庆的政策" in local_only and "带附件的政策" not in local_only
    assert operator_client.get(url, {"q": "附件"}).status_code == 200


def test_material_changelist_filters_by_section(operator_client):
    MaterialFactory(title="样例资料")
    MaterialFactory(service_standard=True, title="标准资料")
    url = reverse("admin:content_material_changelist")
    html = operator_client.get(url, {"section__exact": "sample_case"}).content.decode()
    assert "样例资料" in html and "标准资料" not in html


@pytest.mark.parametrize("staff", [False, True])
def test_users_without_operator_rights_are_refused(client, staff):
    # A plain user, and a staff user without the operators' permissions.
    client.force_login(UserFactory(is_staff=staff))
    index = client.get(reverse("admin:index"))
    add = client.get(reverse("admin:content_policy_add"))
    if staff:
        assert index.status_code == 200
        assert "政策文件" not in index.content.decode()
        assert add.status_code == 403
    else:
        assert index.status_code == 302
        assert index["Location"].startswith(reverse("admin:login"))
        assert add.status_code == 302


def test_anonymous_is_sent_to_console_login(client):
    response = client.get(reverse("admin:content_feedback_changelist"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


# --- Feedback inbox ------------------------------------------------------------------------


def test_feedback_inbox_lists_excerpt_phone_and_status(operator_client):
    FeedbackFactory(content="视频播放到一半会卡住" * 10, phone="13612342925")

    html = operator_client.get(reverse("admin:content_feedback_changelist")).content.decode()

    assert "视频播放到一半会卡住" in html
    assert "…" in html
    assert "13612342925" in html
    assert "提交时间" in html
    assert "标记为已处理" in html


def test_feedback_cannot_be_added_in_console_and_content_is_read_only(operator_client):
    feedback = FeedbackFactory(content="原始反馈内容不可改。")
    assert operator_client.get(reverse("admin:content_feedback_add")).status_code == 403

    url = reverse("admin:content_feedback_change", args=[feedback.pk])
    html = operator_client.get(url).content.decode()
    assert 'name="content"' not in html and 'name="phone"' not in html
    assert 'name="reply_note"' in html

    response = operator_client.post(
        url, {"content": "篡改", "phone": "13900000000", "reply_note": "已电话回复。"}
    )
    assert response.status_code == 302
    feedback.refresh_from_db()
    assert feedback.content == "原始反馈内容不可改。"
    assert feedback.phone == "13912345678"
    assert feedback.reply_note == "已电话回复。"


def test_mark_handled_action(operator_client, operator):
    pending = FeedbackFactory.create_batch(2)
    untouched = FeedbackFactory()

    response = operator_client.post(
        reverse("admin:content_feedback_changelist"),
        {"action": "mark_handled", "_selected_action": [f.pk for f in pending]},
        follow=True,
    )

    assert "已将 2 条反馈标记为已处理。" in response.content.decode()
    for feedback in pending:
        feedback.refresh_from_db()
        assert feedback.is_handled
        assert feedback.handled_by == operator
        assert feedback.handled_at is not None
    untouched.refresh_from_db()
    assert not untouched.is_handled
    assert Feedback.objects.filter(is_handled=True).count() == 2


def test_mark_handled_twice_reports_nothing_to_do(operator_client):
    feedback = FeedbackFactory()
    url = reverse("admin:content_feedback_changelist")
    data = {"action": "mark_handled", "_selected_action": [feedback.pk]}
    operator_client.post(url, data)
    response = operator_client.post(url, data, follow=True)
    assert "所选反馈都已处理过" in response.content.decode()


def test_feedback_inbox_filters_by_handled(operator_client):
    FeedbackFactory(content="尚未处理的反馈")
    FeedbackFactory(content="已经处理的反馈", is_handled=True)
    url = reverse("admin:content_feedback_changelist")
    html = operator_client.get(url, {"is_handled__exact": "0"}).content.decode()
    assert "尚未处理的反馈" in html and "已经处理的反馈" not in html


def test_console_edits_of_content_are_audited_by_field_name(operator_client, operator):
    console = operator_client
    console.post(reverse("admin:content_policy_add"), policy_form())
    policy = Policy.objects.get(title="运营新增的国家政策")
    (added,) = AuditLog.objects.filter(action="console.add")
    assert (added.actor, added.role) == (operator, "operator")
    assert (added.object_type, added.object_id) == ("content.policy", str(policy.pk))
    assert added.details["related"] == [{"op": "added", "model": "政策附件"}]

    change = policy_form(
        title="改过的标题",
        **{"attachments-TOTAL_FORMS": "0", "attachments-INITIAL_FORMS": "0"},
    )
    response = console.post(reverse("admin:content_policy_change", args=[policy.pk]), change)
    assert response.status_code == 302
    (changed,) = AuditLog.objects.filter(action="console.change")
    assert changed.details["fields"] == ["标题"]
    assert "改过的标题" not in str(changed.details)  # names, never values

    url = reverse("admin:content_policy_delete", args=[policy.pk])
    assert console.post(url, {"post": "yes"}).status_code == 302
    (deleted,) = AuditLog.objects.filter(action="console.delete")
    assert deleted.object_id == str(policy.pk)
    assert not Policy.objects.filter(pk=policy.pk).exists()
