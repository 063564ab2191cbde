"""Deploy checks of the partners app, run by ``manage.py check --deploy``."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.apps import AppConfig
from django.contrib.auth import get_user_model
from django.core.checks import CheckMessage, Error, Info, Tags, register
from django.db import DatabaseError, connection


@register(Tags.security, deploy=True)
def no_demo_accounts(
    app_configs: Sequence[AppConfig] | None, databases: Sequence[str] | None = None, **kwargs: Any
) -> list[CheckMessage]:
    """``load_demo``'s accounts have public passwords and authenticator secrets: on the real
    site each one is a way in. Looked up in the database even without ``--database`` (the
    point of a deploy check is to catch this). A database not migrated yet holds no
    accounts; one that cannot be reached is reported as information, not failed on, since
    the other deploy checks need no database (``make prod-check`` connects to none)."""
    from partners.demo import demo_accounts

    try:
        if get_user_model()._meta.db_table not in connection.introspection.table_names():
            return []
        found = demo_accounts()
    except DatabaseError as error:
        reason = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        return [Info(f"Could not look for demo accounts: {reason}", id="partners.I001")]
    if not found:
        return []
    return [
        Error(
            f"Demo accounts exist: {', '.join(found)}. Their passwords and authenticator secrets are public.",
            hint="Delete them (admin → Users), or run load_demo only on a test machine.",
            id="partners.E001",
        )
    ]
