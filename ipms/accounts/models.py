from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.utils import timezone

from .validators import mask_mobile, normalize_mobile, validate_mobile


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
    """One person, one mainland mobile number (PRODUCT.md §1)."""

    phone = models.CharField("手机号", max_length=11, unique=True, validators=[validate_mobile])
    name = models.CharField("姓名", max_length=50, blank=True)
    is_active = models.BooleanField("有效", default=True)
    is_staff = models.BooleanField("运营人员", default=False, help_text="可以登录运营后台。")
    date_joined = models.DateTimeField("注册时间", default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "phone"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        verbose_name = "用户"
        verbose_name_plural = "用户"

    def __str__(self) -> str:
        return self.name or self.masked_phone

    @property
    def masked_phone(self) -> str:
        return mask_mobile(self.phone)

    def get_full_name(self) -> str:
        return self.name or self.phone

    def get_short_name(self) -> str:
        return self.name or self.masked_phone


class SmsCodePurpose(models.TextChoices):
    """What a verification code may be used for (PRODUCT.md §3)."""

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
