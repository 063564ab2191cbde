"""Fill a benchmark database with N tips (default 1,000,000) in minutes, with COPY.

Run with the product's interpreter and settings, after ``migrate``, ``load_content`` and ``load_demo``:

    DATABASE_URL=postgres://safeschools@127.0.0.1:5432/safeschools_bench_product \\
        .venv/bin/python bench/generate.py --tips 1000000

What it writes, spread over ~3 years of received hours and over the county's schools
(weighted by grade band; ~5 % "not sure" go to the coordinators):
- ``reports_tip``: a realistic mix of categories and priorities, each agency's part in a
  state by age (recent tips new or in progress, old ones done with a disposition), and the
  tip's state derived from them as the product derives it (``reports.case_state``). Text
  fields hold real encrypted values (a few sample texts encrypted once under the
  configured keys and the field's context, then reused), so the dashboard decrypts them
  as it would in production. ``reference`` and ``receipt_hash`` are unique per row; the
  receipt of tip number i is ``receipt_for(i)`` (``bench/run.py`` checks a few).
- ``reports_routing``: district + police + category rules, through ``reports.intake.routing``.
- ``reports_tipword``: a few search words per tip (``--words``), so search has data.

Not written: notifications and audit events of the generated history (the outbox of an
old tip is long delivered; the audit log is append-only and not read by these pages).
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import hmac
import importlib
import io
import os
import random
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "safeschools.settings")

import django  # noqa: E402

django.setup()

from django.apps import apps as django_apps  # noqa: E402
from django.conf import settings  # noqa: E402
from django.db import connection, transaction  # noqa: E402

from partners.models import Agency, School  # noqa: E402
from reports import case_state, search  # noqa: E402
from reports.intake import routing  # noqa: E402
from reports.models import (  # noqa: E402
    Category,
    Disposition,
    Priority,
    Routing,
    RoutingRole,
    RoutingState,
    Tip,
    TipWord,
)
from safeschools.crypto import encrypt  # noqa: E402
from safeschools.hours import hour_of  # noqa: E402

CHUNK = 50_000
YEARS = 3
REFERENCE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTVWXYZ"
# Relative frequency of each demo category (by name); anything else gets 1.
CATEGORY_WEIGHTS = {
    "Bullying": 24,
    "Cyberbullying": 15,
    "Fighting": 12,
    "Drugs or alcohol": 12,
    "Suicide or self-harm": 7,
    "Planned attack or threat": 6,
    "Weapons": 5,
    "Assault": 4,
    "Sexual offense": 3,
    "Abuse or neglect": 3,
    "Shooting threat": 1.5,
    "Human trafficking": 0.5,
    "Something else": 6,
}
GRADE_WEIGHTS = {"high": 3.0, "middle": 2.0, "k8": 1.5, "k12": 2.5, "elementary": 1.0}
NO_SCHOOL_SHARE = 0.05
DANGER_NOW_SHARE = 0.03

DESCRIPTIONS = [
    "A group keeps shoving a sixth grader into the lockers between classes and laughing about it.",
    "Someone posted that they will bring a knife to school on Friday and get back at people.",
    "My friend has been talking about not wanting to be here anymore and gave away her things.",
    "Kids are selling vapes and pills in the bathroom by the gym during lunch.",
    "There is a fight planned after school at the park next to the bus loop.",
    "A student has been sending threatening messages to another student in a group chat.",
    "Someone said they saw a gun in a backpack on bus 12 this morning.",
    "An older student keeps asking younger kids for pictures and says he will share them.",
    "A boy in my class comes to school with bruises and says he is scared to go home.",
    "People are spreading rumours about a girl and posting edited photos of her online.",
    "A student said he is going to shoot up the school if they suspend him again.",
    "Somebody keeps pulling the fire alarm and threatening people who tell.",
]
LOCATIONS = ["", "", "Hallway by the gym", "Bus 12", "The group chat", "Cafeteria", "Parking lot", "Locker room"]
PEOPLE = ["", "", "", "A sixth grader", "Two boys in eighth grade", "A user called nightowl", "Someone on the team"]
CONTACTS = ["", "", "", "", "", "", "", "", "555-0142", "tips.reporter@example.org"]
DISPOSITIONS = [
    "Spoke with the students and parents; counselor follow-up arranged.",
    "Checked; no evidence found. Monitoring.",
    "Referred to the family court juvenile office.",
    "Handled by the school resource officer; discipline per policy.",
]
SEARCH_WORDS = ["knife", "gun", "vape", "fight", "bus", "gym", "lunch", "chat", "locker", "threat", "park", "pills"]


def receipt_for(number: int) -> str:
    """The receipt of generated tip ``number`` (25 decimal digits are valid Crockford)."""
    symbols = f"{number:025d}"
    return "-".join(symbols[i : i + 5] for i in range(0, 25, 5))


def receipt_hash_for(number: int) -> str:
    return hmac.new(settings.RECEIPT_PEPPER.encode(), f"{number:025d}".encode(), hashlib.sha256).hexdigest()


def reference_for(number: int) -> str:
    """Unique per tip; ``T-`` and 7 symbols like real references (base 30 of the number)."""
    digits = []
    for _ in range(7):
        number, rest = divmod(number, len(REFERENCE_ALPHABET))
        digits.append(REFERENCE_ALPHABET[rest])
    return "T-" + "".join(reversed(digits))


def tokens(field: str, texts: list[str], model=Tip) -> list[str]:
    """Each sample text encrypted once for ``reports.<model>.<field>`` ('' stays '')."""
    context = model._meta.get_field(field).crypto_context
    return [base64.b64encode(encrypt(t.encode(), context=context)).decode() if t else "" for t in texts]


def copy(table: str, columns: list[str], rows: list[list]) -> None:
    buffer = io.StringIO()
    for row in rows:
        buffer.write("\t".join(_copy_value(v) for v in row))
        buffer.write("\n")
    buffer.seek(0)
    with connection.cursor() as cursor:
        quoted = ", ".join(connection.ops.quote_name(c) for c in columns)
        cursor.cursor.copy_expert(f"COPY {table} ({quoted}) FROM STDIN", buffer)


def _copy_value(value) -> str:
    if value is None:
        return "\\N"
    if value is True:
        return "t"
    if value is False:
        return "f"
    if isinstance(value, datetime):
        return value.isoformat()
    return str(value)


def part_state_for(age_days: float, rng: random.Random) -> str:
    """One agency's part of a tip this old: recent ones new or in progress, old ones done."""
    S = RoutingState
    roll = rng.random()
    if age_days < 2:
        table = [(0.5, S.NEW), (0.8, S.ACKNOWLEDGED), (1.0, S.WORKING)]
    elif age_days < 30:
        table = [(0.05, S.NEW), (0.25, S.ACKNOWLEDGED), (0.6, S.WORKING), (1.0, S.DONE)]
    else:
        table = [(0.01, S.WORKING), (1.0, S.DONE)]
    return next(state for limit, state in table if roll < limit)


