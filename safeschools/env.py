"""Typed readers for environment variables.

Every setting that an operator may change is read through one of these helpers, so that a
typo in production (``DEBUG=ture``, ``CONN_MAX_AGE=ten``) stops the process at start-up
with a message naming the variable, instead of silently falling back to a default.
"""

from __future__ import annotations

import json
import os
import secrets
from collections.abc import Mapping
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def _raw(name: str, environ: Mapping[str, str] | None) -> str | None:
    source = os.environ if environ is None else environ
    value = source.get(name)
    return None if value is None else value.strip()


def env_str(name: str, default: str, *, environ: Mapping[str, str] | None = None) -> str:
    value = _raw(name, environ)
    return default if value is None or value == "" else value


def env_bool(name: str, default: bool, *, environ: Mapping[str, str] | None = None) -> bool:
    value = _raw(name, environ)
    if value is None:
        return default
    lowered = value.lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name} must be one of true/false/1/0/yes/no/on/off, not {value!r}.")


def env_int(
    name: str,
    default: int,
    *,
    minimum: int | None = None,
    maximum: int | None = None,
    environ: Mapping[str, str] | None = None,
) -> int:
    value = _raw(name, environ)
    if value is None or value == "":
        return default
    try:
        number = int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {value!r}.") from None
    if minimum is not None and number < minimum:
        raise ImproperlyConfigured(f"{name} must be at least {minimum}, not {number}.")
    if maximum is not None and number > maximum:
        raise ImproperlyConfigured(f"{name} must be at most {maximum}, not {number}.")
    return number


def env_list(name: str, default: list[str], *, environ: Mapping[str, str] | None = None) -> list[str]:
    """A comma-separated list; blank items are dropped."""
    value = _raw(name, environ)
    if value is None:
        return list(default)
    return [item.strip() for item in value.split(",") if item.strip()]


def env_url(
    name: str,
    default: str,
    *,
    schemes: tuple[str, ...],
    environ: Mapping[str, str] | None = None,
) -> str:
    """A URL whose scheme must be one of ``schemes`` (``redis://``, ``smtp://``, …)."""
    value = env_str(name, default, environ=environ)
    scheme, sep, rest = value.partition("://")
    if not sep or scheme.lower() not in schemes or not rest:
        allowed = ", ".join(f"{s}://" for s in schemes)
        raise ImproperlyConfigured(f"{name} must be a URL starting with one of {allowed}; got {value!r}.")
    return value


def env_email(name: str, default: str = "", *, environ: Mapping[str, str] | None = None) -> str:
    """One e-mail address, or ``default`` when unset."""
    from django.core.exceptions import ValidationError
    from django.core.validators import validate_email

    value = env_str(name, default, environ=environ)
    if value:
        try:
            validate_email(value)
        except ValidationError:
            raise ImproperlyConfigured(f"{name} must be one e-mail address, not {value!r}.") from None
    return value


def env_phone_list(name: str, default: list[str], *, environ: Mapping[str, str] | None = None) -> list[str]:
    """Comma-separated phone numbers in international (E.164) form: ``+13145550100``."""
    numbers = env_list(name, default, environ=environ)
    for number in numbers:
        if not (number.startswith("+") and number[1:].isdigit() and 8 <= len(number) - 1 <= 15):
            raise ImproperlyConfigured(
                f"{name}: {number!r} is not a phone number in international form, e.g. +13145550100."
            )
    return numbers


