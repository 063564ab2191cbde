"""Real concurrency on PostgreSQL (SECURITY.md 32-33): two requests at the same moment, each
on its own connection, released together by a barrier.

- Two staff members change one tip from the same version: one change is saved, the other
  gets the conflict message; nothing is silently overwritten.
- A double submit of the tip form (same form token): one tip, the same receipt twice.
"""

from __future__ import annotations

import threading

import pytest
from django.db import connection
from django.test import Client

from reports.models import Notification, Routing, SubmissionToken, Tip
from safeschools.models import AuditEvent

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def at_once(*calls):
    """Run each call in its own thread (own database connection), released together."""
    barrier = threading.Barrier(len(calls))
    results: list = [None] * len(calls)
    errors: list = []

    def worker(index, call):
        try:
            barrier.wait(timeout=10)
            results[index] = call()
        except Exception as error:  # surfaced below, in the test's thread
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors
    return results


def test_two_staff_changing_one_tip_get_one_save_and_one_conflict(
    officer_olsen, principal_park, login_verified, clayton_high, make_tip
):
    tip = make_tip(school=clayton_high).tip
    clients = []
    for person in (officer_olsen, principal_park):
        client = Client()
        login_verified(client, person)
        clients.append(client)
    url = f"/staff/tips/{tip.pk}/priority/"

    def change(client, priority):
        return lambda: client.post(url, {"priority-priority": priority, "priority-version": tip.version})

    olsen, park = at_once(change(clients[0], 4), change(clients[1], 1))

    statuses = sorted([olsen.status_code, park.status_code])
    assert statuses == [302, 409]
    loser = olsen if olsen.status_code == 409 else park
    assert "Someone else changed this tip while you had it open" in loser.content.decode()
    winner_priority = 4 if olsen.status_code == 302 else 1
    tip.refresh_from_db()
    assert tip.priority == winner_priority
    assert tip.version == 2  # exactly one change went through
    changes = AuditEvent.objects.filter(action=AuditEvent.Action.TIP_UPDATED, tip_id=tip.pk)
    assert changes.count() == 1


def test_double_submit_creates_one_tip_with_one_receipt(tip_post, categories, clayton_high):
    data = tip_post()

    def submit():
        return Client().post("/report/", data)

    first, second = at_once(submit, submit)

    assert first.status_code == second.status_code == 200
    assert Tip.objects.count() == 1
    assert SubmissionToken.objects.count() == 1
    tip = Tip.objects.get()
    from reports.intake.services import find_tip_by_receipt
    from tests.reports.test_report_form import receipt_in

    assert receipt_in(first) == receipt_in(second)
    assert find_tip_by_receipt(receipt_in(first)) == tip
    assert set(Routing.objects.filter(tip=tip).values_list("agency__name", flat=True)) == {
        "Clayton School District",
        "Clayton Police Department",
    }
    assert AuditEvent.objects.filter(action=AuditEvent.Action.TIP_SUBMITTED).count() == 1
    assert Notification.objects.filter(tip=tip).count() == Notification.objects.count()


def test_two_agencies_finishing_at_once_close_the_tip(
    officer_olsen, principal_park, login_verified, clayton_high, make_tip
):
    """Each agency changes only its own part, with its own version: no conflict between
    them, and the tip's derived state sees both (the tip's row lock serialises them)."""
    from reports import case_state

    for _ in range(5):
        tip = make_tip(school=clayton_high).tip
        calls = []
        for person, agency in (
            (officer_olsen, "Clayton Police Department"),
            (principal_park, "Clayton School District"),
        ):
            client = Client()
            login_verified(client, person)
            routing = Routing.objects.get(tip=tip, agency__name=agency)
            data = {
                f"part{routing.pk}-version": routing.version,
                f"part{routing.pk}-step": "finish",
                f"part{routing.pk}-disposition": "resolved",
                f"part{routing.pk}-note": "Handled.",
            }
            url = f"/staff/tips/{tip.pk}/parts/{routing.pk}/"
            calls.append(lambda client=client, url=url, data=data: client.post(url, data))

        police, district = at_once(*calls)

        assert police.status_code == district.status_code == 302
        tip.refresh_from_db()
        assert tip.state == "done" and tip.closed_at is not None
        assert case_state.disagreements() == []
