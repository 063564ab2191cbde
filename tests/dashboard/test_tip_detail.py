"""A tip's page: everything the tipster gave, for authorised staff only, audited."""

import pytest
from django.urls import reverse

from reports.intake.services import add_tipster_message
from reports.models import Tip
from safeschools.models import AuditEvent


def detail(tip) -> str:
    return reverse("dashboard:tip-detail", args=[tip.pk])


@pytest.mark.django_db
def test_detail_shows_decrypted_report_routing_and_timeline(staff_client, officer_olsen, clayton_tip):
    response = staff_client(officer_olsen).get(detail(clayton_tip))
    body = response.content.decode()
    assert response.status_code == 200
    assert "Someone showed a knife behind the gym." in body
    assert "Behind the gym" in body and "555-0142" in body
    assert "Clayton School District" in body and "Clayton Police Department" in body
    assert "The tipster submitted the tip" in body
    assert response["Cache-Control"].startswith("max-age=0") or "no-cache" in response["Cache-Control"]
    assert clayton_tip.receipt_hash not in body


@pytest.mark.django_db
def test_each_view_is_audited(staff_client, officer_olsen, clayton_tip):
    client = staff_client(officer_olsen)
    client.get(detail(clayton_tip))
    client.get(detail(clayton_tip))
    assert AuditEvent.objects.filter(action="tip.viewed", tip_id=clayton_tip.pk, actor_label="olsen").count() == 2


@pytest.mark.django_db
def test_viewing_clears_the_unread_badge(staff_client, officer_olsen, clayton_tip):
    add_tipster_message(tip=clayton_tip, body="More: it was a folding knife.")
    assert Tip.objects.get(pk=clayton_tip.pk).unread_tipster_messages == 1
    body = staff_client(officer_olsen).get(detail(clayton_tip)).content.decode()
    assert "More: it was a folding knife." in body
    assert Tip.objects.get(pk=clayton_tip.pk).unread_tipster_messages == 0


@pytest.mark.django_db
def test_image_view_is_an_audited_safe_download(staff_client, officer_olsen, categories, clayton_high):
    from reports.intake import receipts
    from reports.intake.services import CleanImage, TipReport, submit_tip
    from tests.reports.test_report_form import _jpeg_with_gps

    image = CleanImage(content=_jpeg_with_gps(), content_type="image/jpeg", width=40, height=30)
    tip = submit_tip(
        report=TipReport(category=categories["weapons"], school=clayton_high, description="pic", images=[image]),
        receipt=receipts.generate(),
        form_token="img",
    ).tip
    attachment = tip.attachments.get()
    client = staff_client(officer_olsen)
    response = client.get(reverse("dashboard:tip-image", args=[tip.pk, attachment.public_id]), {"download": "1"})
    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response["Content-Security-Policy"]
    assert response.content == attachment.content
    event = AuditEvent.objects.get(action="attachment.viewed")
    assert event.detail == {"attachment": str(attachment.public_id), "download": True}


def _real(queries) -> list[str]:
    """Queries against the data: savepoint bookkeeping left out."""
    return [q["sql"] for q in queries if "SAVEPOINT" not in q["sql"]]


# Session, user, device, memberships, tip, the view's audit row, routings, pictures, events,
# messages, notes, people, related tips, session save; a coordinator's page also lists the
# agencies to re-route to. (Canned replies come from the cache.) The limit is 15.
TIP_PAGE_QUERIES = {"officer_olsen": 14, "coordinator_cole": 15}


@pytest.mark.django_db
@pytest.mark.parametrize("reader", sorted(TIP_PAGE_QUERIES))
def test_detail_query_count_is_pinned_and_does_not_grow_with_the_history(
    staff_client, officer_olsen, principal_park, coordinator_cole, clayton_tip, reader, request
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from reports.triage.actions import add_note, message_tipster

    client = staff_client(request.getfixturevalue(reader))
    client.get(detail(clayton_tip))
    with CaptureQueriesContext(connection) as before:
        client.get(detail(clayton_tip))
    police = clayton_tip.routings.get(agency__name="Clayton Police Department")
    for n in range(5):
        message_tipster(tip=clayton_tip, author=officer_olsen, agency=None, body=f"Question {n}")
        add_tipster_message(tip=clayton_tip, body=f"Answer {n}")
        add_note(tip=clayton_tip, actor=principal_park, agency=None, body=f"Note {n}")
    police.assign(officer_olsen)
    client.get(detail(clayton_tip))  # reads the new messages, clearing the unread badge
    with CaptureQueriesContext(connection) as after:
        response = client.get(detail(clayton_tip))
    assert "Answer 4" in response.content.decode()
    assert len(_real(after)) == len(_real(before)) == TIP_PAGE_QUERIES[reader]


@pytest.mark.django_db
def test_acting_elsewhere_does_not_make_a_viewer_an_actor_here(staff_client, viewer_vega, kirkwood_pd, clayton_tip):
    """Vega reads Clayton PD's tips and is an officer at Kirkwood PD: on a Clayton tip
    she still only reads (no forms, no tipster contact details)."""
    from partners.models import Membership

    Membership.objects.create(user=viewer_vega, agency=kirkwood_pd, role=Membership.Role.OFFICER)
    body = staff_client(viewer_vega).get(detail(clayton_tip)).content.decode()
    assert "You have read-only access to this tip." in body
    assert "555-0142" not in body and "Message the tipster" not in body and "Your part" not in body
