"""The Partnership's categories, routing rules and canned replies, in the site's own words:
real content, safe on a production site (``manage.py load_content``). Like
``partners.content``, loading creates what is missing and leaves edited rows alone."""

from __future__ import annotations

from django.db import transaction

from partners.content import COORDINATING_AGENCY
from partners.models import Agency
from reports.models import CannedReply, Card, Category, Priority, RoutingRole, RoutingRule

# name, Spanish name, description, Spanish description, priority, life safety
CATEGORIES = [
    (
        "Weapons",
        "Armas",
        "Someone has, or says they will bring, a gun, knife or other weapon.",
        "Alguien tiene, o dice que traerá, un arma de fuego, un cuchillo u otra arma.",
        Priority.URGENT,
        True,
    ),
    (
        "Planned attack or threat",
        "Ataque planeado o amenaza",
        "Someone is planning to hurt people, or has threatened to.",
        "Alguien planea lastimar a otras personas, o ha amenazado con hacerlo.",
        Priority.URGENT,
        True,
    ),
    (
        "Shooting threat",
        "Amenaza de tiroteo",
        "A threat to shoot people at or near a school, in person or online.",
        "Una amenaza de disparar contra personas en la escuela o cerca de ella, en persona o en línea.",
        Priority.URGENT,
        True,
    ),
    (
        "Assault",
        "Agresión",
        "Someone was attacked or badly hurt by another person.",
        "Alguien fue atacado o lastimado gravemente por otra persona.",
        Priority.HIGH,
        False,
    ),
    (
        "Fighting",
        "Peleas",
        "A fight happened, or one is being set up.",
        "Hubo una pelea, o se está organizando una.",
        Priority.NORMAL,
        False,
    ),
    (
        "Bullying",
        "Acoso escolar",
        "Someone is picked on, threatened or left out, again and again.",
        "A alguien lo molestan, lo amenazan o lo excluyen una y otra vez.",
        Priority.NORMAL,
        False,
    ),
    (
        "Cyberbullying",
        "Ciberacoso",
        "Someone is harassed, threatened or shamed online or by text.",
        "A alguien lo acosan, amenazan o humillan en línea o por mensajes.",
        Priority.NORMAL,
        False,
    ),
    (
        "Sexual offense",
        "Delito sexual",
        "Unwanted sexual contact, pressure, or sharing of sexual images.",
        "Contacto sexual no deseado, presión, o imágenes sexuales compartidas.",
        Priority.HIGH,
        False,
    ),
    (
        "Abuse or neglect",
        "Abuso o negligencia",
        "A young person is being hurt or not cared for at home or elsewhere.",
        "Un joven sufre maltrato o descuido en casa o en otro lugar.",
        Priority.HIGH,
        False,
    ),
    (
        "Suicide or self-harm",
        "Suicidio o autolesión",
        "Someone talks about ending their life or is hurting themselves.",
        "Alguien habla de quitarse la vida o se está haciendo daño.",
        Priority.URGENT,
        True,
    ),
    (
        "Drugs or alcohol",
        "Drogas o alcohol",
        "Drugs, vaping or alcohol being sold, shared or used at school.",
        "Drogas, vapeadores o alcohol que se venden, se comparten o se usan en la escuela.",
        Priority.NORMAL,
        False,
    ),
    (
        "Human trafficking",
        "Trata de personas",
        "Someone is being forced or tricked into work or sex.",
        "Alguien es obligado o engañado para trabajar o para tener relaciones sexuales.",
        Priority.HIGH,
        False,
    ),
    (
        "Something else",
        "Otra cosa",
        "Anything else that makes you worried about someone's safety.",
        "Cualquier otra cosa que te preocupe sobre la seguridad de alguien.",
        Priority.NORMAL,
        False,
    ),
]

# The card each category is offered under on the tip form (issue 14: one obvious card for
# each situation). "Weapons" stands for a weapon or any threat to hurt people; the
# overlapping "Planned attack or threat" and "Shooting threat" stay for staff only.
CARDS = {
    "Weapons": Card.THREAT,
    "Planned attack or threat": "",
    "Shooting threat": "",
    "Assault": Card.FIGHT,
    "Fighting": Card.FIGHT,
    "Bullying": Card.BULLYING,
    "Cyberbullying": Card.BULLYING,
    "Sexual offense": Card.SEXUAL,
    "Abuse or neglect": Card.ABUSE,
    "Suicide or self-harm": Card.SELF_HARM,
    "Drugs or alcohol": Card.DRUGS,
    "Human trafficking": Card.ABUSE,
    "Something else": Card.SOMETHING_ELSE,
}

# category, agency, role. The school's district and police agency are always responsible;
# these add to them. Suicide or self-harm reaches the district's staff (counsellors) through
# the school, the coordinators to make sure it is followed up, and shows the student the
# 988 Lifeline, which cannot act on a tip itself (information only).
RULES = [
    ("Suicide or self-harm", COORDINATING_AGENCY, RoutingRole.INFO_ONLY),
    ("Suicide or self-harm", "988 Suicide & Crisis Lifeline", RoutingRole.INFO_ONLY),
    ("Abuse or neglect", "St. Louis County Family Court (Juvenile Division)", RoutingRole.INFO_ONLY),
    ("Sexual offense", "St. Louis County Family Court (Juvenile Division)", RoutingRole.INFO_ONLY),
    ("Human trafficking", "St. Louis County Police Department", RoutingRole.RESPONSIBLE),
]

CANNED_REPLIES = [
    (
        "Thank you, we are on it",
        "Thank you for telling us. Adults at your school and the police have your report and are following up.",
    ),
    (
        "Can you tell us more?",
        "Thank you for your report. Can you tell us more about when and where this happened, and who was there?",
    ),
    (
        "Are you safe?",
        "We want to make sure you are safe. If you are in danger right now, call 911. If you are thinking about hurting yourself, call or text 988.",
    ),
]


@transaction.atomic
def load() -> None:
    for order, (name, name_es, description, description_es, priority, life_safety) in enumerate(CATEGORIES):
        Category.objects.get_or_create(
            name=name,
            defaults={
                "name_es": name_es,
                "description": description,
                "description_es": description_es,
                "default_priority": priority,
                "is_life_safety": life_safety,
                "display_order": order * 10,
                "card": CARDS[name],
            },
        )
    for category_name, agency_name, role in RULES:
        agency = Agency.objects.filter(name=agency_name).first()
        if agency is not None:
            RoutingRule.objects.get_or_create(
                category=Category.objects.get(name=category_name), agency=agency, defaults={"role": role}
            )
    # Content loaded before 2026-11-30 made the 988 Lifeline responsible for suicide tips: a
    # routing that could never be alerted or acknowledged.
    RoutingRule.objects.filter(
        category__name="Suicide or self-harm", agency__name="988 Suicide & Crisis Lifeline"
    ).update(role=RoutingRole.INFO_ONLY)
    for order, (title, body) in enumerate(CANNED_REPLIES):
        CannedReply.objects.get_or_create(title=title, defaults={"body": body, "display_order": order})
