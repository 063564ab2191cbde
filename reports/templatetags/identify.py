"""``{% identify_check "id_description id_location" %}``: the "Could this identify you?"
check of a form's text fields (``reports.intake.identifying``): the patterns and words for
the browser module as JSON, and, after a server-side check (a browser without JavaScript),
what it found."""

from __future__ import annotations

from typing import Any

from django import template

from reports.intake import identifying

register = template.Library()


@register.inclusion_tag("reports/partials/identify_check.html", takes_context=True)
def identify_check(context: template.Context, fields: str, prefix: str = "") -> dict[str, Any]:
    """``prefix``: a second check on the page (the follow-up page's close request beside its
    message form) gets its own element ids and its own findings, ``<prefix>_identify_findings``."""
    data = identifying.browser_data()
    findings = context.get(f"{prefix}_identify_findings" if prefix else "identify_findings") or []
    return {
        "fields": fields,
        "id": f"{prefix}-identify" if prefix else "identify",
        "data": data,
        "found": [data["item"] % {"text": f.text, "label": f.label} for f in findings],
    }
