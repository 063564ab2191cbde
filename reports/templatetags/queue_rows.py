"""``{% queue_rows rows coordinator %}``: the queue table's rows, drawn in Python.

Fifty rows of badges through the template engine cost more than everything else on the
page (6 ms of a 30 ms request at a million tips: every ``{{ }}`` and ``{% if %}`` is
resolved attribute by attribute); the same markup from ``str.format`` costs a twentieth of
that. Every value goes through ``html.escape`` (what Django's ``escape`` calls, without its
lazy-string wrapper around each call); the only markup is the literal text here.
"""

from __future__ import annotations

from collections.abc import Iterator
from html import escape

from django import template
from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe

from reports.models import Tip
from reports.triage.queue import Row

register = template.Library()

_BADGE = '<span class="badge {}">{}</span>'
_ROW = """<tr class="{}">
    <th scope="row"><a href="{}">{}</a>
      <div class="queue-badges">{}</div></th>
    <td><span class="text-nowrap">{}</span><div class="small text-body-secondary text-nowrap">{} hour</div></td>
    <td>{}<div class="small text-body-secondary">{}</div></td>
    <td><span class="visually-hidden">{}. </span><ul class="list-unstyled mb-0 small parts">{}</ul></td>
    <td>{}</td>
  </tr>
"""
_PART = '<li>{}: <span class="fw-semibold">{}</span>{}</li>'
# The tip page's address for any tip: reversed once, the id put in per row.
_ANY_ID = 2_147_483_647


@register.simple_tag
def queue_rows(rows: list[Row], coordinator: bool) -> SafeString:
    tip_url = reverse("dashboard:tip-detail", kwargs={"tip_id": _ANY_ID})
    return mark_safe("".join(_row(row, coordinator, tip_url) for row in rows))  # noqa: S308 — every value escaped


def _row(row: Row, coordinator: bool, tip_url: str) -> str:
    tip = row.tip
    if row.highlight == "danger":
        highlight = "table-danger"
    elif row.highlight == "warning" or tip.new_info_after_closing:
        highlight = "table-warning"
    else:
        highlight = ""
    parts = "".join(_PART.format(escape(p.agency), escape(p.status), escape(p.detail)) for p in row.parts)
    return _ROW.format(
        highlight,
        tip_url.replace(str(_ANY_ID), str(tip.pk)),
        escape(tip.reference),
        "".join(_badges(row, coordinator)),
        escape(row.age),
        escape(row.received),
        escape(row.category),
        escape(row.school),
        escape(row.state),
        parts,
        escape(row.priority),
    )


def _badges(row: Row, coordinator: bool) -> Iterator[str]:
    tip = row.tip
    if tip.is_life_safety:
        yield _BADGE.format("text-bg-danger", "Life safety")
    if tip.danger_now:
        yield _BADGE.format("text-bg-danger", "Danger right now")
    if row.awaiting:
        silent = f": {', '.join(row.silent_agencies)}" if coordinator else ""
        yield _BADGE.format("text-bg-warning", escape(f"Not acknowledged{silent}"))
    if row.clock:
        yield _BADGE.format("text-bg-dark" if row.clock.overdue else "text-bg-light border", escape(row.clock.label))
    elif row.overdue:
        yield _BADGE.format("text-bg-dark", "Overdue")
    if row.unowned:
        yield _BADGE.format("text-bg-danger", "Unowned")
    if tip.new_info_after_closing:
        yield _BADGE.format("text-bg-primary", "New information after closing")
    if tip.unread_tipster_messages:
        yield _BADGE.format("text-bg-info", f"New from tipster: {tip.unread_tipster_messages}")
    if tip.close_requested and tip.state != Tip.State.DONE:
        yield _BADGE.format("text-bg-secondary", "Tipster asks to close")
