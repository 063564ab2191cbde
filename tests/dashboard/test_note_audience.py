"""Notes with an audience: for every agency on the tip (the default) or only the author's
agency; coordinators read all. A school administrator never reads a police-only note, by
any route: the tip page, its timeline, the export, search, the audit log, the admin."""

from __future__ import annotations

import csv
import io
import re

import pytest
from django.urls import reverse

from reports.models import Note
from reports.triage import actions
from safeschools.models import AuditEvent

POLICE_ONLY = "-".join(["police", "only", "brother", "on", "probation"])
EVERYONE = "-".join(["shared", "counselor", "called"])


@pytest.fixture
def noted_tip(staff_client, officer_olsen, clayton_tip, client):
    """Officer Olsen writes one note for Clayton PD only and one for every agency."""
    from partners.models import Agency

    police = Agency.objects.get(name="Clayton Police Department")
    staff = staff_client(officer_olsen)
    url = reverse("dashboard:tip-note", args=[clayton_tip.pk])
    staff.post(url, {"note-body": f"Suspect {POLICE_ONLY}", "note-audience": f"agency:{police.pk}"})
    staff.post(url, {"note-body": f"Note {EVERYONE}", "note-audience": "all"})
    client.logout()
    return clayton_tip


def page_of(client, tip) -> str:
    return client.get(reverse("dashboard:tip-detail", args=[tip.pk])).content.decode()


@pytest.mark.django_db
def test_the_form_offers_a_clear_choice_and_each_note_shows_its_audience(staff_client, officer_olsen, noted_tip):
    page = page_of(staff_client(officer_olsen), noted_tip)
    assert "Who may read it" in page
    assert "All agencies on this tip" in page and "Only Clayton Police Department" in page
    assert re.search(
        r'<input type="radio"[^>]*name="note-audience" value="all"\s+id="id_note-audience_0" required checked>', page
    )
    only, shared = Note.objects.order_by("pk")
    assert (only.audience, only.agency.name) == ("agency", "Clayton Police Department")
    assert (shared.audience, shared.agency.name) == ("all", "Clayton Police Department")
    timeline = page[page.index('id="timeline-title"') :]
    assert timeline.index("Only Clayton Police Department") < timeline.index(POLICE_ONLY)
    assert timeline.index("All agencies on this tip") < timeline.index(EVERYONE)
    event = AuditEvent.objects.filter(action="note.added").order_by("pk").first()
    assert event.detail == {"note_id": only.pk, "audience": "agency", "agency": "Clayton Police Department"}


@pytest.mark.django_db
def test_school_administrator_never_reads_a_police_only_note(staff_client, principal_park, noted_tip, client):
    staff = staff_client(principal_park)
    page = page_of(staff, noted_tip)
    assert EVERYONE in page
    assert POLICE_ONLY not in page
    assert "added an internal note for only Clayton Police Department" not in page  # not even that it exists

    exported = b"".join(staff.get(reverse("dashboard:export")).streaming_content).decode()
    assert POLICE_ONLY not in exported and list(csv.DictReader(io.StringIO(exported)))
    for word in ("probation", "brother"):
        assert noted_tip.reference not in staff.get(reverse("dashboard:queue"), {"q": word}).content.decode()
    assert staff.get(reverse("dashboard:audit")).status_code == 403
    admin = staff.get("/admin/reports/note/")
    assert admin.status_code in (302, 403, 404) and POLICE_ONLY.encode() not in admin.content
    assert staff.get("/admin/").status_code == 302  # no admin at all for school staff


@pytest.mark.django_db
def test_the_police_and_the_coordinators_read_it(staff_client, officer_olsen, coordinator_cole, noted_tip, client):
    assert POLICE_ONLY in page_of(staff_client(officer_olsen), noted_tip)
    client.logout()
    assert POLICE_ONLY in page_of(staff_client(coordinator_cole), noted_tip)


@pytest.mark.django_db
def test_no_note_text_reaches_the_audit_log_or_search_index(noted_tip):
    from reports import search
    from reports.models import TipWord

    assert POLICE_ONLY not in str(list(AuditEvent.objects.values_list("detail", flat=True)))
    assert not TipWord.objects.filter(digest=search.digest("probation")).exists()


@pytest.mark.django_db
def test_an_agency_only_note_names_one_of_my_own_agencies(staff_client, principal_park, clayton_tip):
    from partners.models import Agency

    police = Agency.objects.get(name="Clayton Police Department")
    response = staff_client(principal_park).post(
        reverse("dashboard:tip-note", args=[clayton_tip.pk]),
        {"note-body": "For the police only, says the school", "note-audience": f"agency:{police.pk}"},
    )
    assert response.status_code == 400
    assert not Note.objects.exists()


@pytest.mark.django_db
def test_coordinators_may_keep_a_note_to_the_coordinators(
    staff_client, coordinator_cole, principal_park, clayton_tip, client
):
    from partners.models import Agency

    office = Agency.objects.get(is_coordinating=True)
    actions.add_note(
        tip=clayton_tip, actor=coordinator_cole, agency=office, body="Coordinators only", audience=Note.Audience.AGENCY
    )
    page = page_of(staff_client(principal_park), clayton_tip)
    assert "Coordinators only" not in page


@pytest.mark.django_db
def test_a_tip_without_notes_reads_no_notes_and_notes_only_named_by_its_history(
    staff_client, officer_olsen, principal_park, clayton_tip, noted_tip, make_tip, clayton_high
):
    """A note is shown only with the event that names it, so the timeline reads those notes
    and, when there are none, makes no query for notes at all (one query fewer on most tip
    pages). The reader's audience rule still applies to the notes it reads."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    quiet = make_tip(school=clayton_high).tip
    # A note no event names (none is written so): it is not on the page, as before.
    Note.objects.create(tip=quiet, author=officer_olsen, agency=noted_tip.routings.first().agency, body="unnamed")
    staff = staff_client(officer_olsen)
    page_of(staff, noted_tip), page_of(staff, quiet)  # what a first request reads and caches
    with CaptureQueriesContext(connection) as noted:
        page = page_of(staff, noted_tip)
    assert POLICE_ONLY in page and EVERYONE in page
    assert sum('FROM "reports_note"' in q["sql"] for q in noted.captured_queries) == 1

    with CaptureQueriesContext(connection) as quiet_page:
        page = page_of(staff, quiet)
    assert quiet.reference in page and "unnamed" not in page
    assert sum('FROM "reports_note"' in q["sql"] for q in quiet_page.captured_queries) == 0
    assert len(quiet_page.captured_queries) == len(noted.captured_queries) - 1

    assert POLICE_ONLY not in page_of(staff_client(principal_park), noted_tip)
