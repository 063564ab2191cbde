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
def identify_check(context: template.Context, fields: str) -> dict[str, Any]:
    data = identifying.browser_data()
    findings = context.get("identify_findings") or []
    return {
        "fields": fields,
        "data": data,
        "found": [data["item"] % {"text": f.text, "label": f.label} for f in findings],
    }
