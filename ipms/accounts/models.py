import logging

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.utils import timezone
from django.utils.crypto import salted_hmac

from ipms.core import crypto, regions
from ipms.core.phone import mask_mobile, normalize_mobile, validate_mobile

from .idcard import mask_id_number, normalize_id_number

logger = logging.getLogger("ipms.accounts")

# Digest purpose of the 身份证 number (ipms.core.crypto.digest).
ID_NUMBER_DIGEST_PURPOSE = "accounts.user.id_number"
ID_NUMBER_UNREADABLE = "（无法解密）"


class Position(models.TextChoices):
    """职位: a person's own (个人资料) and the one an enterprise admin enters for a member
    (添加成员, ``enterprises.Membership.Position``): one list, so the two agree."""

    EXECUTIVE = "executive", "企业负责人"
    MANAGEMENT_REP = "management_rep", "管理者代表"
    IP_MANAGER = "ip_manager", "知识产权管理员"
    INTERNAL_AUDITOR = "internal_auditor", "内审员"
    LEGAL = "legal", "法务"
    RND = "rnd", "研发/技术"
    MARKETING = "marketing", "市场/销售"
    PROCUREMENT = "procurement", "采购"
    PRODUCTION = "production", "生产"
    HR = "hr", "人力资源"
    FINANCE = "finance", "财务"
    ADMINISTRATION = "administration", "行政"
    OTHER = "other", "其他"


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create_user(self, phone: str, password: str | None, **extra):
        phone = normalize_mobile(phone)
        user = self.model(phone=phone, **extra)
        user.set_password(password)
        user.full_clean(exclude=["password"])
        user.save(using=self._db)
        return user

    def create_user(self, phone: str, password: str | None = None, **extra):
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create_user(phone, password, **extra)

    def create_superuser(self, phone: str, password: str | None = None, **extra):
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        return self._create_user(phone, password, **extra)


