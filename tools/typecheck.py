"""mypy (with django-stubs, strict: pyproject.toml [tool.mypy]) against a baseline that
only shrinks.

The code written before types were checked has errors; they are listed in
``mypy-baseline.txt``, one line per error, without line numbers (so that editing a file
does not churn the list). ``make lint`` runs the check:

- an error that is not in the baseline fails (new code, and new modules, are strict);
- an error in the baseline that is gone also fails, until ``make typecheck-baseline``
  removes it, so that a fixed error cannot come back unnoticed.

``--shrink`` rewrites the baseline without the fixed errors and refuses to add any.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BASELINE = ROOT / "mypy-baseline.txt"
ERROR = re.compile(r"^(?P<path>[^:\s]+\.py):\d+(?::\d+)?: error: (?P<message>.+)$")
LINE_NUMBER = re.compile(r"\bline \d+\b")


def parse(output: str) -> Counter[str]:
    """mypy's errors as ``path: message [code]``, counted; notes and the summary are skipped."""
    errors: Counter[str] = Counter()
    for line in output.splitlines():
        match = ERROR.match(line.strip())
        if match:
            message = LINE_NUMBER.sub("line N", match["message"])
            errors[f"{match['path']}: {message}"] += 1
    return errors


def read_baseline(path: Path | None = None) -> Counter[str]:
    path = path or BASELINE
    if not path.exists():
        return Counter()
    return Counter(line for line in path.read_text(encoding="utf-8").splitlines() if line.strip())


def write_baseline(errors: Counter[str], path: Path | None = None) -> None:
    (path or BASELINE).write_text("".join(f"{error}\n" for error in sorted(errors.elements())), encoding="utf-8")


def compare(current: Counter[str], baseline: Counter[str]) -> tuple[Counter[str], Counter[str]]:
    """(new errors, fixed errors) of ``current`` against ``baseline``."""
    return current - baseline, baseline - current


def run_mypy() -> str:
    from mypy import api

    stdout, stderr, status = api.run(["--config-file", str(ROOT / "pyproject.toml")])
    if status not in (0, 1):  # 2: mypy itself failed (a bad config, a crash)
        sys.stderr.write(stdout + stderr)
        raise SystemExit(status)
    return stdout


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--shrink", action="store_true", help="remove fixed errors from the baseline")
    args = parser.parse_args(argv)
    current, baseline = parse(run_mypy()), read_baseline()
    if args.shrink and not BASELINE.exists():  # the first baseline: today's errors
        write_baseline(current)
        print(f"mypy: baseline started with {sum(current.values())} error(s).")
        return 0
    new, fixed = compare(current, baseline)
    if new:
        print(f"mypy: {sum(new.values())} new type error(s); the baseline only shrinks, so fix these:")
        print("".join(f"  {error}\n" for error in sorted(new.elements())), end="")
        return 1
    if args.shrink:
        if fixed:
            write_baseline(current)
        print(f"mypy: baseline now {sum(current.values())} error(s) ({sum(fixed.values())} removed).")
        return 0
    if fixed:
        print(f"mypy: {sum(fixed.values())} error(s) of the baseline are fixed. Run `make typecheck-baseline`:")
        print("".join(f"  {error}\n" for error in sorted(fixed.elements())), end="")
        return 1
    print(f"mypy: no new type errors ({sum(baseline.values())} left in mypy-baseline.txt).")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
