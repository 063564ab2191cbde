"""``safeschools.form_cache``: a blank form's crispy HTML is rendered once per state and
served to whoever has a form in that same state; anything else about the form that could
reach its HTML makes a different state, and what may depend on more than the form (a
bound form, a template in the layout, choices from a query) is rendered every time."""

from __future__ import annotations

import pytest
from crispy_forms.bootstrap import StrictButton
from crispy_forms.helper import FormHelper
from crispy_forms.layout import HTML, Layout
from crispy_forms.utils import render_crispy_form
from django import forms
from django.utils import translation
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

from partners.models import Agency
from safeschools import form_cache, page_cache

TOKEN = "a" * 64
SLOTS = {page_cache.CSRF_SLOT: TOKEN}


class ChoiceForm(forms.Form):
    choice = forms.ChoiceField(label=_("School district"), choices=[("1", "Low"), ("2", "High")])
    text = forms.CharField(label="Note", required=False)

    def __init__(self, *args, choices=None, label=None, button="Save", **kwargs):
        super().__init__(*args, **kwargs)
        if choices is not None:
            self.fields["choice"].choices = choices
        if label is not None:
            self.fields["text"].label = label
        self.helper = FormHelper(self)
        self.helper.form_action = "/somewhere/"
        self.helper.layout.append(StrictButton(button, type="submit"))


@pytest.fixture
def renders(monkeypatch):
    """How many times crispy rendered a form."""
    calls = []

    def counted(form, helper=None, context=None):
        calls.append(form)
        return render_crispy_form(form, helper, context)

    monkeypatch.setattr(form_cache, "render_crispy_form", counted)
    return calls


def crispy(form) -> str:
    return render_crispy_form(form, context={"csrf_token": TOKEN})


def test_a_blank_form_is_rendered_once_per_state_with_the_token_filled(renders):
    first = form_cache.rendered(ChoiceForm(initial={"choice": "2"}), slots=SLOTS)
    again = form_cache.rendered(ChoiceForm(initial={"choice": "2"}), slots={page_cache.CSRF_SLOT: "b" * 64})
    assert len(renders) == 1
    assert first == crispy(ChoiceForm(initial={"choice": "2"}))
    assert again == first.replace(TOKEN, "b" * 64)


def test_what_is_kept_holds_a_slot_never_a_token():
    form_cache.rendered(ChoiceForm(), slots=SLOTS)
    (kept,) = form_cache._rendered.values()
    assert page_cache.CSRF_SLOT in kept and TOKEN not in kept


@pytest.mark.parametrize(
    "other",
    [
        lambda: ChoiceForm(initial={"choice": "1"}),  # another initial value
        lambda: ChoiceForm(choices=[("1", "Low"), ("2", "Urgent")]),  # another choice
        lambda: ChoiceForm(label="Your note"),  # another label
        lambda: ChoiceForm(label=mark_safe("Note")),  # safe text is not escaped, plain text is
        lambda: ChoiceForm(button="Send"),  # another layout
        lambda: ChoiceForm(prefix="other"),  # other names
    ],
)
def test_anything_else_that_reaches_the_html_is_another_state(other, renders):
    form_cache.rendered(ChoiceForm(), slots=SLOTS)
    assert form_cache.rendered(other(), slots=SLOTS) == crispy(other())
    assert len(renders) == 2


def test_each_language_has_its_own(renders):
    english = form_cache.rendered(ChoiceForm(), slots=SLOTS)
    with translation.override("es"):
        spanish = form_cache.rendered(ChoiceForm(), slots=SLOTS)
        assert spanish == crispy(ChoiceForm())
    assert "School district" in english and "Distrito escolar" in spanish


def test_a_bound_form_is_rendered_as_typed_every_time(renders):
    data = {"choice": "9", "text": "typed"}
    html = form_cache.rendered(ChoiceForm(data), slots=SLOTS)
    form_cache.rendered(ChoiceForm(data), slots=SLOTS)
    assert len(renders) == 2 and not form_cache._rendered
    assert 'value="typed"' in html and "is-invalid" in html


def test_a_template_in_the_layout_is_rendered_every_time(renders):
    class WithHTML(ChoiceForm):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self.helper.layout = Layout("choice", HTML("<p>{{ csrf_token }}</p>"))

    for form in (WithHTML(), WithHTML(), ChoiceForm(button="Save {{ csrf_token }}")):
        form_cache.rendered(form, slots=SLOTS)
    assert len(renders) == 3 and not form_cache._rendered


@pytest.mark.django_db
def test_choices_from_a_query_are_rendered_every_time_and_not_asked_for_a_key(
    renders, django_assert_num_queries, clayton_pd
):
    class AgencyForm(forms.Form):
        agency = forms.ModelChoiceField(Agency.objects.all())

    with django_assert_num_queries(1):  # rendering asks; the key does not
        html = form_cache.rendered(AgencyForm(), slots=SLOTS)
    assert "Clayton Police Department" in html and not form_cache._rendered


def test_the_states_used_last_are_kept_up_to_a_bound(monkeypatch, renders):
    monkeypatch.setattr(form_cache, "ENTRIES", 3)
    for n in (0, 1, 2, 0, 3, 4):  # 0 used again before 3 and 4 come
        form_cache.rendered(ChoiceForm(label=f"Note {n}"), slots=SLOTS)
    assert len(form_cache._rendered) == 3 and len(renders) == 5
    for n in (0, 3, 4):  # kept
        form_cache.rendered(ChoiceForm(label=f"Note {n}"), slots=SLOTS)
    assert len(renders) == 5
    form_cache.rendered(ChoiceForm(label="Note 1"), slots=SLOTS)  # pushed out
    assert len(renders) == 6
