"""The tip form's cards (issue 14): one obvious card for each situation, at most eight with
"Something else". A card stands for one or more categories (``Category.card``, set by
coordinators in the admin); when it stands for several, the student answers one short
second question. Routing stays by category."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from reports.intake import reference
from reports.models import Card, Category

DESCRIPTIONS = {
    Card.THREAT: _("Someone has a gun, knife or other weapon, or threatened or planned to hurt or shoot people."),
    Card.SELF_HARM: _("Someone talks about ending their life or is hurting themselves."),
    Card.FIGHT: _("A fight happened or is being set up, or someone was attacked."),
    Card.BULLYING: _("Someone is picked on, threatened, shamed or left out, at school, online or by text."),
    Card.SEXUAL: _("Unwanted sexual contact, pressure, or sharing of sexual images."),
    Card.ABUSE: _("A young person is hurt or not cared for, or forced or tricked into work or sex."),
    Card.DRUGS: _("Drugs, vaping or alcohol being sold, shared or used at school."),
    Card.SOMETHING_ELSE: _("Anything else that makes you worried about someone's safety."),
}


@dataclass(frozen=True)
class Offered:
    card: Card
    categories: tuple[Category, ...]

    @property
    def title(self) -> str:
        return str(self.card.label)

    @property
    def description(self) -> str:
        return str(DESCRIPTIONS[self.card])


def offered() -> list[Offered]:
    """The cards with at least one active category on them, in the order of ``Card``."""
    # The active categories from the shared cache (reports.intake.reference), in their
    # display order: every screen and every submission reads them.
    categories = [c for c in reference.active_categories().values() if c.card]
    cards = []
    for card in Card:
        members = tuple(c for c in categories if c.card == card)
        if members:
            cards.append(Offered(card, members))
    return cards


def find(key: str) -> Offered | None:
    return next((o for o in offered() if o.card == key), None)