class LocalSecrets:
    """Secrets for a local, non-production run, generated once into ``var/secrets.json``.

    In production each of these comes from the environment; the ``safeschools.W001`` deploy
    check reports any secret that was taken from this file instead.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self.used: set[str] = set()
        self._values: dict[str, str] | None = None

    def _load(self) -> dict[str, str]:
        if self._values is None:
            if self.path.exists():
                self._values = json.loads(self.path.read_text())
            else:
                self._values = {}
        return self._values

    def get(self, name: str, generate) -> str:
        values = self._load()
        if name not in values:
            values[name] = generate()
            self.path.parent.mkdir(parents=True, exist_ok=True)
            tmp = self.path.with_suffix(".tmp")
            tmp.write_text(json.dumps(values, indent=2))
            tmp.chmod(0o600)
            tmp.replace(self.path)
        self.used.add(name)
        return values[name]


def env_secret(
    name: str,
    local: LocalSecrets,
    *,
    generate=lambda: secrets.token_urlsafe(50),
    min_length: int = 32,
    environ: Mapping[str, str] | None = None,
) -> str:
    """A secret from the environment, or a generated local one from ``var/``."""
    value = _raw(name, environ)
    if value:
        if len(value) < min_length:
            raise ImproperlyConfigured(f"{name} must be at least {min_length} characters long.")
        return value
    return local.get(name, generate)


def email_settings(url: str, *, var_dir: Path) -> dict[str, object]:
    """Django e-mail settings from ``EMAIL_URL``.

    ``console://`` prints messages, ``file://`` writes them under ``var/mail`` (or the path
    given), ``memory://`` keeps them in ``mail.outbox``, and ``smtp://``, ``smtp+tls://``
    (STARTTLS) or ``smtps://`` (implicit TLS) send them: ``smtp+tls://user:pass@host:587``.
    """
    from urllib.parse import unquote, urlsplit

    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme == "console":
        return {"EMAIL_BACKEND": "django.core.mail.backends.console.EmailBackend"}
    if scheme == "memory":
        return {"EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend"}
    if scheme == "file":
        path = (parts.netloc + parts.path) or str(var_dir / "mail")
        return {"EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend", "EMAIL_FILE_PATH": path}
    if scheme in {"smtp", "smtp+tls", "smtps"}:
        if not parts.hostname:
            raise ImproperlyConfigured(f"EMAIL_URL needs a host: {scheme}://user:password@host:port")
        try:
            port = parts.port
        except ValueError:
            raise ImproperlyConfigured("EMAIL_URL has a port that is not a number.") from None
        return {
            "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "EMAIL_HOST": parts.hostname,
            "EMAIL_PORT": port or {"smtp": 25, "smtp+tls": 587, "smtps": 465}[scheme],
            "EMAIL_HOST_USER": unquote(parts.username or ""),
            "EMAIL_HOST_PASSWORD": unquote(parts.password or ""),
            "EMAIL_USE_TLS": scheme == "smtp+tls",
            "EMAIL_USE_SSL": scheme == "smtps",
            "EMAIL_TIMEOUT": 15,
        }
    raise ImproperlyConfigured(
        f"EMAIL_URL scheme {scheme!r} is not one of console, memory, file, smtp, smtp+tls, smtps."
    )


def env_fernet_keys(name: str, *, environ: Mapping[str, str] | None = None) -> list[str]:
    """Comma-separated Fernet keys (newest first); each must be a valid key."""
    from cryptography.fernet import Fernet

    keys = env_list(name, [], environ=environ)
    for position, key in enumerate(keys, start=1):
        try:
            Fernet(key)
        except (ValueError, TypeError):
            raise ImproperlyConfigured(
                f"{name}: key {position} is not a Fernet key (32 url-safe base64-encoded bytes)."
            ) from None
    return keys


E164 = r"\+[1-9][0-9]{7,14}"
TWILIO_VARIABLES = ("TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN", "TWILIO_FROM_NUMBER")


def sms_settings(*, environ: Mapping[str, str] | None = None) -> dict[str, str]:
    """SMS settings from ``SMS_URL``, or from Twilio's own three variables.

    - unset or empty: text messages are off (``SMS_BACKEND = ""``);
    - ``console://``: messages are printed on the process's standard output, not sent
      (``console://+13145550100`` shows that sender number);
    - ``twilio://ACCOUNT_SID:AUTH_TOKEN@+13145550100``: sent through Twilio from that number;
    - or ``TWILIO_ACCOUNT_SID``, ``TWILIO_AUTH_TOKEN`` and ``TWILIO_FROM_NUMBER``, all three.

    Returns ``SMS_BACKEND`` ("", "console" or "twilio"), ``TWILIO_ACCOUNT_SID``,
    ``TWILIO_AUTH_TOKEN`` and ``SMS_FROM_NUMBER``.
    """
    import re
    from urllib.parse import unquote, urlsplit

    url = env_str("SMS_URL", "", environ=environ)
    twilio = {name: env_str(name, "", environ=environ) for name in TWILIO_VARIABLES}
    if url and any(twilio.values()):
        raise ImproperlyConfigured("Set either SMS_URL or the TWILIO_* variables, not both.")
    if not url and any(twilio.values()):
        missing = [name for name, value in twilio.items() if not value]
        if missing:
            raise ImproperlyConfigured(f"SMS through Twilio also needs {', '.join(missing)}.")
        sid, token, sender = twilio.values()
        source = "TWILIO_*"
    elif not url:
        return {"SMS_BACKEND": "", "TWILIO_ACCOUNT_SID": "", "TWILIO_AUTH_TOKEN": "", "SMS_FROM_NUMBER": ""}
    else:
        scheme, sep, rest = url.partition("://")
        scheme = scheme.lower()
        if scheme == "console" and sep:
            if rest and not re.fullmatch(E164, rest):
                raise ImproperlyConfigured(f"SMS_URL: console:// takes an optional E.164 sender number, not {rest!r}.")
            return {
                "SMS_BACKEND": "console",
                "TWILIO_ACCOUNT_SID": "",
                "TWILIO_AUTH_TOKEN": "",
                "SMS_FROM_NUMBER": rest,
            }
        if scheme != "twilio" or not sep:
            raise ImproperlyConfigured(
                "SMS_URL must be console:// or twilio://ACCOUNT_SID:AUTH_TOKEN@+1NUMBER (the token URL-encoded)."
            )
        parts = urlsplit(url)
        sid, token, sender = (
            unquote(parts.username or ""),
            unquote(parts.password or ""),
            parts.netloc.rpartition("@")[2],
        )
        source = "SMS_URL"
    if not re.fullmatch(r"AC[0-9a-fA-F]{32}", sid):
        raise ImproperlyConfigured(f"{source}: the Twilio account SID is 'AC' and 32 hexadecimal digits.")
    if len(token) < 16:
        raise ImproperlyConfigured(f"{source}: the Twilio auth token is missing or too short.")
    if not re.fullmatch(E164, sender):
        raise ImproperlyConfigured(f"{source}: the sender must be an E.164 number such as +13145550100.")
    return {"SMS_BACKEND": "twilio", "TWILIO_ACCOUNT_SID": sid, "TWILIO_AUTH_TOKEN": token, "SMS_FROM_NUMBER": sender}
