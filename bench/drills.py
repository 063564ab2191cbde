"""Resilience drills against gunicorn on PostgreSQL and Redis, each writing its result to
bench/results/drills-<name>.md. Opt-in, never part of `make test`:

    make bench-drills                       # load, load-with-queue, redis
    make bench-drills DRILLS=postgres       # restarts the machine's PostgreSQL: run it alone, last

- load: 1,000 tips from 50 concurrent clients → exactly 1,000 tips, each with its routing,
  outbox and audit rows; no 5xx. load-queue: the same while a coordinator pages the queue.
- redis: the app's Redis (a private redis-server on port 6390, never the machine's) is
  stopped in the middle of the load and started again → every tip still accepted, the
  rate-limit failure logged.
- postgres: PostgreSQL restarted in the middle of the load → failed requests get the
  "not sent" page with the help numbers and no receipt; the app recovers without a
  restart; no partial tip. Restarts the machine's cluster (`pg_ctlcluster 15 main
  restart`), briefly, and checks it is up again.

Every loop is bounded (a fixed number of requests, a timeout on each); load goes to
127.0.0.1 only. SMTP and worker-kill drills need the notification worker and are not here.
"""

from __future__ import annotations

import argparse
import http.client
import json
import re
import subprocess
import sys
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import run  # noqa: E402

DRILL_DB = "safeschools_bench_drill"
PORT = 8703
DRILL_REDIS_PORT = 6390
RECEIPT = re.compile(r"[0-9A-Z]{5}-[0-9A-Z]{5}-[0-9A-Z]{5}-[0-9A-Z]{5}-[0-9A-Z]{5}")


def shell(*args, timeout: int = 120) -> subprocess.CompletedProcess:
    """A fixed program (redis-cli, pg_ctlcluster, pg_isready); never raises on failure."""
    return subprocess.run([str(a) for a in args], check=False, capture_output=True, text=True, timeout=timeout)  # noqa: S603


def healthz() -> str:
    connection = http.client.HTTPConnection("127.0.0.1", PORT, timeout=10)
    try:
        connection.request("GET", "/healthz")
        return str(connection.getresponse().status)
    except (OSError, http.client.HTTPException) as error:
        return repr(error)
    finally:
        connection.close()


def app_env(redis_url: str) -> dict[str, str]:
    return run.product_env(DATABASE_URL=run.PG + DRILL_DB, REDIS_URL=redis_url, LOG_LEVEL="WARNING")


def fresh_database(redis_url: str) -> None:
    run.log(f"fresh drill database {DRILL_DB}")
    run.psql("postgres", f"DROP DATABASE IF EXISTS {DRILL_DB}")
    run.psql("postgres", f"CREATE DATABASE {DRILL_DB}")
    env = app_env(redis_url)
    run.run([run.APP_PYTHON, "manage.py", "migrate", "--noinput", "-v0"], cwd=run.ROOT, env=env)
    run.run([run.APP_PYTHON, "manage.py", "load_content"], cwd=run.ROOT, env=env, stdout=subprocess.DEVNULL)
    run.run(
        [run.APP_PYTHON, "manage.py", "load_demo", "--i-know-this-is-not-production"],
        cwd=run.ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
    )
    run.run([run.APP_PYTHON, run.BENCH / "generate.py", "--tips", "5000"], cwd=run.ROOT, env=env)


def prepare(redis_url: str, tokens: int, officer: str = "coordinator") -> dict:
    out = run.run(
        [run.APP_PYTHON, run.BENCH / "prepare.py", "--officer", officer, "--form-tokens", tokens, "--depth", "0"],
        cwd=run.ROOT,
        env=app_env(redis_url),
        capture_output=True,
        text=True,
    ).stdout
    return json.loads(out)


def q(sql: str) -> str:
    return run.psql(DRILL_DB, sql)


