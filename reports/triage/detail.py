"""The tip page's content (``page_context``): each agency's part with the forms its staff
(or a coordinator) may use, what each routing shows to the reader, the problems to
announce at the top, and the step a part form asks for."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils import timezone

from partners.models import Membership, memberships_of
from reports.models import Routing, Tip, active_canned_replies
from reports.triage import case_actions, timeline, urgency
from reports.triage.access import (
    PartAccess,
    assignable_users,
    changeable_parts,
    may_read_disposition_note,
    note_audiences,
    readable_notes,
)
from reports.triage.actions import TriageError
from reports.triage.forms import (
    AcknowledgeForm,
    LinkForm,
    MessageForm,
    NoteForm,
    PartAssignForm,
    PartForm,
    PriorityForm,
    RerouteForm,
)

DONE_MESSAGES = {
    case_actions.ACKNOWLEDGE: "Acknowledged.",
    case_actions.START: "Marked as being worked on.",
    case_actions.FINISH: "Done. The tip stays open for any other agency still working on it.",
    case_actions.REOPEN: "Reopened.",
}


@dataclass(frozen=True)
class RoutingView:
    routing: Routing
    may_read_note: bool


def routing_view(routing: Routing, memberships: list[Membership]) -> RoutingView:
    return RoutingView(routing, may_read_disposition_note(memberships, routing))


@dataclass(frozen=True)
class PartPanel:
    """One part the reader may change, with its forms."""

    routing: Routing
    on_behalf: bool
    steps: list[str]
    form: PartForm
    assign_form: PartAssignForm

    @property
    def own(self) -> bool:
        return not self.on_behalf


def part_panel(part: PartAccess, members: dict[int, list[tuple[int, str]]], bound: dict) -> PartPanel:
    """``members``: who may carry each agency's part (``events.Names.members``)."""
    routing = part.routing
    prefix, assign_prefix = f"part{routing.pk}", f"assign{routing.pk}"
    form = bound.get(prefix) or PartForm(prefix=prefix, initial={"version": routing.version})
    assign_form = bound.get(assign_prefix)
    if assign_form is None:
        assign_form = PartAssignForm(
            prefix=assign_prefix,
            initial={"version": routing.version, "assignee": routing.assigned_to_id},
            assignable=assignable_users(routing),  # not read: the choices below are
        )
        assign_form.fields["assignee"].choices = [("", "Nobody"), *members.get(routing.agency_id, [])]
    return PartPanel(routing, part.on_behalf, case_actions.available_steps(routing), form, assign_form)


def take_step(tip: Tip, actor, part: PartAccess, data: dict) -> None:
    """Run the step a part form asks for."""
    step = data["step"]
    if step == case_actions.ACKNOWLEDGE:
        if not case_actions.acknowledge_part(tip=tip, actor=actor, part=part):
            raise TriageError("This part was already acknowledged.")
    elif step == case_actions.START:
        case_actions.start_work(tip=tip, actor=actor, part=part, version=data["version"])
    elif step == case_actions.FINISH:
        case_actions.finish(
            tip=tip,
            actor=actor,
            part=part,
            version=data["version"],
            disposition=data["disposition"],
            note=data["note"],
            referred_to=data.get("referred_to") or "",
            duplicate_of=_original(tip, actor, data.get("duplicate_of") or ""),
        )
    else:
        case_actions.reopen(tip=tip, actor=actor, part=part, version=data["version"])


def _original(tip: Tip, actor, reference: str) -> Tip | None:
    reference = reference.strip().upper()
    if not reference:
        return None
    original = Tip.objects.visible_to(actor).filter(reference=reference).only("reference").first()
    if original is None:
        raise TriageError("No tip you can see has that reference.")
    return original


@dataclass(frozen=True)
class Problem:
    message: str
    anchor: str  # the id of the form to fix


def form_errors(bound: dict) -> list[Problem]:
    """Every problem of the forms just posted, to announce at the top of the page."""
    problems = []
    for name, form in bound.items():
        for field, errors in form.errors.items():
            label = form.fields[field].label if field in form.fields else ""
            for error in errors:
                problems.append(Problem(f"{label}: {error}" if label else str(error), f"form-{name}"))
    return problems


def page_context(user, tip: Tip, bound: dict) -> dict:
    """Everything the tip page shows ``user``, with ``bound``: the forms just posted (to
    show again with their errors). A fixed number of queries, whatever the tip's history."""
    memberships = memberships_of(user)
    routings = list(
        Routing.objects.filter(tip=tip).select_related("agency", "acknowledged_by", "assigned_to", "closed_by")
    )
    routed = {r.agency_id for r in routings}
    coordinator = any(m.role == Membership.Role.COORDINATOR for m in memberships)
    acting = [
        m
        for m in memberships
        if m.role != Membership.Role.VIEWER and (m.agency_id in routed or m.role == Membership.Role.COORDINATOR)
    ]
    attachments = list(tip.attachments.defer("content"))
    replies = active_canned_replies()
    changeable = changeable_parts(memberships, routings)
    entries, names = timeline.build(
        tip,
        notes=readable_notes(memberships, tip),
        attachments=attachments,
        member_agencies=[p.routing.agency_id for p in changeable],
    )
    return {
        "tip": tip,
        "routings": [routing_view(r, memberships) for r in routings],
        "parts": [part_panel(part, names.members, bound) for part in changeable],
        "can_act": bool(acting),
        "coordinator": coordinator,
        "attachments": attachments,
        "timeline": entries,
        "related": tip.related.all(),
        "close_request": tip.close_requested and tip.state != Tip.State.DONE,
        "show_contact": bool(tip.contact_details) and bool(acting),
        "canned_texts": {str(pk): text for pk, _, text in replies},
        "age": urgency.age(tip.received_at, timezone.now()),
        "errors": form_errors(bound),
        "forms": {
            "acknowledge": AcknowledgeForm(),
            "priority": bound.get("priority")
            or PriorityForm(initial={"version": tip.version, "priority": tip.priority}),
            "note": bound.get("note") or NoteForm(audiences=note_audiences(acting, routings)),
            "message": bound.get("message") or MessageForm(replies=replies),
            "link": bound.get("link") or LinkForm(initial={"version": tip.version}),
            "reroute": bound.get("reroute")
            or RerouteForm(initial={"version": tip.version}, tip=tip, routings=routings),
        },
    }
