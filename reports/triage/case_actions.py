"""Changes to one agency's part of a tip (its routing): acknowledge, work, finish with a
disposition, reopen, assign.

Each is one transaction that takes the tip's row lock first (so two agencies changing
their parts at once are serialised and the tip's derived state is right after both),
checks the version of the part the staff member saw (SECURITY.md 33), makes the change,
re-derives the tip's state (``reports.case_state``) and writes the audit event, which says
whether a coordinator acted on the agency's behalf. Who may change which part is decided
by ``reports.triage.access.part_access``; callers pass its answer in.
"""

from __future__ import annotations

from collections.abc import Callable

from django.db import transaction
from django.db.models import F

from reports import case_state
from reports.models import Disposition, Routing, RoutingError, RoutingState, Tip
from reports.notifications import escalation
from reports.triage.access import PartAccess
from reports.triage.actions import Conflict, TriageError, after_acknowledgement
from safeschools import audit
from safeschools.models import AuditEvent

# What a staff member may ask of a part, and the states it can be asked in.
ACKNOWLEDGE, START, FINISH, REOPEN = "acknowledge", "start", "finish", "reopen"
ALLOWED_FROM = {
    ACKNOWLEDGE: {RoutingState.NEW},
    START: {RoutingState.NEW, RoutingState.ACKNOWLEDGED},
    FINISH: {RoutingState.NEW, RoutingState.ACKNOWLEDGED, RoutingState.WORKING},
    REOPEN: {RoutingState.DONE},
}


def available_steps(routing: Routing) -> list[str]:
    return [step for step, states in ALLOWED_FROM.items() if routing.state in states]


def _claim(routing: Routing, version: int) -> None:
    """Take the next version of the part, or fail if it moved on since the form was shown."""
    if not Routing.objects.filter(pk=routing.pk, version=version).update(version=F("version") + 1):
        raise Conflict
    routing.version = version + 1


def _lock(tip: Tip, part: PartAccess) -> Routing:
    """The tip's row lock, then the part as committed."""
    case_state.lock_tip(tip)
    return Routing.objects.select_related("agency").get(pk=part.routing.pk)


def _audit_state(tip: Tip, actor, routing: Routing, previous: str, on_behalf: bool) -> None:
    audit.record(
        AuditEvent.Action.ROUTING_STATE,
        actor=actor,
        tip=tip,
        agency=routing.agency.name,
        previous=previous,
        state=routing.state,
        disposition=routing.disposition,
        on_behalf=on_behalf,
    )


def _acknowledged(tip: Tip, actor, routing: Routing, on_behalf: bool) -> None:
    audit.record(
        AuditEvent.Action.TIP_ACKNOWLEDGED, actor=actor, tip=tip, agency=routing.agency.name, on_behalf=on_behalf
    )


@transaction.atomic
def acknowledge_part(*, tip: Tip, actor, part: PartAccess) -> bool:
    """Acknowledge one agency's part (a coordinator may do it for an agency nobody
    answers at). Idempotent: the first acknowledgement stands, so no version is needed.
    Returns False if the part was already acknowledged."""
    routing = _lock(tip, part)
    if not routing.acknowledge(by=actor, on_behalf=part.on_behalf):
        return False
    after_acknowledgement(tip, [routing])
    _acknowledged(tip, actor, routing, part.on_behalf)
    return True


def _move(
    tip: Tip, actor, part: PartAccess, version: int, change: Callable[[Routing], None], *, before=None
) -> Routing:
    """Lock, check the version, ``change`` the part (a ``Routing`` method), re-derive the
    tip's state and audit. A part moved on without an acknowledgement is acknowledged by
    the move (``Routing.start_work``/``finish``), and that is audited too."""
    routing = _lock(tip, part)
    _claim(routing, version)
    if before is not None:
        before(routing)
    previous, was_acknowledged = routing.state, routing.acknowledged_at is not None
    clock_running = routing.escalation_due_at is not None
    try:
        change(routing)
    except RoutingError as error:
        raise TriageError(str(error)) from error
    if not was_acknowledged and routing.acknowledged_at is not None:
        _acknowledged(tip, actor, routing, part.on_behalf)
    reopened = previous == RoutingState.DONE and routing.state != RoutingState.DONE
    # Reopening a part deals with new information the tipster sent after closing.
    after_acknowledgement(tip, [routing] if clock_running else [], clear_new_info=reopened)
    _audit_state(tip, actor, routing, previous, part.on_behalf)
    if tip.state == Tip.State.DONE:
        escalation.stop(tip)
    if clock_running and routing.escalation_due_at is None and routing.state == RoutingState.DONE:
        audit.record(
            AuditEvent.Action.ESCALATION,
            actor=actor,
            tip=tip,
            stopped=True,
            agency=routing.agency.name,
            disposition=routing.disposition,
        )
    return routing


@transaction.atomic
def start_work(*, tip: Tip, actor, part: PartAccess, version: int) -> Routing:
    return _move(tip, actor, part, version, lambda r: r.start_work(by=actor, on_behalf=part.on_behalf))


@transaction.atomic
def finish(
    *,
    tip: Tip,
    actor,
    part: PartAccess,
    version: int,
    disposition: str,
    note: str,
    referred_to: str = "",
    duplicate_of: Tip | None = None,
) -> Routing:
    """Done, with how it ended, in one step from any open state. A duplicate names the
    original tip (here or linked before); the link is shared by every agency."""

    def link_original(routing: Routing) -> None:
        if disposition == Disposition.DUPLICATE:
            _link_original(tip, actor, duplicate_of)

    def done(routing: Routing) -> None:
        routing.finish(by=actor, disposition=disposition, note=note, referred_to=referred_to, on_behalf=part.on_behalf)

    return _move(tip, actor, part, version, done, before=link_original)


def _link_original(tip: Tip, actor, original: Tip | None) -> None:
    if original is None:
        if tip.duplicate_of_id is None:
            raise TriageError("Give the reference of the original tip to mark this one a duplicate.")
        return
    if original.pk == tip.pk:
        raise TriageError("A tip cannot be a duplicate of itself.")
    if tip.duplicate_of_id == original.pk:
        return
    Tip.objects.filter(pk=tip.pk).update(duplicate_of=original, version=F("version") + 1)
    tip.duplicate_of = original
    audit.record(AuditEvent.Action.TIP_UPDATED, actor=actor, tip=tip, field="duplicate_of", value=original.reference)


@transaction.atomic
def reopen(*, tip: Tip, actor, part: PartAccess, version: int) -> Routing:
    return _move(tip, actor, part, version, lambda r: r.reopen())


@transaction.atomic
def assign(*, tip: Tip, actor, part: PartAccess, assignee, version: int) -> Routing:
    """Who at the agency carries its part. Only the agency's own members (not viewers)."""
    routing = _lock(tip, part)
    _claim(routing, version)
    routing.assign(assignee)
    audit.record(
        AuditEvent.Action.ROUTING_ASSIGNED,
        actor=actor,
        tip=tip,
        agency=routing.agency.name,
        assignee=getattr(assignee, "username", None),
        assignee_id=getattr(assignee, "pk", None),
        on_behalf=part.on_behalf,
    )
    return routing
