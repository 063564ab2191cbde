"""The benchmark: the product and the baseline app under wrk, on one PostgreSQL and Redis.

    make bench                                          # short: 50,000 tips, 10 s a scenario
    make bench BENCH_TIPS=1000000 BENCH_SECONDS=30      # the full run

Runs in bench's own virtualenv (matplotlib); everything that needs Django runs as a
subprocess with the product's interpreter. Load goes to 127.0.0.1 only; every wrk run is
bounded by --seconds. Both gunicorns use the repository's gunicorn.conf.py and are stopped
at the end, whatever happens.

Every gunicorn writes its access log (``%(M)s``: the duration in ms; no client address,
no query string) to bench/var; the report gives the server-side percentiles of each
scenario from it beside wrk's, so a tail shows in both or is not claimed. After the load,
each staff page is also timed alone (one connection, one request after another).

``--quick`` checks that the bench works in about two minutes on the 50,000-tip dataset
(3 s a scenario, one round, fewer single-user samples): its figures are not results.

For the load test only, the tip form's minimum fill-in time is 0 s
(``TIP_FORM_MIN_SECONDS=0``) and the rate limits are raised to 1,000,000/min
(``TIP_SUBMIT_RATE*``, ``RECEIPT_CHECK_RATE*``): the limiter still counts every request in
Redis, it just never says no.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import secrets
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections import Counter
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlencode

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
VAR = BENCH / "var"
RESULTS = BENCH / "results"
APP_PYTHON = ROOT / ".venv" / "bin" / "python"
GUNICORN = ROOT / ".venv" / "bin" / "gunicorn"
PG = "postgres://safeschools@127.0.0.1:5432/"
# One database pair per dataset size, so that the short and the full run keep theirs.
PRODUCT_DB = "safeschools_bench_product"
BASELINE_DB = "safeschools_bench_baseline"
PRODUCT_PORT, BASELINE_PORT = 8701, 8702
REDIS_URL = "redis://127.0.0.1:6379/5"
UNLIMITED = "1000000/m"


def use_databases(tips: int) -> None:
    global PRODUCT_DB, BASELINE_DB  # noqa: PLW0603 — set once, from the command line
    PRODUCT_DB, BASELINE_DB = f"safeschools_bench_product_{tips}", f"safeschools_bench_baseline_{tips}"


def product_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GUNICORN_", "DJANGO_"))}
    env.update(
        DATABASE_URL=PG + PRODUCT_DB,
        REDIS_URL=REDIS_URL,
        VAR_DIR=str(VAR),
        DEBUG="false",
        HTTPS="false",
        ALLOWED_HOSTS="127.0.0.1,localhost",
        TIP_FORM_MIN_SECONDS="0",
        TIP_SUBMIT_RATE=UNLIMITED,
        TIP_SUBMIT_RATE_OVERALL=UNLIMITED,
        RECEIPT_CHECK_RATE=UNLIMITED,
        RECEIPT_CHECK_RATE_OVERALL=UNLIMITED,
        LOG_LEVEL="WARNING",
    )
    env.update(extra)
    return env


def baseline_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GUNICORN_", "DJANGO_"))}
    env.update(
        BASELINE_DATABASE_URL=PG + BASELINE_DB,
        BASELINE_SECRET_KEY=secret("baseline-secret-key"),
        DJANGO_SETTINGS_MODULE="baseline.settings",
        PYTHONPATH=str(BENCH),
    )
    env.update(extra)
    return env


def secret(name: str) -> str:
    """A throwaway secret kept in bench/var so that reruns reuse the database."""
    path = VAR / name
    if not path.exists():
        VAR.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(50))
    return path.read_text().strip()


def run(args: list, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run([str(a) for a in args], check=True, **kwargs)  # noqa: S603 — fixed programs


def psql(database: str, sql: str, *, quiet: bool = False) -> str:
    args = ["psql", PG + database, "-v", "ON_ERROR_STOP=1", "-qtAc", sql]
    out = subprocess.run(args, capture_output=True, text=True, check=False)  # noqa: S603, S607 — psql
    if out.returncode != 0:
        if not quiet:
            print(out.stderr, file=sys.stderr)
        raise subprocess.CalledProcessError(out.returncode, args, out.stdout, out.stderr)
    return out.stdout.strip()


def log(message: str) -> None:
    print(f"[bench {datetime.now():%H:%M:%S}] {message}", flush=True)


# --- Data ------------------------------------------------------------------------------


def dataset_size() -> int | None:
    exists = psql("postgres", f"SELECT 1 FROM pg_database WHERE datname = '{PRODUCT_DB}'")  # noqa: S608
    if not exists:
        return None
    try:
        return int(psql(PRODUCT_DB, "SELECT tips FROM bench_dataset ORDER BY generated_at DESC LIMIT 1", quiet=True))
    except subprocess.CalledProcessError:
        return None


def prepare_product(tips: int) -> None:
    if dataset_size() == tips:
        log(f"product database {PRODUCT_DB} already holds the {tips:,}-tip dataset: reused (migrated)")
        run([APP_PYTHON, "manage.py", "migrate", "--noinput", "-v0"], cwd=ROOT, env=product_env())
    else:
        log(f"creating {PRODUCT_DB} with {tips:,} tips")
        psql("postgres", f"DROP DATABASE IF EXISTS {PRODUCT_DB}")
        psql("postgres", f"CREATE DATABASE {PRODUCT_DB}")
        env = product_env()
        run([APP_PYTHON, "manage.py", "migrate", "--noinput", "-v0"], cwd=ROOT, env=env)
        run([APP_PYTHON, "manage.py", "load_content"], cwd=ROOT, env=env, stdout=subprocess.DEVNULL)
        run(
            [APP_PYTHON, "manage.py", "load_demo", "--i-know-this-is-not-production"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
        )
        started = time.monotonic()
        run([APP_PYTHON, BENCH / "generate.py", "--tips", tips], cwd=ROOT, env=env)
        log(f"dataset loaded in {time.monotonic() - started:.0f} s")
    log("collectstatic (manifest storage, as in production)")
    run([APP_PYTHON, "manage.py", "collectstatic", "--noinput", "-v0"], cwd=ROOT, env=product_env())


def prepare_baseline(rows: int, listed: int) -> None:
    """``rows`` items, every ``rows // listed``-th of them agency 1's (the listed agency),
    so that the list shows about as many rows as the officer's queue does."""
    every = max(1, round(rows / max(1, listed)))
    exists = psql("postgres", f"SELECT 1 FROM pg_database WHERE datname = '{BASELINE_DB}'")  # noqa: S608
    if exists:
        try:
            # Rows the insert POSTs added in an earlier run go, so the dataset is reused.
            psql(BASELINE_DB, f"DELETE FROM baseline_item WHERE id > {int(rows)}", quiet=True)  # noqa: S608
            found = psql(
                BASELINE_DB,
                "SELECT coalesce(max(id), 0) || ' ' || count(*) FILTER (WHERE agency_id = 1) FROM baseline_item",
                quiet=True,
            )
        except subprocess.CalledProcessError:
            found = ""  # a database from before the agency column
        if found == f"{rows} {rows // every}":
            log(f"baseline database {BASELINE_DB} already holds {rows:,} rows ({rows // every:,} listed): reused")
            return
    log(f"creating {BASELINE_DB} with {rows:,} rows, {rows // every:,} of them the listed agency's")
    psql("postgres", f"DROP DATABASE IF EXISTS {BASELINE_DB}")
    psql("postgres", f"CREATE DATABASE {BASELINE_DB}")
    run([APP_PYTHON, BENCH / "baseline" / "manage.py", "migrate", "--run-syncdb", "-v0"], env=baseline_env())
    psql(
        BASELINE_DB,
        "INSERT INTO baseline_item (title, body, created_at, agency_id) "  # noqa: S608 — numbers, no input
        f"SELECT 'Item ' || g, repeat('lorem ipsum ', 20), now() - g * interval '1 minute', "
        f"CASE WHEN g % {int(every)} = 0 THEN 1 ELSE 2 + g % 40 END "
        f"FROM generate_series(1, {int(rows)}) g",
    )
    psql(BASELINE_DB, "VACUUM ANALYZE baseline_item")


