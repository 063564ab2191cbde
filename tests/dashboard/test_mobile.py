"""The "Text messages" card of a staff member's "My alerts" page: add a mobile number,
confirm it with the texted code, choose which alerts come by text, remove it; and what
coordinators see of it (whether someone can be texted, not the number)."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from partners.models import StaffMobile
from safeschools.models import AuditEvent

NUMBER = "+13145550123"


def _page(client) -> str:
    response = client.get(reverse("dashboard:preferences"))
    assert response.status_code == 200
    return response.content.decode()


@pytest.mark.django_db
def test_adding_and_confirming_a_number(staff_client, twilio, officer_olsen):
    client = staff_client(officer_olsen)
    assert "Add your mobile number" in _page(client)

    response = client.post(reverse("dashboard:mobile-send-code"), {"number": "(314) 555-0123"})
    assert response.status_code == 302
    page = _page(client)
    assert "We texted a 6-digit code to (314) 555-0123" in page and "Confirm number" in page
    code = re.search(r"\b(\d{6})\b", twilio.texts_to(NUMBER)[-1]).group(1)

    response = client.post(reverse("dashboard:mobile-confirm"), {"code": code})
    assert response.status_code == 302
    page = _page(client)
    assert "Your mobile: <strong>(314) 555-0123</strong>" in page and "Confirm number" not in page
    assert StaffMobile.objects.get(user=officer_olsen).number == NUMBER


@pytest.mark.django_db
def test_a_wrong_code_is_said_plainly(staff_client, twilio, officer_olsen):
    client = staff_client(officer_olsen)
    client.post(reverse("dashboard:mobile-send-code"), {"number": NUMBER})
    code = re.search(r"\b(\d{6})\b", twilio.texts_to(NUMBER)[-1]).group(1)
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"

    response = client.post(reverse("dashboard:mobile-confirm"), {"code": wrong})

    assert response.status_code == 400
    assert "That code is not right" in response.content.decode()
    assert 'aria-invalid="true"' in response.content.decode()
    assert not StaffMobile.objects.exists()


@pytest.mark.django_db
def test_a_number_that_is_not_one_is_refused_before_any_text(staff_client, twilio, officer_olsen):
    response = staff_client(officer_olsen).post(reverse("dashboard:mobile-send-code"), {"number": "555-0123"})

    assert response.status_code == 400
    assert "Type a US mobile number with its area code" in response.content.decode()
    assert twilio.requests == []


@pytest.mark.django_db
def test_cancelling_a_number_being_confirmed(staff_client, twilio, officer_olsen):
    client = staff_client(officer_olsen)
    client.post(reverse("dashboard:mobile-send-code"), {"number": NUMBER})

    client.post(reverse("dashboard:mobile-cancel"))

    assert "Confirm number" not in _page(client)
    assert AuditEvent.objects.filter(detail__change="verification cancelled").count() == 1


@pytest.mark.django_db
def test_choosing_texts_for_every_alert_and_removing_the_number(staff_client, twilio, officer_olsen, give_mobile):
    give_mobile(officer_olsen, NUMBER)
    client = staff_client(officer_olsen)

    client.post(reverse("dashboard:mobile-options"), {"sms_for_all_alerts": "on"})
    assert StaffMobile.objects.get(user=officer_olsen).sms_for_all_alerts is True
    assert re.search(r'<input[^>]*id="id_sms_for_all_alerts"[^>]* checked>', _page(client))
    client.post(reverse("dashboard:mobile-options"), {})
    assert StaffMobile.objects.get(user=officer_olsen).sms_for_all_alerts is False

    client.post(reverse("dashboard:mobile-remove"))
    assert not StaffMobile.objects.filter(user=officer_olsen).exists()
    changes = AuditEvent.objects.filter(action=AuditEvent.Action.STAFF_MOBILE).order_by("id")
    assert [e.detail["change"] for e in changes][-3:] == [
        "texts for every alert",
        "texts for urgent alerts only",
        "removed",
    ]


@pytest.mark.django_db
def test_a_stopped_number_says_how_to_restart(staff_client, twilio, officer_olsen, give_mobile):
    mobile = give_mobile(officer_olsen, NUMBER)
    StaffMobile.objects.filter(pk=mobile.pk).update(stopped_at=mobile.verified_at)

    page = _page(staff_client(officer_olsen))

    assert "You replied STOP" in page and "<kbd>START</kbd> to (314) 555-0100" in page


@pytest.mark.django_db
def test_without_texts_the_card_says_so(staff_client, settings, officer_olsen):
    settings.SMS_BACKEND = ""

    page = _page(staff_client(officer_olsen))

    assert "Text-message alerts are not switched on for this site" in page
    assert reverse("dashboard:mobile-send-code") not in page


@pytest.mark.django_db
def test_one_persons_number_is_not_shown_to_another(staff_client, twilio, officer_olsen, principal_park, give_mobile):
    give_mobile(principal_park, "+13145550188")

    page = _page(staff_client(officer_olsen))

    assert "555-0188" not in page and "5550188" not in page and "Add your mobile number" in page


@pytest.mark.django_db
def test_coordinators_see_who_can_be_texted_but_not_the_number(
    staff_client, twilio, coordinator_cole, officer_olsen, principal_park, give_mobile
):
    give_mobile(officer_olsen, NUMBER)
    client = staff_client(coordinator_cole)

    memberships = client.get(reverse("admin:partners_membership_changelist")).content.decode()
    mobiles = client.get(reverse("admin:partners_staffmobile_changelist")).content.decode()

    assert "texts" in memberships.lower() and "icon-yes.svg" in memberships and "icon-no.svg" in memberships
    assert "olsen" in mobiles
    for text in (memberships, mobiles):
        assert "555-0123" not in text and "5550123" not in text
