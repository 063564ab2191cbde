"""What recycling gunicorn's workers costs: the product under wrk with each worker replaced
after ``--max-requests`` requests (production: 20,000 ± 2,000), throughput and the
server-side tail of every request, and how many workers were started meanwhile.

    bench/.venv/bin/python bench/recycle_timing.py --tips 1000000 [--path /report/]
        [--max-requests 1000] [--seconds 20] [--root <another checkout>]

A new worker is forked from gunicorn's master; what the master did not load, each new
worker loads during its first requests (safeschools.warmup). To compare with an older
commit: ``git archive <commit> | tar -x -C /tmp/old``, link ``.venv`` into it, and pass
``--root /tmp/old`` (the repository's gunicorn and gunicorn.conf.py serve either).
bench/README.md has the figures.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parent
PORT = 8791


def main() -> None:
    sys.path.insert(0, str(BENCH))
    import run

    parser = argparse.ArgumentParser()
    parser.add_argument("--tips", type=int, default=50_000, help="which bench dataset")
    parser.add_argument("--path", default="/report/", help="the page to load (a GET)")
    parser.add_argument("--max-requests", type=int, default=1000)
    parser.add_argument("--seconds", type=int, default=20)
    parser.add_argument("--root", default=str(run.ROOT), help="the checkout to serve")
    args = parser.parse_args()
    run.use_databases(args.tips)
    env = run.product_env(GUNICORN_MAX_REQUESTS=str(args.max_requests), GUNICORN_MAX_REQUESTS_JITTER="0")
    run.VAR.mkdir(exist_ok=True)
    server = run.start_server("recycle", PORT, "safeschools.wsgi", env, Path(args.root), "/healthz")
    try:
        mark = server.mark()
        booted = server.log_path.read_text().count("Booting worker")
        out = run.run(
            ["wrk", "-t2", "-c16", f"-d{args.seconds}s", f"http://127.0.0.1:{PORT}{args.path}"],
            capture_output=True,
            text=True,
        ).stdout
        server.drain()
        durations = server.durations_since(mark)
        booted = server.log_path.read_text().count("Booting worker") - booted
    finally:
        server.stop()
    rate = re.search(r"Requests/sec:\s+([\d.]+)", out)
    figures = "  ".join(f"p{p} {run.percentile(durations, p):.1f}" for p in (50, 99, 99.9))
    print(
        f"{args.path} with a worker recycled every {args.max_requests} requests: "
        f"{float(rate.group(1)) if rate else 0:.0f} req/s, server ms {figures}  max {max(durations, default=0):.0f}, "
        f"{sum(durations.values())} requests, {booted} workers started"
    )


if __name__ == "__main__":
    main()
