"""docs/nginx.conf, the production proxy: TLS, no client address in its log, X-Real-IP set by
nginx alone, retries that never resend a POST, several web nodes, a help page when none
answers; and the drill's templating of that same file (bench/cluster.py), which must fail
loudly rather than test something else when the production file changes."""

from __future__ import annotations

import importlib.util
import re
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PRODUCTION = (ROOT / "docs" / "nginx.conf").read_text()


def directives(name: str, text: str = PRODUCTION) -> list[str]:
    """The arguments of every active (uncommented) ``name`` directive."""
    return re.findall(rf"^\s*{name}\s+([^;]*);", text, re.M)


@pytest.fixture(scope="module")
def cluster():
    name = "bench_cluster_under_test"
    spec = importlib.util.spec_from_file_location(name, ROOT / "bench" / "cluster.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # its dataclasses look their module up while being made
    try:
        spec.loader.exec_module(module)
        yield module
    finally:
        del sys.modules[name]


def drill_config(cluster, production: str = PRODUCTION) -> str:
    return cluster.nginx_config(
        production,
        https_port=18443,
        http_port=18080,
        upstreams=["127.0.0.1:18101", "127.0.0.1:18102"],
        cert=Path("/drill/cert.pem"),
        key=Path("/drill/key.pem"),
        run_dir=Path("/drill/nginx"),
        root=Path("/checkout"),
    )


@pytest.mark.parametrize("variable", ["$remote_addr", "$http_user_agent", "$http_referer", "$request ", "$args"])
def test_access_log_format_leaves_out_the_client(variable):
    (log_format,) = re.findall(r"log_format safeschools (.*);", PRODUCTION)
    assert variable not in log_format + " "


def test_only_nginx_sets_the_client_address_the_app_reads():
    headers = dict(h.split(None, 1) for h in directives("proxy_set_header"))
    assert headers["X-Real-IP"] == "$remote_addr"
    assert headers["X-Forwarded-For"] == '""'
    assert headers["X-Forwarded-Proto"] == "$scheme"


def test_plain_http_only_redirects_to_https():
    plain = PRODUCTION.split("listen 443", 1)[0]
    assert "return 301 https://$host$request_uri;" in plain
    assert "proxy_pass" not in plain
    assert all("ssl" in listen for listen in directives("listen") if "443" in listen)


def test_the_upstream_has_several_web_nodes():
    (upstream,) = re.findall(r"upstream safeschools_app \{(.*?)\}", PRODUCTION, re.S)
    assert len(directives("server", upstream)) >= 2


def test_nginx_retries_on_another_node_but_never_resends_a_post():
    (retry,) = directives("proxy_next_upstream")
    assert set(retry.split()) <= {"error", "timeout"}
    assert "non_idempotent" not in PRODUCTION.replace('("non_idempotent" stays off)', "")


def test_when_no_node_answers_the_page_shows_the_help_numbers():
    assert directives("error_page") == ["502 504 /unavailable.html"]
    (root,) = re.findall(r"location = /unavailable.html \{.*?root /srv/safeschools/(\S+);", PRODUCTION, re.S)
    page = (ROOT / root / "unavailable.html").read_text()
    for number in ("tel:911", "tel:988", "tel:+13148897233", "(314) 889-SAFE (7233)"):
        assert number in page
    assert "<script" not in page and "http" not in page.replace('"tel:', "")


def test_drill_config_listens_on_loopback_with_the_drill_certificate(cluster):
    config = drill_config(cluster)
    assert directives("listen", config) == ["127.0.0.1:18080", "127.0.0.1:18443 ssl http2"]
    assert "ssl_certificate     /drill/cert.pem;" in config
    assert "/etc/letsencrypt" not in config and "/var/log/nginx" not in config
    assert "root /checkout/static/errors;" in config


def test_drill_config_puts_the_drill_nodes_in_the_upstream_with_production_parameters(cluster):
    (upstream,) = re.findall(r"upstream safeschools_app \{(.*?)\}", drill_config(cluster), re.S)
    assert directives("server", upstream) == [
        "127.0.0.1:18101 max_fails=3 fail_timeout=10s",
        "127.0.0.1:18102 max_fails=3 fail_timeout=10s",
    ]
    assert directives("keepalive", upstream) == ["16"]


def test_drill_config_keeps_the_production_proxy_rules_and_names_the_node(cluster):
    config = drill_config(cluster)
    for line in (
        "proxy_next_upstream error timeout;",
        "proxy_set_header X-Real-IP $remote_addr;",
        "log_format safeschools",
    ):
        assert line in config
    assert config.count("add_header X-Upstream $upstream_addr always;") == 2  # the app, and the help page
    assert config.startswith("# Generated") and config.rstrip().endswith("}")


def test_drill_config_refuses_a_production_file_it_no_longer_understands(cluster):
    with pytest.raises(ValueError, match="listen 443 ssl http2"):
        drill_config(cluster, PRODUCTION.replace("listen 443 ssl http2;", "listen 443 ssl;"))
    without_nodes = re.sub(r"^\s*server 10\.\S+.*\n", "", PRODUCTION, flags=re.M)
    with pytest.raises(ValueError, match="upstream"):
        drill_config(cluster, without_nodes)
