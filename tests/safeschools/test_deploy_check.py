"""SECURITY.md 17: ``check --deploy`` with production settings reports nothing."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

ROOT = Path(__file__).resolve().parents[2]


def _check_deploy(tmp_path, **env):
    environ = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "DATABASE_URL", "HTTPS"}}
    environ.update({"VAR_DIR": str(tmp_path), "DJANGO_SETTINGS_MODULE": "safeschools.settings", **env})
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=environ,
        capture_output=True,
        text=True,
        timeout=120,
    )


PRODUCTION = {
    "DEBUG": "false",
    "HTTPS": "true",
    "SECRET_KEY": "k" * 20 + "Zx9-production-secret-key-0123456789abcdefghij",
    "FIELD_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
    "RECEIPT_PEPPER": "p" * 48,
    "RATELIMIT_KEY_SECRET": "r" * 48,
    "SEARCH_INDEX_KEY": "s" * 48,
    "PHONE_INDEX_KEY": "m" * 48,
    "ALLOWED_HOSTS": "safeschools.example.org",
    "REDIS_URL": "redis://127.0.0.1:6379/0",
    "ALERT_FALLBACK_EMAIL": "dispatch@example.org",
}


def test_production_settings_pass_the_deploy_check(tmp_path):
    result = _check_deploy(tmp_path, **PRODUCTION)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_local_defaults_are_reported_by_the_deploy_check(tmp_path):
    result = _check_deploy(tmp_path)
    assert result.returncode != 0
    output = result.stdout + result.stderr
    assert "safeschools.W001" in output
    assert "SECRET_KEY was generated" in output
    assert "security.W008" in output  # no https redirect


def test_a_production_site_without_a_24_7_fallback_is_reported(tmp_path):
    result = _check_deploy(tmp_path, **{**PRODUCTION, "ALERT_FALLBACK_EMAIL": ""})
    assert result.returncode != 0
    assert "safeschools.W044" in result.stdout + result.stderr


def test_equal_secrets_are_an_error(tmp_path):
    """SECURITY.md 43: the deploy check refuses one secret used twice."""
    result = _check_deploy(tmp_path, **{**PRODUCTION, "RECEIPT_PEPPER": PRODUCTION["SECRET_KEY"]})
    assert result.returncode != 0
    assert "safeschools.E002" in result.stdout + result.stderr
    assert "SECRET_KEY and RECEIPT_PEPPER are the same value" in result.stdout + result.stderr


def test_every_pair_of_secrets_is_compared(settings):
    from safeschools.checks import DISTINCT_SECRETS, secrets_differ

    for name in DISTINCT_SECRETS:
        setattr(settings, name, f"{name}-distinct-value-0123456789")
    assert secrets_differ(None) == []
    settings.SEARCH_INDEX_KEY = settings.RATELIMIT_KEY_SECRET = "one-value-for-two-secrets"
    assert [e.msg for e in secrets_differ(None)] == ["SEARCH_INDEX_KEY and RATELIMIT_KEY_SECRET are the same value."]


def test_limits_per_process_without_redis_are_reported(settings):
    from safeschools.checks import shared_cache_for_limits

    settings.REDIS_URL = ""
    assert [w.id for w in shared_cache_for_limits(None)] == ["safeschools.W002"]
    settings.REDIS_URL = "redis://127.0.0.1:6379/0"
    assert shared_cache_for_limits(None) == []


@pytest.mark.parametrize(
    ("environment", "exposed"),
    [
        ({}, False),  # gunicorn.conf.py's default, 127.0.0.1:8000
        ({"GUNICORN_BIND": "[::1]:8000"}, False),
        ({"GUNICORN_BIND": "localhost:9000"}, False),
        ({"GUNICORN_BIND": "unix:/run/safeschools.sock"}, False),
        ({"GUNICORN_BIND": "0.0.0.0:8000"}, True),
        ({"GUNICORN_BIND": "10.0.0.5:8000"}, True),
        ({"GUNICORN_BIND": ":8000"}, True),
        ({"GUNICORN_CMD_ARGS": "--workers 3 --bind 0.0.0.0:8000"}, True),
        ({"GUNICORN_CMD_ARGS": "-b 127.0.0.1:8001"}, False),
    ],
)
def test_a_trusted_address_header_needs_gunicorn_on_loopback(settings, monkeypatch, environment, exposed):
    from safeschools.checks import gunicorn_on_loopback

    monkeypatch.delenv("GUNICORN_BIND", raising=False)
    monkeypatch.delenv("GUNICORN_CMD_ARGS", raising=False)
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    settings.CLIENT_ADDRESS_HEADER = "HTTP_X_REAL_IP"
    before = dict(os.environ)
    assert [w.id for w in gunicorn_on_loopback(None)] == (["safeschools.W003"] if exposed else [])
    assert dict(os.environ) == before  # reading gunicorn.conf.py leaves the environment alone
    settings.CLIENT_ADDRESS_HEADER = ""
    assert gunicorn_on_loopback(None) == []
