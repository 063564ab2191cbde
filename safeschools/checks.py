"""Deploy checks of our own, run by ``manage.py check --deploy``."""

from __future__ import annotations

from django.conf import settings
from django.core.checks import Error, Tags, Warning, register


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
