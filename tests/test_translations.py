"""Every string a student can see on the public site has a Spanish translation.

The strings are taken from the public templates (every ``{% translate %}``,
``{% blocktranslate %}`` and ``_("…")``, read with Django's own template parser), from the
gettext calls in the public Python modules, and from the choices shown on public pages.
Each must be in the compiled catalog that ships, ``locale/es/LC_MESSAGES/django.mo``:
gettext leaves untranslated and fuzzy entries out of it. A second test checks that the
committed ``.mo`` is the compiled ``.po``.
"""

from __future__ import annotations

import ast
import gettext
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from django.template import engines
from django.template.base import Variable
from django.templatetags.i18n import BlockTranslateNode, TranslateNode
from django.utils import translation

ROOT = Path(__file__).resolve().parent.parent
LOCALE = ROOT / "locale" / "es" / "LC_MESSAGES"
PUBLIC_TEMPLATES = [
    ROOT / "templates" / name for name in ("base.html", "403.html", "404.html", "500.html", "403_csrf.html")
] + sorted(
    path
    for folder in ("partners", "reports", "partials", "casework/public")
    for path in (ROOT / "templates" / folder).rglob("*.html")
)
PUBLIC_PYTHON = [
    "reports/intake/forms.py",
    "reports/intake/cards.py",
    "reports/intake/views.py",
    "reports/intake/images.py",
    "reports/intake/follow_up.py",
    "reports/intake/decoy.py",
    "reports/intake/identifying.py",
    # What a texting tipster reads (text-a-tip), in the thread's language.
    "reports/intake/sms_tips.py",
    "reports/notifications/tipster_texts.py",
]
GETTEXT_CALLS = {"_", "gettext", "gettext_lazy", "gettext_noop", "ngettext", "ngettext_lazy"}
UNDERSCORE_LITERAL = re.compile(r"""\b_\(\s*(?:"((?:[^"\\]|\\.)*)"|'((?:[^'\\]|\\.)*)')\s*\)""")


# A msgid is a string; one with plural forms is (singular, plural), looked up by its singular.
Msgid = str | tuple[str, str]


def template_msgids(path: Path) -> set[Msgid]:
    source = path.read_text(encoding="utf-8")
    nodes = engines["django"].engine.from_string(source).nodelist
    found: set[Msgid] = set()
    for node in nodes.get_nodes_by_type(TranslateNode):
        variable = node.filter_expression.var
        if isinstance(variable, Variable) and variable.literal is not None:
            found.add(str(variable.literal))
    for node in nodes.get_nodes_by_type(BlockTranslateNode):
        singular = node.render_token_list(node.singular)[0]
        found.add((singular, node.render_token_list(node.plural)[0]) if node.plural else singular)
    found.update(double or single for double, single in UNDERSCORE_LITERAL.findall(source))
    return found


def python_msgids(path: Path) -> set[Msgid]:
    found: set[Msgid] = set()
    for call in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if not isinstance(call, ast.Call):
            continue
        name = getattr(call.func, "id", None) or getattr(call.func, "attr", None)
        if name not in GETTEXT_CALLS:
            continue
        texts = [a.value for a in call.args[:2] if isinstance(a, ast.Constant) and isinstance(a.value, str)]
        if name.startswith("ngettext") and len(texts) == 2:
            found.add((texts[0], texts[1]))
        elif texts:
            found.add(texts[0])
    return found


def public_choice_msgids() -> set[str]:
    """Labels of the choices shown on public pages; in English they are the msgids."""
    from partners.models import AgencyKind, GradeBand, ResourceKind
    from reports.models import Card, Tip

    with translation.override("en"):
        labels = [*AgencyKind.labels, *GradeBand.labels, *ResourceKind.labels, *Tip.When.labels, *Card.labels]
        return {str(label) for label in [*labels, *Tip.TIPSTER_STATUS.values()]}


def public_msgids() -> dict[Msgid, str]:
    """msgid → where it was found."""
    found: dict[Msgid, str] = {}
    for path in PUBLIC_TEMPLATES:
        found.update(dict.fromkeys(template_msgids(path), str(path.relative_to(ROOT))))
    for name in PUBLIC_PYTHON:
        found.update(dict.fromkeys(python_msgids(ROOT / name), name))
    found.update(dict.fromkeys(public_choice_msgids(), "choices shown on public pages"))
    return found


def shipped_catalog(mo: Path = LOCALE / "django.mo") -> gettext.GNUTranslations:
    with mo.open("rb") as handle:
        return gettext.GNUTranslations(handle)


def translated(catalog: gettext.GNUTranslations, msgid: Msgid) -> bool:
    """In the compiled catalog, with every plural form Spanish has."""
    if isinstance(msgid, str):
        return bool(catalog._catalog.get(msgid))
    forms = int(re.search(r"nplurals=(\d+)", catalog._info["plural-forms"]).group(1))
    return all(catalog._catalog.get((msgid[0], n)) for n in range(forms))


def test_the_extraction_finds_the_public_strings():
    """Guards the test itself: a parser change must not silently find nothing."""
    found = public_msgids()
    assert len(found) > 200
    for expected in (
        "Skip to main content",  # base.html, {% translate %}
        "Safe Schools Partnership",  # base.html, _("…") inside {% firstof %}
        ("%(counter)s school district", "%(counter)s school districts"),  # {% blocktranslate count %}
        "Call %(number)s",  # home.html, {% blocktranslate with %}
        "Is someone in danger right now?",  # reports/forms.py
        "%(name)s is not a JPEG, PNG or WebP image.",  # reports/images.py
        "On a date",  # Tip.When
        "Police department",  # AgencyKind
    ):
        assert expected in found, expected


def test_every_public_string_has_a_spanish_translation():
    catalog = shipped_catalog()
    missing = sorted(
        f"{where}: {msgid!r}" for msgid, where in public_msgids().items() if not translated(catalog, msgid)
    )
    assert not missing, "No Spanish (run makemessages, translate, compilemessages):\n" + "\n".join(missing)


@pytest.mark.skipif(shutil.which("msgfmt") is None, reason="gettext is not installed (apt-get install gettext)")
def test_committed_mo_is_the_compiled_po(tmp_path):
    compiled = tmp_path / "django.mo"
    subprocess.run(["msgfmt", "--check", "-o", str(compiled), str(LOCALE / "django.po")], check=True)
    assert shipped_catalog(compiled)._catalog == shipped_catalog()._catalog, "run: manage.py compilemessages"


@pytest.mark.django_db
@pytest.mark.parametrize(
    "path",
    [
        "/es/",
        "/es/about/",
        "/es/partners/",
        "/es/districts/",
        "/es/resources/",
        "/es/contact/",
        "/es/report/",
        "/es/report/check/",
        "/es/figures/",
        "/es/no-such-page/",
    ],
)
def test_spanish_pages_show_no_english_sentence(client, path, site_settings, about_page, clayton_high, categories):
    from html import unescape

    catalog = shipped_catalog()
    english = [
        msgid
        for msgid in public_msgids()
        if isinstance(msgid, str) and len(msgid) > 12 and "%(" not in msgid and catalog._catalog.get(msgid) != msgid
    ]
    page = unescape(client.get(path).content.decode())
    assert '<html lang="es">' in page
    assert not [msgid for msgid in english if msgid in page]