def tip_bodies(prep: dict, schools: list[str], category: str) -> list[str]:
    return [
        run.tip_body(
            category=category,
            school=schools[i % len(schools)],
            description=f"Drill tip {i}: a group keeps shoving a sixth grader into the lockers.",
            form_token=token,
            csrf=prep["csrf"],
        )
        for i, token in enumerate(prep["form_tokens"])
    ]


def post(body: str, cookie: str) -> tuple[int, str, float]:
    """One POST of the tip form; (status, body, seconds); status 0 for a connection error."""
    started = time.monotonic()
    connection = http.client.HTTPConnection("127.0.0.1", PORT, timeout=30)
    try:
        connection.request(
            "POST",
            "/report/",
            body=body,
            headers={"Content-Type": "application/x-www-form-urlencoded", "Cookie": cookie},
        )
        response = connection.getresponse()
        return response.status, response.read().decode(errors="replace"), time.monotonic() - started
    except (OSError, http.client.HTTPException) as error:
        return 0, repr(error), time.monotonic() - started
    finally:
        connection.close()


def submit_all(bodies: list[str], cookie: str, clients: int, during=None) -> list[tuple[int, str, float]]:
    """POST every body once, from ``clients`` threads; ``during(progress)`` runs beside."""
    results: list = [None] * len(bodies)
    done = Counter()
    lock = threading.Lock()

    def one(index: int) -> None:
        results[index] = post(bodies[index], cookie)
        with lock:
            done["n"] += 1

    with ThreadPoolExecutor(max_workers=clients) as pool:
        futures = [pool.submit(one, i) for i in range(len(bodies))]
        if during:
            during(lambda: done["n"])
        for future in futures:
            future.result(timeout=300)
    return results


