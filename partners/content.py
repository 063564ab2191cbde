"""The Partnership's real content, safe to load on a production site: St. Louis County's
school districts, police agencies, other partners and schools (public facts, in
``content_data/``), the site's settings, and the pages and resources written for this site.
No accounts. Loading is idempotent and never overwrites what a coordinator has since
edited: existing rows are left as they are (Spanish text is only added where empty).

``manage.py load_content`` loads this and ``reports.content`` (categories, routing rules,
canned replies).
"""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path
from typing import Any

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils.text import slugify

from partners.models import Agency, Page, Resource, SiteSettings
from partners.services import import_schools, read_school_csv

DATA = Path(__file__).resolve().parent / "content_data"
COORDINATING_AGENCY = "Safe Schools Partnership Office"
OTHER_KINDS = {
    "court": Agency.Kind.COURT,
    "state": Agency.Kind.STATE,
    "mental_health": Agency.Kind.MENTAL_HEALTH,
    "resource": Agency.Kind.OTHER,
}
# Partners that cannot act on a tip themselves: routed tips for information only, and shown
# to the student as help they can reach (with the public number to call).
CANNOT_ACT = {
    "988 Suicide & Crisis Lifeline": "988",
    "Courage2Report (Missouri State Highway Patrol)": "(866) 748-7047",
    "Missouri Department of Elementary and Secondary Education": "",
    "National School Safety Center": "",
}
DESCRIPTIONS = {
    "county": "The county-wide police department, which also polices many municipalities and school districts under contract.",
    "cooperative": "A cooperative police department shared by several north county municipalities.",
    "municipal": "A municipal police department serving schools within its city limits.",
}

