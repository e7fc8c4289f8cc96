"""Enterprises, their members and the invitations that bring members in (product-rules §4).

* An :class:`Enterprise` is registered once per 统一社会信用代码 / 营业执照注册号.
* A :class:`Membership` row exists from the moment the admin adds a phone number
  (状态 待验证); it is linked to a user when that user confirms through the SMS link
  (or at once when the phone already has an account) and becomes 已验证. Removing a
  member keeps the row (状态 已移除) for history; a new invitation makes a new row.
* An :class:`Invitation` is a single-use link token, stored only as its SHA-256 hash.

What must never happen is refused by the database itself:

* two enterprises with the same code;
* one user verified in two enterprises at once (a learner belongs to at most one);
* the same phone or user twice among one enterprise's active members;
* a verified member without a user, an admin waiting for verification;
* two usable invitations for one member (a re-send revokes the previous link).
"""

from __future__ import annotations

import datetime
import hashlib
import secrets

from django import forms
from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Length, Upper
from django.db.models.lookups import Exact, In
from django.utils import timezone

from ipms.accounts.models import Position
from ipms.core import regions
from ipms.core.models import TimeStampedModel
from ipms.core.phone import mask_mobile, validate_mobile
from ipms.core.workflow import Workflow

from .validators import normalize_credit_code, validate_credit_code

INVITATION_TOKEN_BYTES = 32  # 256 bits from secrets.token_urlsafe

MSG_CREDIT_CODE_TAKEN = (
    "该统一社会信用代码（营业执照注册号）已注册，请直接登录或联系贵企业的管理员。"
)
# 企业信息: the admin edits their own record, so logging in is no advice.
MSG_CREDIT_CODE_OF_ANOTHER = (
    "该统一社会信用代码（营业执照注册号）已由平台上的另一家企业登记，请核对后重新填写；"
    "如确属贵企业，请通过“意见反馈”联系平台处理。"
)


class CreditCodeFormField(forms.CharField):
    """Form field for the code: normalises, then checks it like the model does."""

    default_validators = [validate_credit_code]
    # People copy the code from a licence with spaces; let them paste it whole.
    INPUT_MAX_LENGTH = 30

    def to_python(self, value):
        return normalize_credit_code(super().to_python(value))

    def widget_attrs(self, widget):
        attrs = super().widget_attrs(widget)
        if "maxlength" in attrs:
            attrs["maxlength"] = str(self.INPUT_MAX_LENGTH)
        attrs.setdefault("autocomplete", "off")
        attrs.setdefault("spellcheck", "false")
        return attrs


class CreditCodeField(models.CharField):
    """A CharField that normalises the code (upper case, no spaces) before validating it.

    ``Model.full_clean`` stores what ``to_python`` returns (and ``get_prep_value`` calls it
    on every save), so a code typed with spaces or in lower case is validated, checked for
    uniqueness and saved in one canonical form.
    """

    def to_python(self, value):
        value = super().to_python(value)
        return normalize_credit_code(value) if value is not None else value

    def formfield(self, **kwargs):
        return super().formfield(**{"form_class": CreditCodeFormField, **kwargs})


