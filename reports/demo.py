"""A dozen demo tips for a local run, so that a newcomer who signs in sees a working queue.

Each tip is made the way a real one is: submitted through ``reports.intake.services``
(routing, alerts, audit, search index), then worked by the demo staff through
``reports.triage.actions`` (acknowledging, messages both ways, notes, a re-routing, a
closing, new information after closing). The clock is moved back to the hour each step
happened (``time_machine``), so the queue spans ten days and every timeline reads true;
the tipster's steps land on the hour, as the site keeps no finer time for them.

Idempotent: a tip's receipt is derived from a public constant (below), and a tip whose
receipt already opens a tip is not made again. DEMO ONLY, like the demo staff: anyone can
compute these receipts.
"""

from __future__ import annotations

import base64
import hashlib
import io
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import time_machine
from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone
from PIL import Image, ImageDraw, ImageFont

from partners.models import Agency, School
from reports.intake import images, receipts
from reports.intake.services import CleanImage, TipReport, add_tipster_message, submit_tip
from reports.models import Category, Disposition, Routing, RoutingRole, Tip, this_hour
from reports.triage import actions, case_actions
from reports.triage.access import PartAccess
from reports.triage.permissions import acting_memberships

DEMO_RECEIPT_SALT = b"safeschools-demo-receipt-v1:"
Step = Callable[[Tip], object]


def demo_receipt(key: str) -> str:
    """The fixed, public receipt of the demo tip ``key``."""
    digest = hashlib.sha256(DEMO_RECEIPT_SALT + key.encode()).digest()
    symbols = base64.b32encode(digest).decode().translate(_TO_CROCKFORD)[: receipts.SYMBOLS]
    return receipts.format_receipt(symbols)


_TO_CROCKFORD = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", receipts.ALPHABET)


# --- What staff and the tipster do, as steps of a story -------------------------------


def _user(username: str) -> User:
    return User.objects.get(username=username)


def acknowledge(username: str) -> Step:
    def step(tip: Tip) -> None:
        user = _user(username)
        actions.acknowledge(tip=tip, actor=user, memberships=acting_memberships(user, tip))

    return step


def _own_part(user: User, tip: Tip) -> PartAccess:
    """The part of ``tip`` that ``user``'s agency carries."""
    agencies = [m.agency_id for m in acting_memberships(user, tip)]
    return PartAccess(Routing.objects.select_related("agency").get(tip=tip, agency_id__in=agencies), on_behalf=False)


def work(username: str) -> Step:
    """The user's agency starts working on its part."""

    def step(tip: Tip) -> None:
        user = _user(username)
        part = _own_part(user, tip)
        case_actions.start_work(tip=tip, actor=user, part=part, version=part.routing.version)

    return step


def finish(username: str, disposition: str, note: str) -> Step:
    """The user's agency finishes its part, with how it ended (the tip closes when every
    responsible agency has)."""

    def step(tip: Tip) -> None:
        user = _user(username)
        part = _own_part(user, tip)
        case_actions.finish(
            tip=tip, actor=user, part=part, version=part.routing.version, disposition=disposition, note=note
        )

    return step


def assign(username: str, assignee: str) -> Step:
    def step(tip: Tip) -> None:
        user = _user(username)
        part = _own_part(user, tip)
        case_actions.assign(tip=tip, actor=user, part=part, assignee=_user(assignee), version=part.routing.version)

    return step


def note(username: str, body: str) -> Step:
    def step(tip: Tip) -> None:
        user = _user(username)
        actions.add_note(tip=tip, actor=user, agency=acting_memberships(user, tip)[0].agency, body=body)

    return step


def to_tipster(username: str, body: str) -> Step:
    def step(tip: Tip) -> None:
        user = _user(username)
        actions.message_tipster(tip=tip, author=user, agency=acting_memberships(user, tip)[0].agency, body=body)

    return step


@dataclass(frozen=True)
class from_tipster:  # noqa: N801  (reads as a step, like the functions above)
    """The tipster writes back. Runs on the hour: the tipster's side keeps no finer time."""

    body: str
    pictures: tuple[CleanImage, ...] = ()

    def __call__(self, tip: Tip) -> None:
        add_tipster_message(tip=tip, body=self.body, images=list(self.pictures))


