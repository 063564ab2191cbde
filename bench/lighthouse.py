"""Lighthouse on the student's pages, as a phone sees them, against gunicorn with production
settings (``make bench-lighthouse``; issue 16's front-end targets: performance ≥ 98, layout
shift ≤ 0.02).

The product server is the bench's (``bench/run.py``: DEBUG off, whitenoise's hashed and
compressed static files, the bench's PostgreSQL database and Redis); Lighthouse is the npm
package pinned in ``frontend/package.json`` (``make css`` installs it) driving Debian's
Chromium with its default mobile settings (a mid-range phone, simulated slow 4G). Each page
is run ``--runs`` times and the median score kept, since one run on a shared machine is noise.
Writes ``bench/results/lighthouse.md`` and ``.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import run  # noqa: E402 — the bench's own servers and databases

LIGHTHOUSE = run.ROOT / "frontend" / "node_modules" / ".bin" / "lighthouse"
PAGES = [("home", "/"), ("tip form", "/report/"), ("check for replies", "/report/check/")]
AUDITS = {
    "cumulative-layout-shift": "layout shift",
    "largest-contentful-paint": "largest paint (ms)",
    "total-blocking-time": "blocking (ms)",
    "total-byte-weight": "bytes",
}


def lighthouse(url: str, attempts: int = 3) -> dict[str, float]:
    """One Lighthouse run; Chromium under load sometimes fails to start: tried again."""
    for attempt in range(1, attempts + 1):
        try:
            return _lighthouse(url)
        except subprocess.CalledProcessError as error:
            run.log(f"lighthouse failed on {url} (attempt {attempt}): {error.stderr.strip()[-300:]}")
            if attempt == attempts:
                raise
    raise AssertionError("unreachable")


def _lighthouse(url: str) -> dict[str, float]:
    out = subprocess.run(  # noqa: S603 — our pinned lighthouse, a local URL
        [
            str(LIGHTHOUSE),
            url,
            "--quiet",
            "--only-categories=performance",
            "--output=json",
            "--output-path=stdout",
            "--chrome-flags=--headless=new --no-sandbox --disable-gpu",
        ],
        env={**os.environ, "CHROME_PATH": "/usr/bin/chromium"},
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    report = json.loads(out)
    result = {"performance": round(report["categories"]["performance"]["score"] * 100)}
    for audit in AUDITS:
        result[audit] = report["audits"][audit]["numericValue"]
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tips", type=int, default=50_000, help="the bench dataset to serve (made if missing)")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    if not LIGHTHOUSE.exists():
        raise SystemExit("Lighthouse is missing: make css (it installs frontend/'s npm packages)")
    run.VAR.mkdir(parents=True, exist_ok=True)
    run.use_databases(args.tips)
    run.prepare_product(args.tips)
    server = run.start_server("product", run.PRODUCT_PORT, "safeschools.wsgi", run.product_env(), run.ROOT, "/healthz")
    rows = []
    try:
        for name, path in PAGES:
            runs = [lighthouse(f"http://127.0.0.1:{run.PRODUCT_PORT}{path}") for _ in range(args.runs)]
            median = {key: statistics.median(r[key] for r in runs) for key in runs[0]}
            rows.append({"page": name, "path": path, "runs": runs, "median": median})
            run.log(f"{name}: performance {median['performance']:.0f}, CLS {median['cumulative-layout-shift']:.3f}")
    finally:
        server.stop()
    lines = [
        "# Lighthouse, phone (median of each page's runs)",
        "",
        "`make bench-lighthouse` (bench/lighthouse.py): gunicorn with production settings, Lighthouse "
        f"{json.loads((run.ROOT / 'frontend' / 'package.json').read_text())['devDependencies']['lighthouse']}, "
        f"Debian Chromium, default mobile settings; {args.runs} runs a page.",
        "",
        "| page | performance | " + " | ".join(AUDITS.values()) + " |",
        "|---|---:|" + "---:|" * len(AUDITS),
    ]
    for row in rows:
        m = row["median"]
        cells = [f"{m['cumulative-layout-shift']:.3f}"] + [f"{m[a]:,.0f}" for a in list(AUDITS)[1:]]
        lines.append(f"| {row['page']} (`{row['path']}`) | {m['performance']:.0f} | " + " | ".join(cells) + " |")
    (run.RESULTS / "lighthouse.md").write_text("\n".join(lines) + "\n")
    (run.RESULTS / "lighthouse.json").write_text(json.dumps(rows, indent=2) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
