"""Run axe-core on a page and keep the count of findings by impact for the CI log."""

from __future__ import annotations

from collections import Counter

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page

IMPACTS = ("minor", "moderate", "serious", "critical")
BLOCKING = {"serious", "critical"}
# Page name → affected elements by impact, in the process that ran the audit.
findings: dict[str, Counter] = {}
# What the running test audited, not yet on its report (tests/e2e/conftest.py moves it there,
# so that under pytest-xdist the counts reach the controller, which prints them: see summary).
unreported: list[tuple[str, dict[str, int]]] = []
REPORT_KEY = "axe findings"
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
    unreported.append((name, dict(counts)))
    return blocking


def collect(report) -> None:
    """Keep the counts a test's report carries (in the controller under pytest-xdist)."""
    for key, value in report.user_properties:
        if key == REPORT_KEY:
            name, counts = value
            findings[name] = Counter(counts)


def summary(terminalreporter) -> None:
    """The findings of every audited page, by impact, in the log whatever `-s` says."""
    if not findings:
        return
    terminalreporter.section("accessibility findings by impact (axe-core; affected elements per page)")
    width = max(len(name) for name in findings)

    def write(label: str, cells) -> None:
        terminalreporter.write_line(f"{label.ljust(width)}  " + "  ".join(f"{cell:>8}" for cell in cells))

    write("page", IMPACTS)
    total: Counter = Counter()
    for name, counts in findings.items():
        total.update(counts)
        write(name, [counts[impact] for impact in IMPACTS])
    write("total", [total[impact] for impact in IMPACTS])
