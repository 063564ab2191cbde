"""The gunicorn configuration in the repository: no client address, user agent or query
string in the access log (SECURITY.md 1-2), sizes from the CPU count, overridable."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import pytest

CONF = Path(__file__).resolve().parents[2] / "gunicorn.conf.py"

# Atoms that would write who the client is, or what they searched for, into the log.
IDENTIFYING_ATOMS = [
    "%(h)s",  # remote address
    "%(a)s",  # user agent
    "%(f)s",  # referrer
    "%(u)s",  # user name
    "%(r)s",  # request line, with the query string
    "%(q)s",  # query string
    "%({x-forwarded-for}i)s",
    "%({x-real-ip}i)s",
    "%({forwarded}i)s",
    "%({user-agent}i)s",
    "%({cookie}i)s",
    "%({remote_addr}e)s",
]


def load_conf(monkeypatch, **env):
    # monkeypatch restores these afterwards, including the CONN_MAX_AGE the file sets.
    for name in ("GUNICORN_WORKERS", "GUNICORN_THREADS", "GUNICORN_BIND", "CONN_MAX_AGE"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    spec = importlib.util.spec_from_file_location("gunicorn_conf_under_test", CONF)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def conf(monkeypatch):
    return load_conf(monkeypatch)


@pytest.mark.parametrize("atom", IDENTIFYING_ATOMS)
def test_access_log_format_leaves_out(conf, atom):
    assert atom not in conf.access_log_format


def test_access_log_format_reads_no_request_header_or_environ_at_all(conf):
    assert not re.search(r"%\(\{[^}]*\}[ie]\)s", conf.access_log_format)
    assert "%(U)s" in conf.access_log_format  # the path, without the query string


def test_access_log_renders_without_the_client(conf):
    """Format a real line with gunicorn's own logger: the markers must not appear."""
    from datetime import timedelta
    from types import SimpleNamespace

    from gunicorn.config import Config
    from gunicorn.glogging import Logger

    config = Config()
    config.set("access_log_format", conf.access_log_format)
    logger = Logger(config)
    environ = {
        "REQUEST_METHOD": "GET",
        "RAW_URI": "/staff/?q=knife",
        "PATH_INFO": "/staff/",
        "QUERY_STRING": "q=knife",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "203.0.113.77",
        "HTTP_USER_AGENT": "MarkerAgent/1.0",
        "HTTP_REFERER": "https://referrer.example/",
    }
    request = SimpleNamespace(headers=[("X-FORWARDED-FOR", "198.51.100.9"), ("USER-AGENT", "MarkerAgent/1.0")])
    response = SimpleNamespace(status="200 OK", sent=1234, headers=[])
    line = conf.access_log_format % logger.atoms(response, request, environ, timedelta(milliseconds=12))
    assert "/staff/" in line and "200" in line
    assert line.endswith(" 12ms 12000us")  # the duration, which bench/run.py reads
    for marker in ("203.0.113.77", "198.51.100.9", "MarkerAgent", "referrer.example", "knife"):
        assert marker not in line


def test_workers_follow_the_cpu_count(conf):
    assert conf.workers == 2 * conf.CPUS + 1
    assert conf.threads >= 1
    assert conf.worker_class == ("gthread" if conf.threads > 1 else "sync")


def test_sizes_can_be_overridden(monkeypatch):
    conf = load_conf(monkeypatch, GUNICORN_WORKERS="3", GUNICORN_THREADS="1")
    assert (conf.workers, conf.threads, conf.worker_class) == (3, 1, "sync")


def test_a_bad_size_stops_with_the_variable_name(monkeypatch):
    with pytest.raises(SystemExit, match="GUNICORN_WORKERS"):
        load_conf(monkeypatch, GUNICORN_WORKERS="many")


def test_graceful_timeouts_and_persistent_connections(conf):
    import os

    assert 0 < conf.graceful_timeout <= conf.timeout
    assert os.environ["CONN_MAX_AGE"] == "60"


def test_binds_to_loopback_behind_the_proxy(conf):
    # gunicorn's own warnings name the peer's address: behind nginx that is the proxy.
    assert conf.bind.startswith("127.0.0.1:")


def test_workers_are_forked_from_a_preloaded_app(conf, monkeypatch):
    assert conf.preload_app is True
    assert load_conf(monkeypatch, GUNICORN_PRELOAD="false").preload_app is False