class User(AbstractBaseUser, PermissionsMixin):
    """One person, one mainland mobile number (product-rules §1)."""

    phone = models.CharField("手机号", max_length=11, unique=True, validators=[validate_mobile])
    name = models.CharField("姓名", max_length=50, blank=True)
    # 身份证: only a Fernet token and a keyed digest are stored (ipms.core.crypto), never
    # the number. Write through set_id_number(); read with reveal_id_number() (owner's
    # profile and document generation only) or masked_id_number (everywhere else).
    id_number_encrypted = models.TextField("身份证号码（密文）", blank=True, editable=False)
    id_number_digest = models.CharField("身份证号码摘要", max_length=64, blank=True, editable=False)
    id_number_agreed_at = models.DateTimeField(
        "身份证单独同意时间", null=True, blank=True, editable=False
    )
    position = models.CharField("职位", max_length=32, choices=Position, blank=True)
    province = models.CharField("省份", max_length=6, blank=True, help_text="GB/T 2260 代码。")
    city = models.CharField("城市", max_length=6, blank=True, help_text="GB/T 2260 代码。")
    agreement_version = models.CharField("同意的用户协议版本", max_length=20, blank=True)
    agreed_at = models.DateTimeField("同意用户协议时间", null=True, blank=True)
    is_active = models.BooleanField("有效", default=True)
    is_staff = models.BooleanField("运营人员", default=False, help_text="可以登录运营后台。")
    date_joined = models.DateTimeField("注册时间", default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "phone"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        verbose_name = "用户"
        verbose_name_plural = "用户"
        constraints = [
            # One 身份证 number, one account (product-rules §1: one person is one user).
            models.UniqueConstraint(
                fields=["id_number_digest"],
                condition=~models.Q(id_number_digest=""),
                name="user_unique_id_number",
                violation_error_message="该身份证号码已登记在其他账号下。",
            ),
            models.CheckConstraint(
                condition=models.Q(id_number_digest="", id_number_encrypted="")
                | (~models.Q(id_number_digest="") & ~models.Q(id_number_encrypted="")),
                name="user_id_number_digest_with_value",
                violation_error_message="身份证号码的密文与摘要必须同时存在。",
            ),
        ]

    def __str__(self) -> str:
        return self.name or self.masked_phone

    def clean(self) -> None:
        super().clean()
        regions.validate_region(self.province, self.city)

    # --- 身份证 --------------------------------------------------------------------

    @staticmethod
    def id_number_digest_for(number: str) -> str:
        """The lookup digest of a number (normalised first), as stored in the column."""
        return crypto.digest(normalize_id_number(number), purpose=ID_NUMBER_DIGEST_PURPOSE)

    def set_id_number(self, number: str) -> None:
        """Store ``number`` (already validated) encrypted; an empty value clears it.

        Does not save: services call it and then save, inside their transaction.
        """
        number = normalize_id_number(number)
        if not number:
            self.id_number_encrypted = ""
            self.id_number_digest = ""
            return
        self.id_number_encrypted = crypto.encrypt(number)
        self.id_number_digest = self.id_number_digest_for(number)

    def reveal_id_number(self) -> str:
        """The plain number, for its owner's own page and for document generation only.

        ``alters_data`` keeps templates from calling it: ``{{ user.reveal_id_number }}``
        renders nothing, so no template can leak the number by accident.
        """
        if not self.id_number_encrypted:
            return ""
        try:
            return crypto.decrypt(self.id_number_encrypted)
        except crypto.DecryptionError:
            logger.error("id number of user %s cannot be decrypted (keys?)", self.pk)
            return ""

    reveal_id_number.alters_data = True

    @property
    def has_id_number(self) -> bool:
        return bool(self.id_number_encrypted)

    @property
    def masked_id_number(self) -> str:
        """``110101********1234``; empty when none is registered."""
        if not self.id_number_encrypted:
            return ""
        number = self.reveal_id_number()
        return mask_id_number(number) if number else ID_NUMBER_UNREADABLE

    # --- profile display --------------------------------------------------------------

    @property
    def province_name(self) -> str:
        return regions.region_name(self.province) or self.province

    @property
    def city_name(self) -> str:
        return regions.region_name(self.city) or self.city

    # --- sessions ---------------------------------------------------------------------

    def _session_auth_hash(self, secret=None) -> str:
        # Django keys the hash on the password hash only; the phone number joins it, so
        # changing either ends every other session (ASVS 7.5.1 / 3.3.x). The view that
        # makes the change keeps its own session with update_session_auth_hash().
        return salted_hmac(
            "ipms.accounts.User.get_session_auth_hash",
            f"{self.password}\x00{self.phone}",
            secret=secret,
            algorithm="sha256",
        ).hexdigest()

    def get_session_auth_hash(self) -> str:
        return self._session_auth_hash()

    def get_session_auth_fallback_hash(self):
        for fallback_secret in settings.SECRET_KEY_FALLBACKS:
            yield self._session_auth_hash(secret=fallback_secret)

    @property
    def masked_phone(self) -> str:
        return mask_mobile(self.phone)

    def get_full_name(self) -> str:
        return self.name or self.phone

    def get_short_name(self) -> str:
        return self.name or self.masked_phone


class SmsCodePurpose(models.TextChoices):
    """What a verification code may be used for (product-rules §3)."""

    REGISTER = "register", "注册"
    RESET_PASSWORD = "reset_password", "找回密码"
    CHANGE_PHONE = "change_phone", "更换手机"


class SmsCode(models.Model):
    """One SMS verification code, bound to a phone number and a purpose.

    Only a keyed hash of the code is stored (``ipms.accounts.sms``). A code is *live* until
    it is used or voided (superseded by a newer code, or too many wrong tries); the
    database keeps at most one live code per phone and purpose. Rows are written and
    consumed only through the services in ``ipms.accounts.sms``, with conditional
    UPDATEs so concurrent requests can neither use a code twice nor get extra tries.
    """

    phone = models.CharField("手机号", max_length=11, validators=[validate_mobile])
    purpose = models.CharField("用途", max_length=20, choices=SmsCodePurpose.choices)
    code_hash = models.CharField("验证码摘要", max_length=64)
    created_at = models.DateTimeField("发送时间")
    expires_at = models.DateTimeField("过期时间")
    attempts = models.PositiveSmallIntegerField("已尝试次数", default=0)
    used_at = models.DateTimeField("使用时间", null=True, blank=True)
    voided_at = models.DateTimeField("作废时间", null=True, blank=True)
    sent_at = models.DateTimeField("短信发出时间", null=True, blank=True)
    ip = models.GenericIPAddressField("请求IP", null=True, blank=True)

    class Meta:
        verbose_name = "短信验证码"
        verbose_name_plural = "短信验证码"
        indexes = [
            models.Index(fields=["phone", "purpose", "-created_at"], name="smscode_phone_purpose"),
            models.Index(fields=["created_at"], name="smscode_created"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["phone", "purpose"],
                condition=models.Q(used_at__isnull=True, voided_at__isnull=True),
                name="smscode_one_live_per_phone_purpose",
            ),
            models.CheckConstraint(
                condition=models.Q(expires_at__gt=models.F("created_at")),
                name="smscode_expires_after_creation",
            ),
        ]

    def __str__(self) -> str:
        return f"{mask_mobile(self.phone)} {self.get_purpose_display()}"
