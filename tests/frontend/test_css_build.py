"""static/css/bootstrap.css (``make css``: frontend/) ships only the Bootstrap the pages
use. Every Bootstrap class a template, a Python form layout or a rendered page names must be
in it: a class the build left out would leave that element unstyled without any error.

"A Bootstrap class" is one Bootstrap 5.3.9's full CSS defines (tests/frontend/
bootstrap-5.3.9.min.css, the file the pages linked before); the project's own classes
(site.css) and plain hooks for scripts are not Bootstrap's and are not checked.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BUILT = ROOT / "static" / "css" / "bootstrap.css"
REFERENCE = Path(__file__).resolve().parent / "bootstrap-5.3.9.min.css"
BUDGET_BYTES = 40 * 1024

# Built from a variable in a template (``alert-{{ message.tags }}``): every value it takes.
# Keep in step with frontend/purgecss.config.cjs's safelist.
DYNAMIC_CLASSES = {
    "alert-info",
    "alert-success",
    "alert-warning",
    "alert-danger",
    "text-bg-primary",
    "text-bg-secondary",
}
# Bootstrap class names used only as markup, with no style of their own wanted here:
# ``nav-item`` is styled only inside ``.nav-fill`` and ``.nav-justified``, which no page uses.
NOT_STYLED = {"nav-item"}

TEMPLATE_TAG = re.compile(r"\{[{%].*?[}%]\}", re.S)
CLASS_ATTRIBUTE = re.compile(r'class="([^"]*)"', re.S)
PYTHON_CLASS_STRING = re.compile(
    r"""(?:css_class|wrapper_class|field_class|label_class|["']class["'])\s*[:=]\s*["']([^"']*)["']"""
)


def selectors(css: str) -> str:
    """The stylesheet's selectors alone: declarations and @media headers blanked out."""
    return re.sub(r"\{[^{}]*\}", " ", re.sub(r"@media[^{]*\{", " ", css))


def defined_classes(css: str) -> set[str]:
    return set(re.findall(r"\.(-?[_a-zA-Z][\w-]*)", selectors(css)))


@cache
def bootstrap_classes() -> frozenset[str]:
    return frozenset(defined_classes(REFERENCE.read_text()))


@cache
def built_classes() -> frozenset[str]:
    return frozenset(defined_classes(BUILT.read_text(encoding="utf-8-sig")))


def missing(classes: set[str]) -> set[str]:
    return {c for c in classes if c in bootstrap_classes() and c not in built_classes() and c not in NOT_STYLED}


def template_classes() -> dict[str, set[str]]:
    found = {}
    for path in (ROOT / "templates").rglob("*.html"):
        text = path.read_text()
        names = set()
        for attribute in CLASS_ATTRIBUTE.findall(text):
            # A template tag inside the attribute: its literal branches count as classes.
            literal = TEMPLATE_TAG.sub(" ", attribute)
            branches = " ".join(re.findall(r"%\}([^{]*)\{%", attribute))
            names |= set(literal.split()) | set(branches.split())
        found[str(path.relative_to(ROOT))] = names
    return found


def python_classes() -> dict[str, set[str]]:
    found = {}
    for app in ("partners", "reports", "casework", "safeschools"):
        for path in (ROOT / app).rglob("*.py"):
            text = path.read_text()
            strings = PYTHON_CLASS_STRING.findall(text) + CLASS_ATTRIBUTE.findall(text)
            found[str(path.relative_to(ROOT))] = {name for s in strings for name in TEMPLATE_TAG.sub(" ", s).split()}
    return found


def rendered_classes(html: str) -> set[str]:
    return {name for attribute in CLASS_ATTRIBUTE.findall(html) for name in attribute.split()}


# Rules for a class on one type of input (``.form-check-input[type=radio]``: a radio's round
# shape; ``.form-check-input:checked[type=radio]``: its dot). The build can keep the class
# and lose these, and a radio then looks like a checkbox.
TYPED_RULE = re.compile(r"\.(-?[_a-zA-Z][\w-]*)(?::[\w-]+)*\[type=[\"']?(\w+)[\"']?\]")
INPUT_TAG = re.compile(r"<input\b[^>]*>", re.S)
INPUT_TYPE = re.compile(r'\btype="([^"]*)"')


def typed_rules(css: str) -> frozenset[tuple[str, str]]:
    """(class, input type) of every rule that styles that class on that type of input."""
    return frozenset(TYPED_RULE.findall(selectors(css)))


@cache
def bootstrap_typed_rules() -> frozenset[tuple[str, str]]:
    return typed_rules(REFERENCE.read_text())


@cache
def built_typed_rules() -> frozenset[tuple[str, str]]:
    return typed_rules(BUILT.read_text(encoding="utf-8-sig"))


def missing_typed(html: str, built: frozenset[tuple[str, str]] | None = None) -> set[tuple[str, str]]:
    """(class, type) of the page's inputs that Bootstrap styles per type and the build does not."""
    built = built_typed_rules() if built is None else built
    rendered = set()
    for tag in INPUT_TAG.findall(html):
        kind = INPUT_TYPE.search(tag)
        for attribute in CLASS_ATTRIBUTE.findall(tag):
            rendered |= {(name, kind.group(1) if kind else "text") for name in attribute.split()}
    return {pair for pair in rendered if pair in bootstrap_typed_rules() and pair not in built}


def gaps(html: str) -> set:
    return missing(rendered_classes(html)) | missing_typed(html)


def test_the_build_is_within_its_budget():
    assert BUILT.stat().st_size <= BUDGET_BYTES


def test_every_bootstrap_class_in_a_template_is_built():
    gaps = {path: missing(names) for path, names in template_classes().items()}
    assert {path: names for path, names in gaps.items() if names} == {}


def test_every_bootstrap_class_in_python_form_layouts_is_built():
    gaps = {path: missing(names) for path, names in python_classes().items()}
    assert {path: names for path, names in gaps.items() if names} == {}


def test_classes_built_from_variables_are_built():
    assert missing(DYNAMIC_CLASSES) == set()


def test_the_check_finds_a_missing_class():
    """The checks above can fail: a Bootstrap class the build leaves out is reported."""
    assert "accordion-button" in bootstrap_classes()
    assert missing({"accordion-button", "honeypot"}) == {"accordion-button"}


def test_the_check_finds_a_missing_rule_for_a_type_of_input():
    """A radio whose round shape the build left out is reported, as the build once did."""
    radio = '<input type="radio" name="when" class="form-check-input" id="id_when_0">'
    assert ("form-check-input", "radio") in bootstrap_typed_rules()
    assert missing_typed(radio, built=frozenset({("form-check-input", "checkbox")})) == {("form-check-input", "radio")}
    assert missing_typed(radio) == set()


def test_radio_buttons_are_round_and_show_their_dot():
    css = BUILT.read_text(encoding="utf-8-sig")
    assert ".form-check-input[type=radio]{border-radius:50%}" in css
    assert ".form-check-input:checked[type=radio]{" in css


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/", "/about/", "/report/", "/es/report/", "/report/check/"])
def test_every_bootstrap_class_on_a_public_page_is_built(client, categories, clayton_high, about_page, path):
    """Rendered pages include crispy's templates and classes chosen in Python at run time."""
    response = client.get(path)
    assert response.status_code == 200
    assert gaps(response.content.decode()) == set()


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/staff/", "/staff/preferences/", "/staff/stats/", "/staff/audit/"])
def test_every_bootstrap_class_on_a_staff_page_is_built(staff_client, coordinator_cole, make_tip, clayton_high, path):
    # Unacknowledged, one routine and one life-safety: the queue highlights both rows.
    make_tip(school=clayton_high)
    make_tip(school=clayton_high, category="weapons")
    response = staff_client(coordinator_cole).get(path)
    assert response.status_code == 200
    assert gaps(response.content.decode()) == set()


@pytest.mark.django_db
def test_every_bootstrap_class_on_the_tip_page_is_built(staff_client, coordinator_cole, make_tip, clayton_high):
    tip = make_tip(school=clayton_high).tip
    response = staff_client(coordinator_cole).get(f"/staff/tips/{tip.pk}/")
    assert response.status_code == 200
    assert gaps(response.content.decode()) == set()


@pytest.mark.django_db
def test_every_bootstrap_rule_on_the_tip_forms_radio_screens_is_built(client, categories, clayton_high):
    """The screens with radio buttons ("When?", "Can we reach you?") are drawn after a POST."""
    answers = {"danger_now": "no", "category": str(categories["bullying"].pk), "school": str(clayton_high.pk)}
    what = client.post("/report/", {**answers, "step": "school"}).content.decode()
    assert "What is happening?" in what
    send = client.post(
        "/report/", {**answers, "step": "what", "description": "A fight after school.", "when": "today"}
    ).content.decode()
    assert "Send report" in send
    for body in (what, send):
        assert 'type="radio"' in body
        assert gaps(body) == set()
