"""Time the tip form GET and the tip submit POST in one process, one request after another,
through Django's whole middleware stack (the test client's handler), against the bench's
product database and Redis; count the SQL statements and Redis commands of each.

    bench/.venv/bin/python bench/request_timing.py [--tips 50000] [--requests 300]
    BENCH_TIMING_PROFILE=1 bench/.venv/bin/python bench/request_timing.py   # + cProfile of 50 submits

Runs itself with the product's interpreter and environment (as bench/run.py serves it). To
compare with an older commit: ``git archive <commit> | tar -x -C /tmp/old``, link
``.venv`` and ``bench/var`` into it, and run this file (from this checkout) with ``--root
/tmp/old``. bench/README.md has the figures.
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
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--root", default=str(run.ROOT), help="the checkout to time")
    args = parser.parse_args()
    run.use_databases(args.tips)
    env = run.product_env(BENCH_TIMING_INNER="1", BENCH_TIMING_REQUESTS=str(args.requests))
    root = Path(args.root)
    python = str(root / ".venv" / "bin" / "python")
    # The manifest storage, as in production: the checkout's own static files.
    subprocess.run([python, "manage.py", "collectstatic", "--noinput", "-v0"], cwd=root, env=env, check=True)  # noqa: S603
    subprocess.run(  # noqa: S603 — our interpreter and file
        [python, str(Path(__file__).resolve())], cwd=root, env=env, check=True
    )


def inner() -> None:
    sys.path.insert(0, os.getcwd())
    sys.path.insert(0, str(BENCH))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "safeschools.settings")
    import django

    django.setup()
    import redis
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from statement_timing import timed_statements

    from partners.models import School
    from reports.intake import tokens
    from reports.models import Category

    commands = {"n": 0, "names": []}
    original = redis.Redis.execute_command

    def counting(self, *args, **kwargs):
        commands["n"] += 1
        commands["names"].append(str(args[0]))
        return original(self, *args, **kwargs)

    redis.Redis.execute_command = counting
    requests = int(os.environ["BENCH_TIMING_REQUESTS"])
    category = Category.objects.filter(active=True).values_list("pk", flat=True).first()
    school = School.objects.filter(active=True).values_list("pk", flat=True).first()
    client = Client(HTTP_HOST="127.0.0.1")

    def get():
        response = client.get("/report/")
        assert response.status_code == 200

    def post():
        response = client.post(
            "/report/",
            {
                "category": category,
                "school": school,
                "description": "A group keeps shoving a sixth grader into the lockers between classes.",
                "when": "today",
                "location": "Hallway by the gym",
                "danger_now": "no",
                "contact_choice": "anonymous",
                "form_token": tokens.issue(),
            },
        )
        assert response.status_code == 200 and b"receipt" in response.content.lower(), response.status_code

    results = {}
    for name, call, count in (("tip form GET", get, requests), ("tip submit POST", post, max(20, requests // 3))):
        for _ in range(10):  # warm the caches and the connection
            call()
        times = []
        cpu_started = time.process_time()
        for _ in range(count):
            started = time.perf_counter()
            call()
            times.append((time.perf_counter() - started) * 1000)
        cpu_ms = (time.process_time() - cpu_started) * 1000 / count
        commands["n"], commands["names"] = 0, []
        with CaptureQueriesContext(connection) as capture:
            call()
        captured = list(capture.captured_queries)  # before the log of later requests moves past it
        redis_commands, redis_names = commands["n"], list(commands["names"])
        statement_ms: list[list[tuple[float, str]]] = []
        if os.environ.get("BENCH_TIMING_VERBOSE"):
            for _ in range(count):
                with timed_statements(connection) as timed:
                    call()
                statement_ms.append([(seconds * 1000, sql) for seconds, sql in timed])
        times.sort()
        results[name] = {
            "requests": count,
            "p50_ms": round(statistics.median(times), 2),
            "p95_ms": round(times[int(0.95 * (count - 1))], 2),
            # This process's CPU time (user and system) per request, the test client's small
            # share included: what a request costs the app, without its waits on PostgreSQL
            # and Redis (the wall-clock p50 above has them).
            "cpu_ms": round(cpu_ms, 2),
            "sql_statements": len(captured),
            "savepoints": sum("SAVEPOINT" in q["sql"].upper() for q in captured),
            "redis_commands": redis_commands,
        }
        if os.environ.get("BENCH_TIMING_VERBOSE"):
            # Each statement's median time over ``count`` more requests (BEGIN and COMMIT are
            # not cursor statements: not timed).
            results[name]["statements"] = [q["sql"][:90] for q in captured]
            results[name]["statement_ms"] = [
                f"{statistics.median([run[i][0] for run in statement_ms if len(run) > i]):6.2f} ms  {sql[:80]}"
                for i, (_, sql) in enumerate(statement_ms[0] if statement_ms else [])
            ]
            results[name]["redis"] = redis_names
    print(json.dumps(results, indent=1))
    if os.environ.get("BENCH_TIMING_PROFILE"):
        import cProfile
        import pstats

        profile = cProfile.Profile()
        profile.runcall(lambda: [post() for _ in range(50)])
        pstats.Stats(profile).sort_stats("cumulative").print_stats(40)
        if os.environ.get("BENCH_PROFILE_FILE"):
            profile.dump_stats(os.environ["BENCH_PROFILE_FILE"])


if __name__ == "__main__":
    inner() if os.environ.get("BENCH_TIMING_INNER") else outer()