class Enterprise(TimeStampedModel):
    """企业: what the admin registered and keeps up to date on 企业信息."""

    class Scale(models.TextChoices):
        UNDER_50 = "lt50", "少于50人"
        FROM_50 = "50-150", "50-150人"
        FROM_150 = "150-500", "150-500人"
        FROM_500 = "500-1000", "500-1000人"
        FROM_1000 = "1000-5000", "1000-5000人"
        FROM_5000 = "5000-10000", "5000-10000人"
        OVER_10000 = "gt10000", "10000人以上"

    class Industry(models.TextChoices):
        IT = "it", "计算机/互联网/通信/电子"
        MACHINERY = "machinery", "机械/设备/仪器仪表"
        MANUFACTURING = "manufacturing", "轻工/纺织/其他制造"
        CHEMICAL = "chemical", "化工/材料/能源/环保"
        PHARMA = "pharma", "医药/医疗器械/生物"
        AUTOMOTIVE = "automotive", "汽车/交通运输设备"
        CONSUMER = "consumer", "消费品/贸易/零售"
        AGRICULTURE = "agriculture", "农林牧渔/食品"
        CONSTRUCTION = "construction", "建筑/房地产/建材"
        FINANCE = "finance", "金融/银行/保险"
        LOGISTICS = "logistics", "交通/物流/仓储"
        SERVICES = "services", "专业服务/咨询/法律/知识产权"
        MEDIA = "media", "文化/传媒/广告/体育"
        EDUCATION = "education", "教育/培训/科研"
        PUBLIC = "public", "政府/事业单位/非营利组织"
        OTHER = "other", "其他"

    class Type(models.TextChoices):
        STATE_OWNED = "state_owned", "国有企业"
        COLLECTIVE = "collective", "集体企业"
        PRIVATE = "private", "民营企业"
        HMT_INVESTED = "hmt_invested", "港澳台商投资企业"
        FOREIGN_INVESTED = "foreign_invested", "外商投资企业"
        INSTITUTION = "institution", "事业单位"
        SOCIAL_ORGANIZATION = "social_organization", "社会组织"
        OTHER = "other", "其他"

    name = models.CharField("公司名称", max_length=100, help_text="与营业执照上的企业名称一致。")
    credit_code = CreditCodeField(
        "营业执照注册号/统一社会信用代码",
        max_length=18,
        validators=[validate_credit_code],
        help_text="18位统一社会信用代码，或15位营业执照注册号。",
    )
    address = models.CharField("企业实际经营地址", max_length=200, blank=True)
    scale = models.CharField("企业规模", max_length=16, choices=Scale, blank=True)
    industry = models.CharField("企业所属行业", max_length=32, choices=Industry, blank=True)
    type = models.CharField("企业类型", max_length=32, choices=Type, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="注册人",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    # The fields 企业信息 must have before members can be added or certificates downloaded.
    PROFILE_FIELDS = ("name", "credit_code", "address", "scale", "industry", "type")

    class Meta:
        verbose_name = "企业"
        verbose_name_plural = "企业"
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["credit_code"],
                name="enterprise_unique_credit_code",
                violation_error_message=MSG_CREDIT_CODE_TAKEN,
                violation_error_code="unique",
            ),
            # The unique constraint only holds if every row stores the canonical form.
            models.CheckConstraint(
                condition=Exact(F("credit_code"), Upper("credit_code"))
                & In(Length("credit_code"), [15, 18]),
                name="enterprise_credit_code_canonical",
                violation_error_message="营业执照注册号/统一社会信用代码格式不正确。",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def missing_profile_fields(self) -> list[str]:
        """Labels of the 企业信息 fields still empty, in form order."""
        return [
            str(self._meta.get_field(name).verbose_name)
            for name in self.PROFILE_FIELDS
            if not str(getattr(self, name) or "").strip()
        ]

    @property
    def is_profile_complete(self) -> bool:
        """The completeness gate of product-rules §4 (adding members, downloading certificates)."""
        return not self.missing_profile_fields

    @property
    def has_uscc(self) -> bool:
        """True for an 18-character 统一社会信用代码, False for a 15-digit licence number."""
        return len(self.credit_code or "") == 18


class Membership(TimeStampedModel):
    """成员: one phone number in one enterprise's member list."""

    class Role(models.TextChoices):
        ADMIN = "admin", "管理员"
        LEARNER = "learner", "学员"

    class Status(models.TextChoices):
        PENDING = "pending", "待验证"
        VERIFIED = "verified", "已验证"
        REMOVED = "removed", "已移除"

    # 职位: the accounts' list, so a member's and their own 个人资料 agree.
    Position = Position

    ACTIVE_STATUSES = (Status.PENDING, Status.VERIFIED)

    # No index of its own: ``membership_list`` and the other indexes below lead with it
    # (one index fewer to keep up on every write, e.g. 确认导入's 5,000 rows).
    enterprise = models.ForeignKey(
        Enterprise,
        verbose_name="企业",
        on_delete=models.CASCADE,
        related_name="memberships",
        db_index=False,
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="用户",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="memberships",
        help_text="成员确认加入后（或添加时该手机号已有账号）关联的账号。",
    )
    phone = models.CharField("手机号", max_length=11, validators=[validate_mobile])
    name = models.CharField("姓名", max_length=50, blank=True)
    position = models.CharField("职位", max_length=32, choices=Position)
    province = models.CharField("省份", max_length=6, blank=True, help_text="GB/T 2260 代码。")
    city = models.CharField("城市", max_length=6, blank=True, help_text="GB/T 2260 代码。")
    role = models.CharField("角色", max_length=16, choices=Role, default=Role.LEARNER)
    status = models.CharField("账号状态", max_length=16, choices=Status, default=Status.PENDING)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="添加人",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    verified_at = models.DateTimeField("验证时间", null=True, blank=True)
    removed_at = models.DateTimeField("移除时间", null=True, blank=True)
    removed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="移除人",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = "企业成员"
        verbose_name_plural = "企业成员"
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(fields=["enterprise", "status"], name="membership_enterprise_status"),
            # Finding the invitations waiting for a phone number, across enterprises.
            models.Index(fields=["phone"], name="membership_phone"),
            # 成员管理 and 学习管理 page through an enterprise's learners in the order they
            # were added (the admin's row is read apart): the count, the page's ids and
            # the search's filter on names and phones are read from this index alone
            # (docs/performance.md, "Lists"). Not partial, so that SQLite uses it too.
            models.Index(
                fields=["enterprise", "created_at", "id", "status", "role", "name", "phone"],
                name="membership_list",
            ),
            # The search's look at the account's 姓名, for rows without one of their own.
            models.Index(
                fields=["enterprise", "user"], condition=Q(name=""), name="membership_unnamed"
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["user"],
                condition=Q(status="verified"),
                name="membership_one_enterprise_per_user",
                violation_error_message="该用户已是其他企业的成员。",
            ),
            models.UniqueConstraint(
                fields=["enterprise", "phone"],
                condition=Q(status__in=["pending", "verified"]),
                name="membership_unique_active_phone",
                violation_error_message="该手机号已在本企业的成员列表中。",
            ),
            models.UniqueConstraint(
                fields=["enterprise", "user"],
                condition=Q(status__in=["pending", "verified"]),
                name="membership_unique_active_user",
                violation_error_message="该用户已在本企业的成员列表中。",
            ),
            models.CheckConstraint(
                condition=~Q(status="verified") | Q(user__isnull=False),
                name="membership_verified_has_user",
                violation_error_message="已验证的成员必须关联账号。",
            ),
            models.CheckConstraint(
                condition=~Q(role="admin") | ~Q(status="pending"),
                name="membership_admin_not_pending",
                violation_error_message="企业管理员不能处于待验证状态。",
            ),
            models.CheckConstraint(
                condition=~Q(status="removed") | Q(removed_at__isnull=False),
                name="membership_removed_has_time",
                violation_error_message="已移除的成员必须记录移除时间。",
            ),
        ]

    def __str__(self) -> str:
        label = self.name or self.masked_phone
        return f"{label} @ {self.enterprise}" if self.enterprise_id else label

    def clean(self) -> None:
        super().clean()
        regions.validate_region(self.province, self.city)

    @property
    def is_active(self) -> bool:
        return self.status in self.ACTIVE_STATUSES

    @property
    def is_admin(self) -> bool:
        return self.role == self.Role.ADMIN

    @property
    def current_phone(self) -> str:
        """The linked account's phone (it may have changed since), else the invited one."""
        user = self.user if self.user_id else None
        return user.phone if user is not None else self.phone

    @property
    def masked_phone(self) -> str:
        return mask_mobile(self.current_phone)

    @property
    def display_name(self) -> str:
        user = self.user if self.user_id else None
        return self.name or (user.name if user is not None else "")

    @property
    def province_name(self) -> str:
        return regions.region_name(self.province) or self.province

    @property
    def city_name(self) -> str:
        return regions.region_name(self.city) or self.city