# --- Servers ---------------------------------------------------------------------------


# gunicorn.conf.py's access log: … "GET /path HTTP/1.1" 200 1234 12ms 12345us (µs since
# the µs field was added; older logs end at ms).
ACCESS_LINE = re.compile(
    r'"(?P<method>[A-Z]+) (?P<path>\S+) [^"]*" (?P<status>\d{3}) \S+ (?P<ms>\d+)ms(?: (?P<us>\d+)us)?\s*$'
)


@dataclass
class Server:
    name: str
    port: int
    process: subprocess.Popen
    log_path: Path
    access_path: Path
    health: str

    def mark(self) -> int:
        """Where the access log ends now: ``durations_since`` reads what comes after."""
        return self.access_path.stat().st_size if self.access_path.exists() else 0

    def durations_since(self, mark: int) -> Counter:
        """Server-side durations (ms, to 0.1 ms → count) of the requests logged since
        ``mark``, but for the health checks that ``drain`` sends."""
        durations: Counter = Counter()
        with self.access_path.open("rb") as handle:
            handle.seek(mark)
            for raw in handle:
                match = ACCESS_LINE.search(raw.decode(errors="replace"))
                if match and match["path"] != self.health:
                    ms = int(match["us"]) / 1000 if match["us"] else int(match["ms"])
                    durations[round(ms, 1)] += 1
        return durations

    def worker_rss_mb(self) -> tuple[float, float]:
        """(largest worker, all workers) resident memory in MB."""
        sizes = []
        for status in Path("/proc").glob("[0-9]*/status"):
            try:
                text = status.read_text()
            except OSError:
                continue
            ppid = re.search(r"^PPid:\s+(\d+)", text, re.M)
            rss = re.search(r"^VmRSS:\s+(\d+) kB", text, re.M)
            if ppid and rss and int(ppid.group(1)) == self.process.pid:
                sizes.append(int(rss.group(1)) / 1024)
        return (max(sizes, default=0.0), sum(sizes))

    def cpu_seconds(self) -> float:
        """CPU time its master and workers have used so far, recycled workers included."""
        return _tree_cpu_seconds(self.process.pid, _processes())

    def drain(self, limit: float = 60) -> None:
        """Wait until requests that wrk gave up on have finished (a slow page keeps every
        worker busy for seconds after wrk stops), so they do not land on the next scenario:
        two quick answers in a row from the health URL mean the workers are free."""
        deadline, quick = time.monotonic() + limit, 0
        while quick < 2 and time.monotonic() < deadline:
            started = time.monotonic()
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{self.port}{self.health}", timeout=limit) as response:  # noqa: S310
                    response.read()
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                time.sleep(0.2)
                continue
            quick = quick + 1 if time.monotonic() - started < 0.05 else 0

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=40)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def _stat(pid: int) -> list[str]:
    """/proc/<pid>/stat's fields after the command name (field 3 on), or [] if it is gone."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return []
    return text[text.rindex(")") + 2 :].split()


def _processes() -> dict[int, tuple[int, str]]:
    """Every process: its parent and its command name."""
    found = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:
            continue
        found[int(stat.parent.name)] = (
            int(text[text.rindex(")") + 2 :].split()[1]),
            text[text.index("(") + 1 : text.rindex(")")],
        )
    return found


def _tree_cpu_seconds(root: int, processes: dict[int, tuple[int, str]]) -> float:
    """CPU time so far of ``root`` and every process under it, those that have ended
    included: each process's own user and system time plus its ended children's (cutime,
    cstime), which is where a recycled gunicorn worker's or a finished PostgreSQL
    backend's time goes."""
    total, stack = 0.0, [root]
    while stack:
        pid = stack.pop()
        if fields := _stat(pid):
            total += sum(int(value) for value in fields[11:15]) / CLOCK_TICKS
        stack += [child for child, (parent, _) in processes.items() if parent == pid]
    return total


