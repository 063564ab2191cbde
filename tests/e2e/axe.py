"""Run axe-core on a page and keep the count of findings by impact for the CI log."""

from __future__ import annotations

from collections import Counter

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page

IMPACTS = ("minor", "moderate", "serious", "critical")
BLOCKING = {"serious", "critical"}
# Page name → affected elements by impact; printed by pytest_terminal_summary.
findings: dict[str, Counter] = {}
_axe = Axe()


def audit(page: Page, name: str) -> list[str]:
    """Record the page's findings; return the serious and critical ones, readably."""
    page.wait_for_load_state("load")
    results = _axe.run(page)
    counts: Counter = Counter()
    blocking = []
    for violation in results.response["violations"]:
        impact = violation["impact"] or "minor"
        counts[impact] += len(violation["nodes"])
        if impact in BLOCKING:
            targets = "; ".join(", ".join(map(str, node["target"])) for node in violation["nodes"][:5])
            blocking.append(f"{name}: {violation['id']} ({impact}) {violation['help']} → {targets}")
    findings[name] = counts
    return blocking
