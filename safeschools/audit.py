"""Writing the append-only audit log. Callers pass references and staff-chosen values,
never anything the tipster typed."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Protocol

from django.utils import timezone

from safeschools.models import AuditEvent


class Referenced(Protocol):
    """Anything the log can name by id and reference: a tip, and later a case or a notice."""

    pk: Any
    reference: str


def record(
    action: str, *, actor=None, tip: Referenced | None = None, at: datetime | None = None, **detail: Any
) -> AuditEvent:
    """Append one event. ``at`` defaults to now; events on the tipster's side pass the hour
    of the tipster's act instead (``safeschools.hours``, SECURITY.md 37)."""
    return AuditEvent.objects.create(
        at=at or timezone.now(),
        action=action,
        actor_id=getattr(actor, "pk", None),
        actor_label=getattr(actor, "username", "") if actor is not None else "",
        tip_id=tip.pk if tip is not None else None,
        tip_reference=tip.reference if tip is not None else "",
        detail=detail,
    )
