"""Writing the append-only audit log. Callers pass references and staff-chosen values,
never anything the tipster typed."""

from __future__ import annotations

from typing import Any, Protocol

from safeschools.models import AuditEvent


class Referenced(Protocol):
    """Anything the log can name by id and reference: a tip, and later a case or a notice."""

    pk: Any
    reference: str


def record(action: str, *, actor=None, tip: Referenced | None = None, **detail: Any) -> AuditEvent:
    return AuditEvent.objects.create(
        action=action,
        actor_id=getattr(actor, "pk", None),
        actor_label=getattr(actor, "username", "") if actor is not None else "",
        tip_id=tip.pk if tip is not None else None,
        tip_reference=tip.reference if tip is not None else "",
        detail=detail,
    )
