"""The generation of "who can be reached": a value in the shared cache that changes
whenever anything an alert's reach is read from changes (when the change is made, and
again when it commits).

``reports.notifications.ladder.Reach.load`` keeps who can be reached in the shared cache,
stored with the generation it was read under, and uses it only while that is still the
generation. It is read from five models: agencies,
memberships, people (``User``: active, e-mail, name), on-call shifts and staff mobiles.
Every way our code changes them bumps the generation:

- saves and deletes through the models (``post_save``, ``post_delete``; connected in
  ``partners.apps`` for each of the five);
- ``QuerySet.update``, ``bulk_create`` and ``bulk_update`` of the four partners models,
  which send no signal (``ReachQuerySet``); a test fails if one of them gets a manager
  without it. (``QuerySet.delete`` sends ``post_delete`` for each row while a receiver
  is connected.)

``User`` rows changed with ``QuerySet.update`` (no code here does) and raw SQL are not
seen: the cached reach lives ``REACH_CACHE_SECONDS`` at most, so such a change shows
within that time.

Anything new that writes these models outside the ORM must call ``reach_changed()``.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Iterable
from typing import Any, TypeVar

from django.core.cache import cache
from django.db import models, transaction

logger = logging.getLogger(__name__)
_M = TypeVar("_M", bound=models.Model)
GENERATION_KEY = "reach:generation"
# The partners models an alert's reach is read from (and the user model).
READ_BY_REACH = ("partners.Agency", "partners.Membership", "partners.OnCallShift", "partners.StaffMobile")


def generation_now() -> str:
    """A new generation: random, so that it never repeats an older one (not the clock,
    which a test may stop and a server may set back)."""
    return secrets.token_hex(8)


def _bump() -> None:
    try:
        cache.set(GENERATION_KEY, generation_now(), None)
    except Exception:
        logger.warning("cache unavailable: cached reach is refreshed within its TTL", exc_info=True)


def reach_changed(sender: Any = None, **kwargs: Any) -> None:
    """Something an alert's reach is read from changed: a new generation now, and again
    once the transaction commits. Also a ``post_save``/``post_delete`` receiver.

    Now: this transaction reads its own change at once (and so does a test, whose
    transaction never commits). On commit: another process may have read the rows
    between the two and stored them under the first new generation; the second leaves
    that unused."""
    _bump()
    if transaction.get_connection().in_atomic_block:
        transaction.on_commit(_bump)


class ReachQuerySet(models.QuerySet[_M]):
    """A queryset whose bulk writes also start a new reach generation."""

    def update(self, **kwargs: Any) -> int:
        changed = super().update(**kwargs)
        if changed:
            reach_changed()
        return changed

    update.alters_data = True  # type: ignore[attr-defined]

    def bulk_create(self, objs: Iterable[_M], *args: Any, **kwargs: Any) -> list[_M]:
        created = super().bulk_create(objs, *args, **kwargs)
        reach_changed()
        return created

    def bulk_update(self, objs: Iterable[_M], fields: Iterable[str], batch_size: int | None = None) -> int:
        updated = super().bulk_update(objs, fields, batch_size)
        reach_changed()
        return updated
