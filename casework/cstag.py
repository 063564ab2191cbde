"""The decision steps of the Comprehensive School Threat Assessment Guidelines, as rules the
guided form follows. Pure functions over the recorded steps: no database here.

1. Record the threat and its context as reported.
2. Can it be resolved as transient (the student explains, apologises or makes amends, and
   there is no lasting intent to harm)? If so the case is transient.
3. If not, it is substantive: serious (a threat to hit, fight or injure) or very serious
   (a threat to kill, rape, use a weapon or injure severely).
4. For both: protective actions, the intended targets' parents and the student's parents told.
5. Very serious only: a safety evaluation, with a mental-health assessment, and law
   enforcement consulted.

A step taken out of this order, a step taken again (a changed decision) or a step recorded
without its confirmations is an override: allowed, with a written reason.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from casework.models import DecisionStep, ThreatCase

Step = DecisionStep.Step
Decision = DecisionStep.Decision
Classification = ThreatCase.Classification


@dataclass(frozen=True)
class StepRule:
    decisions: tuple[str, ...]
    # Confirmations the team ticks: key → label. Keys are stored; labels only shown.
    checks: tuple[tuple[str, str], ...] = ()
    # Which checks a decision needs without an override (decision → keys).
    required: dict[str, tuple[str, ...]] | None = None
    note_label: str = "Note"
    note_required: bool = False
    help: str = ""


TRANSIENT_CHECKS = (
    ("explained", "The student explained what they meant, and the explanation fits what witnesses say"),
    ("amends", "The student apologised, took it back or made amends"),
    ("no_intent", "The team agrees there is no lasting intent to harm"),
)
PROTECTIVE_CHECKS = (
    ("protective_actions", "Protective actions taken to prevent the threat being carried out"),
    ("targets_parents", "The intended targets' parents told"),
    ("student_parents", "The student's parents told"),
    ("student_cautioned", "The student cautioned about what happens if the threat is carried out"),
)
EVALUATION_CHECKS = (
    ("mental_health_assessment", "Mental-health assessment of the student (by a qualified professional)"),
    ("law_enforcement", "Law enforcement consulted"),
    ("evaluation_complete", "Safety evaluation complete; findings summarised below"),
)

RULES: dict[str, StepRule] = {
    Step.ACCOUNT: StepRule(
        decisions=(Decision.RECORDED,),
        note_label="What was said or done, to whom, where and when; what the student and witnesses say",
        note_required=True,
        help="Interview the student and witnesses; write down the exact words where you can.",
    ),
    Step.TRANSIENT: StepRule(
        decisions=(Decision.TRANSIENT, Decision.SUBSTANTIVE),
        checks=TRANSIENT_CHECKS,
        required={Decision.TRANSIENT: ("explained", "amends", "no_intent")},
        note_label="How it was resolved, or why it cannot be",
        help="A transient threat is an expression of anger, humour or rhetoric that is easily resolved. "
        "When in doubt, treat it as substantive.",
    ),
    Step.SERIOUSNESS: StepRule(
        decisions=(Decision.SERIOUS, Decision.VERY_SERIOUS),
        note_label="Why this level",
        note_required=True,
        help="Serious: a threat to hit, fight or injure. Very serious: a threat to kill, rape, use a weapon "
        "or cause severe injury.",
    ),
    Step.PROTECTIVE: StepRule(
        decisions=(Decision.DONE,),
        checks=PROTECTIVE_CHECKS,
        required={Decision.DONE: ("protective_actions", "targets_parents", "student_parents")},
        note_label="What was done, and who was told",
    ),
    Step.SAFETY_EVALUATION: StepRule(
        decisions=(Decision.DONE,),
        checks=EVALUATION_CHECKS,
        required={Decision.DONE: ("mental_health_assessment", "law_enforcement", "evaluation_complete")},
        note_label="Findings of the safety evaluation",
        note_required=True,
    ),
}


def latest_by_step(steps: Iterable[DecisionStep]) -> dict[str, DecisionStep]:
    """The most recent record of each step (records come oldest first)."""
    latest: dict[str, DecisionStep] = {}
    for record in sorted(steps, key=lambda s: (s.decided_at, s.pk or 0)):
        latest[record.step] = record
    return latest


def classification(latest: dict[str, DecisionStep]) -> str:
    transient = latest.get(Step.TRANSIENT)
    if transient is None:
        return Classification.UNDECIDED
    if transient.decision == Decision.TRANSIENT:
        return Classification.TRANSIENT
    level = latest.get(Step.SERIOUSNESS)
    if level is None:
        return Classification.SUBSTANTIVE
    return Classification.VERY_SERIOUS if level.decision == Decision.VERY_SERIOUS else Classification.SERIOUS


def next_step(latest: dict[str, DecisionStep]) -> str | None:
    """The step the guided form asks for next; None when the decision tree is complete."""
    if Step.ACCOUNT not in latest:
        return Step.ACCOUNT
    if Step.TRANSIENT not in latest:
        return Step.TRANSIENT
    level = classification(latest)
    if level == Classification.TRANSIENT:
        return None
    if Step.SERIOUSNESS not in latest:
        return Step.SERIOUSNESS
    if Step.PROTECTIVE not in latest:
        return Step.PROTECTIVE
    if level == Classification.VERY_SERIOUS and Step.SAFETY_EVALUATION not in latest:
        return Step.SAFETY_EVALUATION
    return None


def applicable_steps(latest: dict[str, DecisionStep]) -> list[str]:
    """The steps that belong to the case as classified so far, in order."""
    level = classification(latest)
    steps = [Step.ACCOUNT, Step.TRANSIENT]
    if level in (Classification.SUBSTANTIVE, Classification.SERIOUS, Classification.VERY_SERIOUS):
        steps += [Step.SERIOUSNESS, Step.PROTECTIVE]
    if level == Classification.VERY_SERIOUS:
        steps.append(Step.SAFETY_EVALUATION)
    return steps


def override_reasons(latest: dict[str, DecisionStep], *, step: str, decision: str, checks: Iterable[str]) -> list[str]:
    """Why recording this would be an override (empty: it follows the guidelines)."""
    reasons = []
    expected = next_step(latest)
    if step in latest:
        reasons.append("this step was already decided; recording it again changes the decision")
    elif step != expected:
        reasons.append("this step is out of the guidelines' order")
    missing = set(RULES[step].required.get(decision, ()) if RULES[step].required else ()) - set(checks)
    if missing:
        labels = dict(RULES[step].checks)
        reasons.append("not confirmed: " + "; ".join(labels[key].lower() for key in sorted(missing)))
    return reasons
