from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject


def staff(request: HttpRequest) -> dict[str, object]:
    """``is_coordinator`` for the staff navigation; evaluated only if a template asks."""

    def check() -> bool:
        from reports.triage.permissions import is_coordinator

        user = getattr(request, "user", None)
        return bool(user and user.is_authenticated and is_coordinator(user))

    return {"is_coordinator": SimpleLazyObject(check), "quick_exit_url": settings.QUICK_EXIT_URL}
