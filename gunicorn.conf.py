"""gunicorn configuration for production (and for the benchmark, which serves the product
and its baseline with this same file).

    gunicorn safeschools.wsgi          # gunicorn reads ./gunicorn.conf.py by itself

Every number can be overridden from the environment (``GUNICORN_*``); the defaults are
sized from the machine's CPU count. The access log never carries the client's address,
user agent, referrer or query string (SECURITY.md 1-2): a staff search would otherwise
write words of tip text into it.
"""

from __future__ import annotations

import os


def _int(name: str, default: int, minimum: int = 0) -> int:
    value = os.environ.get(name, "").strip()
    if not value:
        return default
    try:
        number = int(value)
    except ValueError:
        raise SystemExit(f"{name} must be a whole number, not {value!r}.") from None
    if number < minimum:
        raise SystemExit(f"{name} must be at least {minimum}, not {number}.")
    return number


CPUS = os.cpu_count() or 1

# Loopback, behind the TLS proxy: the only peer gunicorn sees, and names in its own warnings
# ("Invalid request from ip=..."), is then the proxy, never a tipster's address.
bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
# Requests spend much of their time waiting on PostgreSQL; two processes per core plus one
# keeps the cores busy, and a second thread per process overlaps those waits.
workers = _int("GUNICORN_WORKERS", 2 * CPUS + 1, minimum=1)
threads = _int("GUNICORN_THREADS", 2, minimum=1)
worker_class = "gthread" if threads > 1 else "sync"

# A request that takes longer than this is killed (the tip form's uploads are capped at
# ~52 MB, which a phone sends well within it); on restart or shutdown, workers get
# graceful_timeout to finish what they are doing.
timeout = _int("GUNICORN_TIMEOUT", 60, minimum=1)
graceful_timeout = _int("GUNICORN_GRACEFUL_TIMEOUT", 30, minimum=1)
# Behind nginx, which keeps its own connections to us open between requests.
keepalive = _int("GUNICORN_KEEPALIVE", 5, minimum=0)
# Recycle workers now and then so that slow growth of memory never becomes an outage.
max_requests = _int("GUNICORN_MAX_REQUESTS", 20000)
max_requests_jitter = _int("GUNICORN_MAX_REQUESTS_JITTER", 2000)
# Import Django once in the master and fork the workers from it: a recycled worker starts
# in milliseconds instead of seconds (under load, requests queued on a booting worker
# waited seconds), and the workers share the imported code's memory. The WSGI module also
# loads there what Django would leave to each worker's first requests: the URLconf and its
# views, the cache client, the catalogs, the templates (safeschools.warmup). Nothing opens a
# database or Redis connection at import time. Code changes need a restart, not a HUP.
preload_app = os.environ.get("GUNICORN_PRELOAD", "true").strip().lower() not in {"0", "false", "no", "off"}
# The heartbeat file on a memory filesystem: a slow disk must not look like a hung worker.
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None  # noqa: S108 — the heartbeat file, not data
# Uploads are read by Django, in memory; gunicorn only bounds the request line and headers.
limit_request_line = 8190

# Persistent database connections, checked before reuse (settings read CONN_MAX_AGE and
# always enable CONN_HEALTH_CHECKS): saves a PostgreSQL connection per request.
os.environ.setdefault("CONN_MAX_AGE", "60")

# Logs to stderr for the process supervisor. The access log is a time, the method, the
# path (without the query string), the status, the size and the duration (in ms, and in µs
# for the benchmark's percentiles of fast pages): no %(h)s, %(a)s, %(f)s, %(u)s, %(r)s,
# %(q)s or client headers.
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-")
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
access_log_format = '%(t)s "%(m)s %(U)s %(H)s" %(s)s %(B)s %(M)sms %(D)sus'
proc_name = "safeschools"
