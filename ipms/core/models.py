"""Base classes and the platform's append-only records (audit log, state history).

The audit log and the state history are evidence: rows are written once and never
changed or removed. The ORM refuses it here (``AppendOnlyModel``); the database refuses
it too, with triggers made in the migrations (docs/decisions/0007-audit-log.md).
"""

from __future__ import annotations

from django.apps import apps
from django.conf import settings
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.utils import timezone

from .audit_actions import action_label


class TimeStampedModel(models.Model):
    """Base for every domain model: when a row was made and last changed."""

    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        abstract = True


class AppendOnlyError(RuntimeError):
    """A program tried to change or delete a row of an append-only table (a bug)."""


class AppendOnlyQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AppendOnlyError(f"{self.model._meta.label} rows cannot be updated.")

    def bulk_update(self, objs, fields, batch_size=None):
        raise AppendOnlyError(f"{self.model._meta.label} rows cannot be updated.")

    def delete(self):
        raise AppendOnlyError(f"{self.model._meta.label} rows cannot be deleted.")

    # update_or_create goes through save(), which refuses an existing row.


class AppendOnlyModel(models.Model):
    """Rows are inserted once; ``save()`` of an existing row and ``delete()`` raise."""

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AppendOnlyError(f"{self._meta.label} rows cannot be updated.")
        kwargs["force_insert"] = True
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError(f"{self._meta.label} rows cannot be deleted.")


class AuditRole(models.TextChoices):
    """Who the actor acted as (the identity, not every role the account holds)."""

    VISITOR = "visitor", "访客"
    LEARNER = "learner", "学员"
    ENTERPRISE_ADMIN = "enterprise_admin", "企业管理员"
    REVIEWER = "reviewer", "认证机构审核员"
    OPERATOR = "operator", "平台运营"
    SYSTEM = "system", "系统"


class AuditLog(AppendOnlyModel):
    """审计日志: one consequential action, written in the transaction that made it.

    ``actor`` is PROTECTed: deleting an account that acted would rewrite history (and
    SET_NULL would be an UPDATE, which the trigger refuses). Accounts are deactivated,
    never deleted, while their audit rows are kept. ``actor_label`` keeps the masked
    phone of the moment, since a phone can change later. The enterprise is a plain id:
    core sits below the enterprises app and cannot point a foreign key at it, and the
    record must outlive the enterprise anyway.
    """

    at = models.DateTimeField("时间", default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="操作人",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,  # the (actor, at) index serves lookups by actor
    )
    actor_label = models.CharField("操作人（当时）", max_length=64, blank=True)
    role = models.CharField("身份", max_length=32, choices=AuditRole, default=AuditRole.SYSTEM)
    enterprise_id = models.BigIntegerField("企业编号", null=True, blank=True, db_index=True)
    action = models.CharField("操作", max_length=64, db_index=True)
    object_type = models.CharField("对象类型", max_length=100, blank=True)
    object_id = models.CharField("对象编号", max_length=64, blank=True)
    ip_address = models.GenericIPAddressField("来源地址", null=True, blank=True)
    details = models.JSONField("详情", default=dict, blank=True)

    class Meta:
        verbose_name = "审计日志"
        verbose_name_plural = "审计日志"
        ordering = ["-at", "-id"]
        # Only reading exists: no add, change or delete permission to hand out.
        default_permissions = ("view",)
        indexes = [
            models.Index(fields=["enterprise_id", "at"], name="auditlog_enterprise_at"),
            models.Index(fields=["actor", "at"], name="auditlog_actor_at"),
            models.Index(fields=["object_type", "object_id"], name="auditlog_object"),
        ]

    def __str__(self) -> str:
        return f"{action_label(self.action)} #{self.pk}"

    @property
    def action_label(self) -> str:
        return action_label(self.action)


class StateTransitionQuerySet(AppendOnlyQuerySet):
    def for_object(self, obj: models.Model) -> StateTransitionQuerySet:
        """The history of ``obj``, oldest first, with the actors."""
        return self.filter(object_type=obj._meta.label_lower, object_id=str(obj.pk)).order_by(
            "at", "id"
        )


class StateTransition(AppendOnlyModel):
    """状态变更记录: one move of one row's state, written by ``ipms.core.workflow.transition``.

    One table for every workflow (memberships now, review applications later), keyed like
    the audit log by the object's ``app.model`` label and id, so any page can show a
    row's history with ``StateTransition.objects.for_object(obj)``. Append-only like
    ``AuditLog`` (ORM guard and database trigger).
    """

    object_type = models.CharField("对象类型", max_length=100)
    object_id = models.CharField("对象编号", max_length=64)
    field = models.CharField("字段", max_length=64, default="status")
    from_state = models.CharField("原状态", max_length=64)
    to_state = models.CharField("新状态", max_length=64)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="操作人",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    at = models.DateTimeField("时间", default=timezone.now)
    reason = models.TextField("原因", blank=True)

    objects = StateTransitionQuerySet.as_manager()

    class Meta:
        verbose_name = "状态变更记录"
        verbose_name_plural = "状态变更记录"
        ordering = ["-at", "-id"]
        default_permissions = ("view",)
        indexes = [
            models.Index(fields=["object_type", "object_id", "at"], name="transition_object_at"),
        ]

    def __str__(self) -> str:
        # As the console shows it: 企业成员 #50：待验证 → 已验证
        return f"{self._object_name()} #{self.object_id}：{self.from_label} → {self.to_label}"

    def _object_name(self) -> str:
        try:
            return str(apps.get_model(self.object_type)._meta.verbose_name)
        except (LookupError, ValueError):
            return self.object_type

    def _label(self, state: str) -> str:
        try:
            model = apps.get_model(self.object_type)
            choices = dict(model._meta.get_field(self.field).flatchoices)
        except (LookupError, ValueError, FieldDoesNotExist):
            return state
        return str(choices.get(state, state))

    @property
    def from_label(self) -> str:
        return self._label(self.from_state)

    @property
    def to_label(self) -> str:
        return self._label(self.to_state)