# The member life cycle (docs/decisions/0008-workflow-core.md). Every change of
# ``Membership.status`` goes through ``ipms.core.workflow.transition`` with this table:
# an invitee confirms (待验证 → 已验证) or is removed; a verified member can be removed;
# 已移除 is final (a new invitation makes a new row). Rows are born 待验证, or 已验证
# for the admin who registers the enterprise.
MEMBERSHIP_WORKFLOW = Workflow(
    Membership,
    field="status",
    allowed={
        Membership.Status.PENDING: {Membership.Status.VERIFIED, Membership.Status.REMOVED},
        Membership.Status.VERIFIED: {Membership.Status.REMOVED},
    },
    initial={Membership.Status.PENDING, Membership.Status.VERIFIED},
    enterprise_attr="enterprise_id",
)


def invitation_ttl() -> datetime.timedelta:
    return datetime.timedelta(days=settings.INVITATION_TTL_DAYS)


def default_invitation_expiry() -> datetime.datetime:
    return timezone.now() + invitation_ttl()


class Invitation(TimeStampedModel):
    """One SMS link for one member: single use, expiring, stored as a hash only.

    The token carries 256 random bits, so a plain SHA-256 (no salt, no stretching) is
    enough to make a leaked table useless while keeping the lookup a single index probe.
    """

    membership = models.ForeignKey(
        Membership, verbose_name="成员", on_delete=models.CASCADE, related_name="invitations"
    )
    # Unique by a constraint, not ``unique=True``: on PostgreSQL that also builds a
    # ``varchar_pattern_ops`` copy of the index for LIKE, of no use for a hash looked up
    # by equality and as costly to keep up as the index itself.
    token_hash = models.CharField("令牌摘要", max_length=64, editable=False)
    expires_at = models.DateTimeField("过期时间", default=default_invitation_expiry)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="发送人",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    used_at = models.DateTimeField("使用时间", null=True, blank=True)
    used_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="确认账号",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    revoked_at = models.DateTimeField("作废时间", null=True, blank=True)

    class Meta:
        verbose_name = "成员邀请"
        verbose_name_plural = "成员邀请"
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["token_hash"],
                name="invitation_unique_token_hash",
                violation_error_message="邀请令牌重复。",
            ),
            models.UniqueConstraint(
                fields=["membership"],
                condition=Q(used_at__isnull=True, revoked_at__isnull=True),
                name="invitation_one_open_per_membership",
                violation_error_message="该成员已有一条未使用的邀请链接。",
            ),
            models.CheckConstraint(
                condition=Q(used_at__isnull=True) | Q(revoked_at__isnull=True),
                name="invitation_not_used_and_revoked",
                violation_error_message="邀请不能既已使用又已作废。",
            ),
        ]

    def __str__(self) -> str:
        return f"邀请 #{self.pk}"

    @staticmethod
    def new_token() -> str:
        return secrets.token_urlsafe(INVITATION_TOKEN_BYTES)

    @staticmethod
    def hash_token(token: str) -> str:
        return hashlib.sha256((token or "").encode()).hexdigest()

    def is_expired(self, now: datetime.datetime | None = None) -> bool:
        return (now or timezone.now()) >= self.expires_at

    def is_usable(self, now: datetime.datetime | None = None) -> bool:
        return self.used_at is None and self.revoked_at is None and not self.is_expired(now)

    @property
    def state_label(self) -> str:
        if self.used_at is not None:
            return "已使用"
        if self.revoked_at is not None:
            return "已作废"
        if self.is_expired():
            return "已过期"
        return "有效"