def reroute_to(username: str, agency: str) -> Step:
    def step(tip: Tip) -> None:
        added = [(Agency.objects.get(name=agency), RoutingRole.RESPONSIBLE.value)]
        actions.reroute(tip=tip, actor=_user(username), add=added, remove=[], version=tip.version)

    return step


def duplicate_of(username: str, key: str) -> Step:
    def step(tip: Tip) -> None:
        original = Tip.objects.get(receipt_hash=receipts.receipt_hash(demo_receipt(key)))
        actions.link(tip=tip, actor=_user(username), other=original, kind="duplicate", version=tip.version)

    return step


# --- Pictures: drawn here, then through the real sanitizer ----------------------------


Font = ImageFont.ImageFont | ImageFont.FreeTypeFont


def _picture(name: str, draw: Callable[[ImageDraw.ImageDraw, Font], None]) -> CleanImage:
    image = Image.new("RGB", (360, 640), "#f2f2f7")
    draw(ImageDraw.Draw(image), ImageFont.load_default(size=18))
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return images.sanitize(buffer.getvalue(), name=name)


def chat_screenshot(title: str, lines: list[tuple[bool, str]]) -> CleanImage:
    """A phone screenshot of a group chat: (from me, text) bubbles."""

    def draw(canvas: ImageDraw.ImageDraw, font: Font) -> None:
        canvas.rectangle((0, 0, 360, 56), fill="#1c1c1e")
        canvas.text((16, 18), title, fill="white", font=font)
        top = 76
        for mine, text in lines:
            width = min(300, 24 + int(canvas.textlength(text, font=font)))
            left = 344 - width if mine else 16
            canvas.rounded_rectangle(
                (left, top, left + width, top + 40), radius=14, fill="#0a84ff" if mine else "#e5e5ea"
            )
            canvas.text((left + 12, top + 10), text[:30], fill="white" if mine else "black", font=font)
            top += 56

    return _picture(f"{title}.png", draw)


def parking_lot_photo() -> CleanImage:
    """A blurry photo of a car in a parking lot, as a student might take from a distance."""

    def draw(canvas: ImageDraw.ImageDraw, font: Font) -> None:
        canvas.rectangle((0, 0, 360, 300), fill="#9fb7cc")
        canvas.rectangle((0, 300, 360, 640), fill="#55585c")
        for x in range(20, 360, 90):
            canvas.line((x, 420, x + 30, 640), fill="#e8e8e8", width=4)
        canvas.rounded_rectangle((90, 330, 280, 430), radius=24, fill="#8a8d91")
        canvas.rectangle((120, 300, 250, 345), fill="#6d7074")
        canvas.ellipse((105, 410, 145, 450), fill="#1c1c1e")
        canvas.ellipse((225, 410, 265, 450), fill="#1c1c1e")

    return _picture("IMG_2231.png", draw)


# --- The tips ---------------------------------------------------------------------


@dataclass
class DemoTip:
    key: str
    hours_ago: int
    category: str
    school: str | None
    description: str
    location: str = ""
    people_involved: str = ""
    when: str = Tip.When.TODAY
    danger_now: bool = False
    contact_details: str = ""
    language: str = "en"
    pictures: Callable[[], list[CleanImage]] = list
    # (minutes after the tip arrived, step)
    story: list[tuple[int, Step]] = field(default_factory=list)


CLOSED_VAPING = (
    "Administrators found vape cartridges hidden above a ceiling tile in the second-floor boys' restroom. "
    "Two students were disciplined under the district's code of conduct and their parents were told. "
    "Restroom checks added between classes for the rest of the semester."
)

