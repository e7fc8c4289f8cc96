"""Public portal content (product-rules §2): policies, materials, lecturers, feedback."""

from django.conf import settings
from django.db import models
from django.db.models import Q

from ipms.core.files import UploadTo, validate_document, validate_image
from ipms.core.models import TimeStampedModel
from ipms.core.phone import validate_mobile


class PublishedQuerySet(models.QuerySet):
    def published(self):
        return self.filter(is_published=True)


LOCAL_NEEDS_REGION = "地方政策必须填写地区。"


class Policy(TimeStampedModel):
    """政策文件: a national or local policy document."""

    class Scope(models.TextChoices):
        NATIONAL = "national", "国家政策"
        LOCAL = "local", "地方政策"

    scope = models.CharField("类别", max_length=16, choices=Scope.choices, db_index=True)
    region = models.CharField(
        "地区", max_length=50, blank=True, help_text="地方政策所属地区，如：重庆、深圳。"
    )
    title = models.CharField("标题", max_length=200)
    issuer = models.CharField("发布机关", max_length=100, blank=True)
    document_number = models.CharField("文号", max_length=100, blank=True)
    published_on = models.DateField("发布日期")
    body = models.TextField("正文", blank=True, help_text="段落之间空一行。")
    source_url = models.URLField("原文链接", blank=True)
    is_published = models.BooleanField("已发布", default=True)

    objects = PublishedQuerySet.as_manager()

    class Meta:
        verbose_name = "政策文件"
        verbose_name_plural = "政策文件"
        ordering = ["-published_on", "-id"]
        indexes = [models.Index(fields=["scope", "is_published", "-published_on"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(scope="national") | ~Q(region=""),
                name="policy_local_has_region",
                violation_error_message=LOCAL_NEEDS_REGION,
            )
        ]

    def __str__(self) -> str:
        return self.title


class PolicyAttachment(TimeStampedModel):
    policy = models.ForeignKey(
        Policy, on_delete=models.CASCADE, related_name="attachments", verbose_name="政策文件"
    )
    title = models.CharField("附件名称", max_length=200)
    file = models.FileField(
        "文件", upload_to=UploadTo("policies"), validators=[validate_document], max_length=200
    )
    order = models.PositiveIntegerField("排序", default=0)

    class Meta:
        verbose_name = "政策附件"
        verbose_name_plural = "政策附件"
        ordering = ["order", "id"]

    def __str__(self) -> str:
        return self.title


class Material(TimeStampedModel):
    """学习资料: 服务标准 (per certification body) or 贯标样例 (template cases)."""

    class Section(models.TextChoices):
        SERVICE_STANDARD = "service_standard", "服务标准"
        SAMPLE_CASE = "sample_case", "贯标样例"

    section = models.CharField("栏目", max_length=32, choices=Section.choices, db_index=True)
    title = models.CharField("标题", max_length=200)
    organization = models.CharField(
        "发布机构", max_length=100, blank=True, help_text="服务标准填写发布该标准的认证机构。"
    )
    description = models.TextField("说明", blank=True)
    file = models.FileField(
        "文件", upload_to=UploadTo("materials"), validators=[validate_document], max_length=200
    )
    published_on = models.DateField("发布日期")
    is_published = models.BooleanField("已发布", default=True)

    objects = PublishedQuerySet.as_manager()

    class Meta:
        verbose_name = "学习资料"
        verbose_name_plural = "学习资料"
        ordering = ["-published_on", "-id"]
        indexes = [models.Index(fields=["section", "is_published", "-published_on"])]

    def __str__(self) -> str:
        return self.title


class Lecturer(TimeStampedModel):
    """讲师简介."""

    name = models.CharField("姓名", max_length=50)
    organization = models.CharField("单位", max_length=100)
    title = models.CharField("职务/职称", max_length=100, blank=True)
    photo = models.ImageField(
        "照片", upload_to=UploadTo("lecturers"), validators=[validate_image], blank=True
    )
    bio = models.TextField("简介")
    order = models.PositiveIntegerField("排序", default=0, help_text="数字小的排在前面。")
    is_published = models.BooleanField("已发布", default=True)

    objects = PublishedQuerySet.as_manager()

    class Meta:
        verbose_name = "讲师"
        verbose_name_plural = "讲师"
        ordering = ["order", "id"]

    def __str__(self) -> str:
        return self.name


class Feedback(TimeStampedModel):
    """意见反馈 sent by a visitor; the operator works through them in the console."""

    content = models.TextField("内容", max_length=2000)
    phone = models.CharField("手机", max_length=11, validators=[validate_mobile])
    ip_address = models.GenericIPAddressField("来源IP", null=True, blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="提交用户",
    )
    is_handled = models.BooleanField("已处理", default=False, db_index=True)
    handled_at = models.DateTimeField("处理时间", null=True, blank=True)
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="处理人",
    )
    reply_note = models.TextField("处理备注", blank=True)

    class Meta:
        verbose_name = "意见反馈"
        verbose_name_plural = "意见反馈"
        ordering = ["is_handled", "-created_at"]

    def __str__(self) -> str:
        return self.content[:30]
