"""Accessible form rendering without a widget library: each control names its help text
and its error message in ``aria-describedby`` and says ``aria-invalid`` when it has one."""

from __future__ import annotations

from django import template
from django.forms import BoundField
from django.utils.safestring import SafeString

register = template.Library()


def described_by(field: BoundField) -> str:
    ids = []
    if field.help_text:
        ids.append(f"{field.auto_id}_helptext")
    if field.errors:
        ids.append(f"{field.auto_id}_error")
    return " ".join(ids)


@register.filter
def control(field: BoundField, css: str = "form-control") -> SafeString:
    classes = css + (" is-invalid" if field.errors else "")
    attrs = {"class": classes}
    if described := described_by(field):
        attrs["aria-describedby"] = described
    if field.errors:
        attrs["aria-invalid"] = "true"
    return field.as_widget(attrs=attrs)


@register.filter
def describedby(field: BoundField) -> str:
    return described_by(field)
