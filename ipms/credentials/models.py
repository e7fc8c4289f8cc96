"""学习证明 and 内审员人才库合格证书 (product-rules §6, docs/credentials.md).

One :class:`Credential` row per learner, course and kind, frozen at generation: its
number, snapshot (what the paper says), content hash and signed credential (a VC-JWT)
are written once and never changed; only the status may move (有效 → 已撤销, by an
operator, with a reason). The rendered PNG and PDF are made from the snapshot, after the
row is committed (a Celery task; inline in the embedded mode).

Numbers come from :class:`CredentialSequence`, one row per kind and year, taken under a
row lock in the same transaction as the credential, so concurrent generations never get
the same number and a rolled-back generation leaves no gap.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from ipms.core.files import private_storage
from ipms.core.workflow import Workflow

NUMBER_PREFIX = "CNIPA"
NUMBER_DIGITS = 7
# ``CNIPA-2026E0005034``: prefix, year, the kind's letter, a 7-digit sequence per year.
NUMBER_PATTERN = rf"^{NUMBER_PREFIX}-\d{{4}}[EC]\d{{{NUMBER_DIGITS}}}$"


class Kind(models.TextChoices):
    PROOF = "proof", "学习证明"
    CERTIFICATE = "certificate", "内审员人才库合格证书"


KIND_LETTERS = {Kind.PROOF: "E", Kind.CERTIFICATE: "C"}


class CredentialSequence(models.Model):
    """The last number handed out for one kind in one year."""

    kind = models.CharField("类型", max_length=16, choices=Kind.choices)
    year = models.PositiveSmallIntegerField("年份")
    last = models.PositiveIntegerField("已用到的序号", default=0)

    class Meta:
        verbose_name = "证书编号序列"
        verbose_name_plural = "证书编号序列"
        constraints = [
            models.UniqueConstraint(fields=["kind", "year"], name="credential_sequence_unique")
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.year}：{self.last}"


class Credential(models.Model):
    """A learning proof or a certificate, frozen at generation."""

    class Status(models.TextChoices):
        VALID = "valid", "有效"
        REVOKED = "revoked", "已撤销"

    kind = models.CharField("类型", max_length=16, choices=Kind.choices)
    number = models.CharField("编号", max_length=32, unique=True, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="credentials",
        verbose_name="学员",
        editable=False,
    )
    course = models.ForeignKey(
        "learning.Course",
        on_delete=models.PROTECT,
        related_name="credentials",
        verbose_name="课程",
        editable=False,
    )
    # The enterprise the learner belonged to at generation (None: individual learner);
    # its admin may download the document.
    enterprise = models.ForeignKey(
        "enterprises.Enterprise",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="credentials",
        verbose_name="所属企业",
        editable=False,
    )
    # A certificate names the proof it was issued on.
    proof = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="certificates",
        verbose_name="依据的学习证明",
        editable=False,
    )
    snapshot = models.JSONField("证书内容", editable=False)
    content_hash = models.CharField("内容摘要（SHA-256）", max_length=64, editable=False)
    signed_credential = models.TextField("签名凭证（VC-JWT）", editable=False)
    key_id = models.CharField("签名密钥标识", max_length=64, editable=False)
    issued_at = models.DateTimeField("生成时间", editable=False)
    status = models.CharField(
        "状态", max_length=16, choices=Status.choices, default=Status.VALID, editable=False
    )
    revoked_at = models.DateTimeField("撤销时间", null=True, blank=True, editable=False)
    revoked_reason = models.CharField("撤销原因", max_length=500, blank=True, editable=False)
    png = models.FileField(
        "图片", storage=private_storage, blank=True, max_length=200, editable=False
    )
    pdf = models.FileField(
        "PDF", storage=private_storage, blank=True, max_length=200, editable=False
    )

    class Meta:
        verbose_name = "学习证明与证书"
        verbose_name_plural = "学习证明与证书"
        ordering = ["-issued_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "course", "kind"], name="credential_once_per_learner_course"
            ),
            models.CheckConstraint(
                condition=models.Q(number__regex=NUMBER_PATTERN),
                name="credential_number_format",
            ),
            models.CheckConstraint(
                condition=models.Q(kind=Kind.PROOF, proof__isnull=True)
                | models.Q(kind=Kind.CERTIFICATE, proof__isnull=False),
                name="credential_certificate_has_proof",
            ),
        ]
        indexes = [models.Index(fields=["course", "user"], name="credential_course_user")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.number}"

    @property
    def is_valid(self) -> bool:
        return self.status == self.Status.VALID

    @property
    def is_rendered(self) -> bool:
        return bool(self.png and self.pdf)


# 有效 → 已撤销 (an operator, with a reason); 已撤销 is final.
CREDENTIAL_WORKFLOW = Workflow(
    Credential,
    field="status",
    allowed={Credential.Status.VALID: {Credential.Status.REVOKED}},
    reason_required={Credential.Status.REVOKED},
    initial={Credential.Status.VALID},
    enterprise_attr="enterprise_id",
    audit_action="credential.revoked",
)
