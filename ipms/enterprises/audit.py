"""What the audit log needs to know from enterprises: who acts as which identity, where.

Registered with ``ipms.core.audit.actor_context_register`` by ``receivers.connect()``
(core knows no enterprises). A member is filed under their enterprise; an enterprise
admin counts as ``enterprise_admin`` unless the session chose the learner identity
(身份切换). Staff are operators before this provider is asked.
"""

from __future__ import annotations

from ipms.core.audit import ActorContext
from ipms.core.models import AuditRole

from .identity import SESSION_KEY, Identity
from .models import Membership


def audit_actor_context(actor, request) -> ActorContext | None:
    membership = (
        Membership.objects.filter(user=actor, status=Membership.Status.VERIFIED)
        .only("enterprise_id", "role")
        .first()
    )
    if membership is None:
        return None
    session = getattr(request, "session", None)
    chosen = session.get(SESSION_KEY) if session is not None else None
    if membership.role == Membership.Role.ADMIN and chosen != Identity.LEARNER.value:
        return ActorContext(AuditRole.ENTERPRISE_ADMIN, membership.enterprise_id)
    return ActorContext(AuditRole.LEARNER, membership.enterprise_id)
