"""Public pages render their data; missing or unpublished objects are 404s."""

import datetime

import pytest
from django.urls import reverse
from django.utils.http import content_disposition_header

from ipms.content.models import Material
from ipms.core.tests.factories import tiny_pdf
from ipms.learning.tests.factories import CourseFactory, LessonFactory

from .factories import (
    LecturerFactory,
    MaterialFactory,
    PolicyAttachmentFactory,
    PolicyFactory,
)

pytestmark = pytest.mark.django_db


def body(response) -> str:
    return response.content.decode()


def downloaded(response) -> bytes:
    try:
        return b"".join(response.streaming_content)
    finally:
        response.close()


# --- 首页 -----------------------------------------------------------------------------


def test_home_shows_intro_courses_policies_and_materials(client):
    lecturer = LecturerFactory(name="林老师")
    course = CourseFactory(title="贯标政策解读课程", lecturers=[lecturer])
    LessonFactory.create_batch(2, course=course)
    CourseFactory(title="未发布课程", is_published=False)
    PolicyFactory(title="最新国家政策", published_on=datetime.date(2024, 5, 1))
    PolicyFactory(local=True, region="深圳", title="最新地方政策")
    MaterialFactory(title="机械类案例模板-1（600人以上-7部门）")

    response = client.get(reverse("content:home"))

    assert response.status_code == 200
    html = body(response)
    assert "公益性在线学习平台" in html
    assert "贯标政策解读课程" in html and "2课时" in html and "林老师" in html
    assert "未发布课程" not in html
    assert "最新国家政策" in html
    assert "最新地方政策（深圳）" in html
    assert "机械类案例模板-1（600人以上-7部门）" in html
    assert reverse("learning:course_list") in html
    assert reverse("content:feedback") in html


def test_home_shows_at_most_three_courses_and_five_policies(client):
    for index in range(4):
        CourseFactory(title=f"课程{index}", order=index)
    for index in range(7):
        PolicyFactory(title=f"政策{index}号", published_on=datetime.date(2024, 1, 1 + index))

    html = body(client.get(reverse("content:home")))

    assert [f"课程{i}" in html for i in range(4)] == [True, True, True, False]
    # Newest five: 政策6号 … 政策2号.
    assert [f"政策{i}号" in html for i in range(7)] == [False, False] + [True] * 5


def test_home_renders_when_empty(client):
    response = client.get(reverse("content:home"))
    assert response.status_code == 200
    assert "暂无政策文件" in body(response)


# --- 政策文件 ---------------------------------------------------------------------------


def test_policy_list_has_two_sections_newest_first_with_region(client):
    PolicyFactory(title="较早的国家政策", published_on=datetime.date(2019, 10, 18))
    PolicyFactory(title="较新的国家政策", published_on=datetime.date(2019, 10, 21))
    PolicyFactory(
        local=True, region="重庆", title="重庆的通知", published_on=datetime.date(2019, 11, 28)
    )
    PolicyFactory(title="未发布的政策", is_published=False)

    response = client.get(reverse("content:policy_list"))

    assert response.status_code == 200
    html = body(response)
    assert "国家政策" in html and "地方政策" in html
    assert html.index("较新的国家政策") < html.index("较早的国家政策")
    assert html.index("国家政策") < html.index("较新的国家政策") < html.index("地方政策")
    assert "重庆的通知（重庆）" in html
    assert "2019-11-28" in html
    assert "未发布的政策" not in html


def test_policy_list_links_to_full_section_only_when_more_than_ten(client):
    PolicyFactory.create_batch(11)
    PolicyFactory(local=True)

    html = body(client.get(reverse("content:policy_list")))

    assert reverse("content:policy_section", args=["national"]) in html
    assert "共11条" in html
    assert reverse("content:policy_section", args=["local"]) not in html


def test_policy_section_is_paginated(client):
    PolicyFactory.create_batch(21)
    url = reverse("content:policy_section", args=["national"])

    first = client.get(url)
    second = client.get(url, {"page": 2})
    garbage = client.get(url, {"page": "abc"})

    assert first.status_code == second.status_code == garbage.status_code == 200
    assert len(first.context["page_obj"].object_list) == 20
    assert len(second.context["page_obj"].object_list) == 1
    assert "第1页/共2页，共21条" in body(first)
    assert garbage.context["page_obj"].number == 1


def test_policy_section_unknown_scope_is_404(client):
    assert client.get(reverse("content:policy_section", args=["foreign"])).status_code == 404


def test_policy_detail_shows_metadata_body_and_attachments(client):
    policy = PolicyFactory(
        title="关于规范贯标认证工作的通知",
        issuer="国家知识产权局办公室",
        document_number="国知办发〔2019〕1号",
        published_on=datetime.date(2019, 10, 18),
        body="第一段。\n\n第二段，\n同段换行。",
    )
    attachment = PolicyAttachmentFactory(policy=policy, title="通知全文")

    response = client.get(reverse("content:policy_detail", args=[policy.pk]))

    assert response.status_code == 200
    html = body(response)
    for text in [
        "关于规范贯标认证工作的通知",
        "国家知识产权局办公室",
        "国知办发〔2019〕1号",
        "2019-10-18",
    ]:
        assert text in html
    assert "<p>第一段。</p>" in html
    assert "<p>第二段，<br>同段换行。</p>" in html
    assert "通知全文" in html
    assert reverse("content:policy_attachment_download", args=[policy.pk, attachment.pk]) in html


@pytest.mark.parametrize("published", [False, None])
def test_policy_detail_missing_or_unpublished_is_404(client, published):
    pk = PolicyFactory(is_published=False).pk if published is False else 999_999
    response = client.get(reverse("content:policy_detail", args=[pk]))
    assert response.status_code == 404
    assert "页面不存在" in body(response)