TIPS = [
    DemoTip(
        "handgun",
        50,
        "Weapons",
        "Clayton High School",
        "A junior showed a handgun in his backpack in the parking lot before first period. He said it was "
        "'for protection' and zipped the bag up when a teacher walked by.",
        location="Student parking lot, east side, by the tennis courts",
        people_involved="Goes by Dre, drives a gray hatchback, usually parks in the back row",
        pictures=lambda: [parking_lot_photo()],
        story=[
            (6, acknowledge("officer.olsen")),
            (9, acknowledge("principal.park")),
            (15, assign("officer.olsen", "officer.olsen")),
            (18, work("officer.olsen")),
            (25, to_tipster("officer.olsen", "Thank you. Did you see the gun yourself, or did someone tell you?")),
            (180, from_tipster("I saw it myself. It was in the front pocket of his backpack. Two other kids saw it.")),
            (
                230,
                note(
                    "officer.olsen",
                    "Checked the car and the locker with the principal present: nothing found. "
                    "Meeting the student and his parents this afternoon.",
                ),
            ),
            (
                1560,
                to_tipster(
                    "principal.park",
                    "Thank you again. We acted on your report the same morning. If you see or hear anything "
                    "more, write here or call the hotline.",
                ),
            ),
        ],
    ),
    DemoTip(
        "handgun-again",
        49,
        "Weapons",
        "Clayton High School",
        "Someone in my grade brought a gun to school yesterday, I think in his bag. Everybody is talking about it.",
        when=Tip.When.DATE,
        story=[
            (12, acknowledge("officer.olsen")),
            (20, duplicate_of("officer.olsen", "handgun")),
            (22, finish("officer.olsen", Disposition.DUPLICATE, "Same gun and student as the earlier tip.")),
            (40, finish("principal.park", Disposition.DUPLICATE, "Handled with the earlier tip.")),
        ],
    ),
    DemoTip(
        "friday",
        1,
        "Planned attack or threat",
        "Clayton High School",
        "Someone posted in a group chat that 'Friday is the day' and that people should stay home. "
        "The post had a picture of the school's front doors.",
        location="A group chat for 10th graders",
        when=Tip.When.UPCOMING,
        pictures=lambda: [
            chat_screenshot(
                "10th grade chat",
                [(False, "friday is the day"), (False, "stay home if u smart"), (True, "what does that mean??")],
            )
        ],
    ),
    DemoTip(
        "wydown-crisis",
        122,
        "Suicide or self-harm",
        "Wydown Middle School",
        "My friend keeps saying she doesn't want to be here anymore and she gave away her favorite things this week.",
        location="At lunch and on the bus",
        when=Tip.When.TODAY,
        story=[
            (4, acknowledge("principal.park")),
            (7, acknowledge("officer.olsen")),
            (30, work("principal.park")),
            (110, note("principal.park", "Counselor met the student with a parent; a safety plan is in place.")),
            (
                1500,
                finish(
                    "principal.park",
                    Disposition.RESOLVED,
                    "The counselor met the student and a parent the same day. Referred to an outside therapist; "
                    "the counselor checks in weekly.",
                ),
            ),
            (
                3000,
                finish("officer.olsen", Disposition.NO_ACTION, "The district's counselor has it; no police action."),
            ),
        ],
    ),
    DemoTip(
        "glenridge-es",
        20,
        "Bullying",
        "Glenridge Elementary School",
        "Unos niños de quinto grado le quitan la comida a un niño de tercero todos los días en el recreo "
        "y se burlan de él.",
        location="En el patio, junto a los columpios",
        language="es",
        when=Tip.When.TODAY,
    ),
    DemoTip(
        "wydown-account",
        30,
        "Cyberbullying",
        "Wydown Middle School",
        "An anonymous account is posting edited photos of a 7th grader with mean captions and tagging half the school.",
        location="A photo app, the account started last week",
        contact_details="A parent's phone: (314) 555-0147",
        pictures=lambda: [
            chat_screenshot(
                "DMs", [(False, "did u see the new post"), (False, "everyone is sharing it"), (True, "thats so mean")]
            )
        ],
        story=[
            (50, acknowledge("principal.park")),
            (
                65,
                to_tipster(
                    "principal.park",
                    "Thank you for telling us. Do you know the name of the account, or who might be running it?",
                ),
            ),
        ],
    ),
    DemoTip(
        "vaping",
        240,
        "Drugs or alcohol",
        "Clayton High School",
        "Kids are selling vape cartridges in the second-floor boys' bathroom between classes.",
        location="Second-floor boys' restroom",
        when=Tip.When.TODAY,
        story=[
            (120, acknowledge("officer.olsen")),
            (1500, work("principal.park")),
            (4400, finish("principal.park", Disposition.RESOLVED, CLOSED_VAPING)),
            (5800, finish("officer.olsen", Disposition.NO_ACTION, "Handled by the school under its code of conduct.")),
            (
                12600,
                from_tipster("It started again this week, now in the locker room after 6th period. Same two kids."),
            ),
        ],
    ),
    DemoTip(
        "white-van",
        70,
        "Something else",
        None,
        "A man in a white van has been parked by the bus stop on Maryland Avenue two mornings in a row, "
        "asking kids where they live.",
        location="Bus stop on Maryland Avenue, near the school",
        story=[
            (15, acknowledge("coordinator")),
            (20, reroute_to("coordinator", "Clayton Police Department")),
            (45, acknowledge("officer.olsen")),
            (60, work("officer.olsen")),
            (
                70,
                to_tipster(
                    "officer.olsen",
                    "Thank you. Patrol will watch that stop in the mornings. Did you see the license plate or any writing on the van?",
                ),
            ),
            (300, from_tipster("No plate, but it has a ladder on the roof and a dent on the back door.")),
        ],
    ),
    DemoTip(
        "glenridge-home",
        46,
        "Abuse or neglect",
        "Glenridge Elementary School",
        "A 2nd grader comes to school in the same clothes every day, is always hungry and said nobody is home at night.",
        location="Classroom and breakfast line",
        story=[
            (35, acknowledge("principal.park")),
            (40, assign("principal.park", "principal.park")),
            (
                180,
                note(
                    "principal.park",
                    "Reported to the Children's Division hotline as required; the school social worker is following up.",
                ),
            ),
        ],
    ),
    DemoTip(
        "kirkwood-fight",
        8,
        "Fighting",
        "Kirkwood High School",
        "Two groups are planning to fight after the game on Friday behind the stadium. People are going to film it.",
        location="Behind the football stadium",
        when=Tip.When.UPCOMING,
        story=[
            (20, acknowledge("officer.kim")),
            (40, note("officer.kim", "Extra officer assigned to Friday's game; coaches told.")),
        ],
    ),
    DemoTip(
        "kirkwood-assault",
        96,
        "Assault",
        "Kirkwood High School",
        "A senior punched a freshman in the stairwell and broke his glasses. The freshman is scared to say who did it.",
        location="Stairwell by the cafeteria",
        when=Tip.When.TODAY,
        story=[
            (30, acknowledge("officer.kim")),
            (45, acknowledge("principal.reyes")),
            (60, work("officer.kim")),
        ],
    ),
    DemoTip(
        "kirkwood-now",
        3,
        "Suicide or self-harm",
        "Kirkwood High School",
        "A girl in my class just texted that she took a lot of pills. She is in the library bathroom.",
        location="Library, 2nd floor",
        when=Tip.When.NOW,
        danger_now=True,
        story=[
            (3, acknowledge("officer.kim")),
            (5, work("officer.kim")),
            (
                12,
                to_tipster(
                    "officer.kim", "Officers and the nurse are with her now. Thank you for telling us right away."
                ),
            ),
            (60, from_tipster("thank you. is she ok?")),
            (75, to_tipster("officer.kim", "She is safe and with adults who are helping her.")),
        ],
    ),
]


