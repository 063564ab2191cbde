"""Imports point down only: ``safeschools`` ← ``partners`` ← ``reports`` ← ``casework``
(DESIGN.md), and
inside ``reports`` the notifications layer sits below intake and triage, which do not
import each other. The project's composition root (settings, root URLconf, WSGI) names
the apps by necessity and is left out.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
COMPOSITION_ROOT = {"safeschools.settings", "safeschools.urls", "safeschools.wsgi"}

# A module may import only from packages at its own level or below. Longest prefix wins.
LEVELS = {
    "safeschools": 0,
    "partners": 1,
    "reports": 2,
    "reports.models": 2,
    "reports.search": 2,
    "reports.selectors": 2,
    "reports.notifications": 3,
    "reports.retention": 3,
    "reports.intake": 4,
    "reports.triage": 4,
    "reports.jobs": 5,
    "reports.admin": 5,
    "reports.apps": 5,
    "reports.demo": 5,
    "reports.urls": 5,
    "reports.urls_staff": 5,
    "reports.urls_sms": 5,
    "reports.sms_inbound": 5,
    "reports.context_processors": 5,
    "reports.management": 5,
    "reports.templatetags": 5,
    # Casework (threat assessment, Safe Schools Act notices, state report) sits on top.
    "casework": 6,
}
# Siblings at one level that must not import each other.
SIBLINGS = [("reports.intake", "reports.triage")]


def _layer(module: str) -> str | None:
    candidates = [name for name in LEVELS if module == name or module.startswith(name + ".")]
    return max(candidates, key=len) if candidates else None


def _modules() -> list[tuple[str, Path]]:
    found = []
    for package in ("safeschools", "partners", "reports", "casework"):
        for path in (ROOT / package).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            module = ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
            if module not in COMPOSITION_ROOT:
                found.append((module, path))
    return found


def _imports(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return {name for name in names if _layer(name) is not None}


def upward_imports(module: str, path: Path) -> list[str]:
    own = _layer(module)
    wrong = []
    for target in _imports(path):
        theirs = _layer(target)
        if LEVELS[theirs] > LEVELS[own]:
            wrong.append(target)
        for a, b in SIBLINGS:
            if {own, theirs} == {a, b}:
                wrong.append(target)
    return sorted(wrong)


@pytest.mark.parametrize(("module", "path"), _modules(), ids=lambda v: v if isinstance(v, str) else "")
def test_imports_point_down(module, path):
    assert upward_imports(module, path) == [], f"{module} imports from a layer above it"


def test_the_check_catches_an_upward_import(tmp_path):
    bad = tmp_path / "audit.py"
    bad.write_text("from reports.models import Tip\nfrom reports import jobs\n")
    assert upward_imports("safeschools.audit", bad) == [
        "reports",
        "reports.jobs",
        "reports.models",
        "reports.models.Tip",
    ]
    casework = tmp_path / "models.py"
    casework.write_text("from casework.models import ThreatCase\n")
    assert upward_imports("reports.models", casework) == ["casework.models", "casework.models.ThreatCase"]
    sibling = tmp_path / "views.py"
    sibling.write_text("from reports.intake import services\n")
    assert upward_imports("reports.triage.views", sibling) == ["reports.intake", "reports.intake.services"]