def _database_cpu_seconds() -> dict[str, float]:
    """CPU time so far of PostgreSQL (its postmaster and every backend, ended ones
    included) and of Redis: both shared by the two apps, so a scenario's share is the
    difference over its run, while only it loads them."""
    processes = _processes()
    roots = {"postgres": [], "redis": []}
    for pid, (parent, name) in processes.items():
        parent_name = processes.get(parent, (0, ""))[1]
        if name.startswith("postgres") and not parent_name.startswith("postgres"):
            roots["postgres"].append(pid)
        elif name.startswith("redis-server"):
            roots["redis"].append(pid)
    return {kind: sum(_tree_cpu_seconds(pid, processes) for pid in pids) for kind, pids in roots.items()}


def start_server(
    name: str, port: int, app: str, env: dict[str, str], cwd: Path, health: str, health_headers: dict | None = None
) -> Server:
    """gunicorn with the repository's gunicorn.conf.py, once ``health`` answers 200 (with
    ``health_headers``: behind nginx with HTTPS=true, X-Forwarded-Proto: https)."""
    log_path = VAR / f"{name}-gunicorn.log"
    access_path = VAR / f"{name}-access.log"
    access_path.unlink(missing_ok=True)
    env = {**env, "GUNICORN_BIND": f"127.0.0.1:{port}", "GUNICORN_ACCESS_LOG": str(access_path)}
    with log_path.open("w") as handle:
        process = subprocess.Popen(  # noqa: S603 — our gunicorn
            [str(GUNICORN), "-c", str(ROOT / "gunicorn.conf.py"), app],
            cwd=cwd,
            env=env,
            stdout=handle,
            stderr=subprocess.STDOUT,
        )
    server = Server(name, port, process, log_path, access_path, health)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"{name} gunicorn exited; see {log_path}")
        try:
            probe = urllib.request.Request(f"http://127.0.0.1:{port}{health}", headers=health_headers or {})  # noqa: S310
            with urllib.request.urlopen(probe, timeout=2) as response:  # noqa: S310
                if response.status == 200:
                    log(f"{name} up on 127.0.0.1:{port} (pid {process.pid})")
                    return server
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.5)
    server.stop()
    raise SystemExit(f"{name} did not answer on port {port} within 60 s; see {log_path}")


# --- Scenarios -------------------------------------------------------------------------


@dataclass
class Scenario:
    key: str
    label: str
    server: str
    method: str
    path: str
    lines: list[str]
    cookie: str = ""
    baseline: str | None = None  # key of the baseline scenario the ratio is taken against
    target: float | None = None  # the ratio it must reach
    result: dict = field(default_factory=dict)


def wrk(scenario: Scenario, port: int, seconds: int, connections: int, threads: int, lines: list[str]) -> dict:
    path = VAR / f"lines-{scenario.key}.txt"
    path.write_text("\n".join(lines) + "\n")
    url = f"http://127.0.0.1:{port}{scenario.path}"
    args = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--timeout", "10s"]
    args += ["-s", BENCH / "load.lua", url, "--", scenario.method, path, threads, scenario.cookie]
    out = run(args, capture_output=True, text=True, timeout=seconds + 60).stdout
    match = re.search(r"^BENCH_JSON (.*)$", out, re.M)
    if not match:
        raise SystemExit(f"wrk printed no result for {scenario.key}:\n{out}")
    data = json.loads(match.group(1))
    hist = re.search(r"^BENCH_HIST (.*)$", out, re.M)
    data["histogram"] = Counter()
    for pair in hist.group(1).split(",") if hist and hist.group(1) else []:
        value, count = pair.split(":")
        data["histogram"][int(value)] += int(count)
    return data


