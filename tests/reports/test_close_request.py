"""A hoax or a change of heart: the tipster asks, from the follow-up page, to close the
report; staff see the request on the tip and decide, agency by agency."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from reports.models import Message, Notification, Tip
from safeschools.models import AuditEvent
from tests.conftest import finish_every_part

CHECK = "/report/check/"
CONVERSATION = "/report/conversation/"
CLOSE = "/report/conversation/close/"


@pytest.fixture
def sent_tip(make_tip, clayton_high):
    return make_tip(school=clayton_high)


@pytest.mark.django_db
def test_tipster_asks_to_close_and_staff_see_a_request(client, sent_tip, login_verified, officer_olsen):
    client.post(CHECK, {"receipt": sent_tip.receipt})
    page = client.get(CONVERSATION).content.decode()
    assert "Was this a mistake?" in page and "Ask to close my report" in page
    response = client.post(CLOSE, {"reason": "It was a joke between friends, sorry."})
    assert response.status_code == 302 and response["Location"] == CONVERSATION
    page = client.get(CONVERSATION).content.decode()
    assert "Staff will see your request and decide." in page
    assert "You asked us to close this report" in page and "Ask to close my report" not in page

    tip = Tip.objects.get(pk=sent_tip.tip.pk)
    assert tip.close_requested and tip.unread_tipster_messages == 1
    assert tip.state == "new" and tip.tipster_status == "Received"  # a request: nothing closes by itself
    request = Message.objects.get(tip=tip)
    assert (request.kind, request.direction) == ("close_request", "from_tipster")
    event = AuditEvent.objects.get(action="tip.close_requested")
    assert event.detail == {"message_id": request.pk, "images": 0, "after_closing": False}
    assert "joke" not in str(event.detail)

    staff = Client()
    login_verified(staff, officer_olsen)
    queue = staff.get(reverse("dashboard:queue")).content.decode()
    assert "Tipster asks to close" in queue
    detail = staff.get(reverse("dashboard:tip-detail", args=[tip.pk])).content.decode()
    assert "The tipster asked to close this report." in detail
    assert "It was a joke between friends, sorry." in detail


@pytest.mark.django_db
def test_a_request_without_words_is_still_a_request(client, sent_tip):
    client.post(CHECK, {"receipt": sent_tip.receipt})
    client.post(CLOSE, {"reason": ""})
    assert Message.objects.get(tip=sent_tip.tip).kind == "close_request"
    assert Tip.objects.get(pk=sent_tip.tip.pk).close_requested


@pytest.mark.django_db
def test_the_assignee_is_alerted_as_for_any_tipster_message(client, sent_tip, officer_olsen):
    sent_tip.tip.routings.get(agency__name="Clayton Police Department").assign(officer_olsen)
    Notification.objects.all().delete()
    client.post(CHECK, {"receipt": sent_tip.receipt})
    client.post(CLOSE, {"reason": "Not true"})
    assert Notification.objects.get().kind == "tipster_message"


@pytest.mark.django_db
def test_asking_needs_the_receipt_session_and_a_post(client, sent_tip):
    assert client.get(CLOSE).status_code == 405
    response = client.post(CLOSE, {"reason": "close it"})
    assert response.status_code == 302 and response["Location"] == CHECK
    assert not Message.objects.exists() and not Tip.objects.get(pk=sent_tip.tip.pk).close_requested


@pytest.mark.django_db
def test_once_staff_have_closed_it_the_page_says_closed_and_offers_nothing_more(client, sent_tip, officer_olsen):
    finish_every_part(sent_tip.tip, by=officer_olsen, disposition="unfounded", note="Tipster withdrew it.")
    client.post(CHECK, {"receipt": sent_tip.receipt})
    page = client.get(CONVERSATION).content.decode()
    assert "Closed" in page and "Ask to close my report" not in page and "withdrew" not in page


@pytest.mark.django_db
def test_the_request_is_in_spanish_on_the_spanish_site(client, sent_tip):
    client.post("/es" + CHECK, {"receipt": sent_tip.receipt})
    page = client.get("/es" + CONVERSATION).content.decode()
    assert "¿Fue un error?" in page and "Pedir que se cierre mi reporte" in page