def test_policy_attachment_download_uses_server_chosen_name(client):
    attachment = PolicyAttachmentFactory(title="通知全文")

    response = client.get(
        reverse("content:policy_attachment_download", args=[attachment.policy_id, attachment.pk])
    )

    assert response.status_code == 200
    assert response["Content-Disposition"] == content_disposition_header(True, "通知全文.pdf")
    assert response["Content-Type"] == "application/pdf"
    assert downloaded(response) == tiny_pdf()


def test_policy_attachment_of_unpublished_or_other_policy_is_404(client):
    hidden = PolicyAttachmentFactory(policy=PolicyFactory(is_published=False))
    other = PolicyAttachmentFactory()
    url = "content:policy_attachment_download"

    assert client.get(reverse(url, args=[hidden.policy_id, hidden.pk])).status_code == 404
    assert client.get(reverse(url, args=[hidden.policy_id + 999, other.pk])).status_code == 404
    assert client.get(reverse(url, args=[other.policy_id, 999_999])).status_code == 404


# --- 学习资料 ---------------------------------------------------------------------------


def test_material_list_shows_latest_ten_per_section_with_show_all(client):
    for day in range(1, 13):
        MaterialFactory(
            service_standard=True,
            title=f"认证机构{day:02d}",
            published_on=datetime.date(2019, 12, day),
        )
    MaterialFactory(title="机械类案例模板-1（600人以上-7部门）")
    MaterialFactory(title="未发布的资料", is_published=False)

    response = client.get(reverse("content:material_list"))

    html = body(response)
    assert response.status_code == 200
    assert "服务标准" in html and "贯标样例" in html
    shown = [f"认证机构{day:02d}" in html for day in range(1, 13)]
    assert shown == [False, False] + [True] * 10
    assert html.index("认证机构12") < html.index("认证机构03")
    assert "机械类案例模板-1（600人以上-7部门）" in html
    assert "未发布的资料" not in html
    assert "显示所有" in html
    assert reverse("content:material_section", args=["service-standard"]) in html
    assert reverse("content:material_section", args=["sample-case"]) in html
    assert "共12条" in html
    assert "2019-12-12" in html


def test_material_section_lists_everything_paginated(client):
    MaterialFactory.create_batch(22, service_standard=True)
    MaterialFactory(title="别的栏目")
    url = reverse("content:material_section", args=["service-standard"])

    first = client.get(url)
    second = client.get(url, {"page": 2})

    assert first.status_code == 200
    assert first.context["section"] == Material.Section.SERVICE_STANDARD
    assert len(first.context["page_obj"].object_list) == 20
    assert len(second.context["page_obj"].object_list) == 2
    assert "别的栏目" not in body(first) + body(second)
    assert "发布机构" in body(first)


def test_material_section_unknown_is_404(client):
    assert client.get(reverse("content:material_section", args=["nothing"])).status_code == 404
    # The stored value is not a URL slug either.
    assert client.get("/materials/sample_case/").status_code == 404


def test_material_download_is_public_and_named_after_title(client):
    material = MaterialFactory(title="机械类案例模板-1（600人以上-7部门）")

    response = client.get(reverse("content:material_download", args=[material.pk]))

    assert response.status_code == 200
    expected = content_disposition_header(True, "机械类案例模板-1（600人以上-7部门）.pdf")
    assert response["Content-Disposition"] == expected
    assert response["X-Content-Type-Options"] == "nosniff"
    assert downloaded(response) == tiny_pdf()


def test_material_download_unpublished_or_missing_is_404(client):
    hidden = MaterialFactory(is_published=False)
    assert client.get(reverse("content:material_download", args=[hidden.pk])).status_code == 404
    assert client.get(reverse("content:material_download", args=[999_999])).status_code == 404


def test_material_download_with_file_gone_from_storage_is_404(client):
    material = MaterialFactory()
    material.file.storage.delete(material.file.name)
    assert client.get(reverse("content:material_download", args=[material.pk])).status_code == 404


def test_downloads_refuse_post(client):
    material = MaterialFactory()
    assert client.post(reverse("content:material_download", args=[material.pk])).status_code == 405


# --- 讲师简介 ---------------------------------------------------------------------------


def test_lecturer_list_shows_cards_with_photo_or_initial(client):
    with_photo = LecturerFactory(
        with_photo=True, name="林慕言", organization="江城大学", title="教授", order=2
    )
    LecturerFactory(
        name="周启航", organization="明诚咨询", title="合伙人", bio="十余年经验。", order=1
    )
    LecturerFactory(name="隐藏讲师", is_published=False)

    response = client.get(reverse("content:lecturer_list"))

    html = body(response)
    assert response.status_code == 200
    assert html.index("周启航") < html.index("林慕言")
    assert with_photo.photo.url in html
    assert 'alt="讲师林慕言的照片"' in html
    assert "江城大学 · 教授" in html
    assert "十余年经验。" in html
    assert 'lecturer-initial" aria-hidden="true">周</span>' in html
    assert "隐藏讲师" not in html


def test_public_pages_use_one_h1(client):
    policy = PolicyFactory()
    urls = [
        reverse("content:home"),
        reverse("content:policy_list"),
        reverse("content:policy_section", args=["local"]),
        reverse("content:policy_detail", args=[policy.pk]),
        reverse("content:material_list"),
        reverse("content:material_section", args=["sample-case"]),
        reverse("content:lecturer_list"),
        reverse("content:feedback"),
        reverse("content:complaint"),
    ]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        assert body(response).count("<h1") == 1, url
