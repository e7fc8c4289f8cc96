"""Factories for the portal content; other apps' tests may reuse them.

Files are tiny but real (a PDF, a PNG: ipms.core.tests.factories) so the upload
validators accept them.
"""

from __future__ import annotations

import datetime

import factory
from factory.django import DjangoModelFactory

from ipms.content.models import Feedback, Lecturer, Material, Policy, PolicyAttachment
from ipms.core.tests.factories import tiny_pdf, tiny_png


class PolicyFactory(DjangoModelFactory):
    class Meta:
        model = Policy

    scope = Policy.Scope.NATIONAL
    region = ""
    title = factory.Sequence(lambda n: f"测试政策文件{n}")
    issuer = "国家知识产权局"
    document_number = factory.Sequence(lambda n: f"国知发测字〔2026〕{n}号")
    published_on = factory.Sequence(lambda n: datetime.date(2020, 1, 1) + datetime.timedelta(n))
    body = "第一段正文。\n\n第二段正文。"
    is_published = True

    class Params:
        local = factory.Trait(scope=Policy.Scope.LOCAL, region="重庆")


class PolicyAttachmentFactory(DjangoModelFactory):
    class Meta:
        model = PolicyAttachment

    policy = factory.SubFactory(PolicyFactory)
    title = factory.Sequence(lambda n: f"附件{n}")
    file = factory.django.FileField(filename="attachment.pdf", data=factory.LazyFunction(tiny_pdf))
    order = factory.Sequence(int)


class MaterialFactory(DjangoModelFactory):
    class Meta:
        model = Material

    section = Material.Section.SAMPLE_CASE
    title = factory.Sequence(lambda n: f"测试资料{n}")
    organization = ""
    file = factory.django.FileField(filename="material.pdf", data=factory.LazyFunction(tiny_pdf))
    published_on = factory.Sequence(lambda n: datetime.date(2020, 1, 1) + datetime.timedelta(n))
    is_published = True

    class Params:
        service_standard = factory.Trait(
            section=Material.Section.SERVICE_STANDARD,
            organization=factory.LazyAttribute(lambda o: f"{o.title}认证有限公司"),
        )


class LecturerFactory(DjangoModelFactory):
    class Meta:
        model = Lecturer

    name = factory.Sequence(lambda n: f"讲师{n}")
    organization = "测试大学"
    title = "教授"
    bio = "简介第一段。\n\n简介第二段。"
    order = factory.Sequence(int)
    is_published = True

    class Params:
        with_photo = factory.Trait(
            photo=factory.django.FileField(
                filename="photo.png", data=factory.LazyFunction(tiny_png)
            )
        )


class FeedbackFactory(DjangoModelFactory):
    class Meta:
        model = Feedback

    content = factory.Sequence(lambda n: f"这是第{n}条意见反馈的内容。")
    phone = "13912345678"
    ip_address = "203.0.113.5"