def percentile(histogram: Counter, p: float) -> float:
    """The exact ``p``-th percentile of a histogram (value → count); 0 when it is empty."""
    ordered = sorted(histogram.items())
    target, seen = p / 100 * sum(histogram.values()), 0
    for value, count in ordered:
        seen += count
        if seen >= target:
            return value
    return ordered[-1][0] if ordered else 0


def server_figures(durations: Counter) -> dict:
    """Percentiles of the server-side durations (ms) from gunicorn's access log; the
    histogram is kept in the JSON (whole ms, to keep it small)."""
    whole_ms = Counter()
    for value, count in durations.items():
        whole_ms[int(value)] += count
    return {
        "server_requests": sum(durations.values()),
        "server_p50_ms": percentile(durations, 50),
        "server_p95_ms": percentile(durations, 95),
        "server_p99_ms": percentile(durations, 99),
        "server_max_ms": max(durations, default=0),
        "server_histogram_ms": {str(k): v for k, v in sorted(whole_ms.items())},
    }


def merge(rounds: list[dict]) -> dict:
    """One result from the rounds of a scenario: summed counts, exact percentiles of the
    merged latency histograms (wrk's, and the server's from its access log)."""
    histogram = sum((r["histogram"] for r in rounds), Counter())
    total = sum(histogram.values())
    ordered = sorted(histogram.items())

    statuses = Counter()
    errors = Counter()
    for r in rounds:
        statuses.update(r["statuses"])
        errors.update(r["errors"])
    data = {
        "requests": sum(r["requests"] for r in rounds),
        "duration_us": sum(r["duration_us"] for r in rounds),
        "p50_us": percentile(histogram, 50),
        "p95_us": percentile(histogram, 95),
        "p99_us": percentile(histogram, 99),
        "max_us": max((r["max_us"] for r in rounds), default=0),
        "mean_us": sum(v * c for v, c in ordered) / total if total else 0,
        "errors": dict(errors),
        "statuses": dict(statuses),
        "reused": sum(r["reused"] for r in rounds),
        "rounds": len(rounds),
    }
    data.update(server_figures(sum((r["server_ms"] for r in rounds), Counter())))
    data["rps"] = data["requests"] / (data["duration_us"] / 1e6)
    # CPU per request (ms): the app's gunicorn, PostgreSQL and Redis, over the scenario's runs
    # (the app's own; PostgreSQL's and Redis's include whatever else ran on them meanwhile).
    if data["requests"] and all("cpu_s" in r for r in rounds):
        data["cpu_ms_per_request"] = {
            name: round(sum(r["cpu_s"][name] for r in rounds) * 1000 / data["requests"], 3)
            for name in ("app", "postgres", "redis")
        }
    data["5xx"] = sum(n for code, n in data["statuses"].items() if code.startswith("5"))
    data["socket_errors"] = sum(v for k, v in data["errors"].items() if k != "status")
    return data


def body(**fields: str) -> str:
    return urlencode(fields)


def tip_body(*, category: str, school: str, description: str, form_token: str, csrf: str) -> str:
    """A valid tip-form POST body: an anonymous, non-urgent tip about ``school``."""
    return body(
        category=category,
        school=school,
        description=description,
        when="today",
        when_date="",
        location="Hallway by the gym",
        people_involved="",
        danger_now="no",
        contact_choice="anonymous",
        contact_details="",
        extra_notes="",
        form_token=form_token,
        csrfmiddlewaretoken=csrf,
    )


def scenarios_cookie(prep: dict) -> str:
    """The staff cookie: the verified session and the CSRF token."""
    return f"sessionid={prep['sessionid']}; csrftoken={prep['csrf']}"


