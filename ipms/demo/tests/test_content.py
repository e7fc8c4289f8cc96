"""Demo content: the manual's rows, real files, and a second run that changes nothing."""

import io

import pytest
from django.urls import reverse
from pypdf import PdfReader

from ipms.content.models import Lecturer, Material, Policy, PolicyAttachment
from ipms.demo import content as demo

pytestmark = pytest.mark.django_db


@pytest.fixture
def loaded():
    demo.load(stdout=io.StringIO())


def test_load_creates_manual_policies(loaded):
    assert Policy.objects.filter(scope="national").count() == 8
    local = {p.region: p for p in Policy.objects.filter(scope="local")}
    assert set(local) == {"重庆", "深圳"}
    assert local["重庆"].title == "关于进一步推行企事业单位知识产权管理规范国家标准的通知"
    assert str(local["深圳"].published_on) == "2019-11-28"
    first = Policy.objects.get(
        title="国家知识产权局办公室关于规范知识产权管理体系贯标认证工作的通知"
    )
    assert str(first.published_on) == "2019-10-18"
    assert Policy.objects.filter(
        title="国家知识产权局等八部委印发《关于全面推行〈企业知识产权管理规范〉国家标准的指导意见》的通知",
        published_on="2019-10-18",
    ).exists()
    assert PolicyAttachment.objects.count() >= 2


def test_load_creates_materials_and_lecturers_with_files(loaded):
    standards = Material.objects.filter(section="service_standard")
    samples = Material.objects.filter(section="sample_case")
    assert standards.count() >= 12 and samples.count() >= 11
    assert all(m.organization for m in standards)
    assert samples.filter(title="机械类案例模板-1（600人以上-7部门）").exists()
    assert samples.filter(title="电学及通信类案例模板-5（70人以下-7部门）").exists()

    material = samples.get(title="机械类案例模板-1（600人以上-7部门）")
    with material.file.open("rb") as handle:
        text = PdfReader(handle).pages[0].extract_text()
    assert "机械类案例模板" in text

    lecturers = list(Lecturer.objects.all())
    assert len(lecturers) == 3
    assert all(lecturer.photo for lecturer in lecturers)
    assert not {"吴汉东", "谷云飞", "张艳"} & {lecturer.name for lecturer in lecturers}


def test_second_run_creates_nothing_and_keeps_operator_edits(loaded):
    policy = Policy.objects.get(title="《认证机构管理办法》")
    policy.body = "运营人员改过的正文。"
    policy.save()
    Lecturer.objects.filter(name="林慕言").update(title="运营改过的职称")
    counts = (
        Policy.objects.count(),
        PolicyAttachment.objects.count(),
        Material.objects.count(),
        Lecturer.objects.count(),
    )
    out = io.StringIO()

    demo.load(stdout=out)

    assert counts == (
        Policy.objects.count(),
        PolicyAttachment.objects.count(),
        Material.objects.count(),
        Lecturer.objects.count(),
    )
    policy.refresh_from_db()
    assert policy.body == "运营人员改过的正文。"
    assert Lecturer.objects.get(name="林慕言").title == "运营改过的职称"
    assert "新增政策文件 0 条、学习资料 0 条、讲师 0 位" in out.getvalue()


def test_demo_pages_show_the_manual_order(loaded, client):
    html = client.get(reverse("content:material_list")).content.decode()
    # Same date: the manual's top row first; the two extra bodies only under 显示所有.
    assert html.index("中知（北京）认证有限公司") < html.index("北京军友诚信检测认证有限公司")
    assert "中国质量认证中心" not in html
    policies = client.get(reverse("content:policy_list")).content.decode()
    assert policies.index("关于进一步推行企事业单位知识产权管理规范国家标准的通知（重庆）") < (
        policies.index("市场监管局关于申报2019年度深圳市知识产权专项资金项目的通知（深圳）")
    )
