"""tools/typecheck.py: mypy against a baseline that only shrinks, and the configuration
that keeps new code strict. (``make lint`` runs mypy itself; these tests check the
bookkeeping around it without running it.)"""

from __future__ import annotations

import ast
import tomllib
from collections import Counter
from pathlib import Path

import pytest

from tools import typecheck

ROOT = Path(__file__).resolve().parent.parent
OUTPUT = """\
reports/demo.py:12: error: Function is missing a return type annotation  [no-untyped-def]
reports/demo.py:12: note: Use "-> None" if function does not return a value
reports/demo.py:40:7: error: Function is missing a return type annotation  [no-untyped-def]
safeschools/env.py:3: error: Name "x" already defined on line 1  [no-redef]
Found 3 errors in 2 files (checked 91 source files)
"""


def test_parse_counts_errors_without_line_numbers():
    assert typecheck.parse(OUTPUT) == Counter(
        {
            "reports/demo.py: Function is missing a return type annotation  [no-untyped-def]": 2,
            'safeschools/env.py: Name "x" already defined on line N  [no-redef]': 1,
        }
    )


def test_compare_finds_new_and_fixed_errors():
    baseline = Counter({"a.py: old  [x]": 2, "b.py: gone  [y]": 1})
    current = Counter({"a.py: old  [x]": 3})
    new, fixed = typecheck.compare(current, baseline)
    assert new == Counter({"a.py: old  [x]": 1}) and fixed == Counter({"b.py: gone  [y]": 1})


@pytest.fixture
def baseline_file(tmp_path, monkeypatch):
    path = tmp_path / "mypy-baseline.txt"
    typecheck.write_baseline(Counter({"a.py: old  [x]": 2, "b.py: gone  [y]": 1}), path)
    monkeypatch.setattr(typecheck, "BASELINE", path)
    return path


def with_mypy_output(monkeypatch, errors: list[str]) -> None:
    lines = [f"{e.split(': ', 1)[0]}:1: error: {e.split(': ', 1)[1]}" for e in errors]
    monkeypatch.setattr(typecheck, "run_mypy", lambda: "\n".join(lines))


def test_a_new_error_fails_and_is_never_added(baseline_file, monkeypatch, capsys):
    before = baseline_file.read_text()
    with_mypy_output(monkeypatch, ["a.py: old  [x]", "a.py: old  [x]", "b.py: gone  [y]", "c.py: new  [z]"])
    assert typecheck.main([]) == 1
    assert "c.py: new  [z]" in capsys.readouterr().out
    assert typecheck.main(["--shrink"]) == 1
    assert baseline_file.read_text() == before


def test_a_fixed_error_fails_until_the_baseline_shrinks(baseline_file, monkeypatch):
    with_mypy_output(monkeypatch, ["a.py: old  [x]", "a.py: old  [x]"])
    assert typecheck.main([]) == 1
    assert typecheck.main(["--shrink"]) == 0
    assert typecheck.read_baseline(baseline_file) == Counter({"a.py: old  [x]": 2})
    assert typecheck.main([]) == 0


def test_the_baseline_is_sorted_and_names_only_existing_files():
    lines = typecheck.BASELINE.read_text(encoding="utf-8").splitlines()
    assert lines == sorted(lines)
    for path in {line.split(": ", 1)[0] for line in lines}:
        assert (ROOT / path).exists(), f"{path} is gone: run make typecheck-baseline"


def test_mypy_stays_strict_for_every_module():
    """Strict globally; per-module sections may only say a library has no types. Loosening a
    module here would let new code in it skip the checks the baseline does not cover."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["mypy"]
    assert config["strict"] is True and config["warn_unreachable"] is True
    assert set(config["files"]) == {"safeschools", "partners", "reports", "tools"}
    for override in config.get("overrides", []):
        assert set(override) == {"module", "ignore_missing_imports"}, override
        assert not any(m.split(".")[0] in {"safeschools", "partners", "reports"} for m in override["module"])


DEV_ONLY = {"django_stubs_ext", "mypy", "pytest", "hypothesis"}


def test_app_code_imports_type_only_packages_only_for_type_checking():
    """django-stubs-ext and mypy are installed for development only: the running site must
    not import them (only inside ``if TYPE_CHECKING:``)."""
    offenders = []
    for package in ("safeschools", "partners", "reports"):
        for path in (ROOT / package).rglob("*.py"):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            guarded = {
                id(node)
                for block in ast.walk(tree)
                if isinstance(block, ast.If) and getattr(block.test, "id", "") == "TYPE_CHECKING"
                for node in ast.walk(block)
            }
            for node in ast.walk(tree):
                if isinstance(node, ast.Import | ast.ImportFrom) and id(node) not in guarded:
                    names = [node.module or ""] if isinstance(node, ast.ImportFrom) else [a.name for a in node.names]
                    if any(name.split(".")[0] in DEV_ONLY for name in names):
                        offenders.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert not offenders, offenders