def build_scenarios(prep: dict, demo: dict) -> list[Scenario]:
    csrf = prep["csrf"]
    cookie_public = f"csrftoken={csrf}"
    cookie_staff = scenarios_cookie(prep)
    tip_bodies = [
        tip_body(
            category=str(demo["categories"][i % len(demo["categories"])]),
            school=str(demo["schools"][i % len(demo["schools"])]),
            description="A group keeps shoving a sixth grader into the lockers between classes.",
            form_token=token,
            csrf=csrf,
        )
        for i, token in enumerate(prep["form_tokens"])
    ]
    receipt_bodies = [body(receipt=r, csrfmiddlewaretoken=csrf) for r in prep["receipts"]]
    base_bodies = [body(title=f"Item {i}", body="Some text " * 10, csrfmiddlewaretoken=csrf) for i in range(1000)]
    deep = f"/staff/?cursor={prep['deep_cursor']}" if prep["deep_cursor"] else "/staff/"
    return [
        Scenario("base_static", "baseline: static page", "baseline", "GET", "/", ["/"]),
        Scenario("home", "home page", "product", "GET", "/", ["/"], baseline="base_static", target=0.9),
        Scenario("about", "about page", "product", "GET", "/about/", ["/about/"], baseline="base_static", target=0.9),
        Scenario("base_form", "baseline: form GET", "baseline", "GET", "/form/", ["/form/"]),
        Scenario(
            "tip_form", "tip form GET", "product", "GET", "/report/", ["/report/"], baseline="base_form", target=0.9
        ),
        Scenario("base_post", "baseline: insert POST", "baseline", "POST", "/form/", base_bodies, cookie_public),
        Scenario(
            "tip_submit", "tip submit POST", "product", "POST", "/report/", tip_bodies, cookie_public, "base_post", 0.2
        ),
        Scenario(
            "receipt_check",
            "receipt check POST",
            "product",
            "POST",
            "/report/check/",
            receipt_bodies,
            cookie_public,
            "base_post",
        ),
        Scenario("base_list", "baseline: list page 1", "baseline", "GET", "/items/", ["/items/?page=1"]),
        Scenario("base_list_deep", "baseline: list page 201", "baseline", "GET", "/items/", ["/items/?page=201"]),
        Scenario("queue_p1", "queue page 1", "product", "GET", "/staff/", ["/staff/"], cookie_staff, "base_list", 0.5),
        Scenario(
            "queue_deep",
            f"queue page {prep['deep_depth'] + 1}",
            "product",
            "GET",
            "/staff/",
            [deep],
            cookie_staff,
            "queue_p1",
            0.8,
        ),
        Scenario(
            "tip_detail",
            "tip detail",
            "product",
            "GET",
            "/staff/",
            [f"/staff/tips/{i}/" for i in prep["tip_ids"]],
            cookie_staff,
            "base_list",
            0.5,
        ),
        Scenario(
            "stats", "stats page", "product", "GET", "/staff/stats/", ["/staff/stats/"], cookie_staff, "base_list", 0.2
        ),
    ]


def check_responses(scenario: Scenario, port: int) -> None:
    """One request by hand before the load, so that a scenario measuring an error page
    (a lost session, a CSRF failure) stops the run instead of producing a figure."""
    line = scenario.lines[0]
    url = f"http://127.0.0.1:{port}{line if scenario.method == 'GET' else scenario.path}"
    data = line.encode() if scenario.method == "POST" else None
    request = urllib.request.Request(url, data=data, headers={"Cookie": scenario.cookie} if scenario.cookie else {})  # noqa: S310
    if data:
        request.add_header("Content-Type", "application/x-www-form-urlencoded")

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    opener = urllib.request.build_opener(NoRedirect)
    try:
        with opener.open(request, timeout=30) as response:
            status, text = response.status, response.read().decode(errors="replace")
    except urllib.error.HTTPError as error:
        status, text = error.code, error.read().decode(errors="replace")
    expected = {"receipt_check": 302}.get(scenario.key, 200)
    if status != expected:
        raise SystemExit(f"{scenario.key}: expected {expected}, got {status} from {url}\n{text[:2000]}")
    if scenario.key == "tip_submit" and "receipt" not in text.lower():
        raise SystemExit(f"tip_submit: the response is not a receipt page:\n{text[:2000]}")


@dataclass
class Alone:
    """A page timed alone: one connection, one request after another."""

    key: str
    label: str
    server: str
    paths: list[str]
    cookie: str = ""
    samples: int = 30
    seconds: float = 30
    result: dict = field(default_factory=dict)


def single_user_pages(prep: dict, cookie_staff: str, *, quick: bool) -> list[Alone]:
    deep = f"/staff/?cursor={prep['deep_cursor']}" if prep["deep_cursor"] else "/staff/"
    n, limit = (8, 8) if quick else (30, 30)
    return [
        Alone("base_list", "baseline: list page 1", "baseline", ["/items/?page=1"], "", n, limit),
        Alone("base_list_deep", "baseline: list page 201", "baseline", ["/items/?page=201"], "", n, limit),
        Alone("queue_p1", "queue page 1", "product", ["/staff/"], cookie_staff, n, limit),
        Alone("queue_deep", f"queue page {prep['deep_depth'] + 1}", "product", [deep], cookie_staff, n, limit),
        Alone(
            "tip_detail",
            "tip detail",
            "product",
            [f"/staff/tips/{i}/" for i in prep["tip_ids"]],
            cookie_staff,
            n,
            limit,
        ),
        Alone("stats", "stats page", "product", ["/staff/stats/"], cookie_staff, n, limit),
        Alone(
            "export",
            f"CSV export, all {prep['visible_tips']:,} visible tips",
            "product",
            ["/staff/export.csv"],
            cookie_staff,
            2 if quick else 5,
            60 if quick else 180,
        ),
    ]


def time_alone(page: Alone, server: Server) -> dict:
    """Sequential requests until ``samples`` or ``seconds``; every answer must be a 200
    and is read to its end (the export streams)."""
    mark = server.mark()
    times: list[float] = []
    size = 0
    deadline = time.monotonic() + page.seconds
    while len(times) < page.samples and (not times or time.monotonic() < deadline):
        path = page.paths[len(times) % len(page.paths)]
        request = urllib.request.Request(  # noqa: S310 — loopback
            f"http://127.0.0.1:{server.port}{path}", headers={"Cookie": page.cookie} if page.cookie else {}
        )
        started = time.perf_counter()
        with urllib.request.urlopen(request, timeout=600) as response:  # noqa: S310
            if response.status != 200:
                raise SystemExit(f"{page.key}: {response.status} from {path}")
            size = len(response.read())
        times.append(time.perf_counter() - started)
    server.drain()
    client = Counter(round(t * 1000, 1) for t in times)
    return {
        "samples": len(times),
        "p50_ms": percentile(client, 50),
        "p95_ms": percentile(client, 95),
        "max_ms": max(client),
        "bytes": size,
        **server_figures(server.durations_since(mark)),
    }


