"""Hooks that put casework on pages ``reports`` renders (the tip page, the queue, the
stats page) without ``reports`` importing casework: each page includes a casework partial,
and the partial loads what it shows through these tags."""

from __future__ import annotations

from datetime import timedelta
from functools import partial

from django import template
from django.db.models import Count
from django.utils import timezone

from casework import tip_panel
from casework.access import can_mark_for_state_report, can_open_case
from casework.forms import HandOffForm, StateReportMarkForm
from casework.models import HandOff, Notice, SafetyAction, ThreatCase
from partners.models import Membership, memberships_of
from reports.models import Tip
from reports.triage import stats
from safeschools import form_cache, page_cache

register = template.Library()


@register.simple_tag(takes_context=True)
def tip_casework(context, tip: Tip) -> dict:
    """Hand-offs, cases and the state report mark of a tip the page already checked the
    user may see. The forms' HTML is rendered once per state (``safeschools.form_cache``:
    they name no tip, and the page writes their ``<form>`` tags)."""
    user = context["request"].user
    district_id = tip.school.district_id if tip.school_id else None
    can_mark = can_mark_for_state_report(user, district_id)
    panel = tip_panel.panel_rows(tip, user)
    hand_off_form = HandOffForm(initial={"happened_at": timezone.localtime().replace(second=0, microsecond=0)})
    # The partners read with the tip: rendering the form asks nothing more.
    partner = hand_off_form.fields["partner"]
    partner.choices = [("", partner.empty_label), *panel.partners]
    mark_form = StateReportMarkForm(initial={"kind": panel.state_kind}) if can_mark else None
    slots = {page_cache.CSRF_SLOT: str(context.get("csrf_token", ""))}
    return {
        "hand_offs": panel.hand_offs,
        "cases": panel.cases,
        "can_open_case": can_open_case(user, tip.school) if tip.school_id else can_open_case(user),
        "can_mark": can_mark,
        "state_kind": panel.state_kind,
        "hand_off_html": partial(form_cache.rendered, hand_off_form, slots=slots),
        "mark_html": partial(form_cache.rendered, mark_form, slots=slots) if mark_form is not None else "",
    }


@register.simple_tag(takes_context=True)
def casework_attention(context) -> dict:
    """For the queue: the user's overdue safety-plan actions and notices waiting for them."""
    user = context["request"].user
    today = timezone.localdate()
    overdue = SafetyAction.objects.filter(
        owner=user, done_at=None, due_on__lt=today, case__status=ThreatCase.Status.OPEN
    ).select_related("case")
    designee_of = [
        m.agency_id for m in memberships_of(user) if m.is_safe_schools_designee and m.role != Membership.Role.VIEWER
    ]
    waiting = Notice.objects.filter(recipient_agency__in=designee_of, acknowledged_at=None)
    return {
        "overdue_actions": list(overdue.only("due_on", "kind", "case__reference")),
        "notices_waiting": waiting.count() if designee_of else 0,
    }


@register.simple_tag(takes_context=True)
def casework_stats(context, months: int = 12) -> dict:
    """For the stats page: hand-offs on the tips the user may see, by kind."""
    user = context["request"].user
    tips = Tip.objects.visible_to(user).filter(received_at__gte=stats.since(months))
    rows = (
        HandOff.objects.filter(tip__in=tips.values("pk"), happened_at__gte=timezone.now() - timedelta(days=30 * months))
        .values("kind")
        .annotate(n=Count("id"))
    )
    counts = {row["kind"]: row["n"] for row in rows}
    return {"hand_offs": [(label, counts.get(kind, 0)) for kind, label in HandOff.Kind.choices]}