PAGES: list[dict[str, Any]] = [
    {
        "slug": "home",
        "title": "Every student safe at school",
        "summary": (
            "Police, schools, the family court and community agencies across St. Louis County, "
            "working as one so that no student goes to school afraid."
        ),
        "body": """## See something? Say something.
If you know about a weapon, a threat, a fight being planned, someone being hurt or someone thinking about hurting themselves, tell us. You can report online or call the hotline. You do not have to give your name.

## What happens next
Your report goes straight to the school district and the police department responsible for that school. Trained adults read it, decide what to do, and can write back to you through the report page. You keep a receipt code so you can check for replies without ever saying who you are.

## Why it matters
Most school violence is talked about before it happens. A single message from a student who noticed something has, again and again, been what let adults step in early.""",
        "title_es": "Que cada estudiante esté seguro en la escuela",
        "summary_es": (
            "La policía, las escuelas, el tribunal de familia y organizaciones de la comunidad en todo el condado "
            "de St. Louis trabajan juntos para que ningún estudiante vaya a la escuela con miedo."
        ),
        "body_es": """## ¿Ves algo? Dilo.
Si sabes de un arma, una amenaza, una pelea que se está planeando, alguien a quien están lastimando o alguien que está pensando en hacerse daño, avísanos. Puedes reportarlo en línea o llamar a la línea directa. No tienes que dar tu nombre.

## Qué pasa después
Tu reporte va directo al distrito escolar y al departamento de policía que le corresponden a esa escuela. Adultos capacitados lo leen, deciden qué hacer y pueden contestarte en la página del reporte. Te quedas con un código de recibo para ver si hay respuestas sin decir nunca quién eres.

## Por qué importa
Casi siempre se habla de la violencia escolar antes de que pase. Una sola vez tras otra, el mensaje de un estudiante que se dio cuenta de algo ha sido lo que permitió a los adultos actuar a tiempo.""",
        "display_order": 0,
    },
    {
        "slug": "about",
        "title": "About the Partnership",
        "summary": "One county, one message: violence has no place in our schools.",
        "body": """## Vision
Every student in St. Louis County learns in a school where they feel safe, and every adult around them knows how to help.

## Mission
The Safe Schools Partnership brings together law enforcement, school districts, the juvenile court and community agencies so that concerns about student safety reach the right people quickly, are handled consistently across city and district lines, and lead to help as well as accountability.

## Aims
- Work across the whole county, not school by school, and act before harm happens rather than after.
- Speak with one voice: violence in and around schools is not acceptable.
- Find problems early, through students, families and staff who are able to speak up safely.
- Respond firmly and fairly when violence does occur.
- Share training, information and practice among partners.

## History
The Partnership grew out of the work of county and municipal police, superintendents and the family court after the Missouri Safe Schools Act of 1996, which asked schools and law enforcement to share information about serious incidents. Its hotline, (314) 889-SAFE (7233), gave students a way to speak up without giving their name. This site carries that work online: the same promise of anonymity, with replies students can read and answer.""",
        "title_es": "Sobre la Alianza",
        "summary_es": "Un condado, un mensaje: la violencia no tiene lugar en nuestras escuelas.",
        "body_es": """## Visión
Que cada estudiante del condado de St. Louis aprenda en una escuela donde se sienta seguro, y que cada adulto a su alrededor sepa cómo ayudar.

## Misión
La Safe Schools Partnership (Alianza por Escuelas Seguras) une a la policía, los distritos escolares, el tribunal de menores y organizaciones de la comunidad para que las preocupaciones sobre la seguridad de los estudiantes lleguen rápido a las personas indicadas, se atiendan de la misma manera sin importar la ciudad o el distrito, y terminen en ayuda además de responsabilidad.

## Objetivos
- Trabajar en todo el condado, no escuela por escuela, y actuar antes de que alguien salga lastimado, no después.
- Hablar con una sola voz: la violencia dentro y alrededor de las escuelas no se acepta.
- Detectar los problemas a tiempo, gracias a estudiantes, familias y personal que pueden hablar sin correr riesgos.
- Responder con firmeza y justicia cuando sí hay violencia.
- Compartir capacitación, información y buenas prácticas entre las organizaciones.

## Historia
La Alianza nació del trabajo de la policía del condado y de los municipios, los superintendentes y el tribunal de familia después de la Ley de Escuelas Seguras de Missouri de 1996, que pidió a las escuelas y a la policía compartir información sobre incidentes graves. Su línea directa, (314) 889-SAFE (7233), les dio a los estudiantes una forma de hablar sin dar su nombre. Este sitio lleva ese trabajo a internet: la misma promesa de anonimato, con respuestas que los estudiantes pueden leer y contestar.""",
        "display_order": 10,
    },
    {
        "slug": "how-reporting-works",
        "title": "How reporting works",
        "summary": "What you can report, who reads it, and how you stay anonymous.",
        "body": """## What you can report
Weapons, threats, plans to attack, fights, bullying and cyberbullying, abuse, drugs, self-harm, or anything else that makes you worried for someone's safety at school or on the way there.

## Who reads it
Staff of the school district and the police department responsible for the school. Some kinds of report also go to a crisis counsellor or another partner who can help.

## Staying anonymous
- The form does not ask for your name, and the site does not record your internet address or device.
- After you send a report you get a receipt code. Write it down or copy it somewhere safe: it is the only way to see replies.
- If you want someone to contact you, you can choose to leave a phone number or e-mail address. That is always optional.

## On a school network or device
School Wi-Fi, school laptops and Chromebooks, and school accounts may be monitored by the school. If you can, report from your own phone on mobile data. More in "How to stay safe while reporting", linked at the bottom of every page.

## In an emergency
If someone is in danger right now, call 911. For a mental-health crisis, call or text 988.""",
        "title_es": "Cómo funciona el reporte",
        "summary_es": "Qué puedes reportar, quién lo lee y cómo sigues siendo anónimo.",
        "body_es": """## Qué puedes reportar
Armas, amenazas, planes de ataque, peleas, acoso y ciberacoso, abuso, drogas, autolesiones o cualquier otra cosa que te haga temer por la seguridad de alguien en la escuela o en el camino.

## Quién lo lee
El personal del distrito escolar y del departamento de policía que le corresponden a la escuela. Algunos tipos de reporte también llegan a un consejero de crisis o a otra organización que puede ayudar.

## Cómo sigues siendo anónimo
- El formulario no te pide tu nombre, y el sitio no guarda tu dirección de internet ni datos de tu dispositivo.
- Después de enviar un reporte recibes un código de recibo. Escríbelo o cópialo en un lugar seguro: es la única forma de ver las respuestas.
- Si quieres que alguien se comunique contigo, puedes dejar un número de teléfono o un correo electrónico. Siempre es opcional.

## En una red o un dispositivo de la escuela
La escuela puede vigilar su wifi, sus laptops y Chromebooks, y las cuentas escolares. Si puedes, haz tu reporte desde tu propio teléfono con datos móviles. Más información en "Cómo protegerte al reportar", con enlace al pie de cada página.

## En una emergencia
Si alguien está en peligro ahora mismo, llama al 911. Si es una crisis de salud mental, llama o manda un mensaje de texto al 988.""",
        "display_order": 20,
        "show_in_nav": True,
    },
    {
        "slug": "staying-safe",
        "title": "How to stay safe while reporting",
        "summary": "Your device, your connection, your receipt, and leaving in a hurry.",
        "body": """## Use a device and a connection you trust
- Your own phone on mobile data is safest. School Wi-Fi, school laptops and Chromebooks, and school accounts may be monitored by the school.
- A shared or family device may keep your history. Use a private (incognito) window, and close it when you are done.

## Leave in a hurry
- The Quick exit button at the top of every page, or Shift and Escape pressed together, leaves this site at once for a weather page. The back button does not bring this site back.

## Keep your receipt to yourself
- Write your receipt down and keep it where only you can see it. It is the only way back to your report.
- If someone might force you to show your reports, take a decoy code on the receipt page. It opens an ordinary, harmless report instead of yours, and quietly tells staff you may be under pressure.

## What you write and send
- You do not have to give your name. Before you send, the form points out what could identify you, like a phone number, a user name or a street address. You choose to remove it or keep it.
- We remove the location and camera details from pictures. A picture can still show a place or a person, so look at it before you send it.

## Reporting by text message
- Staff never see your number. If someone else may read your phone, delete the thread after you text, and text STOP if you want no replies.

## In an emergency
If someone is in danger right now, call 911. For a mental-health crisis, call or text 988.""",
        "title_es": "Cómo protegerte al reportar",
        "summary_es": "Tu dispositivo, tu conexión, tu recibo y cómo salir rápido.",
        "body_es": """## Usa un dispositivo y una conexión de confianza
- Lo más seguro es tu propio teléfono con datos móviles. La escuela puede vigilar su wifi, sus laptops y Chromebooks, y las cuentas escolares.
- Un dispositivo compartido o de la familia puede guardar tu historial. Usa una ventana privada (de incógnito) y ciérrala cuando termines.

## Salir rápido
- El botón Salir rápido, arriba en cada página, o las teclas Shift y Escape juntas, te sacan de este sitio al instante hacia una página del clima. El botón de regresar no vuelve a mostrar este sitio.

## Guarda tu recibo solo para ti
- Escribe tu recibo y guárdalo donde solo tú lo puedas ver. Es la única forma de volver a tu reporte.
- Si alguien podría obligarte a mostrar tus reportes, obtén un código señuelo en la página del recibo. Abre un reporte común y sin importancia en lugar del tuyo, y le avisa discretamente al personal que quizá estás bajo presión.

## Lo que escribes y envías
- No tienes que dar tu nombre. Antes de enviar, el formulario te señala lo que podría identificarte, como un número de teléfono, un nombre de usuario o una dirección. Tú decides si lo quitas o lo dejas.
- Quitamos de las fotos los datos de ubicación y de la cámara. Aun así, una foto puede mostrar un lugar o a una persona: mírala antes de enviarla.

## Reportar por mensaje de texto
- El personal nunca ve tu número. Si otra persona puede leer tu teléfono, borra la conversación después de escribirnos, y escribe STOP si no quieres respuestas.

## En una emergencia
Si alguien está en peligro ahora mismo, llama al 911. Si es una crisis de salud mental, llama o manda un mensaje de texto al 988.""",
        "display_order": 25,
    },
    {
        "slug": "contact",
        "title": "Contact",
        "summary": "",
        "body": """The Partnership office coordinates the work of its member agencies. It does not respond to emergencies: if someone is in danger, call 911.

For questions about the Partnership, training for school staff, or joining as a partner agency, call the hotline or write to the office.""",
        "title_es": "Contacto",
        "body_es": """La oficina de la Alianza coordina el trabajo de las organizaciones que la forman. No atiende emergencias: si alguien está en peligro, llama al 911.

Si tienes preguntas sobre la Alianza, la capacitación para el personal escolar o cómo unirse como organización aliada, llama a la línea directa o escríbele a la oficina.""",
        "display_order": 90,
    },
]