def _tip_for(key: str) -> Tip | None:
    return Tip.objects.filter(receipt_hash=receipts.receipt_hash(demo_receipt(key))).first()


@transaction.atomic
def _make(spec: DemoTip, now: datetime) -> Tip:
    arrived = this_hour() - timedelta(hours=spec.hours_ago)
    with time_machine.travel(arrived, tick=False):
        report = TipReport(
            category=Category.objects.get(name=spec.category),
            school=School.objects.get(name=spec.school) if spec.school else None,
            description=spec.description,
            location=spec.location,
            people_involved=spec.people_involved,
            when=spec.when,
            when_date=(arrived - timedelta(days=1)).date() if spec.when == Tip.When.DATE else None,
            danger_now=spec.danger_now,
            contact_details=spec.contact_details,
            language=spec.language,
            images=spec.pictures(),
        )
        tip = submit_tip(report=report, receipt=demo_receipt(spec.key), form_token=secrets.token_hex(16)).tip
    for minutes, step in spec.story:
        moment = min(arrived + timedelta(minutes=minutes), now - timedelta(minutes=1))
        if isinstance(step, from_tipster):
            moment = moment.replace(minute=0, second=0, microsecond=0)  # the tipster's side keeps the hour only
        with time_machine.travel(moment, tick=False):
            step(Tip.objects.get(pk=tip.pk))
    return tip


def load() -> list[tuple[DemoTip, Tip]]:
    """Make the demo tips that are missing (oldest first). Returns every demo tip."""
    now = timezone.now()
    made = []
    for spec in sorted(TIPS, key=lambda spec: -spec.hours_ago):
        made.append((spec, _tip_for(spec.key) or _make(spec, now)))
    return made
