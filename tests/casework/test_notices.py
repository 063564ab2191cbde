"""Safe Schools Act notices (RSMo 167.115): the victim-name check, delivery to designees,
acknowledgement, overdue alerts, the reverse notice to the juvenile court, case links."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from casework import jobs
from casework.models import CaseworkAlert, Notice, Offence
from casework.notices import victim_name_parts_found
from reports.models import Notification
from reports.notifications.delivery import deliver_due
from safeschools.models import AuditEvent
from tests.casework.conftest import PUPIL

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("offences")]
VICTIM = "Wilhelmina Frost"


def _post(client, school, **overrides):
    data = {
        "sender": school.police_agency_id,
        "school": school.pk,
        "pupil_name": PUPIL,
        "offences": [Offence.objects.get(name="Possession of a weapon").pk],
        "conduct": "Brought a folding knife to school and showed it to another pupil.",
        "conduct_on": "2026-10-02",
        "filed_on": "2026-10-09",
        "victim_name": VICTIM,
        "victim_left_out": "on",
    }
    data.update(overrides)
    return client.post(reverse("casework:notice-new") + "?direction=to_district", data)


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("He threatened Wilhelmina Frost at lunch.", ["wilhelmina frost", "wilhelmina", "frost"]),
        ("He threatened WILHELMINA.", ["wilhelmina"]),
        ("Pushed frost into a locker", ["frost"]),
        ("The defrosted lunch was thrown.", []),
        ("He threatened the victim at lunch.", []),
    ],
)
def test_the_victim_name_check_finds_whole_words_in_any_case(text, found):
    assert victim_name_parts_found(VICTIM, [text]) == found


def test_accents_do_not_hide_the_name():
    assert victim_name_parts_found("José Núñez", ["Hit jose nunez twice"]) == ["jose nunez", "jose", "nunez"]


def test_the_form_refuses_to_send_a_notice_naming_the_victim(
    staff_client, officer_olsen, park_is_designee, clayton_high
):
    client = staff_client(officer_olsen)
    response = _post(client, clayton_high, conduct="Showed a knife to Wilhelmina Frost by the gym.")
    assert response.status_code == 400
    page = response.content.decode()
    assert "must not name the victim" in page
    assert f'value="{VICTIM}"' not in page  # the victim's name is not written back into the form
    assert not Notice.objects.exists() and not Notification.objects.exists()


def test_the_confirmation_is_required(staff_client, officer_olsen, park_is_designee, clayton_high):
    response = _post(staff_client(officer_olsen), clayton_high, victim_left_out="")
    assert response.status_code == 400 and not Notice.objects.exists()


def test_a_sent_notice_reaches_the_designee_and_never_stores_the_victim(
    staff_client, officer_olsen, park_is_designee, principal_pham, clayton_high
):
    response = _post(staff_client(officer_olsen), clayton_high)
    notice = Notice.objects.get()
    assert response.status_code == 302
    assert notice.recipient_agency == clayton_high.district and notice.sender_agency == clayton_high.police_agency
    assert [n.recipient for n in Notification.objects.filter(kind=Notification.Kind.NOTICE)] == [park_is_designee]
    deliver_due()
    [email] = mail.outbox
    assert notice.reference in email.subject and email.to == [park_is_designee.email]
    for secret in (PUPIL, "knife", clayton_high.name, "weapon", VICTIM):
        assert secret not in email.body + email.subject, secret
    dump = io.StringIO()
    call_command("dumpdata", stdout=dump)
    for secret in (VICTIM, "Wilhelmina", PUPIL, "folding knife"):
        assert secret not in dump.getvalue(), secret
    sent = AuditEvent.objects.get(action=AuditEvent.Action.NOTICE_SENT)
    assert sent.detail["victim_name_checked"] is True and VICTIM not in str(sent.detail)


def test_a_district_without_a_designee_alerts_the_coordinators(
    staff_client, officer_olsen, coordinator_cole, clayton_high
):
    _post(staff_client(officer_olsen), clayton_high)
    assert [n.recipient for n in Notification.objects.all()] == [coordinator_cole]
    deliver_due()
    assert "no designee" in mail.outbox[0].body


def test_the_designee_acknowledges(staff_client, notice, park_is_designee, officer_olsen):
    client = staff_client(park_is_designee)
    page = client.get(reverse("casework:notice", args=[notice.pk])).content.decode()
    assert PUPIL in page and "Acknowledge receipt" in page
    client.post(reverse("casework:notice-acknowledge", args=[notice.pk]))
    notice.refresh_from_db()
    assert notice.acknowledged_by == park_is_designee and notice.acknowledged_at is not None
    event = AuditEvent.objects.get(action=AuditEvent.Action.NOTICE_ACKNOWLEDGED)
    assert event.tip_reference == notice.reference and event.detail["overdue"] is False
    sender_view = staff_client(officer_olsen).get(reverse("casework:notice", args=[notice.pk])).content.decode()
    assert "Acknowledged by Pat Park" in sender_view


def test_an_unacknowledged_notice_goes_overdue_and_alerts_again(
    notice, park_is_designee, coordinator_cole, time_machine
):
    assert not notice.is_overdue()
    time_machine.move_to(timezone.now() + timedelta(days=3))
    assert Notice.objects.get().is_overdue()
    assert jobs.run_daily()["overdue_notices"] == 1
    assert jobs.run_daily()["overdue_notices"] == 0
    overdue = CaseworkAlert.objects.filter(reason="notice_overdue").select_related("notification__recipient")
    assert {alert.notification.recipient.username for alert in overdue} == {"park", "cole"}
    deliver_due()
    assert any("has not been acknowledged" in m.body for m in mail.outbox)


def test_a_coordinator_acknowledges_for_a_district_whose_designee_does_not_answer(
    staff_client, notice, park_is_designee, coordinator_cole, officer_olsen, time_machine
):
    time_machine.move_to(timezone.now() + timedelta(days=3))
    client = staff_client(coordinator_cole)
    url = reverse("casework:notice", args=[notice.pk])
    page = client.get(url).content.decode()
    assert f"Acknowledge for {notice.recipient_agency.name} (coordinators)" in page
    assert "Acknowledge receipt" not in page  # that button is the designees'
    how = "Phoned the superintendent's office at 9:10; Dr. Reyes has the notice."
    response = client.post(reverse("casework:notice-acknowledge-for", args=[notice.pk]), {"ackfor-note": how})
    assert response.status_code == 302
    notice.refresh_from_db()
    assert notice.acknowledged_by == coordinator_cole and notice.acknowledged_on_behalf
    assert notice.acknowledgement_note == how
    stored = Notice.objects.filter(pk=notice.pk).values_list("acknowledgement_note", flat=True)
    with connection.cursor() as cursor:
        cursor.execute("SELECT acknowledgement_note FROM casework_notice WHERE id = %s", [notice.pk])
        assert "Reyes" not in cursor.fetchone()[0] and list(stored) == [how]  # encrypted at rest
    event = AuditEvent.objects.get(action=AuditEvent.Action.NOTICE_ACKNOWLEDGED)
    assert event.actor_label == "cole" and event.detail["on_behalf"] is True and event.detail["overdue"] is True
    assert "Reyes" not in str(event.detail)
    # The overdue alerts stop, and the sender sees who acknowledged for whom, and how.
    assert jobs.run_daily()["overdue_notices"] == 0
    sender_view = staff_client(officer_olsen).get(url).content.decode()
    assert f"Acknowledged by the Partnership office for {notice.recipient_agency.name}" in sender_view
    assert "Dr. Reyes has the notice" in sender_view


def test_acknowledging_for_an_agency_needs_whom_was_reached(staff_client, notice, coordinator_cole):
    client = staff_client(coordinator_cole)
    response = client.post(reverse("casework:notice-acknowledge-for", args=[notice.pk]), {"ackfor-note": "  "})
    assert response.status_code == 400 and "This field is required" in response.content.decode()
    assert Notice.objects.get(pk=notice.pk).acknowledged_at is None


def test_the_designees_acknowledgement_stands(staff_client, notice, park_is_designee, coordinator_cole):
    staff_client(park_is_designee).post(reverse("casework:notice-acknowledge", args=[notice.pk]))
    client = staff_client(coordinator_cole)
    page = client.get(reverse("casework:notice", args=[notice.pk])).content.decode()
    assert "(coordinators)" not in page
    response = client.post(reverse("casework:notice-acknowledge-for", args=[notice.pk]), {"ackfor-note": "Phoned."})
    assert response.status_code == 400 and "already acknowledged" in response.content.decode()
    notice.refresh_from_db()
    assert notice.acknowledged_by == park_is_designee and not notice.acknowledged_on_behalf
    assert AuditEvent.objects.filter(action=AuditEvent.Action.NOTICE_ACKNOWLEDGED).count() == 1


def test_an_acknowledgement_made_meanwhile_stands(notice, park_is_designee, coordinator_cole):
    """Two acknowledgements of the same notice, each read before the other wrote: the
    first written stands (one conditional UPDATE), the second is refused."""
    from casework import notices

    stale = Notice.objects.get(pk=notice.pk)
    notices.acknowledge(notice=notice, actor=park_is_designee)
    with pytest.raises(notices.CaseworkError, match="already acknowledged"):
        notices.acknowledge_for(notice=stale, actor=coordinator_cole, note="Phoned.")
    assert Notice.objects.get(pk=notice.pk).acknowledged_by == park_is_designee


def test_the_ack_days_are_configurable(notice, settings, time_machine):
    settings.NOTICE_ACK_DAYS = 7
    time_machine.move_to(timezone.now() + timedelta(days=3))
    assert not Notice.objects.get().is_overdue()


def test_a_district_notifies_the_juvenile_court(
    staff_client, principal_park, officer_jones, family_court, clayton_high
):
    from partners.models import Membership

    Membership.objects.filter(user=officer_jones).update(is_safe_schools_designee=True)
    client = staff_client(principal_park)
    form = client.get(reverse("casework:notice-new") + "?direction=to_court").content.decode()
    assert "Acts alleged" not in form and "Juvenile court" in form
    response = client.post(
        reverse("casework:notice-new") + "?direction=to_court",
        {
            "sender": clayton_high.district_id,
            "school": clayton_high.pk,
            "pupil_name": PUPIL,
            "court": family_court.pk,
            "action": "expulsion",
            "conduct": "Repeated fights after a written warning.",
            "conduct_on": "2026-10-02",
            "filed_on": "2026-10-20",
            "victim_left_out": "on",
        },
    )
    assert response.status_code == 302
    notice = Notice.objects.get()
    assert notice.direction == "to_court" and notice.recipient_agency == family_court
    assert Notification.objects.get().recipient == officer_jones
    staff_client(officer_jones).post(reverse("casework:notice-acknowledge", args=[notice.pk]))
    assert Notice.objects.get().acknowledged_by == officer_jones


def test_a_long_suspension_needs_its_length(staff_client, principal_park, family_court, clayton_high):
    response = staff_client(principal_park).post(
        reverse("casework:notice-new") + "?direction=to_court",
        {
            "sender": clayton_high.district_id,
            "school": clayton_high.pk,
            "pupil_name": PUPIL,
            "court": family_court.pk,
            "action": "suspension",
            "conduct": "Fight.",
            "conduct_on": "2026-10-02",
            "filed_on": "2026-10-20",
            "victim_left_out": "on",
        },
    )
    assert response.status_code == 400 and b"more than 10 school days" in response.content


def test_officers_cannot_send_the_reverse_notice(staff_client, officer_olsen):
    assert staff_client(officer_olsen).get(reverse("casework:notice-new") + "?direction=to_court").status_code == 403


def test_a_notice_sent_with_a_case_is_seen_by_its_team(staff_client, case, park_is_designee, police_notice):
    notice = police_notice(case=case)
    page = staff_client(park_is_designee).get(reverse("casework:case", args=[case.pk])).content.decode()
    assert notice.reference in page
    assert AuditEvent.objects.filter(tip_reference=case.reference, detail__change="notice linked").exists()


def test_offences_are_data_coordinators_keep(coordinator_cole):
    assert Offence.objects.filter(active=True).count() >= 20
    assert coordinator_cole.has_perm("casework.change_offence")
    assert not coordinator_cole.has_perm("casework.view_threatcase")


def test_notice_pages_use_a_fixed_number_of_queries(
    staff_client, notice, park_is_designee, police_notice, django_assert_num_queries
):
    client = staff_client(park_is_designee)
    list_url, detail_url = reverse("casework:notices"), reverse("casework:notice", args=[notice.pk])
    client.get(list_url)
    for _ in range(2):
        with django_assert_num_queries(8):
            client.get(list_url)
        with django_assert_num_queries(9):
            client.get(detail_url)
        for _ in range(4):
            police_notice(offences=tuple(Offence.objects.all()[:3]))


def test_new_notice_page_uses_a_fixed_number_of_queries(staff_client, officer_olsen, case, pinned, more_schools):
    def grow(n: int) -> None:
        more_schools(n)
        Offence.objects.bulk_create(Offence(name=f"Act {n}-{i}") for i in range(5))

    pinned(staff_client(officer_olsen), reverse("casework:notice-new") + "?direction=to_district", 9, grow)