# --- Report ----------------------------------------------------------------------------


def verdict(scenario: Scenario, ratio: float | None) -> str:
    if scenario.target is None or ratio is None:
        return ""
    return f"{'met' if ratio >= scenario.target else 'MISSED'} (≥ {scenario.target:g})"


def tail_verdict(result: dict) -> str:
    """Server-side p99 ÷ p50 (target ≤ 5): a tail that wrk shows and the server does not
    is the client's or the machine's, not the application's."""
    p50, p99 = result.get("server_p50_ms"), result.get("server_p99_ms")
    if not p50 or p99 is None:
        return "–"
    ratio = p99 / p50
    return f"{ratio:.1f}" + ("" if ratio <= 5 else " ⚠")


def write_report(scenarios: list[Scenario], alone: list[Alone], meta: dict, stem: str) -> Path:
    by_key = {s.key: s for s in scenarios}
    lines = [
        f"# Benchmark: {meta['tips']:,} tips, {meta['seconds']} s per scenario",
        "",
        f"Command: `{meta['command']}`  ",
        f"Run at {meta['started']} on {meta['machine']}; wrk {meta['threads']} threads × "
        f"{meta['connections']} connections to 127.0.0.1; gunicorn from `gunicorn.conf.py` "
        f"({meta['workers']}); PostgreSQL 15 and Redis on the same machine. Staff pages as "
        f"`{meta['officer']}` ({meta['visible_tips']:,} visible tips).",
        "",
        f"Each scenario ran {meta['rounds']} times for {meta['seconds'] // meta['rounds']} s, in rounds that visit "
        "every scenario in turn (this machine is shared: interleaving gives the product and the baseline "
        "the same background load); figures merge the rounds. Ratios are req/s of the scenario ÷ req/s "
        "of the baseline it is compared with, in this run (the deep queue page is compared with queue page 1).",
        "",
        "Latencies: wrk's (client, under load) and the server's (gunicorn's access log, `%(D)s` in µs beside "
        "`%(M)s`; durations of every request of the scenario, those that finished after wrk stopped "
        "included). Server p99 ÷ p50 target: ≤ 5 (⚠ where missed).",
        "",
        "| scenario | req/s | wrk p50 / p95 / p99 ms | server p50 / p95 / p99 ms | server p99÷p50 | errors | 5xx "
        "| worker RSS MB (max / all) | vs | ratio | target |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---|---:|---|",
    ]
    for s in scenarios:
        r = s.result
        base = by_key.get(s.baseline) if s.baseline else None
        ratio = r["rps"] / base.result["rps"] if base and base.result.get("rps") else None
        r["ratio"] = ratio
        lines.append(
            f"| {s.label} | {r['rps']:.1f} | {r['p50_us'] / 1000:.1f} / {r['p95_us'] / 1000:.1f} / "
            f"{r['p99_us'] / 1000:.1f} | {r['server_p50_ms']:.1f} / {r['server_p95_ms']:.1f} / {r['server_p99_ms']:.1f} | "
            f"{tail_verdict(r)} | {r['errors']['status'] + r['socket_errors']} | {r['5xx']} | "
            f"{r['rss_max']:.0f} / {r['rss_all']:.0f} | {base.label if base else ''} | "
            f"{f'{ratio:.2f}×' if ratio else ''} | {verdict(s, ratio)} |"
        )
    lines += [
        "",
        "CPU per request (ms, from /proc over each scenario's runs): the app's gunicorn (master and "
        "workers), PostgreSQL's processes, Redis. PostgreSQL's and Redis's include what else ran on "
        "them meanwhile (the machine's background).",
        "",
        "| scenario | app | PostgreSQL | Redis | total |",
        "|---|---:|---:|---:|---:|",
    ]
    for s in scenarios:
        if cpu := s.result.get("cpu_ms_per_request"):
            lines.append(
                f"| {s.label} | {cpu['app']:.2f} | {cpu['postgres']:.2f} | {cpu['redis']:.2f} | {sum(cpu.values()):.2f} |"
            )
    lines += ["", "Status codes per scenario: " + "; ".join(f"{s.key} {s.result['statuses']}" for s in scenarios)]
    if meta.get("tips_created") is not None:
        lines += [
            "",
            f"Tip submit: {meta['tips_created']:,} tips created for {by_key['tip_submit'].result['statuses'].get('200', 0):,} "
            f"200 responses (form tokens reused: {by_key['tip_submit'].result['reused']}).",
        ]
    if alone:
        lines += [
            "",
            "## One user",
            "",
            "Each page alone after the load: one connection, one request after another (the export read "
            "to its end). Client time includes reading the whole response; server time is gunicorn's.",
            "",
            "| page | requests | p50 ms | p95 ms | max ms | server p50 / p95 ms | response KB |",
            "|---|---:|---:|---:|---:|---:|---:|",
        ]
        for a in alone:
            r = a.result
            lines.append(
                f"| {a.label} | {r['samples']} | {r['p50_ms']:.1f} | {r['p95_ms']:.1f} | {r['max_ms']:.1f} | "
                f"{r['server_p50_ms']:.1f} / {r['server_p95_ms']:.1f} | {r['bytes'] / 1024:.1f} |"
            )
        export = meta.get("export_rss")
        if export:
            lines += [
                "",
                f"Largest product worker before the export: {export[0]:.0f} MB; after it: {export[1]:.0f} MB "
                f"(growth {export[1] - export[0]:+.0f} MB).",
            ]
    lines += ["", f"![latency per scenario]({stem}.png)", ""]
    path = RESULTS / f"{stem}.md"
    path.write_text("\n".join(lines))
    (RESULTS / f"{stem}.json").write_text(
        json.dumps(
            {
                "meta": meta,
                "scenarios": {s.key: {"label": s.label, **s.result} for s in scenarios},
                "alone": {a.key: {"label": a.label, **a.result} for a in alone},
            },
            indent=1,
        )
    )
    chart(scenarios, meta, RESULTS / f"{stem}.png")
    return path


