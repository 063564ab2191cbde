"""Time the staff pages in one process, one request after another, through Django's whole
middleware stack (the test client's handler), against the bench's product database: p50,
SQL statements and their time, and optionally the slowest statements or a cProfile.

    bench/.venv/bin/python bench/page_timing.py --tips 1000000 [--pages queue,deep,detail,export,stats]
        [--who officer.olsen] [--requests 20] [--sql detail] [--profile queue]

Runs itself with the product's interpreter and environment (as bench/run.py serves it),
like ``request_timing.py`` for the tip form. The figures in bench/README.md "What changed"
come from this. ``deep`` is the queue page the load test calls page 201.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent


def outer() -> None:
    sys.path.insert(0, str(BENCH))
    import run

    parser = argparse.ArgumentParser()
    parser.add_argument("--tips", type=int, default=50_000, help="which bench dataset")
    parser.add_argument("--pages", default="queue,deep,detail,stats,export")
    parser.add_argument("--who", default="officer.olsen")
    parser.add_argument("--requests", type=int, default=20, help="per page (the export: 3)")
    parser.add_argument("--sql", default="", help="a page whose slowest statements to list")
    parser.add_argument("--profile", default="", help="a page to profile with cProfile")
    args = parser.parse_args()
    run.use_databases(args.tips)
    env = run.product_env(BENCH_PAGE_TIMING=json.dumps(vars(args)), ALLOWED_HOSTS="testserver")
    python = str(run.ROOT / ".venv" / "bin" / "python")
    subprocess.run([python, str(Path(__file__).resolve())], cwd=run.ROOT, env=env, check=True)  # noqa: S603


def inner(args: dict) -> None:
    sys.path.insert(0, os.getcwd())
    sys.path.insert(0, str(BENCH))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "safeschools.settings")
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client
    from prepare import deep_cursor, staff_session
    from statement_timing import timed_statements

    from reports.models import Tip

    user = get_user_model().objects.get(username=args["who"])
    client = Client()
    client.cookies["sessionid"] = staff_session(user.username)
    tip_id = Tip.objects.visible_to(user).order_by("-id").values_list("pk", flat=True)[500]
    urls = {
        "queue": "/staff/",
        "deep": f"/staff/?cursor={deep_cursor(user.username, 200)[0]}",
        "detail": f"/staff/tips/{tip_id}/",
        "stats": "/staff/stats/",
        "export": "/staff/export.csv",
    }

    def get(url: str) -> int:
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
        return len(b"".join(response.streaming_content) if response.streaming else response.content)

    template_ms: dict[str, float] = {}
    if os.environ.get("BENCH_TEMPLATE_TIMES"):
        # Each template's rendering time, its includes' included (the slowest listed).
        from django.template.base import Template

        original = Template._render

        def timed_render(self, context):
            started = time.perf_counter()
            try:
                return original(self, context)
            finally:
                template_ms[self.name] = template_ms.get(self.name, 0) + (time.perf_counter() - started) * 1000

        Template._render = timed_render

    for name in args["pages"].split(","):
        url = urls[name]
        get(url)  # warm: caches, the connection
        template_ms.clear()
        with timed_statements(connection) as statements:
            size = get(url)
        times = []
        repeats = 3 if name == "export" else args["requests"]
        for _ in range(repeats):
            started = time.perf_counter()
            get(url)
            times.append((time.perf_counter() - started) * 1000)
        sql_ms = sum(t for t, _ in statements) * 1000
        print(
            f"{name:7} p50 {statistics.median(times):7.1f} ms  min {min(times):7.1f} ms  "
            f"statements {len(statements):3}  SQL {sql_ms:6.1f} ms  {size / 1024:,.0f} KB"
        )
        for template, ms in sorted(template_ms.items(), key=lambda item: -item[1])[:15]:
            print(f"    {ms / (repeats + 1):6.2f} ms  {template}")  # the timed requests and the one before
        if args["sql"] == name:
            for seconds, sql in sorted(statements, reverse=True)[:15]:
                print(f"    {seconds * 1000:6.1f} ms  {sql[:160]}")
        if args["profile"] == name:
            import cProfile
            import pstats

            profile = cProfile.Profile()
            profile.runcall(lambda url=url: [get(url) for _ in range(args["requests"])])
            pstats.Stats(profile).sort_stats("cumulative").print_stats(40)
            if os.environ.get("BENCH_PROFILE_FILE"):
                profile.dump_stats(os.environ["BENCH_PROFILE_FILE"])


if __name__ == "__main__":
    settings = os.environ.get("BENCH_PAGE_TIMING")
    inner(json.loads(settings)) if settings else outer()
