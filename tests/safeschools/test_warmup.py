"""The WSGI module warms the process before gunicorn forks its workers (safeschools.warmup):
what a worker used to load on its first requests is loaded once, and no connection is
opened that the workers would share."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

# A fresh interpreter, as gunicorn's master is: what the application alone loads, then what
# the warm-up adds, and the sockets open at each point.
PROBE_SCRIPT = textwrap.dedent(
    """
    import json, os, sys

    def sockets():
        count = 0
        for fd in os.listdir("/proc/self/fd"):
            try:
                count += os.readlink(f"/proc/self/fd/{fd}").startswith("socket:")
            except OSError:  # the directory's own descriptor, closed by now
                pass
        return count

    def state():
        from django.db import connections
        from django.template import engines
        from django.utils.translation import trans_real

        loader = engines["django"].engine.template_loaders[0]
        return {
            "views": sorted(m for m in ("reports.intake.views", "reports.triage.views", "partners.views") if m in sys.modules),
            "templates": sorted(name for name in ("base.html", "reports/form.html") if any(
                getattr(t, "origin", None) and t.origin.template_name == name for t in loader.get_template_cache.values()
            )),
            "languages": sorted(trans_real._translations),
            "database": [c.alias for c in connections.all(initialized_only=True) if c.connection is not None],
            "sockets": sockets(),
        }

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "safeschools.settings")
    from django.core.wsgi import get_wsgi_application
    get_wsgi_application()
    before = state()
    from safeschools.warmup import warm_up
    warm_up()
    after = state()
    import safeschools.wsgi  # the module gunicorn loads: warms up the same way, without error
    print(json.dumps({"before": before, "after": after}))
    """
)


@pytest.fixture(scope="module")
def probe() -> dict:
    """The probe's findings, from one fresh interpreter for both tests (it takes seconds)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    done = subprocess.run(  # noqa: S603 — our interpreter and our script
        [sys.executable, "-c", PROBE_SCRIPT], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=True
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_warm_up_loads_views_templates_and_catalogs_before_the_first_request(probe):
    before, after = probe["before"], probe["after"]
    # What the application alone leaves to the first requests, the warm-up has loaded.
    assert before["views"] == [] and before["templates"] == []
    assert after["views"] == ["partners.views", "reports.intake.views", "reports.triage.views"]
    assert after["templates"] == ["base.html", "reports/form.html"]
    assert {"en", "es"} <= set(after["languages"]) and "es" not in before["languages"]


def test_warm_up_opens_no_connection_the_workers_would_share(probe):
    assert probe["after"]["database"] == []
    assert probe["after"]["sockets"] == probe["before"]["sockets"]
