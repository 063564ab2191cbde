"""Resilience drills against gunicorn on PostgreSQL and Redis, each writing its result to
bench/results/drills-<name>.md. Opt-in, never part of `make test`:

    make bench-drills                       # load, load-queue, redis, two-nodes, restore
    make bench-drills DRILLS=postgres       # restarts the machine's PostgreSQL: run it alone, last
    make bench-drills DRILLS="two-nodes restore"   # ~2-3 and ~1-2 minutes

- load: 1,000 tips from 50 concurrent clients → exactly 1,000 tips, each with its routing,
  outbox and audit rows; no 5xx. load-queue: the same while a coordinator pages the queue.
- redis: the app's Redis (a private redis-server on port 6390, never the machine's) is
  stopped in the middle of the load and started again → every tip still accepted, the
  rate-limit failure logged.
- postgres: PostgreSQL restarted in the middle of the load → failed requests get the
  "not sent" page with the help numbers and no receipt; the app recovers without a
  restart; no partial tip. Restarts the machine's cluster (`pg_ctlcluster 15 main
  restart`), briefly, and checks it is up again.

- two-nodes (issue 15, "beyond one machine"): nginx with the repository's docs/nginx.conf
  (TLS, a certificate made for the run) in front of two gunicorn nodes and two db_worker
  processes, one PostgreSQL database, one Redis, production settings, an SMTP server that
  counts the alerts (bench/cluster.py) → a tip sent to node A is read by staff on node B;
  a staff session and the tip rate limit hold across nodes; every alert is mailed exactly
  once; node A's gunicorn master SIGKILLed mid-load loses no tip and stores none without
  its receipt shown. Installs nginx and openssl (apt) if missing.
- restore: docs/backup/safeschools-backup (pg_dump | gpg) and safeschools-restore into a new
  database, the app run on it → row counts match, tip text decrypts with the keys only, a
  receipt still opens its tip.

two-nodes and restore bring their own database, Redis (port 18379), ports (nginx 18443,
gunicorn 18101/18102, SMTP 18025) and processes, and stop them at the end; the others share
safeschools_bench_drill. Every loop is bounded (a fixed number of requests, a timeout on
each); traffic goes to 127.0.0.0/8 only.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import re
import secrets
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from datetime import UTC, datetime
from functools import partial
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import cluster  # noqa: E402
import run  # noqa: E402

DRILL_DB = "safeschools_bench_drill"
PORT = 8703
DRILL_REDIS_PORT = 6390
RECEIPT = re.compile(r"[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}")


def shell(*args, timeout: int = 120, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    """A fixed program (redis-cli, pg_ctlcluster, pg_isready, nginx, the backup scripts);
    never raises on failure."""
    return subprocess.run(  # noqa: S603
        [str(a) for a in args], check=False, capture_output=True, text=True, timeout=timeout, env=env
    )


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
    # Manifest static files, as in production: without them every receipt page is a 500
    # (on a checkout where `make bench` never ran, bench/var/static does not exist).
    run.run([run.APP_PYTHON, "manage.py", "collectstatic", "--noinput", "-v0"], cwd=run.ROOT, env=env)


def prepare(redis_url: str, tokens: int, officer: str = "coordinator") -> dict:
    out = run.run(
        [run.APP_PYTHON, run.BENCH / "prepare.py", "--officer", officer, "--form-tokens", tokens, "--depth", "0"],
        cwd=run.ROOT,
        env=app_env(redis_url),
        capture_output=True,
        text=True,
    ).stdout
    return json.loads(out)


def q(sql: str, database: str = "") -> str:
    return run.psql(database or DRILL_DB, sql)


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


def run_all(jobs: list, clients: int, during=None) -> list:
    """Call every job once, from ``clients`` threads; ``during(progress)`` runs beside, with
    ``progress()`` the number of jobs done so far."""
    results: list = [None] * len(jobs)
    done = Counter()
    lock = threading.Lock()

    def one(index: int) -> None:
        results[index] = jobs[index]()
        with lock:
            done["n"] += 1

    with ThreadPoolExecutor(max_workers=clients) as pool:
        futures = [pool.submit(one, i) for i in range(len(jobs))]
        if during:
            during(lambda: done["n"])
        for future in futures:
            future.result(timeout=300)
    return results


def submit_all(bodies: list[str], cookie: str, clients: int, during=None) -> list[tuple[int, str, float]]:
    """POST every body once, from ``clients`` threads; ``during(progress)`` runs beside."""
    return run_all([partial(post, body, cookie) for body in bodies], clients, during)


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


SETUP = "gunicorn (`gunicorn.conf.py`) on PostgreSQL 15 and Redis, 2 cores, load from 127.0.0.1."


def write(
    name: str, title: str, command: str, checks: list[tuple[str, bool]], data: dict, *, setup: str = SETUP, notes=()
) -> bool:
    passed = all(ok for _, ok in checks)
    lines = [
        f"# Drill: {title}",
        "",
        f"Result: **{'PASS' if passed else 'FAIL'}** — {datetime.now(UTC):%Y-%m-%d %H:%M UTC}, {setup}",
        "",
        f"Reproduce: `{command}`",
        "",
        *[f"{note}\n" for note in notes],
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


def demo_targets(database: str = "") -> tuple[list[str], str]:
    """Schools whose agencies have demo staff (so every tip has outbox rows), a category."""
    schools = q(
        "SELECT string_agg(id::text, ',') FROM partners_school WHERE name IN ('Clayton High School', 'Kirkwood High School')",
        database,
    ).split(",")
    category = q("SELECT id FROM reports_category WHERE name = 'Bullying'", database)
    return schools, category


def one_more_tip(redis_url: str, schools: list[str], category: str) -> tuple[int, str, float]:
    """A tip with a fresh token (and its own CSRF pair), after the fault is over."""
    prep = prepare(redis_url, 1)
    return post(tip_bodies(prep, schools, category)[0], f"csrftoken={prep['csrf']}")


def max_tip_id(database: str = "") -> int:
    return int(q("SELECT coalesce(max(id), 0) FROM reports_tip", database))


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


def start_private_redis(port: int) -> None:
    """A redis-server of the drill's own on a spare port (never the machine's), no persistence."""
    run.run(
        [
            "redis-server",
            "--bind",
            "127.0.0.1",
            "--port",
            port,
            "--save",
            "",
            "--appendonly",
            "no",
            "--daemonize",
            "yes",
        ]
    )
    for _ in range(50):
        if shell("redis-cli", "-p", port, "ping").stdout.strip() == "PONG":
            return
        time.sleep(0.1)
    raise SystemExit(f"the drill's redis-server on port {port} did not start")


def stop_private_redis(port: int) -> None:
    shell("redis-cli", "-p", port, "shutdown", "nosave")


def drill_redis() -> bool:
    redis_url = f"redis://127.0.0.1:{DRILL_REDIS_PORT}/0"
    start_private_redis(DRILL_REDIS_PORT)
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
        stop_private_redis(DRILL_REDIS_PORT)
        events.append(f"Redis stopped after {progress()} tips")
        while progress() < 450 and time.monotonic() < deadline:
            time.sleep(0.05)
        start_private_redis(DRILL_REDIS_PORT)
        events.append(f"Redis started again after {progress()} tips")

    try:
        results = submit_all(bodies, f"csrftoken={prep['csrf']}", clients=20, during=outage)
        after = one_more_tip(redis_url, schools, category)
    finally:
        server.stop()
        stop_private_redis(DRILL_REDIS_PORT)
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


# --- Beyond one machine (issue 15): nginx, two web nodes, two workers; backup and restore ------

CLUSTER_DB = "safeschools_drill_twonode"
RESTORE_DB, RESTORED_DB = "safeschools_drill_restore", "safeschools_drill_restored"
NGINX_PORT, NGINX_HTTP_PORT = 18443, 18080
NODE_PORTS = {"a": 18101, "b": 18102}
CLUSTER_REDIS_PORT = 18379
SMTP_PORT = 18025
SITE_URL = f"https://127.0.0.1:{NGINX_PORT}"
HTTPS_PROBE = {"X-Forwarded-Proto": "https"}  # what nginx adds; HTTPS=true redirects without it
DEMO_PASSWORD = "demo-only-passphrase"  # noqa: S105 — the demo accounts' public password (README)
FORM_MIN_SECONDS = 3.5  # the app's default TIP_FORM_MIN_SECONDS is 3: a faster tip is a robot
TIP_SUBMIT_LIMIT = 20  # the app's default TIP_SUBMIT_RATE, 20/10m per client address
LOAD_TIPS, KILL_TIPS, KILL_AFTER, TIPS_PER_ADDRESS = 160, 240, 80, 10
BACKUP_SCRIPT = run.ROOT / "docs" / "backup" / "safeschools-backup"
RESTORE_SCRIPT = run.ROOT / "docs" / "backup" / "safeschools-restore"
CLUSTER_SETUP = (
    f"nginx (`docs/nginx.conf`, TLS on 127.0.0.1:{NGINX_PORT}) → two gunicorn nodes (`gunicorn.conf.py`, "
    f"GUNICORN_WORKERS=3 as both share 2 cores, ports {NODE_PORTS['a']} and {NODE_PORTS['b']}) and two `manage.py db_worker`, one "
    "PostgreSQL 15 database, one Redis, an SMTP server (aiosmtpd) counting the alerts; production settings "
    "(DEBUG=false, HTTPS=true, default rate limits and form timing); 2 cores; all on 127.0.0.1."
)


def ensure_app_role() -> None:
    """The app's PostgreSQL role, made as .ci/run makes it (trust auth on 127.0.0.1)."""
    admin = "postgres://postgres@127.0.0.1:5432/postgres"
    if shell("psql", admin, "-qtAc", "SELECT 1 FROM pg_roles WHERE rolname = 'safeschools'").stdout.strip() != "1":
        run.run(["psql", admin, "-qc", "CREATE ROLE safeschools LOGIN CREATEDB"], stdout=subprocess.DEVNULL)


