"""Staff alert e-mails: a tip's reference, a priority word, the agency and a link to the
dashboard. Nothing more (SECURITY.md 6).

No tip text, school, category, file name or receipt can end up in an e-mail because this
module never loads them: it reads a tip's reference and life-safety flag with
``values_list``, and the names (and public phone numbers) of the agencies that have not
acknowledged it, and nothing else. Plain-text and HTML bodies come from the templates under
``templates/emails/``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from partners.models import SiteSettings
from reports.models import Notification, Routing, RoutingRole, Tip
from reports.notifications.digest import digest_for

URGENT = "URGENT"
NORMAL = "Normal"


def tip_dashboard_url(tip_pk: int) -> str:
    """The one place that builds a tip's link for staff: the dashboard's detail page."""
    return settings.SITE_URL + reverse("dashboard:tip-detail", args=[tip_pk])


@dataclass(frozen=True)
class RenderedEmail:
    subject: str
    text: str
    html: str
    headers: dict[str, str]


class NothingToSend(Exception):
    """The alert has lost its reason to exist (an empty digest, a purged tip)."""


@dataclass(frozen=True)
class Alert:
    """What an alert of a kind written by a layer above says: a subject, the template pair
    under ``templates/emails/`` and its context (references and links only, never content)."""

    subject: str
    template: str
    context: dict = field(default_factory=dict)
    urgent: bool = False


# Notification kinds whose rows are written by a layer above (casework), which registers
# how to word them here; this module never imports it.
RENDERERS: dict[str, Callable[[Notification], Alert]] = {}


def register_renderer(kind: str) -> Callable:
    def register(renderer: Callable[[Notification], Alert]) -> Callable[[Notification], Alert]:
        RENDERERS[kind] = renderer
        return renderer

    return register


def _message_id(notification: Notification) -> str:
    # Stable per outbox row: if a crash makes a worker send a row twice (see
    # reports.notifications.delivery), mail systems that de-duplicate on Message-ID show it once.
    domain = urlsplit(settings.SITE_URL).hostname or "localhost"
    return f"<alert-{notification.pk}@{domain}>"


def _headers(notification: Notification, urgent: bool) -> dict[str, str]:
    headers = {"Message-ID": _message_id(notification), "Auto-Submitted": "auto-generated"}
    if urgent:
        headers |= {"Importance": "high", "X-Priority": "1"}
    return headers


def _tip_facts(notification: Notification) -> tuple[str, bool]:
    row = Tip.objects.filter(pk=notification.tip_id).values_list("reference", "is_life_safety").first()
    if row is None:
        raise NothingToSend("the tip no longer exists")
    return row


def _silent_agencies(tip_id: int) -> list[tuple[str, str]]:
    """(name, public phone) of each responsible agency that has not acknowledged the tip."""
    return list(
        Routing.objects.filter(tip_id=tip_id, role=RoutingRole.RESPONSIBLE, acknowledged_at=None)
        .order_by("agency__name")
        .values_list("agency__name", "agency__phone")
    )


def _recipient_name(notification: Notification) -> str:
    if notification.recipient_id is None:
        return settings.ALERT_FALLBACK_NAME
    return notification.recipient.get_full_name() or notification.recipient.get_username()


def _subject(kind: str, priority: str, reference: str, agency: str) -> str:
    return {
        Notification.Kind.NEW_TIP: f"{priority}: new tip {reference} for {agency}",
        Notification.Kind.REROUTED: f"{priority}: tip {reference} re-routed to {agency}",
        Notification.Kind.UNREACHABLE: f"{priority}: nobody at {agency} can be reached for tip {reference}",
        Notification.Kind.ESCALATION: f"{URGENT}: tip {reference} is not acknowledged yet ({agency})",
        Notification.Kind.TIPSTER_MESSAGE: f"{priority}: the tipster wrote on {reference}",
    }[kind]


def render(notification: Notification) -> RenderedEmail:
    """Subject, plain text, HTML and headers of one alert. ``notification`` should come with
    its ``recipient`` and ``agency`` (select_related)."""
    kind = Notification.Kind(notification.kind)
    context = {
        "recipient_name": _recipient_name(notification),
        "agency_name": notification.agency.name if notification.agency_id else "",
        "organisation": "Safe Schools Partnership",
        "reason": notification.reason,
        "to_fallback": notification.recipient_id is None,
        "hotline": SiteSettings.current().hotline_display,
    }
    if kind in RENDERERS:
        alert = RENDERERS[kind](notification)
        urgent = alert.urgent
        context |= alert.context
        subject = alert.subject
        template = alert.template
    elif kind == Notification.Kind.DIGEST:
        digest = digest_for(notification.recipient_id, queued_at=notification.created_at, now=timezone.now())
        if not digest:
            raise NothingToSend("nothing left to report in the digest")
        urgent = False
        context |= {
            "new": [(entry, tip_dashboard_url(entry.tip_id)) for entry in digest.new],
            "overdue": [(entry, tip_dashboard_url(entry.tip_id)) for entry in digest.overdue],
            "unowned": [(entry, tip_dashboard_url(entry.tip_id)) for entry in digest.unowned],
            "window_end": timezone.localtime(digest.window_end),
        }
        subject = f"Daily digest: {len(digest.new)} new, {len(digest.overdue)} overdue"
        if digest.unowned:
            subject += f", {len(digest.unowned)} unowned"
        template = "digest"
    else:
        reference, life_safety = _tip_facts(notification)
        urgent = notification.urgent or kind == Notification.Kind.ESCALATION
        priority = URGENT if urgent else NORMAL
        context |= {
            "reference": reference,
            "priority": priority,
            "urgent": urgent,
            "life_safety": life_safety,
            "link": tip_dashboard_url(notification.tip_id),
            "silent": _silent_agencies(notification.tip_id)
            if kind in (Notification.Kind.ESCALATION, Notification.Kind.UNREACHABLE)
            else [],
        }
        template = kind.value
        subject = _subject(kind, priority, reference, context["agency_name"])
    return RenderedEmail(
        subject=subject,
        text=render_to_string(f"emails/{template}.txt", context),
        html=render_to_string(f"emails/{template}.html", context),
        headers=_headers(notification, urgent),
    )


def build_message(notification: Notification) -> EmailMultiAlternatives:
    rendered = render(notification)
    message = EmailMultiAlternatives(
        subject=rendered.subject,
        body=rendered.text,
        to=[notification.recipient.email if notification.recipient_id else notification.address],
        headers=rendered.headers,
    )
    message.attach_alternative(rendered.html, "text/html")
    return message