def page_queue(cookie: str, stop: threading.Event, limit: int = 2000) -> dict:
    """A coordinator paging through the queue (following 'Next') until ``stop``."""
    statuses, times, pages, cursor = Counter(), [], 0, ""
    while not stop.is_set() and pages < limit:
        started = time.monotonic()
        connection = http.client.HTTPConnection("127.0.0.1", PORT, timeout=30)
        try:
            connection.request("GET", f"/staff/?cursor={cursor}" if cursor else "/staff/", headers={"Cookie": cookie})
            response = connection.getresponse()
            text = response.read().decode(errors="replace")
            statuses[response.status] += 1
            match = re.search(r'cursor=([A-Za-z0-9_-]+)[^"]*">Next', text)
            cursor = match.group(1) if match else ""
        except (OSError, http.client.HTTPException):
            statuses[0] += 1
        finally:
            connection.close()
        times.append(time.monotonic() - started)
        pages += 1
    times.sort()
    return {
        "pages": pages,
        "statuses": dict(statuses),
        "p50_ms": round(1000 * times[len(times) // 2], 1) if times else None,
        "p95_ms": round(1000 * times[int(len(times) * 0.95)], 1) if times else None,
    }


def integrity(first_new_id: int) -> dict:
    """Every new tip is whole: routing, audit event, submission token, outbox rows."""
    new = f"FROM reports_tip t WHERE t.id >= {int(first_new_id)}"
    return {
        "tips": int(q(f"SELECT count(*) {new}")),  # noqa: S608 — a number
        "without_routing": int(
            q(f"SELECT count(*) {new} AND NOT EXISTS (SELECT 1 FROM reports_routing r WHERE r.tip_id = t.id)")  # noqa: S608
        ),
        "without_outbox_row": int(
            q(f"SELECT count(*) {new} AND NOT EXISTS (SELECT 1 FROM reports_notification n WHERE n.tip_id = t.id)")  # noqa: S608
        ),
        "without_audit_event": int(
            q(
                f"SELECT count(*) {new} AND NOT EXISTS (SELECT 1 FROM safeschools_auditevent a "  # noqa: S608
                "WHERE a.tip_id = t.id AND a.action = 'tip.submitted')"
            )
        ),
        "without_submission_token": int(
            q(f"SELECT count(*) {new} AND NOT EXISTS (SELECT 1 FROM reports_submissiontoken s WHERE s.tip_id = t.id)")  # noqa: S608
        ),
        "routings": int(q(f"SELECT count(*) FROM reports_routing WHERE tip_id >= {int(first_new_id)}")),  # noqa: S608
        "outbox_rows": int(q(f"SELECT count(*) FROM reports_notification WHERE tip_id >= {int(first_new_id)}")),  # noqa: S608
    }


def summarize(results: list[tuple[int, str, float]]) -> dict:
    statuses = Counter(status for status, _, _ in results)
    receipts = sum(1 for status, text, _ in results if status == 200 and RECEIPT.search(text))
    times = sorted(seconds for _, _, seconds in results)
    return {
        "requests": len(results),
        "statuses": {str(k): v for k, v in sorted(statuses.items())},
        "receipts_shown": receipts,
        "5xx": sum(v for k, v in statuses.items() if 500 <= k < 600),
        "p50_ms": round(1000 * times[len(times) // 2], 1),
        "p95_ms": round(1000 * times[int(len(times) * 0.95)], 1),
    }


def write(name: str, title: str, command: str, checks: list[tuple[str, bool]], data: dict) -> bool:
    passed = all(ok for _, ok in checks)
    lines = [
        f"# Drill: {title}",
        "",
        f"Result: **{'PASS' if passed else 'FAIL'}** — {datetime.now(UTC):%Y-%m-%d %H:%M UTC}, "
        "gunicorn (`gunicorn.conf.py`) on PostgreSQL 15 and Redis, 2 cores, load from 127.0.0.1.",
        "",
        f"Reproduce: `{command}`",
        "",
        "| check | result |",
        "|---|---|",
        *[f"| {label} | {'pass' if ok else 'FAIL'} |" for label, ok in checks],
        "",
        "```json",
        json.dumps(data, indent=1),
        "```",
        "",
    ]
    run.RESULTS.mkdir(exist_ok=True)
    (run.RESULTS / f"drills-{name}.md").write_text("\n".join(lines))
    run.log(f"{name}: {'PASS' if passed else 'FAIL'} → bench/results/drills-{name}.md")
    return passed


def demo_targets() -> tuple[list[str], str]:
    """Schools whose agencies have demo staff (so every tip has outbox rows), a category."""
    schools = q(
        "SELECT string_agg(id::text, ',') FROM partners_school WHERE name IN ('Clayton High School', 'Kirkwood High School')"
    ).split(",")
    category = q("SELECT id FROM reports_category WHERE name = 'Bullying'")
    return schools, category


def one_more_tip(redis_url: str, schools: list[str], category: str) -> tuple[int, str, float]:
    """A tip with a fresh token (and its own CSRF pair), after the fault is over."""
    prep = prepare(redis_url, 1)
    return post(tip_bodies(prep, schools, category)[0], f"csrftoken={prep['csrf']}")


def max_tip_id() -> int:
    return int(q("SELECT coalesce(max(id), 0) FROM reports_tip"))


def drill_load(redis_url: str, with_queue: bool) -> bool:
    name = "load-queue" if with_queue else "load"
    prep = prepare(redis_url, 1000)
    schools, category = demo_targets()
    bodies = tip_bodies(prep, schools, category)
    first_new = max_tip_id() + 1
    stop, queue_result = threading.Event(), {}
    pager = None
    if with_queue:
        cookie = f"sessionid={prep['sessionid']}"
        pager = threading.Thread(target=lambda: queue_result.update(page_queue(cookie, stop)))
        pager.start()
    started = time.monotonic()
    try:
        results = submit_all(bodies, f"csrftoken={prep['csrf']}", clients=50)
    finally:
        stop.set()
        if pager:
            pager.join(timeout=60)
    seconds = time.monotonic() - started
    summary, whole = summarize(results), integrity(first_new)
    data = {"submit": summary, "seconds": round(seconds, 1), "database": whole}
    checks = [
        ("1,000 POSTs, 1,000 receipts shown", summary["receipts_shown"] == 1000),
        ("exactly 1,000 new tips", whole["tips"] == 1000),
        ("every tip has its routing rows", whole["without_routing"] == 0),
        ("every tip has its outbox rows", whole["without_outbox_row"] == 0),
        (
            "every tip has its audit event and submission token",
            whole["without_audit_event"] == 0 and whole["without_submission_token"] == 0,
        ),
        ("zero 5xx, zero connection errors", summary["5xx"] == 0 and "0" not in summary["statuses"]),
    ]
    if with_queue:
        data["coordinator_queue"] = queue_result
        checks.append(
            (
                "the coordinator's queue pages all answered 200",
                queue_result.get("pages", 0) > 0 and set(queue_result["statuses"]) == {200},
            )
        )
    title = "1,000 tips from 50 clients" + (" while a coordinator pages the queue" if with_queue else "")
    return write(name, title, f"make bench-drills DRILLS={name}", checks, data)


def drill_redis() -> bool:
    redis_url = f"redis://127.0.0.1:{DRILL_REDIS_PORT}/0"
    run.run(["redis-server", "--port", DRILL_REDIS_PORT, "--save", "", "--appendonly", "no", "--daemonize", "yes"])
    time.sleep(0.5)
    prep = prepare(redis_url, 600)
    schools, category = demo_targets()
    bodies = tip_bodies(prep, schools, category)
    first_new = max_tip_id() + 1
    server = run.start_server("drill-redis", PORT, "safeschools.wsgi", app_env(redis_url), run.ROOT, "/healthz")
    events = []

    def outage(progress) -> None:
        deadline = time.monotonic() + 120
        while progress() < 150 and time.monotonic() < deadline:
            time.sleep(0.05)
        shell("redis-cli", "-p", DRILL_REDIS_PORT, "shutdown", "nosave")
        events.append(f"Redis stopped after {progress()} tips")
        while progress() < 450 and time.monotonic() < deadline:
            time.sleep(0.05)
        run.run(["redis-server", "--port", DRILL_REDIS_PORT, "--save", "", "--appendonly", "no", "--daemonize", "yes"])
        events.append(f"Redis started again after {progress()} tips")

    try:
        results = submit_all(bodies, f"csrftoken={prep['csrf']}", clients=20, during=outage)
        after = one_more_tip(redis_url, schools, category)
    finally:
        server.stop()
        shell("redis-cli", "-p", DRILL_REDIS_PORT, "shutdown", "nosave")
    log_text = server.log_path.read_text()
    summary, whole = summarize(results), integrity(first_new)
    data = {
        "events": events,
        "submit": summary,
        "database": whole,
        "warnings_logged": log_text.count("rate-limit cache unavailable"),
    }
    checks = [
        ("600 POSTs, 600 receipts shown (Redis down for the middle 300)", summary["receipts_shown"] == 600),
        ("zero 5xx, zero connection errors", summary["5xx"] == 0 and "0" not in summary["statuses"]),
        (
            "601 new tips (one more after Redis came back), each whole",
            whole["tips"] == 601 and whole["without_routing"] == whole["without_outbox_row"] == 0,
        ),
        ("rate limiting failed open and said so in the log", data["warnings_logged"] > 0),
        ("a tip after Redis is back is accepted", after[0] == 200 and bool(RECEIPT.search(after[1]))),
    ]
    return write("redis", "Redis stopped in the middle of the load", "make bench-drills DRILLS=redis", checks, data)


def pg_ready() -> bool:
    return shell("pg_isready", "-h", "127.0.0.1", "-p", "5432", "-q").returncode == 0


def drill_postgres(redis_url: str) -> bool:
    prep = prepare(redis_url, 800)
    schools, category = demo_targets()
    bodies = tip_bodies(prep, schools, category)
    first_new = max_tip_id() + 1
    tokens_before = int(q("SELECT count(*) FROM reports_submissiontoken"))
    server = run.start_server("drill-postgres", PORT, "safeschools.wsgi", app_env(redis_url), run.ROOT, "/healthz")
    events = []

    def restart(progress) -> None:
        deadline = time.monotonic() + 120
        while progress() < 200 and time.monotonic() < deadline:
            time.sleep(0.05)
        events.append(f"restart requested after {progress()} tips")
        started = time.monotonic()
        shell("pg_ctlcluster", "--skip-systemctl-redirect", "15", "main", "restart")
        for _ in range(60):
            if pg_ready():
                break
            time.sleep(0.5)
        events.append(
            f"PostgreSQL accepting connections again after {time.monotonic() - started:.1f} s, at {progress()} tips"
        )

    try:
        results = submit_all(bodies, f"csrftoken={prep['csrf']}", clients=10, during=restart)
        health = healthz()
        after = one_more_tip(redis_url, schools, category)
    finally:
        server.stop()
        if not pg_ready():
            shell("pg_ctlcluster", "--skip-systemctl-redirect", "15", "main", "start")
    refused = [(s, t) for s, t, _ in results if s != 200]
    crisis = [t for s, t in refused if s == 503]
    summary, whole = summarize(results), integrity(first_new)
    tokens_added = int(q("SELECT count(*) FROM reports_submissiontoken")) - tokens_before
    data = {
        "events": events,
        "submit": summary,
        "database": whole,
        "submission_tokens_added": tokens_added,
        "healthz_after": health,
        "not_sent_pages": len(crisis),
    }
    checks = [
        ("some requests failed during the restart (the drill did something)", len(refused) > 0),
        (
            "every failed request got the not-sent page (503) with 911, 988 and the hotline",
            all(s == 503 and all(n in t for n in ("911", "988", "7233")) for s, t in refused),
        ),
        ("no failed request showed a receipt", not any(RECEIPT.search(t) for _, t in refused)),
        (
            "tips in the database = receipts shown (no tip without a receipt, none lost)",
            whole["tips"] == summary["receipts_shown"] + 1,
        ),
        (
            "no partial tip: each has routing, outbox, audit and token rows",
            whole["without_routing"]
            == whole["without_outbox_row"]
            == whole["without_audit_event"]
            == whole["without_submission_token"]
            == 0,
        ),
        (
            "the app recovered without a restart: /healthz 200 and a new tip accepted",
            health == "200" and after[0] == 200 and bool(RECEIPT.search(after[1])),
        ),
        ("PostgreSQL is up at the end", pg_ready()),
    ]
    return write(
        "postgres", "PostgreSQL restarted in the middle of the load", "make bench-drills DRILLS=postgres", checks, data
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("drills", nargs="*", default=["load", "load-queue", "redis"])
    args = parser.parse_args()
    unknown = set(args.drills) - {"load", "load-queue", "redis", "postgres"}
    if unknown:
        raise SystemExit(f"unknown drills: {', '.join(sorted(unknown))}")
    redis_url = run.REDIS_URL
    run.VAR.mkdir(parents=True, exist_ok=True)
    fresh_database(redis_url)
    passed = True
    for name in args.drills:
        run.run(["redis-cli", "-u", redis_url, "FLUSHDB"], stdout=subprocess.DEVNULL)
        if name in ("load", "load-queue"):
            server = run.start_server("drill-load", PORT, "safeschools.wsgi", app_env(redis_url), run.ROOT, "/healthz")
            try:
                passed &= drill_load(redis_url, with_queue=name == "load-queue")
            finally:
                server.stop()
        elif name == "redis":
            passed &= drill_redis()
        elif name == "postgres":
            passed &= drill_postgres(redis_url)
    sys.exit(0 if passed else 1)


if __name__ == "__main__":
    main()