def manage(env: dict[str, str], *args) -> str:
    """A manage.py command with the product's interpreter; its output, or a stop with its errors."""
    out = subprocess.run(  # noqa: S603 — our manage.py
        [str(run.APP_PYTHON), "manage.py", *map(str, args)],
        cwd=run.ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    if out.returncode:
        raise SystemExit(f"manage.py {' '.join(map(str, args))} failed:\n{out.stderr[-3000:]}")
    return out.stdout


def last_line(output: str) -> str:
    """What a ``manage.py shell -c`` snippet printed last (the shell may say more first)."""
    lines = output.strip().splitlines()
    return lines[-1].strip() if lines else ""


def work_dir(name: str) -> Path:
    path = run.VAR / name
    shutil.rmtree(path, ignore_errors=True)
    path.mkdir(parents=True)
    return path


def fresh_app_database(database: str) -> None:
    run.psql("postgres", f"DROP DATABASE IF EXISTS {database} WITH (FORCE)")
    run.psql("postgres", f"CREATE DATABASE {database}")


def deploy(database: str, node_envs: list[dict[str, str]]) -> None:
    """A new database and what a deploy does: migrate once, collectstatic on every node (each
    has its own VAR_DIR, as separate machines do), the schedule. The demo data (staff with a
    known second factor) is loaded with DEBUG=true for that one step: never in production."""
    run.log(f"fresh database {database}, migrate, collectstatic × {len(node_envs)}, demo data")
    fresh_app_database(database)
    manage(node_envs[0], "migrate", "--noinput", "-v0")
    for env in node_envs:
        manage(env, "collectstatic", "--noinput", "-v0")
    manage({**node_envs[0], "DEBUG": "true"}, "load_demo")
    manage(node_envs[0], "start_schedule")


def start_node(name: str, port: int, env: dict[str, str]) -> run.Server:
    return run.start_server(name, port, "safeschools.wsgi", env, run.ROOT, "/healthz", HTTPS_PROBE)


def start_nginx(work: Path, cert: Path, key: Path, upstreams: list[str], tls) -> cluster.Process:
    run_dir = work / "nginx"
    (run_dir / "temp").mkdir(parents=True)
    conf = run_dir / "nginx.conf"
    conf.write_text(
        cluster.nginx_config(
            cluster.NGINX_CONF.read_text(),
            https_port=NGINX_PORT,
            http_port=NGINX_HTTP_PORT,
            upstreams=upstreams,
            cert=cert,
            key=key,
            run_dir=run_dir,
        )
    )
    test = shell("nginx", "-t", "-p", run_dir, "-c", conf)
    if test.returncode:
        raise SystemExit(f"nginx -t refused {conf}:\n{test.stderr}")
    nginx = cluster.start("nginx", ["nginx", "-p", run_dir, "-c", conf], env=dict(os.environ), log_dir=run_dir)
    target = cluster.Target("nginx", NGINX_PORT, tls)
    for _ in range(60):
        if cluster.fetch(target, "GET", "/healthz", timeout=5).status == 200:
            run.log(f"nginx up on 127.0.0.1:{NGINX_PORT} (pid {nginx.process.pid})")
            return nginx
        time.sleep(0.5)
    nginx.stop()
    raise SystemExit(f"nginx did not answer on port {NGINX_PORT}; see {run_dir}")


def demo_code(env: dict[str, str], username: str) -> str:
    return manage(env, "demo_totp", username).strip()


def sign_in(browser: cluster.Browser, password_at, code_at, env: dict[str, str], username: str) -> cluster.Reply:
    """Staff sign-in as a person does it: the password form, then the 6-digit code."""
    _, tokens = browser.form(password_at, "/staff/account/login/")
    browser.post(password_at, "/staff/account/login/", {**tokens, "username": username, "password": DEMO_PASSWORD})
    _, tokens = browser.form(code_at, "/staff/account/verify/")
    return browser.post(code_at, "/staff/account/verify/", {**tokens, "code": demo_code(env, username)})


def tip_form(tokens: dict[str, str], school: str, category: str, description: str) -> str:
    return run.tip_body(
        category=category,
        school=school,
        description=description,
        form_token=tokens["form_token"],
        csrf=tokens["csrfmiddlewaretoken"],
    )


def blank_forms(target, count: int) -> tuple[dict[str, str], list[dict[str, str]]]:
    """``count`` tip forms fetched by one browser (its cookies, each form's tokens), then the
    wait a person takes to fill one in (the app treats a faster tip as a robot's)."""
    browser = cluster.Browser()
    forms = [browser.form(target, "/report/")[1] for _ in range(count)]
    time.sleep(FORM_MIN_SECONDS)
    return browser.cookies, forms


def addresses(block: int, count: int) -> list[str]:
    """Client addresses on the loopback (127.0.<block>.1…): each its own tipster for the
    rate limit, as nginx passes $remote_addr to the app in X-Real-IP."""
    return [f"127.0.{block}.{i + 1}" for i in range(count)]


def served_by(replies: list[cluster.Reply]) -> dict[str, int]:
    return dict(Counter(reply.upstreams[-1] if reply.upstreams else "none" for reply in replies))


def across_nodes(nodes: dict, nginx, env: dict[str, str], schools: list[str], category: str) -> tuple[list, dict]:
    """(1) A tip sent to node A is read by staff on node B; (2a) sessions hold across nodes."""
    a, b = nodes["a"], nodes["b"]
    marker = f"crossnode{secrets.token_hex(4)}"
    tipster = cluster.Browser()
    _, tokens = tipster.form(a, "/report/")
    time.sleep(FORM_MIN_SECONDS)
    description = f"Drill tip {marker}: someone wrote a threat on the gym wall."
    sent = tipster.post(a.via(real_ip="127.0.8.1"), "/report/", tip_form(tokens, schools[0], category, description))

    staff = cluster.Browser()
    signed_in = sign_in(staff, a, b, env, "officer.olsen")
    found = staff.get(b, f"/staff/?q={marker}")
    link = re.search(r'href="/staff/tips/(\d+)/"', found.text)
    detail = staff.get(b, f"/staff/tips/{link.group(1)}/") if link else None
    through_nginx = [staff.get(nginx, "/staff/") for _ in range(6)]

    _, tokens = tipster.form(b, "/report/check/")
    opened = tipster.post(b, "/report/check/", {**tokens, "receipt": sent.receipt})
    conversation = tipster.get(a, "/report/conversation/")
    data = {
        "tip_on_a": sent.status,
        "sign_in": {"password_on": "a", "code_on": "b", "status": signed_in.status},
        "search_on_b": found.status,
        "detail_on_b": detail.status if detail else None,
        "staff_queue_through_nginx": {"statuses": dict(Counter(r.status for r in through_nginx))}
        | {"served_by": served_by(through_nginx)},
        "receipt_check_on_b": opened.status,
        "conversation_on_a": conversation.status,
    }
    checks = [
        ("(1) a tip sent to node A shows its receipt", bool(sent.receipt)),
        (
            "(2) staff sign in with the password on node A and the 6-digit code on node B",
            signed_in.status == 302 and signed_in.headers.get("location", "").rstrip("/").endswith("/staff"),
        ),
        (
            "(1) on node B, staff search finds the tip by a word of its text, and its page shows the text",
            bool(detail) and detail.status == 200 and description in detail.text,
        ),
        (
            "(2) through nginx, that staff session answers 200 on both nodes",
            all(r.status == 200 for r in through_nginx) and len(data["staff_queue_through_nginx"]["served_by"]) == 2,
        ),
        (
            "(2) the tipster's receipt opens the tip on node B; the follow-up session works on node A",
            opened.status == 302 and conversation.status == 200,
        ),
    ]
    return checks, data


def shared_rate_limit(nodes: dict, schools: list[str], category: str) -> tuple[list, dict]:
    """(2b) The tip-submission limit counted on node A applies on node B. A rate window or
    the key's hour can roll over between the 20th and the 21st tip (a few seconds out of 10
    minutes): then the 21st is rightly accepted, and the drill tries once more with new
    addresses. Limits that were not shared would fail both tries."""
    a, b = nodes["a"], nodes["b"]
    tries, replies = [], []
    for block in (9, 10):
        address, other = addresses(block, 2)
        cookies, forms = blank_forms(a, TIP_SUBMIT_LIMIT + 2)
        bodies = [tip_form(f, schools[1], category, "Drill tip: rate limit across nodes.") for f in forms]
        on_a = [
            cluster.fetch(a.via(real_ip=address), "POST", "/report/", fields=x, cookies=cookies) for x in bodies[:-2]
        ]
        over = cluster.fetch(b.via(real_ip=address), "POST", "/report/", fields=bodies[-2], cookies=cookies)
        fresh = cluster.fetch(b.via(real_ip=other), "POST", "/report/", fields=bodies[-1], cookies=cookies)
        replies = [on_a, over, fresh]
        tries.append(
            {
                "receipts_on_a": sum(1 for r in on_a if r.receipt),
                "next_on_b_same_address": over.status,
                "next_on_b_other_address": fresh.status,
            }
        )
        if over.status != 200:
            break
    on_a, over, fresh = replies
    checks = [
        (
            f"(2) {TIP_SUBMIT_LIMIT} tips from one address on node A: {TIP_SUBMIT_LIMIT} receipts",
            sum(1 for r in on_a if r.receipt) == TIP_SUBMIT_LIMIT,
        ),
        (
            f"(2) tip {TIP_SUBMIT_LIMIT + 1} from that address, on node B: refused (429, the not-sent page, no receipt)",
            over.status == 429 and over.not_sent_page and not over.receipt,
        ),
        ("(2) at the same moment another address on node B is served", bool(fresh.receipt)),
    ]
    return checks, {"limit": f"{TIP_SUBMIT_LIMIT}/10m per address (the default)", "tries": tries}


def load_through_nginx(nginx, schools: list[str], category: str, database: str) -> tuple[list, dict]:
    """(3) Tips through nginx from many addresses: both nodes serve, every tip is stored."""
    first_new = max_tip_id(database) + 1
    cookies, forms = blank_forms(nginx, LOAD_TIPS)
    sources = addresses(11, LOAD_TIPS // TIPS_PER_ADDRESS)
    jobs = [
        partial(
            cluster.fetch,
            nginx.via(source=sources[i // TIPS_PER_ADDRESS]),
            "POST",
            "/report/",
            fields=tip_form(form, schools[i % 2], category, f"Drill tip {i}: a group keeps shoving a sixth grader."),
            cookies=cookies,
        )
        for i, form in enumerate(forms)
    ]
    started = time.monotonic()
    replies = run_all(jobs, clients=16)
    seconds = time.monotonic() - started
    stored = int(q(f"SELECT count(*) FROM reports_tip WHERE id >= {int(first_new)}", database))  # noqa: S608
    data = {
        "tips": LOAD_TIPS,
        "seconds": round(seconds, 1),
        "statuses": dict(Counter(r.status for r in replies)),
        "receipts_shown": sum(1 for r in replies if r.receipt),
        "served_by": served_by(replies),
        "tips_stored": stored,
    }
    checks = [
        (
            f"(3) {LOAD_TIPS} tips through nginx from {len(sources)} addresses: {LOAD_TIPS} receipts, {LOAD_TIPS} tips stored",
            data["receipts_shown"] == LOAD_TIPS == stored,
        ),
        ("(3) nginx spread them over both nodes", len(data["served_by"]) == 2),
    ]
    return checks, data


def probe_pages(target, stop: threading.Event, replies: list, limit: int = 3000) -> None:
    """GETs of the tip form through nginx until ``stop`` (at most ``limit``, 0.05 s apart)."""
    while not stop.is_set() and len(replies) < limit:
        replies.append(cluster.fetch(target, "GET", "/report/", timeout=30))
        time.sleep(0.05)


def kill_a_node(
    nodes: dict, servers: dict, nginx, schools: list[str], category: str, database: str
) -> tuple[list, dict]:
    """(4) Node A's gunicorn master is SIGKILLed in the middle of the load through nginx."""
    first_new = max_tip_id(database) + 1
    cookies, forms = blank_forms(nginx, KILL_TIPS)
    sources = addresses(12, KILL_TIPS // TIPS_PER_ADDRESS)
    bodies = [
        tip_form(form, schools[i % 2], category, f"Drill tip {i}: a student said he would bring a knife.")
        for i, form in enumerate(forms)
    ]

    def send(i: int) -> cluster.Reply:
        source = sources[i // TIPS_PER_ADDRESS]
        return cluster.fetch(nginx.via(source=source), "POST", "/report/", fields=bodies[i], cookies=cookies)

    master = servers["a"].process
    events: list[str] = []

    def kill(progress) -> None:
        deadline = time.monotonic() + 120
        while progress() < KILL_AFTER and time.monotonic() < deadline:
            time.sleep(0.01)
        workers = cluster.children_of(master.pid)
        master.send_signal(signal.SIGKILL)
        killed = time.monotonic()
        events.append(
            f"node A's gunicorn master (pid {master.pid}) SIGKILLed after {progress()} of {KILL_TIPS} replies; "
            f"{len(workers)} workers orphaned"
        )
        while any(cluster.alive(w) for w in workers) and time.monotonic() - killed < 60:
            time.sleep(0.1)
        left = [w for w in workers if cluster.alive(w)]
        events.append(
            f"the orphaned workers finished what they had and exited {time.monotonic() - killed:.1f} s later"
            if not left
            else f"{len(left)} orphaned workers still running after 60 s (killed by the drill)"
        )
        for pid in left:
            os.kill(pid, signal.SIGKILL)

    stop, probes = threading.Event(), []
    prober = threading.Thread(target=probe_pages, args=(nginx.via(source="127.0.13.1"), stop, probes))
    prober.start()
    try:
        replies = run_all([partial(send, i) for i in range(KILL_TIPS)], clients=16, during=kill)
    finally:
        stop.set()
        prober.join(timeout=60)
    stored = int(q(f"SELECT count(*) FROM reports_tip WHERE id >= {int(first_new)}", database))  # noqa: S608
    failed = [i for i, r in enumerate(replies) if not r.receipt]
    again = {i: send(i) for i in failed}  # the tipster sends the same form again
    stored_after = int(q(f"SELECT count(*) FROM reports_tip WHERE id >= {int(first_new)}", database))  # noqa: S608
    receipts = [r.receipt for r in replies if r.receipt] + [r.receipt for r in again.values() if r.receipt]
    a_after = cluster.fetch(nodes["a"], "GET", "/healthz", timeout=5)
    data = {
        "events": events,
        "statuses": dict(Counter(r.status for r in replies)),
        "receipts_shown": sum(1 for r in replies if r.receipt),
        "not_sent": {
            "app_not_sent_page_503": sum(1 for r in replies if r.status == 503 and r.not_sent_page),
            "nginx_unavailable_page_502_504": sum(1 for r in replies if r.status in (502, 504) and r.not_sent_page),
            "other": sum(1 for r in replies if not r.receipt and not r.not_sent_page),
        },
        "served_by": served_by(replies),
        "posts_retried_by_nginx_on_the_other_node": sum(1 for r in replies if len(r.upstreams) > 1),
        "tips_stored_after_the_load": stored,
        "sent_again": {"posts": len(again), "receipts": sum(1 for r in again.values() if r.receipt)},
        "tips_stored_after_sending_again": stored_after,
        "distinct_receipts": len(set(receipts)),
        "gets_during_the_kill": {
            "requests": len(probes),
            "statuses": dict(Counter(r.status for r in probes)),
            "retried_by_nginx_on_the_other_node": sum(1 for r in probes if len(r.upstreams) > 1),
            "served_by": served_by(probes),
        },
        "node_a_healthz_after": a_after.status or "no answer",
    }
    checks = [
        (
            "(4) node A went down mid-load and node B carried on",
            a_after.status == 0 and data["served_by"].get(f"127.0.0.1:{NODE_PORTS['b']}", 0) > 0,
        ),
        (
            "(4) every POST showed a receipt, or a not-sent page with 911, 988 and the hotline (the app's 503, or nginx's 502/504 page); nothing else",
            data["not_sent"]["other"] == 0,
        ),
        (
            "(4) tips stored = receipts shown: no tip lost, none stored without its receipt shown",
            stored == data["receipts_shown"],
        ),
        (
            "(4) each not-sent form sent again: a receipt; one tip per form in the end, every receipt different",
            all(r.receipt for r in again.values()) and stored_after == KILL_TIPS == len(set(receipts)),
        ),
        (
            "(4) GETs through nginx during the kill: all 200 (nginx retried them on node B)",
            set(data["gets_during_the_kill"]["statuses"]) == {200},
        ),
    ]
    return checks, data


def outbox_settled(database: str, limit: float = 300) -> float:
    started = time.monotonic()
    while time.monotonic() - started < limit:
        if q("SELECT count(*) FROM reports_notification WHERE status IN ('pending', 'sending')", database) == "0":
            break
        time.sleep(1)
    return time.monotonic() - started


def exactly_once(sink: cluster.SmtpSink, database: str) -> tuple[list, dict]:
    """(3) Every alert in the outbox reached the SMTP server once, with two workers racing."""
    waited = outbox_settled(database)
    statuses = dict(
        line.split("|")
        for line in q("SELECT status, count(*) FROM reports_notification GROUP BY status", database).splitlines()
    )
    sent_ids = {int(i) for i in q("SELECT id FROM reports_notification WHERE status = 'sent'", database).split()}
    mails = sink.snapshot()
    per_row = Counter(int(m.group(1)) for mail in mails if (m := re.match(r"<alert-(\d+)@", mail["message_id"])))
    by_worker = {
        worker: int(sent)
        for worker, sent in (
            line.split("|")
            for line in q(
                "SELECT worker_ids->>-1, sum((return_value->>'sent')::int) FROM django_tasks_database_dbtaskresult "
                "WHERE status = 'SUCCESSFUL' AND return_value ? 'sent' GROUP BY 1 ORDER BY 1",
                database,
            ).splitlines()
        )
    }
    data = {
        "outbox": statuses,
        "seconds_until_settled": round(waited, 1),
        "mails_received": len(mails),
        "outbox_rows_mailed": len(per_row),
        "rows_mailed_twice_or_more": sum(1 for n in per_row.values() if n > 1),
        "mails_for_no_sent_row": sum(n for row, n in per_row.items() if row not in sent_ids),
        "sent_by_worker": by_worker,
    }
    checks = [
        ("(3) the outbox drained: no alert pending, none failed", set(statuses) == {"sent"}),
        (
            f"(3) each of the {len(sent_ids)} sent alerts reached the SMTP server exactly once (Message-ID per outbox row)",
            set(per_row) == sent_ids and data["rows_mailed_twice_or_more"] == 0 and len(mails) == len(sent_ids),
        ),
        ("(3) both workers delivered alerts", len([w for w, n in by_worker.items() if n > 0]) == 2),
        (
            "no alert e-mail carries words of a tip",
            not any("Drill tip" in m["text"] or "knife" in m["text"] for m in mails),
        ),
    ]
    return checks, data


def media_across_nodes(nodes: dict, database: str) -> dict:
    """Observed, not checked: a coordinator's uploaded resource lives in one node's VAR_DIR."""
    resource = q("SELECT id FROM partners_resource WHERE published AND file <> '' ORDER BY id LIMIT 1", database)
    if not resource:
        return {"resource_file": "no demo resource with a file"}
    path = f"/resources/{resource}/file/"
    return {f"GET {path} on node {name}": cluster.fetch(t, "GET", path).status for name, t in nodes.items()}


def drill_two_nodes() -> bool:
    cluster.ensure_system_packages("nginx", "openssl")
    work = work_dir("two-nodes")
    redis_url = f"redis://127.0.0.1:{CLUSTER_REDIS_PORT}/0"
    base = cluster.production_env(
        database_url=run.PG + CLUSTER_DB,
        redis_url=redis_url,
        site_url=SITE_URL,
        var_dir=work,
        EMAIL_URL=f"smtp://127.0.0.1:{SMTP_PORT}",
        GUNICORN_WORKERS="3",
        **cluster.fresh_secrets(),
    )
    envs = {name: {**base, "VAR_DIR": str(work / f"node-{name}")} for name in NODE_PORTS}
    cert, key = cluster.self_signed_certificate(work / "tls")
    tls = cluster.tls_context(cert)
    nginx = cluster.Target("nginx", NGINX_PORT, tls)
    nodes = {name: cluster.Target(f"node-{name}", port) for name, port in NODE_PORTS.items()}
    checks, data = [], {}
    with ExitStack() as stack:
        start_private_redis(CLUSTER_REDIS_PORT)
        stack.callback(stop_private_redis, CLUSTER_REDIS_PORT)
        deploy(CLUSTER_DB, list(envs.values()))
        sink = stack.enter_context(cluster.SmtpSink(SMTP_PORT))
        servers = {}
        for name, port in NODE_PORTS.items():
            servers[name] = start_node(f"node-{name}", port, envs[name])
            stack.callback(servers[name].stop)
        for number, name in enumerate(NODE_PORTS, start=1):
            worker = cluster.start(
                f"worker-{number}",
                [run.APP_PYTHON, "manage.py", "db_worker", "--no-reload", "--worker-id", f"drill-worker-{number}"],
                env=envs[name],
                log_dir=work,
            )
            stack.callback(worker.stop)
        proxy = start_nginx(work, cert, key, [f"127.0.0.1:{port}" for port in NODE_PORTS.values()], tls)
        stack.callback(proxy.stop)
        plain = cluster.fetch(cluster.Target("nginx-http", NGINX_HTTP_PORT), "GET", "/report/")
        checks.append(
            (
                "nginx on plain http only redirects to https",
                plain.status == 301 and plain.headers.get("location", "").startswith("https://"),
            )
        )
        schools, category = demo_targets(CLUSTER_DB)
        data["observed_uploaded_files"] = media_across_nodes(nodes, CLUSTER_DB)
        for part, run_part in [
            ("across_nodes", lambda: across_nodes(nodes, nginx, envs["a"], schools, category)),
            ("rate_limit", lambda: shared_rate_limit(nodes, schools, category)),
            ("load", lambda: load_through_nginx(nginx, schools, category, CLUSTER_DB)),
            ("kill_node_a", lambda: kill_a_node(nodes, servers, nginx, schools, category, CLUSTER_DB)),
            ("alerts", lambda: exactly_once(sink, CLUSTER_DB)),
        ]:
            run.log(f"two-nodes: {part}")
            part_checks, data[part] = run_part()
            checks += part_checks
        access_log = (work / "nginx" / "access.log").read_text()
        data["nginx_access_log_lines"] = len(access_log.splitlines())
        checks.append(("nginx's access log holds no client address", not re.search(r"127\.0\.\d+\.\d+", access_log)))
    notes = [
        "How to read (4). Node A's gunicorn master is killed with SIGKILL. Its orphaned workers notice within "
        "a second (gunicorn checks its parent once a second) and stop accepting connections, but go on "
        "answering requests on the connections nginx keeps open to them (upstream keepalive) until gunicorn's "
        "graceful timeout (30 s) ends, then exit: the events give the time. A request on such a connection "
        "when its worker exits, or on a new connection left waiting in A's listening socket, fails: nginx "
        "retries a GET on node B, but never a POST it had already sent (`proxy_next_upstream error timeout`, "
        "no `non_idempotent`): that client gets 502 with nginx's page (`static/errors/unavailable.html`: 911, "
        '988, the hotline, "send it again"), and no tip was stored for it. Sending the same form again gives '
        "a receipt and still one tip per form (the form token makes submission idempotent). nginx moves a POST "
        "to B by itself only when A refused the connection (nothing was sent).",
        "Each node has its own VAR_DIR, as separate machines would: `observed_uploaded_files` shows that a "
        "resource file a coordinator uploaded (here: the demo data, loaded through node A) is served by A "
        "only; node B answers 500. VAR_DIR/media must be shared by the web nodes (README: Scaling out).",
    ]
    return write(
        "two-nodes",
        "two web nodes and two workers behind nginx, one node killed mid-load",
        "make bench-drills DRILLS=two-nodes",
        checks,
        data,
        setup=CLUSTER_SETUP,
        notes=notes,
    )


def table_counts(database: str) -> dict[str, int]:
    rows = q(
        "SELECT table_name, (xpath('/row/n/text()', query_to_xml(format('SELECT count(*) AS n FROM %I', table_name), "
        "false, true, '')))[1]::text FROM information_schema.tables WHERE table_schema = 'public' "
        "AND table_type = 'BASE TABLE' ORDER BY 1",
        database,
    )
    return {name: int(n) for name, n in (line.split("|") for line in rows.splitlines())}


def drill_restore() -> bool:
    """Back up with docs/backup/safeschools-backup, restore with safeschools-restore into a
    new database, run the app on it with the same keys."""
    cluster.ensure_system_packages("gpg")
    work = work_dir("restore")
    keys = cluster.fresh_secrets()
    redis_url = f"redis://127.0.0.1:{CLUSTER_REDIS_PORT}/1"
    env = cluster.production_env(
        database_url=run.PG + RESTORE_DB,
        redis_url=redis_url,
        site_url=SITE_URL,
        var_dir=work / "app",
        EMAIL_URL=f"file://{work / 'mail'}",
        GUNICORN_WORKERS="2",
        **keys,
    )
    restored_env = {**env, "DATABASE_URL": run.PG + RESTORED_DB, "VAR_DIR": str(work / "restored-app")}
    marker = f"restoremark{secrets.token_hex(4)}"
    node = cluster.Target("node", NODE_PORTS["a"])
    with ExitStack() as stack:
        start_private_redis(CLUSTER_REDIS_PORT)
        stack.callback(stop_private_redis, CLUSTER_REDIS_PORT)
        deploy(RESTORE_DB, [env])
        schools, category = demo_targets(RESTORE_DB)
        server = start_node("restore-source", NODE_PORTS["a"], env)
        stack.callback(server.stop)
        # A signed-in coordinator: a live staff session that the backup must leave out.
        source_sign_in = sign_in(cluster.Browser(), node, node, env, "coordinator")
        cookies, forms = blank_forms(node, 12)
        sent = [
            cluster.fetch(
                node.via(real_ip="127.0.14.1"),
                "POST",
                "/report/",
                fields=tip_form(form, schools[0], category, f"Restore drill tip {i}: {marker} in the bus line."),
                cookies=cookies,
            )
            for i, form in enumerate(forms)
        ]
        server.stop()
    receipts = [r.receipt for r in sent if r.receipt]
    before = table_counts(RESTORE_DB)

    # The backup, as the systemd timer runs it: the dump passphrase in a file of its own,
    # the app's keys nowhere in the backup's environment.
    backups, vault = work / "backups", work / "kept-apart"
    vault.mkdir(mode=0o700)
    passphrase = vault / "backup-passphrase"
    passphrase.write_text(secrets.token_urlsafe(32))
    passphrase.chmod(0o600)
    backup_env = {
        "PATH": os.environ["PATH"],
        "DATABASE_URL": run.PG + RESTORE_DB,
        "BACKUP_DIR": str(backups),
        "BACKUP_PASSPHRASE_FILE": str(passphrase),
    }
    started = time.monotonic()
    made = shell(BACKUP_SCRIPT, timeout=600, env=backup_env)
    backup_seconds = time.monotonic() - started
    dumps = sorted(backups.glob("safeschools-*.dump.gpg"))
    if made.returncode or not dumps:
        raise SystemExit(f"the backup failed:\n{made.stdout}\n{made.stderr}")
    dump = dumps[-1]
    encrypted = dump.read_bytes()
    plain = shell(RESTORE_SCRIPT, "--sql", dump, timeout=600, env=backup_env)
    fresh_app_database(RESTORED_DB)
    started = time.monotonic()
    restored = shell(RESTORE_SCRIPT, dump, timeout=600, env={**backup_env, "DATABASE_URL": run.PG + RESTORED_DB})
    restore_seconds = time.monotonic() - started
    if restored.returncode:
        raise SystemExit(f"the restore failed:\n{restored.stdout}\n{restored.stderr}")
    after = table_counts(RESTORED_DB)
    manage(restored_env, "migrate", "--noinput", "-v0")  # the restore procedure's last step (README)
    different = {
        t: (before.get(t), after.get(t)) for t in sorted(set(before) | set(after)) if before.get(t) != after.get(t)
    }

    manage(restored_env, "collectstatic", "--noinput", "-v0")
    count_marker = (
        "import os; from reports.models import Tip; "
        "print(sum(os.environ['DRILL_MARKER'] in tip.description for tip in Tip.objects.all()))"
    )
    decrypted = last_line(manage({**restored_env, "DRILL_MARKER": marker}, "shell", "-c", count_marker))
    wrong_key = (
        "from reports.models import Tip\n"
        "try:\n    print('read', len(Tip.objects.first().description))\n"
        "except Exception as error:\n    print('refused', type(error).__name__)"
    )
    with_wrong_key = last_line(
        manage({**restored_env, "FIELD_ENCRYPTION_KEYS": cluster.fernet_key()}, "shell", "-c", wrong_key)
    )

    restored_node = cluster.Target("restored", NODE_PORTS["b"])
    with ExitStack() as stack:
        start_private_redis(CLUSTER_REDIS_PORT)
        stack.callback(stop_private_redis, CLUSTER_REDIS_PORT)
        server = start_node("restored", NODE_PORTS["b"], restored_env)
        stack.callback(server.stop)
        staff = cluster.Browser()
        signed_in = sign_in(staff, restored_node, restored_node, restored_env, "officer.olsen")
        found = staff.get(restored_node, f"/staff/?q={marker}")
        link = re.search(r'href="/staff/tips/(\d+)/"', found.text)
        detail = staff.get(restored_node, f"/staff/tips/{link.group(1)}/") if link else None
        tipster = cluster.Browser()
        _, tokens = tipster.form(restored_node, "/report/check/")
        opened = tipster.post(restored_node, "/report/check/", {**tokens, "receipt": receipts[0] if receipts else ""})
        cookies, forms = blank_forms(restored_node, 1)
        new_tip = cluster.fetch(
            restored_node,
            "POST",
            "/report/",
            fields=tip_form(forms[0], schools[0], category, "After the restore."),
            cookies=cookies,
        )
    staff_email = q("SELECT email FROM auth_user WHERE username = 'officer.olsen'", RESTORE_DB)
    data = {
        "tips_sent": len(sent),
        "receipts_shown": len(receipts),
        "dump": {
            "file": dump.name,
            "bytes": len(encrypted),
            "mode": oct(dump.stat().st_mode & 0o777),
            "backup_seconds": round(backup_seconds, 1),
            "restore_seconds": round(restore_seconds, 1),
        },
        "tables": len(before),
        "rows": sum(before.values()),
        "tables_whose_count_differs": different,
        "tips_whose_text_decrypts_with_the_keys": decrypted,
        "with_a_wrong_key": with_wrong_key,
        "restored_app": {
            "sign_in": signed_in.status,
            "search": found.status,
            "detail": detail.status if detail else None,
            "receipt_check": opened.status,
            "new_tip": new_tip.status,
        },
    }
    checks = [
        ("12 tips sent, 12 receipts shown", len(receipts) == 12),
        (
            "the dump is encrypted: no PostgreSQL header, no staff e-mail address in it; mode 600",
            not encrypted.startswith(b"PGDMP")
            and staff_email.encode() not in encrypted
            and dump.stat().st_mode & 0o077 == 0,
        ),
        (
            "decrypted with the passphrase, the dump has the staff addresses but no word of a tip (tip text is encrypted with FIELD_ENCRYPTION_KEYS)",
            staff_email in plain.stdout and marker not in plain.stdout and "Restore drill tip" not in plain.stdout,
        ),
        (
            "restored into a new database: every table's row count matches, but sessions, left out of dumps on purpose",
            source_sign_in.status == 302 and set(different) == {"django_session"} and after.get("django_session") == 0,
        ),
        ("with the keys, all 12 tips' text decrypts", decrypted == "12"),
        (
            "with another key, reading a tip fails (it never returns ciphertext as text)",
            with_wrong_key.startswith("refused"),
        ),
        (
            "the app on the restored database: staff sign in, find a tip by a word and read its text",
            signed_in.status == 302 and bool(detail) and detail.status == 200 and marker in detail.text,
        ),
        ("a tipster's receipt still opens the tip (RECEIPT_PEPPER kept)", opened.status == 302),
        ("a new tip is accepted on the restored database", bool(new_tip.receipt)),
    ]
    return write(
        "restore",
        "an encrypted backup restored into a new database, the app run on it",
        "make bench-drills DRILLS=restore",
        checks,
        data,
        setup="`docs/backup/safeschools-backup` (pg_dump -Fc | gpg --symmetric) and `docs/backup/safeschools-restore`, "
        "gunicorn (`gunicorn.conf.py`) with production settings on PostgreSQL 15, 2 cores, 127.0.0.1.",
    )


SHARED_DATABASE_DRILLS = ("load", "load-queue", "redis", "postgres")
OWN_STACK_DRILLS = {"two-nodes": drill_two_nodes, "restore": drill_restore}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("drills", nargs="*", default=["load", "load-queue", "redis", "two-nodes", "restore"])
    args = parser.parse_args()
    unknown = set(args.drills) - {*SHARED_DATABASE_DRILLS, *OWN_STACK_DRILLS}
    if unknown:
        raise SystemExit(f"unknown drills: {', '.join(sorted(unknown))}")
    redis_url = run.REDIS_URL
    run.VAR.mkdir(parents=True, exist_ok=True)
    ensure_app_role()
    if set(args.drills) & set(SHARED_DATABASE_DRILLS):
        fresh_database(redis_url)
    passed = True
    for name in args.drills:
        if name in OWN_STACK_DRILLS:  # their own database, Redis, ports and processes
            passed &= OWN_STACK_DRILLS[name]()
            continue
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
