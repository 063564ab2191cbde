"""People and stand-in channels for the alert, escalation and delivery tests."""

from __future__ import annotations

import smtplib
from dataclasses import dataclass, field
from datetime import datetime

import pytest
import time_machine
from django.utils import timezone

from partners.models import Membership
from reports.notifications import delivery
from tests.conftest import _person

# A Tuesday morning, so that business days are plain days.
TUESDAY_10AM = timezone.make_aware(datetime(2026, 3, 3, 10, 0))


@pytest.fixture
def sergeant_stone(django_user_model, clayton_pd):
    """Sergeant Stone of Clayton PD: the agency's escalation contact."""
    user = _person(django_user_model, "stone", "Sam", "Stone", clayton_pd, Membership.Role.OFFICER)
    Membership.objects.filter(user=user).update(is_escalation_contact=True)
    return user


@pytest.fixture
def superintendent_shaw(django_user_model, clayton_district):
    """Superintendent Shaw: the Clayton School District's escalation contact."""
    user = _person(django_user_model, "shaw", "Sandy", "Shaw", clayton_district, Membership.Role.SCHOOL_ADMIN)
    Membership.objects.filter(user=user).update(is_escalation_contact=True)
    return user


@dataclass
class Recorder:
    """A channel stand-in: remembers which outbox rows it was asked to send."""

    sent: list[int] = field(default_factory=list)


@pytest.fixture
def recorder(monkeypatch) -> Recorder:
    record = Recorder()

    class RecordingChannel(delivery.Channel):
        def send(self, notification) -> None:
            record.sent.append(notification.pk)

    monkeypatch.setitem(delivery.CHANNELS, "email", RecordingChannel)
    return record


@dataclass
class SmtpServer:
    """The real e-mail channel (into ``mail.outbox``), behind a server that can be down."""

    down: bool = False
    refused: int = 0


@pytest.fixture
def smtp(monkeypatch) -> SmtpServer:
    server = SmtpServer()

    class FlakyEmailChannel(delivery.EmailChannel):
        def send(self, notification) -> None:
            if server.down:
                server.refused += 1
                raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")
            super().send(notification)

    monkeypatch.setitem(delivery.CHANNELS, "email", FlakyEmailChannel)
    return server


@pytest.fixture
def clock():
    """Time stands still on a Tuesday at 10:00 until the test moves it."""
    with time_machine.travel(TUESDAY_10AM, tick=False) as traveller:
        yield traveller
