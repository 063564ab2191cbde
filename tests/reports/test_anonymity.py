"""SECURITY.md 1, 2 and 26: a full tipster flow with marker address, user agent, language
and text. The markers appear nowhere in a database dump, the raw tables, the SQLite file or
the logs. Markers are built at run time so no source excerpt can contain them."""

import io
import logging

import pytest
from django.core.management import call_command
from django.db import connection

MARK_ADDRESS = ".".join(["198", "51", "100", "213"])
MARK_AGENT = "-".join(["Marker", "Agent", "Phone", "4471"])
MARK_LANGUAGE = "-".join(["x", "markerlang"])
MARK_TEXT = "-".join(["marker", "locker", "nine"])
MARK_CONTACT = "-".join(["marker", "phone", "5550147"])
MARK_REPLY = "-".join(["marker", "reply", "second", "lunch"])
MARKERS = [MARK_ADDRESS, MARK_AGENT, MARK_LANGUAGE, MARK_TEXT, MARK_CONTACT, MARK_REPLY]


def everything_stored() -> str:
    out = io.StringIO()
    call_command("dumpdata", stdout=out)
    dump = [out.getvalue()]
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f'SELECT * FROM "{table}"')  # noqa: S608 — table names from introspection
            dump.append(repr(cursor.fetchall()))
    return "\n".join(dump)


@pytest.mark.django_db(transaction=True)
def test_full_flow_leaves_no_trace_of_the_client(client, tip_post, officer_olsen, caplog, tmp_path):
    caplog.set_level(logging.DEBUG)
    headers = {
        "REMOTE_ADDR": MARK_ADDRESS,
        "HTTP_USER_AGENT": MARK_AGENT,
        "HTTP_ACCEPT_LANGUAGE": MARK_LANGUAGE,
        "HTTP_X_FORWARDED_FOR": MARK_ADDRESS,
    }
    data = tip_post(
        description=f"There is a gun in {MARK_TEXT}",
        location=MARK_TEXT,
        people_involved=MARK_TEXT,
        contact_choice="contact",
        contact_details=MARK_CONTACT,
    )
    client.get("/report/", **headers)
    response = client.post("/report/", data, **headers)
    from tests.reports.test_report_form import receipt_in

    receipt = receipt_in(response)
    client.post("/report/receipt/", {"receipt": receipt, "saved": "yes"}, **headers)
    client.post("/report/check/", {"receipt": receipt}, **headers)
    client.post("/report/conversation/", {"body": MARK_REPLY}, **headers)
    client.post("/report/check/", {"receipt": "WRONG-WRONG-WRONG-WRONG-WRONG"}, **headers)

    stored = everything_stored()
    for marker in MARKERS:
        assert marker not in stored, f"{marker} is stored"
    assert receipt not in stored and receipt.replace("-", "") not in stored

    if connection.vendor == "sqlite":
        copy = tmp_path / "copy.sqlite3"
        with connection.cursor() as cursor:
            cursor.execute("VACUUM INTO %s", [str(copy)])
        raw = copy.read_bytes()
        for marker in MARKERS:
            assert marker.encode() not in raw

    logged = caplog.text + "".join(str(r.__dict__) for r in caplog.records)
    for marker in [*MARKERS, receipt]:
        assert marker not in logged, f"{marker} was logged"


@pytest.mark.django_db
def test_tip_records_only_the_hour_it_arrived(make_tip):
    tip = make_tip().tip
    assert (tip.received_at.minute, tip.received_at.second, tip.received_at.microsecond) == (0, 0, 0)
    attachment_free = tip.attachments.count() == 0
    assert attachment_free
