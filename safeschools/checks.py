"""Deploy checks of our own, run by ``manage.py check --deploy``."""

from __future__ import annotations

import ipaddress
import os
import runpy
import shlex
from itertools import combinations, pairwise

from django.conf import settings
from django.core.checks import Error, Tags, Warning, register

# Secrets that must each be different: one leaked or guessed must not open another.
DISTINCT_SECRETS = ("SECRET_KEY", "RECEIPT_PEPPER", "SEARCH_INDEX_KEY", "RATELIMIT_KEY_SECRET", "PHONE_INDEX_KEY")


@register(Tags.security, deploy=True)
def local_secrets_in_production(app_configs, **kwargs):
    """Secrets generated into var/ are for a laptop; production sets each one in the environment."""
    return [
        Warning(
            f"{name} was generated into {settings.VAR_DIR / 'secrets.json'} for local use.",
            hint=f"Set {name} in the environment of every web and worker process.",
            id="safeschools.W001",
        )
        for name in settings.LOCAL_SECRETS_USED
    ]


@register(Tags.security, deploy=True)
def sms_settings_for_production(app_configs, **kwargs):
    """Alert texts that are only printed would be lost; Twilio signs the https address."""
    problems = []
    if settings.SMS_BACKEND == "console":
        problems.append(
            Warning(
                "SMS_URL is console://: alert texts are printed in the worker's log, not sent to anyone.",
                hint="Set SMS_URL=twilio://ACCOUNT_SID:AUTH_TOKEN@+1NUMBER, or leave it unset to switch texts off.",
                id="safeschools.W002",
            )
        )
    if settings.SMS_BACKEND == "twilio" and not settings.SITE_URL.startswith("https://"):
        problems.append(
            Warning(
                "Text messages go through Twilio but SITE_URL is not an https address.",
                hint="Set SITE_URL=https://your.host: replies are checked against the signature Twilio makes "
                "over https://your.host/sms/inbound/.",
                id="safeschools.W003",
            )
        )
    return problems


@register(Tags.security)
def csrf_middleware_installed(app_configs, **kwargs):
    """Stands in for Django's security.W003, which only knows its own class name."""
    if "safeschools.csrf.NoReferrerCsrfViewMiddleware" in settings.MIDDLEWARE:
        return []
    return [
        Error(
            "CSRF protection is not installed.",
            hint="Add safeschools.csrf.NoReferrerCsrfViewMiddleware to MIDDLEWARE.",
            id="safeschools.E001",
        )
    ]


@register(Tags.security, deploy=True)
def alert_fallback_configured(app_configs, **kwargs):
    """A life-safety tip that nobody at its agencies can be reached for goes to the
    coordinators and the 24/7 fallback (SECURITY.md 44): production needs the fallback."""
    if settings.ALERT_FALLBACK_EMAIL:
        return []
    return [
        Warning(
            "No 24/7 fallback is configured for life-safety alerts.",
            hint="Set ALERT_FALLBACK_EMAIL (and ALERT_FALLBACK_NAME, ALERT_FALLBACK_PHONES), e.g. the county "
            "police dispatch's; see README, Configuration.",
            id="safeschools.W044",
        )
    ]


@register(Tags.security, deploy=True)
def secrets_differ(app_configs, **kwargs):
    """SECURITY.md 43: one secret reused as another means one leak opens both (the
    receipt pepper doubling as the session signing key, say)."""
    return [
        Error(
            f"{first} and {second} are the same value.",
            hint=f"Give {second} its own random value (see README, Deploying).",
            id="safeschools.E002",
        )
        for first, second in combinations(DISTINCT_SECRETS, 2)
        if getattr(settings, first) == getattr(settings, second)
    ]


@register(Tags.security, deploy=True)
def shared_cache_for_limits(app_configs, **kwargs):
    """Without Redis every process counts on its own: each gunicorn worker lets a client
    through its own quota, so the real limits are the configured ones times the workers."""
    if settings.REDIS_URL:
        return []
    return [
        Warning(
            "REDIS_URL is not set: rate limits and the cache are kept per process.",
            hint="Set REDIS_URL so that every web process shares one count of each limit.",
            id="safeschools.W002",
        )
    ]


@register(Tags.security, deploy=True)
def gunicorn_on_loopback(app_configs, **kwargs):
    """With ``CLIENT_ADDRESS_HEADER`` the app believes the address header the proxy sets.
    Anyone who can reach gunicorn directly could set it too, and pick whose rate limit
    they spend: gunicorn must listen on loopback (or a Unix socket), reachable only through
    the proxy on the same machine."""
    if not settings.CLIENT_ADDRESS_HEADER:
        return []
    try:
        binds = gunicorn_binds()
    except (Exception, SystemExit) as exc:  # gunicorn.conf.py exits on a bad GUNICORN_* value
        return [Error(f"gunicorn.conf.py could not be read: {exc}", id="safeschools.E003")]
    exposed = [bind for bind in binds if not is_local_bind(bind)]
    if not exposed:
        return []
    return [
        Warning(
            f"CLIENT_ADDRESS_HEADER is set but gunicorn would listen on {', '.join(exposed)}.",
            hint=(
                "Bind gunicorn to 127.0.0.1 (the default; check GUNICORN_BIND and GUNICORN_CMD_ARGS) "
                "behind a proxy on the same machine. If the proxy must reach it over a private network, "
                "firewall the port to the proxy alone and silence safeschools.W003."
            ),
            id="safeschools.W003",
        )
    ]


def gunicorn_binds() -> list[str]:
    """The addresses gunicorn would listen on with this environment: ``--bind`` in
    ``GUNICORN_CMD_ARGS`` wins over ``gunicorn.conf.py`` (which reads ``GUNICORN_BIND``)."""
    args = shlex.split(os.environ.get("GUNICORN_CMD_ARGS", ""))
    from_args = [value for flag, value in pairwise([*args, ""]) if flag in ("-b", "--bind") and value]
    from_args += [arg.split("=", 1)[1] for arg in args if arg.startswith("--bind=")]
    if from_args:
        return from_args
    saved = os.environ.copy()
    try:
        bind = runpy.run_path(str(settings.BASE_DIR / "gunicorn.conf.py")).get("bind", "127.0.0.1:8000")
    finally:  # the file sets defaults in the environment for the server; not for this check
        os.environ.clear()
        os.environ.update(saved)
    return [bind] if isinstance(bind, str) else list(bind)


def is_local_bind(bind: str) -> bool:
    """A Unix socket, an inherited descriptor, or a loopback address and port."""
    if bind.startswith(("unix:", "fd://")):
        return True
    host = bind.rsplit(":", 1)[0] if ":" in bind else bind
    host = host.strip("[]")
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
