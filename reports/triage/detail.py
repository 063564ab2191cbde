"""The tip page's content (``page_context``): each agency's part with the forms its staff
(or a coordinator) may use, what each routing shows to the reader, the problems to
announce at the top, and the step a part form asks for.

The page's blank forms are rendered once per state (``safeschools.form_cache``): each is
built for a stand-in of the tip and of the part (``StandIns``) whose ids and version are
slots, so that the same HTML serves every tip in the same state; the slots are filled with
this tip's values as the template shows each form. A form just posted with a problem is
rendered as it was typed."""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django import forms
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.safestring import SafeString

from partners.models import Agency, Membership, memberships_of
from reports.models import Attachment, Message, Routing, RoutingRole, TextingTipster, Tip, active_canned_replies
from reports.notifications import coverage, ladder
from reports.triage import case_actions, permissions, timeline, urgency
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
    AcknowledgeForForm,
    AcknowledgeForm,
    LinkForm,
    MessageForm,
    NoteForm,
    PartAssignForm,
    PartForm,
    PriorityForm,
    RerouteForm,
)
from safeschools import form_cache, page_cache
from safeschools.models import AuditEvent

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


# Stand-in ids and version for the page's blank forms: digits (no escaping changes them)
# that no real id or version reaches (PostgreSQL's bigint stops at 19 digits).
TIP_SLOT = 90_000_000_000_000_000_001
ROUTING_SLOT = 90_000_000_000_000_000_002
VERSION_SLOT = 90_000_000_000_000_000_003


class StandIns:
    """The tip and its parts as the page's blank forms see them: with slots for ids and
    versions, and the slots' values for this tip and request."""

    def __init__(self, tip: Tip, csrf_token: str) -> None:
        self.tip = copy.copy(tip)
        self.tip.pk = TIP_SLOT
        self.slots = {page_cache.CSRF_SLOT: csrf_token, str(TIP_SLOT): str(tip.pk)}
        self.tip_slots = {**self.slots, str(VERSION_SLOT): str(tip.version)}

    def routing(self, routing: Routing) -> tuple[Routing, dict[str, str]]:
        """A stand-in for ``routing`` (its agency and state kept) and its slots' values."""
        stand_in = copy.copy(routing)
        stand_in.pk = ROUTING_SLOT
        return stand_in, {**self.slots, str(ROUTING_SLOT): str(routing.pk), str(VERSION_SLOT): str(routing.version)}


class PageForms:
    """The page's own forms by name (``form_html.note``), each rendered when the template
    shows it: as just posted (``bound``; "acknowledge" is always shown blank, its problem
    at the top), or blank, built by its function in ``blank`` for the stand-in tip."""

    def __init__(self, stand_ins: StandIns, bound: dict[str, forms.Form], **blank: Callable[[], forms.Form]) -> None:
        self.stand_ins, self.bound, self.blank = stand_ins, bound, blank

    def __getitem__(self, name: str) -> SafeString:
        form = self.bound.get(name) if name != "acknowledge" else None
        return form_cache.rendered(form or self.blank[name](), slots=self.stand_ins.tip_slots)


@dataclass(frozen=True)
class PartPanel:
    """One part the reader may change, with its forms: blank (for a stand-in of the part)
    or as just posted. The template renders them (``quick`` … ``assign``) as it shows them."""

    routing: Routing
    on_behalf: bool
    steps: list[str]
    form: PartForm
    assign_form: PartAssignForm
    slots: dict[str, str]

    @property
    def own(self) -> bool:
        return not self.on_behalf

    def quick(self) -> SafeString:
        """Acknowledge and start work."""
        return form_cache.rendered(self.form, self.form.quick_helper, slots=self.slots)

    def finish(self) -> SafeString:
        """Done, with how it ended."""
        return form_cache.rendered(self.form, slots=self.slots)

    def reopen(self) -> SafeString:
        return form_cache.rendered(self.form, self.form.reopen_helper, slots=self.slots)

    def assign(self) -> SafeString:
        return form_cache.rendered(self.assign_form, slots=self.slots)


def part_panel(
    part: PartAccess, members: dict[int, list[tuple[int, str]]], bound: dict, stand_ins: StandIns
) -> PartPanel:
    """``members``: who may carry each agency's part (``events.Names.members``)."""
    routing = part.routing
    stand_in, slots = stand_ins.routing(routing)
    prefix, assign_prefix = f"part{routing.pk}", f"assign{routing.pk}"
    form = bound.get(prefix) or PartForm(
        initial={"version": VERSION_SLOT}, tip=stand_ins.tip, routing=stand_in, own=not part.on_behalf
    )
    assign_form = bound.get(assign_prefix)
    if assign_form is None:
        assign_form = PartAssignForm(
            initial={"version": VERSION_SLOT, "assignee": routing.assigned_to_id},
            tip=stand_ins.tip,
            routing=stand_in,
            assignable=assignable_users(routing),  # not read: the choices below are
        )
        assign_form.fields["assignee"].choices = [("", "Nobody"), *members.get(routing.agency_id, [])]
    return PartPanel(routing, part.on_behalf, case_actions.available_steps(routing), form, assign_form, slots)


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
                problems.append(Problem(f"{label}: {error}" if label else str(error), f"form-{form.prefix or name}"))
    return problems


def _texting_tipster(tip: Tip) -> TextingTipster | None:
    """The tipster who reported by text, if any (read with the tip by ``get_visible_tip``)."""
    try:
        return tip.texting_tipster
    except TextingTipster.DoesNotExist:
        return None