RESOURCES: list[dict[str, Any]] = [
    {
        "title": "Partnership handbook (summary)",
        "title_es": "Manual de la Alianza (resumen)",
        "description_es": "Cómo las organizaciones aliadas comparten y usan la información sobre amenazas a la seguridad de los estudiantes.",
        "kind": Resource.Kind.DOCUMENT,
        "description": "How partner agencies share and act on information about threats to student safety.",
        "filename": "partnership-handbook-summary.txt",
        "content": (
            "Safe Schools Partnership of St. Louis County - handbook summary\n\n"
            "1. Every tip is read by the district and the police agency responsible for the school.\n"
            "2. Life-safety tips are acknowledged within minutes, day or night.\n"
            "3. Partners record what they did, so that no tip is left without an outcome.\n"
            "4. The identity of a student who reports is never sought and never shared.\n"
        ),
        "effective_date": date(2024, 8, 1),
    },
    {
        "title": "Missouri Safe Schools Act: school discipline policies (RSMo 160.261)",
        "title_es": "Ley de Escuelas Seguras de Missouri: normas de disciplina escolar (RSMo 160.261)",
        "description_es": "Exige que cada distrito adopte por escrito sus normas de disciplina y que reporte ciertos actos de violencia.",
        "kind": Resource.Kind.STATUTE,
        "description": "Requires each district to adopt a written discipline policy and to report certain acts of violence.",
        "url": "https://revisor.mo.gov/main/OneSection.aspx?section=160.261",
    },
    {
        "title": "Reporting of certain offences to schools (RSMo 167.115)",
        "title_es": "Aviso a las escuelas sobre ciertos delitos (RSMo 167.115)",
        "description_es": "Cómo la policía y los tribunales le avisan al superintendente cuando se acusa a un estudiante de un delito grave.",
        "kind": Resource.Kind.STATUTE,
        "description": "How law enforcement and courts inform a superintendent when a student is charged with a serious offence.",
        "url": "https://revisor.mo.gov/main/OneSection.aspx?section=167.115",
    },
    {
        "title": "988 Suicide & Crisis Lifeline",
        "title_es": "988 Línea de Prevención del Suicidio y Crisis",
        "description_es": "Llama o manda un mensaje de texto al 988, a cualquier hora, por ti o por alguien que te preocupa.",
        "kind": Resource.Kind.LINK,
        "description": "Call or text 988, any time, for yourself or someone you are worried about.",
        "url": "https://988lifeline.org/",
    },
    {
        "title": "National School Safety Center",
        "title_es": "National School Safety Center (Centro Nacional de Seguridad Escolar)",
        "description_es": "Un centro nacional de información sobre seguridad escolar, fundado en 1984.",
        "kind": Resource.Kind.LINK,
        "description": "A national clearinghouse on school safety, founded in 1984.",
        "url": "https://www.schoolsafety.us/",
    },
]


