"""Random steps through everything the dashboard and the tipster do to a tip, for the tests
that check that what is kept in step with the tips (``reports.case_state``'s copies, the
queue's counts and order) never drifts, whatever the sequence."""

from __future__ import annotations

import random

from reports.intake.services import add_tipster_message
from reports.models import Message, Routing, RoutingRole, Tip
from reports.triage import actions, case_actions
from reports.triage.access import PartAccess

PART_MOVES = ("ack", "own", "start", "finish", "reopen", "reroute")
TIPSTER_MOVES = ("writes", "asks", "reply", "read")


def random_move(rng: random.Random, tips: list[Tip], *, cole, staff, other_agency, moves=PART_MOVES) -> str:
    """One step, chosen from ``moves``, on one of ``tips``: as coordinator ``cole`` acting
    for an agency, as ``staff`` (one agency's member), re-routing to ``other_agency`` and
    back, or the tipster writing. A step the part's state does not allow is refused and
    changes nothing. Returns the step's name."""
    tip = Tip.objects.get(pk=rng.choice(tips).pk)
    routing = rng.choice(list(Routing.objects.filter(tip=tip)))
    part = PartAccess(routing, True)
    move = rng.choice(moves)
    try:
        if move == "ack":
            case_actions.acknowledge_part(tip=tip, actor=cole, part=part)
        elif move == "own":  # also acknowledges new information after closing
            actions.acknowledge(tip=tip, actor=staff, memberships=list(staff.memberships.all()))
        elif move == "start":
            case_actions.start_work(tip=tip, actor=cole, part=part, version=routing.version)
        elif move == "finish":
            disposition = rng.choice(["resolved", "unfounded", "no_action"])
            case_actions.finish(
                tip=tip, actor=cole, part=part, version=routing.version, disposition=disposition, note="done"
            )
        elif move == "reopen":
            case_actions.reopen(tip=tip, actor=cole, part=part, version=routing.version)
        elif move in {"writes", "asks"}:
            kind = Message.Kind.MESSAGE if move == "writes" else Message.Kind.CLOSE_REQUEST
            add_tipster_message(tip=tip, body="One more thing about the lockers.", kind=kind)
        elif move == "reply":
            actions.message_tipster(tip=tip, author=staff, agency=None, body="Thank you, we are on it.")
        elif move == "read":
            actions.mark_tipster_messages_read(tip=tip, actor=staff)
        elif Routing.objects.filter(tip=tip, agency=other_agency).exists():
            actions.reroute(tip=tip, actor=cole, add=[], remove=[other_agency], version=tip.version)
        else:
            role = rng.choice([RoutingRole.RESPONSIBLE, RoutingRole.INFO_ONLY])
            actions.reroute(tip=tip, actor=cole, add=[(other_agency, role)], remove=[], version=tip.version)
    except actions.TriageError:
        pass
    return move