# What the apps above ``reports`` show on the tip page, read with the tip itself: each
# function, given the reader, returns annotations (name → expression) for the tip's query.
# Casework registers its panel's here (``casework.apps``), so the panel costs no query.
PAGE_ANNOTATIONS: list[Callable[[Any], dict[str, Any]]] = []


# Whether the tip has related tips and pictures, read with the tip: most have neither,
# and their pages then skip those queries.
HAS_RELATED = "page_has_related"
HAS_PICTURES = "page_has_pictures"
HAS_MESSAGES = "page_has_messages"


def page_annotations(user: Any) -> dict[str, Any]:
    """The annotations the tip page reads with the tip for ``user`` (``PAGE_ANNOTATIONS``)."""
    annotations: dict[str, Any] = {
        HAS_RELATED: Exists(Tip.related.through.objects.filter(from_tip_id=OuterRef("pk"))),
        HAS_PICTURES: Exists(Attachment.objects.filter(tip_id=OuterRef("pk"))),
        HAS_MESSAGES: Exists(Message.objects.filter(tip_id=OuterRef("pk"))),
    }
    for annotate in PAGE_ANNOTATIONS:
        annotations.update(annotate(user))
    return annotations


def page_context(user, tip: Tip, bound: dict, *, csrf_token: str) -> dict:
    """Everything the tip page shows ``user``, with ``bound``: the forms just posted (to
    show again with their errors). A fixed number of queries, whatever the tip's history.
    ``csrf_token``: this request's, for the forms."""
    memberships = memberships_of(user)
    routings = list(Routing.objects.filter(tip=tip).select_related("agency", "acknowledged_by", "assigned_to"))
    allowed = permissions.for_tip(
        permissions.Staff.of(user), routings, new_info_after_closing=tip.new_info_after_closing
    )
    acting = permissions.acting_memberships(user, tip, routed={r.agency_id for r in routings})
    # A tip read without the page's annotations (shown again after a refused action) asks.
    attachments = list(tip.attachments.defer("content")) if getattr(tip, HAS_PICTURES, True) else []
    replies = active_canned_replies()
    changeable = changeable_parts(memberships, routings)
    # Links only to tips this person may open: another agency's reference is not theirs.
    # The tip's own links and those its history names are asked in one query, if it has any.
    links: list[Tip] = []

    def openable(references: set[str]) -> set[str]:
        if references or tip.duplicate_of_id is not None or getattr(tip, HAS_RELATED, True):
            links.extend(permissions.openable_links(user, tip, references))
        return {t.reference for t in links}

    # Who could be alerted now: for the alert ladders and (every agency) the re-routing form;
    # their people are read with the staff names of the timeline.
    life_safety = tip.is_life_safety and any(r.role == RoutingRole.RESPONSIBLE for r in routings)
    now = timezone.now()
    reached = (
        (list(Agency.objects.all()) if allowed.reroute else [r.agency for r in routings])
        if (allowed.reroute or life_safety)
        else None
    )
    entries, names = timeline.build(
        tip,
        notes=readable_notes(memberships, tip),
        any_messages=getattr(tip, HAS_MESSAGES, True),
        attachments=attachments,
        member_agencies=[p.routing.agency_id for p in changeable],
        openable=openable,
        also_members=coverage.reach_members([a.pk for a in reached], now=now) if reached is not None else None,
    )
    decoy_used = [e.event.at for e in entries if e.event is not None and e.event.action == AuditEvent.Action.DECOY_USED]
    reach = ladder.page_reach(agencies=reached, memberships=names.memberships, now=now) if reached is not None else None
    stand_ins = StandIns(tip, csrf_token)
    blank = stand_ins.tip
    page_forms = PageForms(
        stand_ins,
        bound,
        acknowledge=lambda: AcknowledgeForm(tip=blank),
        priority=lambda: PriorityForm(initial={"version": VERSION_SLOT, "priority": tip.priority}, tip=blank),
        note=lambda: NoteForm(tip=blank, audiences=note_audiences(acting, routings)),
        message=lambda: MessageForm(tip=blank, replies=replies),
        link=lambda: LinkForm(initial={"version": VERSION_SLOT}, tip=blank),
        reroute=lambda: RerouteForm(
            initial={"version": VERSION_SLOT},
            tip=blank,
            routings=routings,
            reach=reach.agencies if reach is not None and allowed.reroute else None,
        ),
        acknowledge_for=lambda: AcknowledgeForForm(tip=blank, routings=routings),
    )
    return {
        "tip": tip,
        "routings": [routing_view(r, memberships) for r in routings],
        "parts": [part_panel(part, names.members, bound, stand_ins) for part in changeable],
        "ladders": ladder.tip_ladders(tip, routings, reach=reach) if life_safety else [],
        "can_act": allowed.act,
        "coordinator": allowed.reroute,
        "can_acknowledge": allowed.acknowledge,
        "can_acknowledge_for": allowed.acknowledge_for,
        "attachments": attachments,
        "timeline": entries,
        # The original, if the reader may open it: among the links asked for above.
        "duplicate_of": next((t for t in links if t.pk == tip.duplicate_of_id), None),
        "related": [t for t in links if getattr(t, "is_related", False)],
        "close_request": tip.close_requested and tip.state != Tip.State.DONE,
        "show_contact": bool(tip.contact_details) and allowed.see_contact,
        "canned_texts": {str(pk): text for pk, _, text in replies},
        # Text-a-tip: "texting tipster #7" (never the number); a decoy code used (SECURITY.md 46).
        "texting_tipster": _texting_tipster(tip),
        "decoy_used_at": decoy_used[-1] if decoy_used else None,
        "age": urgency.age(tip.received_at, timezone.now()),
        "errors": form_errors(bound),
        "forms": bound,  # those just posted, for their errors
        "form_html": page_forms,
    }
