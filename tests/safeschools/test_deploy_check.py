"""SECURITY.md 17: ``check --deploy`` with production settings reports nothing."""

import os
import subprocess
import sys
from pathlib import Path

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