OUTCOMES = [
    (0.55, Disposition.RESOLVED),
    (0.75, Disposition.UNFOUNDED),
    (0.85, Disposition.REFERRED),
    (0.9, Disposition.DUPLICATE),
    (1.0, Disposition.NO_ACTION),
]


def column_defaults(model: type) -> dict[str, object]:
    """Each column's model default (None where a field has none and is nullable)."""
    return {f.column: f.get_default() if f.has_default() else None for f in model._meta.concrete_fields}


def generate(total: int, *, words: int, seed: int) -> dict[str, int]:
    rng = random.Random(seed)
    categories = list(Category.objects.filter(active=True))
    if not categories:
        raise SystemExit("No categories: run `manage.py load_content` first.")
    schools = list(School.objects.filter(active=True))
    coordinating = Agency.objects.filter(is_coordinating=True).values_list("pk", flat=True).first()
    rules = {c.pk: [routing.Rule(r.agency_id, r.role, c.name) for r in c.routing_rules.all()] for c in categories}
    category_weights = [CATEGORY_WEIGHTS.get(c.name, 1) for c in categories]
    school_weights = [GRADE_WEIGHTS.get(s.grade_band, 1.0) for s in schools]
    facts = {s.pk: routing.SchoolFacts(s.district_id, s.police_agency_id) for s in schools}
    routes_cache: dict[tuple[int | None, int], list[routing.Route]] = {}

    description = tokens("description", DESCRIPTIONS)
    location = tokens("location", LOCATIONS)
    people = tokens("people_involved", PEOPLE)
    contact = tokens("contact_details", CONTACTS)
    disposition = tokens("disposition_note", DISPOSITIONS, Routing)
    referred_to = tokens("referred_to", ["The family court juvenile office"], Routing)[0]
    word_digests = [search.digest(w) for w in SEARCH_WORDS]

    # The database computes generated columns (``Tip.attention``): COPY leaves them out.
    tip_columns = [f.column for f in Tip._meta.concrete_fields if not f.generated]
    routing_columns = [f.column for f in Routing._meta.concrete_fields]
    # Columns the generator does not choose (added to the models since) take their defaults.
    tip_defaults = column_defaults(Tip)
    routing_defaults = column_defaults(Routing)
    word_columns = [f.column for f in TipWord._meta.concrete_fields]

    with connection.cursor() as cursor:
        cursor.execute("SELECT coalesce(max(id), 0) FROM reports_tip")
        first_tip = cursor.fetchone()[0] + 1
        cursor.execute("SELECT coalesce(max(id), 0) FROM reports_routing")
        routing_id = cursor.fetchone()[0]
        cursor.execute("SELECT coalesce(max(id), 0) FROM reports_tipword")
        word_id = cursor.fetchone()[0]

    now = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    span_hours = YEARS * 365 * 24
    counts = {"tips": 0, "routings": 0, "words": 0}
    for start in range(0, total, CHUNK):
        tips, routings, tipwords = [], [], []
        for number in range(start, min(start + CHUNK, total)):
            tip_id = first_tip + number
            category = rng.choices(categories, category_weights)[0]
            school = None if rng.random() < NO_SCHOOL_SHARE else rng.choices(schools, school_weights)[0]
            # More recent hours are likelier (a tip line that grows), never in the future.
            hours_ago = int(span_hours * (1 - rng.random() ** 0.8))
            received = now - timedelta(hours=hours_ago)
            age_days = hours_ago / 24
            danger = rng.random() < DANGER_NOW_SHARE
            life_safety = danger or category.is_life_safety
            key = (school.pk if school else None, category.pk)
            if key not in routes_cache:
                routes_cache[key] = routing.route(
                    school=facts[school.pk] if school else None,
                    rules=rules[category.pk],
                    coordinating_agency_id=coordinating,
                )
            parts = []
            for route in routes_cache[key]:
                routing_id += 1
                state = part_state_for(age_days, rng)
                acknowledged = (
                    None if state == RoutingState.NEW else received + timedelta(minutes=rng.randint(3, 36 * 60))
                )
                closed_at = acknowledged + timedelta(days=rng.randint(0, 20)) if state == RoutingState.DONE else None
                roll = rng.random()
                outcome = next(d for limit, d in OUTCOMES if roll < limit) if closed_at else ""
                parts.append(
                    Routing(
                        id=routing_id,
                        tip_id=tip_id,
                        agency_id=route.agency_id,
                        role=route.role,
                        reason=route.reason,
                        state=state,
                        acknowledged_at=acknowledged,
                        disposition=outcome,
                        closed_at=closed_at,
                        version=1 if state == RoutingState.NEW else rng.randint(2, 4),
                        acknowledged_within_target=(rng.random() < 0.9)
                        if life_safety and acknowledged and route.role == RoutingRole.RESPONSIBLE
                        else None,
                    )
                )
            derived = case_state.derive(parts)
            for part in parts:
                row = {
                    "id": part.id,
                    "tip_id": tip_id,
                    "agency_id": part.agency_id,
                    "role": part.role,
                    "reason": part.reason,
                    "state": part.state,
                    "assigned_to_id": None,
                    "acknowledged_at": part.acknowledged_at,
                    "acknowledged_by_id": None,
                    "acknowledged_on_behalf": False,
                    "disposition": part.disposition,
                    "referred_to": referred_to if part.disposition == Disposition.REFERRED else "",
                    "disposition_note": rng.choice(disposition) if part.closed_at else "",
                    "closed_at": part.closed_at,
                    "closed_by_id": None,
                    "version": part.version,
                    "escalation_due_at": None,
                    "escalation_level": 0,
                    "acknowledged_within_target": part.acknowledged_within_target,
                    "ladder_rung": 0,
                    "unreachable": False,
                    "tip_state": derived.state,
                }
                routings.append([row[c] if c in row else routing_defaults[c] for c in routing_columns])
            values = {
                "id": tip_id,
                "reference": reference_for(tip_id),
                "receipt_hash": receipt_hash_for(tip_id),
                "category_id": category.pk,
                "school_id": school.pk if school else None,
                "description": rng.choice(description),
                "location": rng.choice(location),
                "people_involved": rng.choice(people),
                "when": rng.choice(Tip.When.values),
                "when_date": None,
                "danger_now": danger,
                "is_life_safety": life_safety,
                "contact_details": rng.choice(contact),
                "language": "es" if rng.random() < 0.06 else "en",
                "priority": Priority.URGENT if life_safety else category.default_priority,
                "duplicate_of_id": None,
                "received_at": received,
                # Saved to the hour only, like every time a tipster's act writes (SECURITY.md 37).
                "updated_at": hour_of(derived.closed_at or derived.first_acknowledged_at or received),
                "version": 1 if derived.state == Tip.State.NEW else rng.randint(2, 6),
                # New words from a tipster wait unread for days, not years: 5 % of the last
                # month's tips (an earlier generator left 2 % of all tips unread, 20,000
                # at a million, which no staff that reads its queue would have).
                "unread_tipster_messages": 1 if rng.random() < 0.05 and age_days < 30 else 0,
                "close_requested": False,
                "new_info_after_closing": False,
                "state": derived.state,
                "awaiting_acknowledgement": derived.awaiting_acknowledgement,
                "first_acknowledged_at": derived.first_acknowledged_at,
                "closed_at": derived.closed_at,
            }
            tips.append([values[c] if c in values else tip_defaults[c] for c in tip_columns])
            for digest in sorted(set(rng.sample(word_digests, words))):
                word_id += 1
                tipwords.append([{"id": word_id, "tip_id": tip_id, "digest": digest}[c] for c in word_columns])

        with transaction.atomic():
            copy("reports_tip", tip_columns, tips)
            copy("reports_routing", routing_columns, routings)
            if tipwords:
                copy("reports_tipword", word_columns, tipwords)
        counts["tips"] += len(tips)
        counts["routings"] += len(routings)
        counts["words"] += len(tipwords)
        print(f"  {counts['tips']:>9,} tips", flush=True)

    with connection.cursor() as cursor:
        for table in ("reports_tip", "reports_routing", "reports_tipword"):
            cursor.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")  # noqa: S608 — fixed table names
        cursor.execute(
            "CREATE TABLE IF NOT EXISTS bench_dataset (tips integer NOT NULL, first_tip bigint NOT NULL, "
            "generated_at timestamptz NOT NULL DEFAULT now())"
        )
        cursor.execute("INSERT INTO bench_dataset (tips, first_tip) VALUES (%s, %s)", [total, first_tip])
    return counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tips", type=int, default=1_000_000)
    parser.add_argument("--words", type=int, default=2, help="search words per tip (0 for none)")
    parser.add_argument("--seed", type=int, default=20240901)
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        raise SystemExit("The generator uses PostgreSQL's COPY: set DATABASE_URL to a postgres:// database.")
    started = time.monotonic()
    counts = generate(args.tips, words=args.words, seed=args.seed)
    # Each routing's copy of its tip's place in the queue (``Routing.tip_attention``,
    # ``tip_received_at``), as the migration that added them fills them: ``attention`` is
    # computed by the database, after COPY.
    print("  each routing's place in the queue …", flush=True)
    migration = importlib.import_module("reports.migrations.0016_routing_queue_order")
    migration.copy_queue_places(django_apps, None)
    copied = time.monotonic() - started
    print("  VACUUM ANALYZE …", flush=True)
    connection.ensure_connection()
    connection.connection.autocommit = True
    with connection.cursor() as cursor:
        # That pass rewrote every routing: the table would hold each row twice over (1,196
        # against 599 MB at a million tips), which the product, writing each routing once
        # with its queue place (``case_state.copies_of``), never does. (VACUUM FULL leaves
        # the visibility map empty: the VACUUM below fills it, for index-only scans.)
        cursor.execute("VACUUM FULL reports_routing")
        for table in ("reports_tip", "reports_routing", "reports_tipword"):
            cursor.execute(f"VACUUM ANALYZE {table}")
    print(
        f"Generated {counts['tips']:,} tips, {counts['routings']:,} routings, {counts['words']:,} search words "
        f"in {copied:.0f} s (+ {time.monotonic() - started - copied:.0f} s VACUUM ANALYZE)."
    )


if __name__ == "__main__":
    main()
