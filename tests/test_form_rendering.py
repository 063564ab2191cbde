"""Forms are rendered one way: crispy-forms with crispy-bootstrap5, each form laying itself
out (``form.helper``), templates saying ``{% crispy form %}``. The accessibility markup the
hand-written partials had is kept: every invalid control says so and names its error and
help text, choice groups are fieldsets described by their error, and the tip form's error
summary links to each field's wrapper."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from crispy_forms.helper import FormHelper
from crispy_forms.utils import render_crispy_form
from django import forms

from reports.intake.forms import STEPS, ReceiptForm, TipForm, TipsterMessageForm
from reports.triage import forms as staff_forms

ANSWERED = {
    "danger_now": "no",
    "card": "bullying",
    "category": "1",
    "school": "none",
    "description": "Pushing at lunch.",
    "when": "today",
    "when_date": "2026-11-01",
    "location": "Gym",
    "people_involved": "A tall kid",
    "images": "x",
    "contact_choice": "anonymous",
    "contact_details": "x",
    "extra_notes": "x",
}
ROOT = Path(__file__).resolve().parent.parent
IDS = re.compile(r'\bid="([^"]+)"')


def ids_in(html: str) -> set[str]:
    return set(IDS.findall(html))


def staff_form_classes() -> list[type[forms.Form]]:
    return [
        cls
        for cls in vars(staff_forms).values()
        if isinstance(cls, type) and issubclass(cls, forms.Form) and cls.__module__ == staff_forms.__name__
    ]


@pytest.fixture
def tip(make_tip, clayton_high):
    return make_tip(school=clayton_high).tip


def build(cls: type[forms.Form], tip, data=None) -> forms.Form:
    from reports.triage.access import assignable_users

    kwargs: dict = {}
    if issubclass(cls, staff_forms.TipActionForm):
        kwargs["tip"] = tip
    routing = tip.routings.select_related("agency").first()
    if cls is staff_forms.PartForm:
        kwargs["routing"] = routing
    if cls is staff_forms.PartAssignForm:
        kwargs |= {"routing": routing, "assignable": assignable_users(routing)}
    if cls is staff_forms.NoteForm:
        kwargs["audiences"] = [("all", "All agencies on this tip")]
    return cls(data, **kwargs)


@pytest.mark.django_db
def test_every_form_lays_itself_out_and_forgets_no_field(tip):
    classes = [TipForm, ReceiptForm, TipsterMessageForm, *staff_form_classes()]
    assert len(classes) >= 14
    for cls in classes:
        if cls in {staff_forms.VersionedForm, staff_forms.TipActionForm, staff_forms.ExportForm}:
            continue  # bases, and a form that is read from the query string, never shown
        form = build(cls, tip)
        assert isinstance(form.helper, FormHelper) and form.helper.layout, cls.__name__
        html = render_crispy_form(form)
        if cls is TipForm:  # one screen at a time: each field is on one, the others carry it along
            html = "".join(render_crispy_form(TipForm(ANSWERED, steps=(step,))) for step in STEPS)
        expected = {name for name in form.fields if name != "form_token"}  # the token is outside the cache
        missing = {name for name in expected if f'name="{form[name].html_name}"' not in html}
        assert not missing, f"{cls.__name__} does not render {missing}"


@pytest.mark.django_db
def test_tip_action_forms_post_to_their_own_action_with_a_button(tip):
    for cls in staff_form_classes():
        if not issubclass(cls, staff_forms.TipActionForm) or cls in {
            staff_forms.TipActionForm,
            staff_forms.VersionedForm,
        }:
            continue
        html = render_crispy_form(build(cls, tip))
        assert f'action="/staff/tips/{tip.pk}/' in html and 'method="post"' in html, cls.__name__
        assert re.search(r'<button[^>]*type="submit"', html), cls.__name__


@pytest.mark.django_db
def test_invalid_controls_name_their_error_and_help_text(categories, clayton_high):
    data = {"description": "", "danger_now": "", "contact_choice": "contact", "contact_details": ""}
    html = ""
    for steps in (("danger",), ("what", "send")):
        form = TipForm(data, steps=steps)
        assert not form.is_valid()
        html += render_crispy_form(form)
    present = ids_in(html)
    invalid = re.findall(r"<(?:input|textarea|select)[^>]*aria-invalid=\"true\"[^>]*>", html)
    assert invalid
    # Radios are described through their fieldset (below), as Django renders them.
    for control in (c for c in invalid if 'type="radio"' not in c):
        described = re.search(r'aria-describedby="([^"]+)"', control)
        assert described, control
        assert all(ref in present for ref in described.group(1).split()), control
    description = next(c for c in invalid if 'name="description"' in c)
    assert "id_description_error" in description and "id_description_helptext" in description
    # A choice group is a fieldset with a legend, described by its error.
    fieldset = re.search(r'<fieldset aria-describedby="([^"]+)">\s*<legend[^>]*>\s*When\?', html)
    assert fieldset and "id_when_error" in fieldset.group(1).split() and "id_when_error" in present
    # A question answered by buttons: the legend is the heading; the fieldset and each
    # button are described by the error.
    buttons = re.search(
        r'<fieldset class="choice-buttons danger-buttons is-invalid" aria-describedby="([^"]+)">'
        r"<legend><h2[^>]*>Is someone in danger",
        html,
    )
    assert buttons and buttons.group(1) == "error_1_id_danger_now" and "error_1_id_danger_now" in present
    assert html.count('aria-describedby="error_1_id_danger_now"') == 3


@pytest.mark.django_db
def test_error_summary_links_to_each_fields_wrapper(client, tip_post):
    for field, wrapper in (("school", "div_id_school"), ("description", "div_id_description")):
        body = client.post("/report/", tip_post(**{field: ""})).content.decode()
        targets = re.findall(r'<a href="#([^"]+)">', body.split('id="error-summary"')[1].split("</div>")[0])
        assert targets == [wrapper]
        assert set(targets) <= ids_in(body)


@pytest.mark.django_db
def test_tip_form_draws_one_screen_with_its_question_as_heading(categories, clayton_high):
    first = render_crispy_form(TipForm())
    assert first.count('class="tip-step"') == 1 and 'data-step="danger"' in first
    assert re.search(r"<legend><h2[^>]*>Is someone in danger right now\?</h2></legend>", first)
    assert "What is happening?" not in first and "Which school?" not in first
    assert 'name="form_token"' not in first  # fresh for each request, outside the cached fields
    about = render_crispy_form(TipForm({"danger_now": "no"}, steps=("about",)))
    assert 'name="card" value="threat"' in about and "Someone has a gun, knife or other weapon" in about
    assert '<input type="hidden" name="danger_now" value="no">' in about
    last = render_crispy_form(TipForm(steps=("send",)))
    assert re.search(r'class="honeypot"\s+aria-hidden="true">\s*<div id="div_id_extra_notes"', last)
    for html in (first, about, last):  # no heading says what a label says again
        headings = set(re.findall(r"<h2[^>]*>([^<]+)</h2>", html))
        labels = set(re.findall(r"<label[^>]*>\s*([^<]+?)\s*<", html))
        assert not headings & labels, headings & labels


def test_no_template_renders_a_field_by_hand():
    """Fields come from crispy: no hand-written labels-and-widgets left in the templates."""
    offenders = []
    for path in (ROOT / "templates").rglob("*.html"):
        text = path.read_text(encoding="utf-8")
        for pattern in (r"\.as_widget", r"\{\{\s*field\s*\}\}", r"\{\{\s*forms?\.[\w.]+\s*\}\}", r"\|control\b"):
            for match in re.finditer(pattern, text):
                if match.group(0).replace(" ", "") != "{{form.form_token}}":
                    offenders.append(f"{path.relative_to(ROOT)}: {match.group(0)}")
    assert not offenders, offenders