def chart(scenarios: list[Scenario], meta: dict, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    labels = [s.label for s in scenarios]
    fig, (latency, throughput) = plt.subplots(1, 2, figsize=(14, 0.45 * len(labels) + 2), sharey=True)
    ys = range(len(labels))
    height = 0.27
    for offset, (key, name) in enumerate((("p50_us", "p50"), ("p95_us", "p95"), ("p99_us", "p99"))):
        latency.barh(
            [y + (offset - 1) * height for y in ys], [s.result[key] / 1000 for s in scenarios], height, label=name
        )
    latency.set_xscale("log")
    latency.set_xlabel("latency, ms (log scale)")
    latency.set_yticks(list(ys), labels)
    latency.invert_yaxis()
    latency.legend(loc="lower right")
    latency.grid(axis="x", alpha=0.3)
    colors = ["#888888" if s.server == "baseline" else "#1f6feb" for s in scenarios]
    throughput.barh(list(ys), [s.result["rps"] for s in scenarios], color=colors)
    for y, s in zip(ys, scenarios, strict=True):
        ratio = s.result.get("ratio")
        if ratio:
            throughput.text(s.result["rps"], y, f" {ratio:.2f}×", va="center", fontsize=8)
    throughput.set_xlabel("requests per second (grey: baseline app)")
    throughput.grid(axis="x", alpha=0.3)
    fig.suptitle(f"Safe Schools bench: {meta['tips']:,} tips, {meta['seconds']} s per scenario, {meta['started']}")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


# --- Main ------------------------------------------------------------------------------


def demo_choices() -> dict:
    categories = psql(PRODUCT_DB, "SELECT string_agg(id::text, ',' ORDER BY id) FROM reports_category WHERE active")
    schools = psql(PRODUCT_DB, "SELECT string_agg(id::text, ',' ORDER BY id) FROM partners_school WHERE active")
    return {"categories": categories.split(","), "schools": schools.split(",")}


def main() -> None:
    parser = argparse.ArgumentParser(description="Load-test the product against the baseline app.")
    parser.add_argument("--tips", type=int, default=50_000)
    parser.add_argument("--seconds", type=int, default=None, help="per scenario (default 10; --quick: 3)")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=None, help="measure each scenario in this many turns (3)")
    parser.add_argument("--quick", action="store_true", help="check that the bench works: 3 s, one round")
    parser.add_argument("--only", default="", help="comma-separated scenario keys (baselines are always run)")
    args = parser.parse_args()
    args.seconds = args.seconds or (3 if args.quick else 10)
    args.rounds = args.rounds or (1 if args.quick else 3)
    if args.quick:
        args.warmup = 1
    if not shutil.which("wrk"):
        raise SystemExit("wrk is missing: apt-get install -y wrk")
    if args.seconds > 300 or args.tips > 5_000_000:
        raise SystemExit("--seconds is at most 300 and --tips at most 5,000,000")
    RESULTS.mkdir(exist_ok=True)
    use_databases(args.tips)
    started = datetime.now(UTC)
    prepare_product(args.tips)
    run(["redis-cli", "-u", REDIS_URL, "FLUSHDB"], stdout=subprocess.DEVNULL)

    budget = args.seconds * 600 + 2000  # form tokens: far more than the product can use
    log("preparing sessions, cursors and form tokens")
    prep = json.loads(
        run(
            [APP_PYTHON, BENCH / "prepare.py", "--form-tokens", budget],
            cwd=ROOT,
            env=product_env(),
            capture_output=True,
            text=True,
        ).stdout
    )
    # The fair list floor: as many of the baseline's rows listed as the officer sees tips.
    prepare_baseline(args.tips, prep["visible_tips"])
    scenarios = build_scenarios(prep, demo_choices())
    if args.only:
        wanted = set(args.only.split(","))
        scenarios = [s for s in scenarios if s.server == "baseline" or s.key in wanted]
    warm_tokens = 1000
    export_rss: tuple[float, float] | None = None

    with ExitStack() as stack:
        product = start_server("product", PRODUCT_PORT, "safeschools.wsgi", product_env(), ROOT, "/healthz")
        stack.callback(product.stop)
        baseline = start_server("baseline", BASELINE_PORT, "baseline.wsgi", baseline_env(), BENCH, "/healthz")
        stack.callback(baseline.stop)
        servers = {"product": product, "baseline": baseline}
        # Warm up every scenario, then measure in rounds that visit every scenario in turn,
        # so that the product and the baseline see the same background load (this machine
        # is shared) and a slow minute does not fall on one of them only.
        measured: dict[str, list[str]] = {}
        for scenario in scenarios:
            server = servers[scenario.server]
            lines = scenario.lines
            warm, rest = (lines[:warm_tokens], lines[warm_tokens:]) if scenario.key == "tip_submit" else (lines, lines)
            check = Scenario(**{**scenario.__dict__, "lines": warm[:1], "result": {}})
            check_responses(check, server.port)
            wrk(scenario, server.port, args.warmup, args.connections, args.threads, warm[1:] or warm)
            server.drain()
            measured[scenario.key] = rest
        rounds: dict[str, list[dict]] = {s.key: [] for s in scenarios}
        chunk = max(1, args.seconds // args.rounds)
        created = 0
        for number in range(args.rounds):
            for scenario in scenarios:
                server = servers[scenario.server]
                lines = measured[scenario.key]
                if scenario.key == "tip_submit":  # fresh form tokens in every round
                    share = len(lines) // args.rounds
                    lines = lines[number * share : (number + 1) * share]
                    time.sleep(3)  # requests wrk gave up on earlier still finish
                    before = int(psql(PRODUCT_DB, "SELECT count(*) FROM reports_tip"))
                mark = server.mark()
                cpu_before, shared_before = server.cpu_seconds(), _database_cpu_seconds()
                result = wrk(scenario, server.port, chunk, args.connections, args.threads, lines)
                server.drain()
                shared_after = _database_cpu_seconds()
                result["cpu_s"] = {
                    "app": server.cpu_seconds() - cpu_before,
                    **{name: shared_after[name] - shared_before[name] for name in shared_after},
                }
                result["server_ms"] = server.durations_since(mark)
                if scenario.key == "tip_submit":
                    time.sleep(3)
                    created += int(psql(PRODUCT_DB, "SELECT count(*) FROM reports_tip")) - before
                rounds[scenario.key].append(result)
            log(f"round {number + 1} of {args.rounds} done")
        for scenario in scenarios:
            result = merge(rounds[scenario.key])
            result["rss_max"], result["rss_all"] = servers[scenario.server].worker_rss_mb()
            if scenario.key == "tip_submit":
                result["tips_created"] = created
            scenario.result = result
            log(
                f"{scenario.label:<26} {result['rps']:8.1f} req/s  p50 {result['p50_us'] / 1000:7.1f} ms  "
                f"p99 {result['p99_us'] / 1000:7.1f} ms  server p50/p99 {result['server_p50_ms']}/"
                f"{result['server_p99_ms']} ms  errors {result['errors']['status'] + result['socket_errors']}"
            )
        alone = single_user_pages(prep, scenarios_cookie(prep), quick=args.quick) if not args.only else []
        for page in alone:
            server = servers[page.server]
            if page.key == "export":
                before = server.worker_rss_mb()[0]
            page.result = time_alone(page, server)
            if page.key == "export":
                export_rss = (before, server.worker_rss_mb()[0])
            log(
                f"alone: {page.label:<40} p50 {page.result['p50_ms']:8.1f} ms  p95 {page.result['p95_ms']:8.1f} ms"
                f"  ({page.result['samples']} requests)"
            )
    gunicorn_conf = run(
        [APP_PYTHON, "-c", "import runpy; c = runpy.run_path('gunicorn.conf.py'); print(c['workers'], c['threads'])"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    ).stdout.split()
    submit = next((s for s in scenarios if s.key == "tip_submit"), None)
    meta = {
        "tips": args.tips,
        "seconds": args.seconds,
        "rounds": args.rounds,
        "connections": args.connections,
        "threads": args.threads,
        "started": started.strftime("%Y-%m-%d %H:%M UTC"),
        "machine": f"{os.cpu_count()} cores",
        "workers": f"{gunicorn_conf[0]} workers × {gunicorn_conf[1]} threads",
        "officer": prep["officer"],
        "visible_tips": prep["visible_tips"],
        "command": f"make bench BENCH_TIPS={args.tips} BENCH_SECONDS={args.seconds}"
        + (
            " BENCH_ARGS=--quick" if args.quick else f" BENCH_ARGS='--rounds {args.rounds}'" if args.rounds != 3 else ""
        ),
        "tips_created": submit.result.get("tips_created") if submit else None,
        "export_rss": export_rss,
        "quick": args.quick,
    }
    stem = f"bench-{args.tips}-tips" + ("-quick" if args.quick else "")
    report = write_report(scenarios, alone, meta, stem)
    log(f"results: {report} and {stem}.png")
    print(report.read_text())


if __name__ == "__main__":
    sys.exit(main())