def _csv(name: str) -> list[dict[str, str]]:
    with (DATA / name).open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def _website(host: str) -> str:
    return f"https://{host}/" if host else ""


def _agency(name: str, kind: str, **defaults: object) -> Agency:
    agency, _ = Agency.objects.get_or_create(name=name, defaults={"slug": slugify(name), "kind": kind, **defaults})
    return agency


@transaction.atomic
def load() -> None:
    """Load every content row that is missing."""
    SiteSettings.objects.get_or_create(
        pk=1,
        defaults={
            "non_emergency_number": "(636) 529-8210",
            "tdd_number": "(636) 529-8220",
            "address": "7900 Forsyth Blvd, Clayton, MO 63105",
            "statewide_line": "Courage2Report: call (866) 748-7047 or text C2R to 738477",
        },
    )
    _agency(
        COORDINATING_AGENCY,
        Agency.Kind.OTHER,
        is_coordinating=True,
        is_partner=False,
        description="The Partnership's coordinators, who run the tip line and this site.",
        display_order=0,
    )
    for order, row in enumerate(_csv("districts.csv")):
        _agency(row["name"], Agency.Kind.DISTRICT, website=_website(row["website"]), display_order=order)
    for order, row in enumerate(_csv("police_agencies.csv")):
        _agency(row["name"], Agency.Kind.POLICE, description=DESCRIPTIONS.get(row["kind"], ""), display_order=order)
    for order, row in enumerate(_csv("other_partners.csv")):
        extra = {"can_act": False, "phone": CANNOT_ACT[row["name"]]} if row["name"] in CANNOT_ACT else {}
        _agency(
            row["name"],
            OTHER_KINDS.get(row["kind"], Agency.Kind.OTHER),
            description=row["notes"],
            display_order=order,
            **extra,
        )
    with (DATA / "schools.csv").open(newline="", encoding="utf-8") as handle:
        import_schools(read_school_csv(handle))

    for page in PAGES:
        page_row, created = Page.objects.get_or_create(
            slug=page["slug"], defaults={k: v for k, v in page.items() if k != "slug"}
        )
        if not created:
            _fill_empty_spanish(page_row, page, ["title_es", "summary_es", "body_es"])
    for order, spec in enumerate(RESOURCES):
        existing = Resource.objects.filter(title=spec["title"]).first()
        if existing is not None:
            _fill_empty_spanish(existing, spec, ["title_es", "description_es"])
            continue
        resource = Resource(
            title=spec["title"],
            title_es=spec["title_es"],
            kind=spec["kind"],
            description=spec["description"],
            description_es=spec["description_es"],
            url=spec.get("url", ""),
            effective_date=spec.get("effective_date"),
            display_order=order,
        )
        if "content" in spec:
            resource.file.save(spec["filename"], ContentFile(spec["content"].encode()), save=False)
        resource.save()


def _fill_empty_spanish(row: Page | Resource, spec: dict[str, Any], fields: list[str]) -> None:
    """Give a row loaded before pages had Spanish versions its Spanish text, only where a
    coordinator has not written any."""
    missing = [field for field in fields if not getattr(row, field) and spec.get(field)]
    for field in missing:
        setattr(row, field, spec[field])
    if missing:
        row.save(update_fields=missing)
