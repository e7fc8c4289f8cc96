"""Demo content for the portal: the manual's policies and materials, three lecturers.

``load()`` is idempotent: rows are looked up by their natural key (title, or section and
title, or name) and only missing ones are created, so a second run creates nothing and an
operator's edits to a demo row are never overwritten. Files are generated on creation
and saved through Django's storage API.

Policy bodies are short summaries written for this platform, not the official texts; the
material PDFs are marked as demo files so nobody mistakes them for a body's real
service standard. The lecturers are invented people.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.core.files.base import ContentFile
from django.db import transaction

from ipms.content.models import Lecturer, Material, Policy, PolicyAttachment

from .media import make_image, make_pdf

SUMMARY_NOTE = "（以上为平台整理的内容摘要，仅供学习参考，请以发布机关公布的正式文本为准。）"
DEMO_FILE_NOTE = "本文件为学习平台的演示文件，仅用于展示下载功能，不代表相关机构的正式文件。"


@dataclass(frozen=True)
class DemoPolicy:
    title: str
    scope: str
    published_on: datetime.date
    issuer: str
    body: list[str]
    region: str = ""
    document_number: str = ""
    # (attachment title, PDF paragraphs)
    attachments: list[tuple[str, list[str]]] = field(default_factory=list)


_OCT_18 = datetime.date(2019, 10, 18)
_OCT_21 = datetime.date(2019, 10, 21)
_NOV_28 = datetime.date(2019, 11, 28)
NATIONAL = Policy.Scope.NATIONAL
LOCAL = Policy.Scope.LOCAL

# In the manual's order (top row first); as the old platform's user manual lists them (第二章 1).
POLICIES: list[DemoPolicy] = [
    DemoPolicy(
        title="国家知识产权局办公室关于规范知识产权管理体系贯标认证工作的通知",
        scope=NATIONAL,
        published_on=_OCT_18,
        issuer="国家知识产权局办公室",
        body=[
            "这份通知针对知识产权管理体系贯标认证工作中出现的“重认证数量、轻管理实效”等问题，"
            "要求各地回到贯标的本来目的：帮助创新主体建立起真正管用的知识产权管理体系。",
            "通知强调贯标认证应当由企业自愿开展，各地在政策引导时要注重实际成效，"
            "避免简单以证书数量作为考核指标，并加强对咨询服务机构和认证机构的规范管理。",
            "通知同时提出要做好贯标人员的培训，提高企业内部管理人员和内审员的能力，"
            "让贯标工作与企业的研发、生产和经营活动真正结合起来。",
            SUMMARY_NOTE,
        ],
        attachments=[
            (
                "通知要点整理",
                [
                    "一、贯标认证以提升创新主体知识产权管理能力为目标，坚持企业自愿。",
                    "二、政策引导注重实效，不以证书数量论成绩。",
                    "三、加强对咨询服务机构、认证机构的规范和监督。",
                    "四、做好贯标培训，提升内部管理人员和内审员能力。",
                    SUMMARY_NOTE,
                ],
            )
        ],
    ),
    DemoPolicy(
        title=(
            "国家知识产权局等八部委印发《关于全面推行〈企业知识产权管理规范〉"
            "国家标准的指导意见》的通知"
        ),
        scope=NATIONAL,
        published_on=_OCT_18,
        issuer="国家知识产权局等八部门",
        body=[
            "八个部门联合印发指导意见，提出在全国范围内全面推行《企业知识产权管理规范》"
            "国家标准，引导企业把知识产权管理融入经营管理的各个环节。",
            "意见明确了推行工作的总体思路和目标，从宣传培训、服务机构培育、认证制度建设、"
            "政策衔接等方面部署了重点任务，并对组织实施和保障措施提出了要求。",
            SUMMARY_NOTE,
        ],
    ),
    DemoPolicy(
        title="《知识产权认证管理办法》",
        scope=NATIONAL,
        published_on=_OCT_18,
        issuer="国家认证认可监督管理委员会、国家知识产权局",
        body=[
            "该办法是开展知识产权认证活动的专门规章，适用于知识产权管理体系认证等认证活动。",
            "办法对认证机构的资质、认证活动应遵循的客观独立、公开公正、诚实信用原则，"
            "以及认证实施、证书和标志的使用管理、监督检查和法律责任作出了规定。",
            SUMMARY_NOTE,
        ],
    ),
    DemoPolicy(
        title="《中华人民共和国认证认可条例》",
        scope=NATIONAL,
        published_on=_OCT_18,
        issuer="国务院",
        document_number="中华人民共和国国务院令第390号",
        body=[
            "条例是我国认证认可工作的基本行政法规，也是知识产权管理体系认证的上位依据。",
            "条例规定了认证机构的设立条件、认证活动的基本规范、认可制度，"
            "以及政府部门的监督管理职责和违法行为的法律责任。",
            SUMMARY_NOTE,
        ],
    ),
    DemoPolicy(
        title="《认证机构管理办法》",
        scope=NATIONAL,
        published_on=_OCT_18,
        issuer="国家质量监督检验检疫总局",
        document_number="国家质量监督检验检疫总局令第193号",
        body=[
            "办法对认证机构的设立审批、从业规范、日常监督和法律责任作出了具体规定。",
            "认证机构应当按照认证基本规范和认证规则开展认证，对认证结论负责，"
            "确保认证过程可追溯、认证结果真实可信。",
            SUMMARY_NOTE,
        ],
    ),
    DemoPolicy(
        title="《企业知识产权管理规范》（GB/T 29490-2013）",
        scope=NATIONAL,
        published_on=_OCT_21,
        issuer="国家质量监督检验检疫总局、国家标准化管理委员会",
        document_number="GB/T 29490-2013",
        body=[
            "这是我国第一部关于企业知识产权管理的国家标准，也是企业贯标和认证所依据的标准。",
            "标准以过程方法和“策划—实施—检查—改进”的循环为基础，"
            "对知识产权方针和目标、管理职责、资源管理、基础管理、"
            "实施和运行、审核和改进等方面提出了要求。",
            "企业可以结合自身规模和行业特点建立知识产权管理体系，"
            "使知识产权工作覆盖研发、采购、生产、销售和对外合作的全过程。",
            SUMMARY_NOTE,
        ],
        attachments=[
            (
                "标准结构速览",
                [
                    "第4章 知识产权管理体系：总体要求与文件要求。",
                    "第5章 管理职责：管理承诺、知识产权方针与目标、职责与权限、管理评审。",
                    "第6章 资源管理：人力资源、基础设施、财务资源、信息资源。",
                    "第7章 基础管理：知识产权的获取、维护、运用、保护，合同管理与保密。",
                    "第8章 实施和运行：立项、研究开发、采购、生产、销售和售后。",
                    "第9章 审核和改进：检查监督、内部审核、分析与改进。",
                    SUMMARY_NOTE,
                ],
            )
        ],
    ),
    DemoPolicy(
        title="《高等学校知识产权管理规范》（GB/T 33251-2016）",
        scope=NATIONAL,
        published_on=_OCT_21,
        issuer="国家质量监督检验检疫总局、国家标准化管理委员会",
        document_number="GB/T 33251-2016",
        body=[
            "标准面向高等学校，规定了知识产权管理的组织体系、资源保障，"
            "以及知识产权在科研项目、成果转化、合同和保密等环节的管理要求。",
            "它帮助高校理清从科研立项到成果运用全过程中的知识产权管理责任。",
            SUMMARY_NOTE,
        ],
    ),
    DemoPolicy(
        title="《科研组织知识产权管理规范》（GB/T 33250-2016）",
        scope=NATIONAL,
        published_on=_OCT_21,
        issuer="国家质量监督检验检疫总局、国家标准化管理委员会",
        document_number="GB/T 33250-2016",
        body=[
            "标准面向科研院所等科研组织，对知识产权管理的目标与职责、资源条件、"
            "科研项目全过程管理以及知识产权的运用和保护提出要求。",
            "科研组织可据此建立与自身科研活动相适应的知识产权管理体系。",
            SUMMARY_NOTE,
        ],
    ),
    DemoPolicy(
        title="关于进一步推行企事业单位知识产权管理规范国家标准的通知",
        scope=LOCAL,
        region="重庆",
        published_on=_NOV_28,
        issuer="重庆市知识产权局",
        body=[
            "通知部署在重庆市的企业、高等学校和科研院所中进一步推行知识产权管理规范系列国家标准，"
            "鼓励创新主体结合实际开展贯标和认证。",
            "通知对贯标培训、服务机构管理和工作推进提出了要求，请有关单位按通知安排做好组织实施。",
            SUMMARY_NOTE,
        ],
    ),
    DemoPolicy(
        title="市场监管局关于申报2019年度深圳市知识产权专项资金项目的通知",
        scope=LOCAL,
        region="深圳",
        published_on=_NOV_28,
        issuer="深圳市市场监督管理局",
        body=[
            "通知公布了2019年度深圳市知识产权专项资金项目的申报安排，"
            "说明了项目类别、申报条件、申报材料和受理时间。",
            "与知识产权管理体系贯标认证相关的项目，请以申报指南中的具体条件和要求为准。",
            SUMMARY_NOTE,
        ],
    ),
]

_DEC_12 = datetime.date(2019, 12, 12)
_DEC_10 = datetime.date(2019, 12, 10)
_DEC_06 = datetime.date(2019, 12, 6)
_DEC_05 = datetime.date(2019, 12, 5)

# 服务标准: (certification body, date), manual's order first, then two more that only
# 显示所有 reveals.
SERVICE_STANDARDS: list[tuple[str, datetime.date]] = [
    ("中知（北京）认证有限公司", _DEC_12),
    ("国知（北京）认证有限公司", _DEC_12),
    ("中规（北京）认证有限公司", _DEC_12),
    ("新世纪检验认证有限责任公司", _DEC_12),
    ("北京万坤认证服务有限公司", _DEC_12),
    ("中为创新（北京）认证有限公司", _DEC_12),
    ("深圳华凯检验认证有限公司", _DEC_12),
    ("中际连横（北京）认证有限公司", _DEC_12),
    ("知产（北京）认证服务有限公司", _DEC_12),
    ("北京军友诚信检测认证有限公司", _DEC_12),
    ("华夏认证中心有限公司", _DEC_10),
    ("中国质量认证中心", _DEC_10),
]

# 贯标样例: the manual's ten templates, then two more.
SAMPLE_CASES: list[tuple[str, datetime.date]] = [
    ("机械类案例模板-1（600人以上-7部门）", _DEC_06),
    ("机械类案例模板-2（400-600人-8部门）", _DEC_06),
    ("机械类案例模板-3（200-400人-8部门）", _DEC_06),
    ("机械类案例模板-4（80-200人-9部门）", _DEC_06),
    ("机械类案例模板-5（80人以下-9部门）", _DEC_06),
    ("电学及通信类案例模板-1（300人以上-8部门）", _DEC_06),
    ("电学及通信类案例模板-2（220-300人-8部门）", _DEC_06),
    ("电学及通信类案例模板-3（150-220人-7部门）", _DEC_06),
    ("电学及通信类案例模板-4（70-150人-7部门）", _DEC_06),
    ("电学及通信类案例模板-5（70人以下-7部门）", _DEC_06),
    ("化学及医药类案例模板-1（300人以上-8部门）", _DEC_05),
    ("化学及医药类案例模板-2（300人以下-7部门）", _DEC_05),
]


@dataclass(frozen=True)
class DemoLecturer:
    name: str
    organization: str
    title: str
    bio: list[str]
    color: str


# Invented people and organisations: the manual's lecturers are real and are not used.
LECTURERS: list[DemoLecturer] = [
    DemoLecturer(
        name="林慕言",
        organization="江城大学知识产权学院",
        title="教授",
        bio=[
            "长期从事知识产权法和企业知识产权管理研究，主持多项省部级研究课题，"
            "参与过多项地方知识产权政策的论证工作。",
            "讲课注重把政策和标准条款放到企业的真实场景中解读，深入浅出。",
        ],
        color="#9e1c26",
    ),
    DemoLecturer(
        name="周启航",
        organization="明诚知识产权咨询有限公司",
        title="合伙人、高级咨询师",
        bio=[
            "从事企业知识产权管理咨询十余年，辅导过上百家制造业和电子信息企业建立知识产权管理体系，"
            "熟悉内部审核和管理评审实务。",
        ],
        color="#1f4e79",
    ),
    DemoLecturer(
        name="沈清禾",
        organization="启衡智能装备股份有限公司",
        title="知识产权总监",
        bio=[
            "负责企业知识产权体系建设和专利布局，带领团队完成知识产权管理体系认证。",
            "擅长从企业管理者的角度讲解贯标落地中的常见问题和应对办法。",
        ],
        color="#2e6b3f",
    ),
]


def _pdf(name: str, title: str, paragraphs: list[str]) -> ContentFile:
    return ContentFile(make_pdf(title, paragraphs), name=name)


def _save_new(instance, files: dict[str, ContentFile]) -> None:
    for field_name, content in files.items():
        getattr(instance, field_name).save(content.name, content, save=False)
    instance.full_clean()
    instance.save()
    for field_name in files:
        getattr(instance, field_name).close()


def _load_policies() -> int:
    created = 0
    # Created bottom-up so that, within one date, the manual's top row gets the newest id
    # and the list (newest first, then newest id) shows the manual's order.
    for item in reversed(POLICIES):
        if Policy.objects.filter(title=item.title).exists():
            continue
        policy = Policy(
            scope=item.scope,
            region=item.region,
            title=item.title,
            issuer=item.issuer,
            document_number=item.document_number,
            published_on=item.published_on,
            body="\n\n".join(item.body),
        )
        _save_new(policy, {})
        for order, (title, paragraphs) in enumerate(item.attachments):
            attachment = PolicyAttachment(policy=policy, title=title, order=order)
            _save_new(attachment, {"file": _pdf("attachment.pdf", title, paragraphs)})
        created += 1
    return created


def _service_standard_pdf(organization: str) -> ContentFile:
    title = f"{organization}知识产权管理体系认证服务标准"
    return _pdf(
        "service-standard.pdf",
        title,
        [
            DEMO_FILE_NOTE,
            "一、认证依据：《企业知识产权管理规范》（GB/T 29490）及相关认证规则。",
            "二、认证范围：企业、高等学校、科研组织的知识产权管理体系。",
            "三、认证流程：认证申请与受理、文件审核、现场审核、认证决定、证书发放与监督审核。",
            "四、服务承诺：客观公正地实施认证，按约定时限完成审核，保守受审核方的商业秘密。",
            "五、投诉与申诉：对认证过程或结论有异议的，可向认证机构提出投诉或申诉。",
        ],
    )


def _sample_case_pdf(title: str) -> ContentFile:
    return _pdf(
        "sample-case.pdf",
        title,
        [
            DEMO_FILE_NOTE,
            "本案例模板展示一家企业如何按照《企业知识产权管理规范》建立知识产权管理体系，"
            "包括知识产权手册、程序文件和记录表单的编写思路。",
            "一、组织机构与职责：明确最高管理者、管理者代表和知识产权管理部门的职责，"
            "以及研发、采购、生产、销售等部门的配合事项。",
            "二、文件体系：知识产权手册、程序文件、作业指导和记录表单的层级与编号规则。",
            "三、实施要点：立项前的检索分析、研发过程中的成果保护、"
            "采购与销售合同中的知识产权条款、内部审核与管理评审。",
        ],
    )


def _load_materials() -> int:
    created = 0
    rows = [
        (Material.Section.SERVICE_STANDARD, title, day, title, _service_standard_pdf)
        for title, day in SERVICE_STANDARDS
    ] + [
        (Material.Section.SAMPLE_CASE, title, day, "", _sample_case_pdf)
        for title, day in SAMPLE_CASES
    ]
    for section, title, day, organization, make_file in reversed(rows):
        if Material.objects.filter(section=section, title=title).exists():
            continue
        material = Material(
            section=section,
            title=title,
            organization=organization,
            published_on=day,
            description=(
                f"{organization}发布的知识产权管理体系认证服务标准。"
                if organization
                else "贯标文件编写参考模板。"
            ),
        )
        _save_new(material, {"file": make_file(title)})
        created += 1
    return created


def _load_lecturers() -> int:
    created = 0
    for order, item in enumerate(LECTURERS, start=1):
        if Lecturer.objects.filter(name=item.name).exists():
            continue
        lecturer = Lecturer(
            name=item.name,
            organization=item.organization,
            title=item.title,
            bio="\n\n".join(item.bio),
            order=order * 10,
        )
        photo = ContentFile(make_image(item.name, size=(240, 300), bg=item.color), name="p.png")
        _save_new(lecturer, {"photo": photo})
        created += 1
    return created


@transaction.atomic
def load(*, stdout) -> None:
    """Create whatever demo content is missing; leave existing rows untouched."""
    policies = _load_policies()
    materials = _load_materials()
    lecturers = _load_lecturers()
    stdout.write(
        f"门户内容：新增政策文件 {policies} 条、学习资料 {materials} 条、讲师 {lecturers} 位"
        f"（共有政策 {Policy.objects.count()} 条、资料 {Material.objects.count()} 条、"
        f"讲师 {Lecturer.objects.count()} 位）。"
    )
