"""State machines as data, and the one guard that moves a row from one state to the next.

A model declares its workflow next to it::

    MEMBERSHIP_WORKFLOW = Workflow(
        Membership,
        field="status",
        allowed={PENDING: {VERIFIED, REMOVED}, VERIFIED: {REMOVED}},
        reason_required={REMOVED},
        enterprise_attr="enterprise_id",
    )

and every change of that field goes through ``transition(obj, to, actor=…)``, which in
one transaction locks the row (``select_for_update``), checks that nobody moved it since
the caller read it, checks the move is allowed (and has its reason, where declared),
writes the state, one ``StateTransition`` history row and one audit row. A move to the
state the row already has is a no-op (docs/decisions/0008-workflow-core.md). Refusals are typed
``DomainError``s with a ``code`` and a Chinese message. Why not a library:
docs/decisions/0008-workflow-core.md.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any, TypeVar

from django.db import models, transaction
from django.http import HttpRequest
from django.utils import timezone

from .audit import audit_record
from .errors import DomainError
from .models import StateTransition

__all__ = [
    "TransitionConflict",
    "TransitionError",
    "TransitionNotAllowed",
    "TransitionReasonRequired",
    "TransitionReasonTooLong",
    "Workflow",
    "transition",
    "workflow_for",
]

MSG_CONFLICT = "该记录已被他人处理，请刷新后重试。"
MSG_NOT_ALLOWED = "{subject}不能从“{source}”变为“{target}”。"
MSG_REASON_REQUIRED = "请填写原因。"
MSG_REASON_TOO_LONG = "原因不能超过{limit}个字。"
REASON_MAX_LENGTH = 500


class TransitionError(DomainError):
    """A state change was refused; ``code`` tells the kind, ``message`` the user."""

    code = "transition_error"


class TransitionNotAllowed(TransitionError):
    code = "transition_not_allowed"


class TransitionConflict(TransitionError):
    """The row was moved (or removed) by someone else after the caller read it."""

    code = "transition_conflict"

    def __init__(self, message: str = MSG_CONFLICT) -> None:
        super().__init__(message)


class TransitionReasonRequired(TransitionError):
    code = "transition_reason_required"

    def __init__(self, message: str = MSG_REASON_REQUIRED) -> None:
        super().__init__(message, field="reason")


class TransitionReasonTooLong(TransitionError):
    code = "transition_reason_too_long"

    def __init__(self) -> None:
        super().__init__(MSG_REASON_TOO_LONG.format(limit=REASON_MAX_LENGTH), field="reason")


_registry: dict[type[models.Model], list[Workflow]] = {}


class Workflow:
    """The states of one field of one model and the moves allowed between them.

    ``allowed`` maps a state to the states it may move to; anything else is refused.
    ``reason_required`` lists target states, or (from, to) pairs, whose move needs a
    reason. ``initial`` lists the states a row may be *created* in (creation is not a
    transition). ``enterprise_attr`` names the attribute holding the enterprise id the
    audit row is filed under. ``audit_action`` defaults to ``<model>.status_changed``.
    Labels come from the field's choices (its ``TextChoices``).
    """

    def __init__(
        self,
        model: type[models.Model],
        *,
        field: str,
        allowed: Mapping[str, Collection[str]],
        reason_required: Collection[str | tuple[str, str]] = (),
        initial: Collection[str] = (),
        enterprise_attr: str | None = None,
        audit_action: str | None = None,
    ) -> None:
        self.model = model
        self.field = field
        self.model_field = model._meta.get_field(field)
        self._labels = {str(value): str(label) for value, label in self.model_field.flatchoices}
        if not self._labels:
            raise ValueError(f"{model.__name__}.{field} has no choices to take states from")
        self.allowed = {str(src): frozenset(map(str, dst)) for src, dst in allowed.items()}
        self.reason_required = frozenset(
            tuple(map(str, item)) if isinstance(item, tuple) else str(item)
            for item in reason_required
        )
        self.initial = frozenset(map(str, initial))
        states = set(self.allowed).union(*self.allowed.values(), self.initial)
        for item in self.reason_required:
            states.update(item if isinstance(item, tuple) else [item])
        unknown = states - set(self._labels)
        if unknown:
            raise ValueError(f"{model.__name__}.{field}: unknown states {sorted(unknown)}")
        self.enterprise_attr = enterprise_attr
        self.audit_action = audit_action or f"{model._meta.model_name}.status_changed"
        _registry.setdefault(model, []).append(self)

    def __repr__(self) -> str:
        return f"<Workflow {self.model._meta.label}.{self.field}>"

    @property
    def states(self) -> list[str]:
        return list(self._labels)

    @property
    def subject(self) -> str:
        return str(self.model_field.verbose_name)

    def label(self, state: str) -> str:
        return self._labels.get(str(state), str(state))

    def targets(self, source: str) -> frozenset[str]:
        """The states ``source`` may move to (what a page may offer as buttons)."""
        return self.allowed.get(str(source), frozenset())

    def can(self, source: str, target: str) -> bool:
        return str(target) in self.targets(source)

    def needs_reason(self, source: str, target: str) -> bool:
        return (str(source), str(target)) in self.reason_required or (
            str(target) in self.reason_required
        )

    def check(self, source: str, target: str, reason: str | None = None) -> str:
        """Raise why ``source`` → ``target`` is refused; return the cleaned reason."""
        if not self.can(source, target):
            raise TransitionNotAllowed(
                MSG_NOT_ALLOWED.format(
                    subject=self.subject, source=self.label(source), target=self.label(target)
                ),
                field=self.field,
            )
        reason = (reason or "").strip()
        if self.needs_reason(source, target) and not reason:
            raise TransitionReasonRequired()
        if len(reason) > REASON_MAX_LENGTH:
            raise TransitionReasonTooLong()
        return reason


def workflow_for(model: type[models.Model], field: str | None = None) -> Workflow:
    """The workflow declared for ``model`` (on ``field``, when it has several)."""
    found = [w for w in _registry.get(model, []) if field is None or w.field == field]
    if len(found) != 1:
        raise LookupError(f"{len(found)} workflows for {model._meta.label} {field or ''}")
    return found[0]


M = TypeVar("M", bound=models.Model)


def _auto_now_fields(model: type[models.Model]) -> list[str]:
    return [f.name for f in model._meta.concrete_fields if getattr(f, "auto_now", False)]


def transition(
    obj: M,
    to: str,
    *,
    actor,
    reason: str | None = None,
    changes: Mapping[str, Any] | None = None,
    workflow: Workflow | None = None,
    audit_action: str | None = None,
    audit_details: Mapping[str, Any] | None = None,
    role: str | None = None,
    enterprise_id: int | None = None,
    request: HttpRequest | None = None,
    seen: str | None = None,
) -> M:
    """Move ``obj`` to state ``to``; returns ``obj`` with the new values.

    ``obj``'s in-memory state is what the caller saw (or ``seen``, when the caller saw the
    state on an earlier page, e.g. a form's hidden field): if the row holds another state
    now, ``TransitionConflict``. ``changes`` are other fields written with the state (e.g.
    ``removed_at``). Opens a transaction or joins the caller's, so the caller's other
    writes, the state, the history row and the audit row commit or roll back together.
    ``actor`` (a user, or None for the system) is recorded in both rows.
    """
    if obj.pk is None:
        raise ValueError("transition() needs a saved row; creating one is not a transition")
    model = type(obj)
    workflow = workflow or workflow_for(model)
    if not isinstance(obj, workflow.model):
        raise TypeError(f"{workflow!r} does not apply to {model.__name__}")
    seen = str(getattr(obj, workflow.field) if seen is None else seen)
    to = str(to)
    with transaction.atomic():
        locked = model._base_manager.select_for_update().filter(pk=obj.pk).first()
        if locked is None:
            raise TransitionConflict()
        current = str(getattr(locked, workflow.field))
        if current != seen:
            raise TransitionConflict()
        if to == current:
            return obj
        reason = workflow.check(current, to, reason)

        values = {workflow.field: to, **(changes or {})}
        for name, value in values.items():
            setattr(locked, name, value)
        update_fields = list(dict.fromkeys([*values, *_auto_now_fields(model)]))
        locked.save(update_fields=update_fields)
        for name in update_fields:
            setattr(obj, name, getattr(locked, name))

        at = timezone.now()
        StateTransition.objects.create(
            object_type=model._meta.label_lower,
            object_id=str(obj.pk),
            field=workflow.field,
            from_state=current,
            to_state=to,
            actor=actor if actor is not None and actor.is_authenticated else None,
            at=at,
            reason=reason,
        )
        if enterprise_id is None and workflow.enterprise_attr:
            enterprise_id = getattr(locked, workflow.enterprise_attr)
        audit_record(
            action=audit_action or workflow.audit_action,
            actor=actor,
            role=role,
            enterprise_id=enterprise_id,
            obj=obj,
            details={
                "field": workflow.field,
                "from": current,
                "to": to,
                "from_label": workflow.label(current),
                "to_label": workflow.label(to),
                **({"reason": reason} if reason else {}),
                **(audit_details or {}),
            },
            request=request,
        )
    return obj
