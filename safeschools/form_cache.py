"""Crispy forms rendered once per state.

Rendering a form through crispy-forms costs a template per field, button and wrapper: on
the staff tip page, a third of its time. Yet a blank form's HTML is a function of its
state alone (its class, fields, labels, choices, initial values, layout, the language and
time zone), so ``rendered`` keeps the HTML of each state this process has rendered, keyed
by a digest of that whole state. Two forms with the same key render the same bytes, so a
form cannot show another's content (another tip's, another agency's), whoever asks.

What differs from one request or tip to the next is rendered as a slot and filled per
request (``page_cache.fill``): the CSRF token always; ids and versions when the caller
builds the form with stand-in values (``reports.triage.detail``).

Only what is known to render from its own state alone is kept: a bound form (it shows what
was typed and its errors), a layout object that renders a template from the page's
context (crispy's ``HTML``, a button whose text is a template), choices read from a query,
or any attribute of a type not listed here is rendered each time, as before.

Kept in the process, not the shared cache: the states are few (forms, languages, agencies'
members, a tip's step), an entry can never be stale (a different state is a different
key), and a deploy starts new processes. The number of entries is bounded (``ENTRIES``:
a few megabytes).
"""

from __future__ import annotations

import contextlib
import datetime
import decimal
import enum
import hashlib
import uuid
from collections import OrderedDict
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Any

from crispy_forms.bootstrap import StrictButton
from crispy_forms.helper import FormHelper
from crispy_forms.layout import BaseInput, Div, Field, Fieldset, Layout
from crispy_forms.utils import render_crispy_form
from django import forms
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language

from safeschools import page_cache

ENTRIES = 1024
_rendered: OrderedDict[str, str] = OrderedDict()

# Layout objects whose HTML depends on their own attributes only (and crispy's settings
# from the helper). Exact types: a subclass may render differently.
LAYOUT_TYPES = frozenset({Layout, Div, Field, Fieldset, StrictButton, *BaseInput.__subclasses__()})
SIMPLE = frozenset({str, int, float, bool, type(None)})
VALUES = (str, int, float, datetime.date, datetime.time, datetime.timedelta, decimal.Decimal, enum.Enum, uuid.UUID)
# Field attributes that do not change a blank form's HTML: they clean and validate what is
# posted, or build choices that, when they matter, are in the field's ``choices``.
NOT_RENDERED = frozenset(
    {
        "validators",
        "error_messages",
        "coerce",
        "empty_values",
        "input_formats",
        "queryset",
        "_queryset",
        "limit_choices_to",
        "label_from_instance",
    }
)


class Uncacheable(Exception):
    """The form's HTML may depend on more than its state (``_plain``)."""


def rendered(form: forms.BaseForm, helper: FormHelper | None = None, *, slots: Mapping[str, str]) -> SafeString:
    """``form``'s HTML as ``{% crispy form helper %}`` renders it, with ``slots`` filled
    (``slots`` must fill ``page_cache.CSRF_SLOT``)."""
    key = None if form.is_bound else _key(form, helper)
    html = _recall(key) if key is not None else None
    if html is None:
        html = render_crispy_form(form, helper, context={"csrf_token": page_cache.CSRF_SLOT})
        if key is not None:
            _remember(key, html)
    return mark_safe(page_cache.fill(html, slots))  # noqa: S308 — crispy's HTML; slots are ids and a token


# The most recently used states are kept: a coordinator's re-routing forms (one state per
# set of routed agencies) push out old ones, not the few every page shows. Each step holds
# the GIL; a thread that finds its entry gone meanwhile renders the form again.
def _recall(key: str) -> str | None:
    html = _rendered.get(key)
    if html is not None:
        with contextlib.suppress(KeyError):
            _rendered.move_to_end(key)
    return html


def _remember(key: str, html: str) -> None:
    _rendered[key] = html
    while len(_rendered) > ENTRIES:
        try:
            _rendered.popitem(last=False)
        except KeyError:
            break


def forget() -> None:
    """Drop this process's rendered forms (tests)."""
    _rendered.clear()


def _key(form: forms.BaseForm, helper: FormHelper | None) -> str | None:
    try:
        state = _state(form, helper if helper is not None else getattr(form, "helper", None))
    except Uncacheable:
        return None
    return hashlib.sha256(repr(state).encode()).hexdigest()


def _state(form: forms.BaseForm, helper: FormHelper | None) -> tuple[Any, ...]:
    fields = []
    for name, field in form.fields.items():
        bound = form[name]
        fields.append((name, _plain(field), _plain(bound.value())))
    return (
        type(form).__module__,
        type(form).__qualname__,
        get_language(),
        timezone.get_current_timezone_name(),
        form.prefix,
        form.auto_id,
        _plain(form.label_suffix),
        form.use_required_attribute,
        fields,
        _plain(helper),
    )


@dataclass(frozen=True)
class _Of:
    """An object as plain data: its type and what it holds. Its ``repr`` names the type
    unquoted, which no plain value's ``repr`` does, so no two states share a ``repr``."""

    kind: str
    value: Any


def _plain(value: Any) -> Any:
    """``value`` as plain data whose ``repr`` says everything about it that can reach the
    HTML, or ``Uncacheable``."""
    kind = type(value)
    if kind in SIMPLE:
        return value
    if kind is list or kind is tuple:
        return kind(map(_plain, value))
    if kind is dict:
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, Promise):  # a lazy translation, as this request's language says it
        return _plain(str(value))
    name = f"{kind.__module__}.{kind.__qualname__}"
    if isinstance(value, VALUES):  # with its type: a SafeString is not escaped, a str is
        return _Of(name, value)
    if isinstance(value, forms.Field | forms.Widget):
        return _Of(name, _attributes(value, NOT_RENDERED if isinstance(value, forms.Field) else ()))
    if isinstance(value, FormHelper):
        return _Of(name, _attributes(value, ("form",)))
    if kind in LAYOUT_TYPES:
        attributes = _attributes(value, ())
        # Crispy renders a button's text and a legend as templates in the page's context.
        if any(_template_like(item) for item in attributes.values()):
            raise Uncacheable(name)
        return _Of(name, attributes)
    raise Uncacheable(name)


def _template_like(value: Any) -> bool:
    text = value.value if isinstance(value, _Of) else value
    return isinstance(text, str) and ("{{" in text or "{%" in text)


def _attributes(value: object, skip: Collection[str]) -> dict[str, Any]:
    return {name: _plain(item) for name, item in vars(value).items() if name not in skip}
