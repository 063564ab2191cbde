"""What a web process loads before its first request, once, in gunicorn's master.

With ``preload_app`` (gunicorn.conf.py) every worker is forked from the master after the
WSGI application is loaded, and shares what the master imported. Django imports much of
the project lazily, though: the URLconf and every view module on the first URL resolved,
the Redis client on the first cache read, each language's catalog on its first page, each
template on its first render. Left lazy, every new worker, and every worker recycled after
``max_requests``, did all of that during its first requests (about 0.2-0.3 s of CPU for
the first one alone), while the requests queued behind it waited.

``warm_up`` does that work in the master instead. It opens no connection: no database
query, no cache read (a socket opened before the fork would be shared by every worker).
"""

from __future__ import annotations

import logging
from pathlib import Path

from django.conf import settings
from django.core.cache import caches
from django.template import TemplateDoesNotExist, TemplateSyntaxError, engines
from django.urls import get_resolver
from django.utils import translation

logger = logging.getLogger(__name__)


def warm_up() -> None:
    # Every URL pattern, and so every view module and what it imports.
    get_resolver().url_patterns  # noqa: B018 — the import is the point
    # Each cache's backend and client classes, built and dropped: a client connects on its
    # first command, not when it is made.
    for alias in settings.CACHES:
        caches.create_connection(alias)
    # The catalogs of every language (kept by the translation module for the process).
    for code, _name in settings.LANGUAGES:
        translation.activate(code)
    translation.deactivate()
    _compile_project_templates()


def _compile_project_templates() -> None:
    """The project's own templates, compiled into the cached loader (which keeps them for
    the life of the process). Third-party templates (the admin's) stay lazy."""
    for engine in engines.all():
        for directory in engine.dirs:
            root = Path(directory)
            for path in sorted(root.rglob("*")):
                if not path.is_file() or path.suffix not in {".html", ".txt"}:
                    continue
                name = path.relative_to(root).as_posix()
                try:
                    engine.get_template(name)
                except (TemplateDoesNotExist, TemplateSyntaxError):
                    # Rendering it would fail as loudly as it always did; starting must not.
                    logger.exception("template %s could not be compiled at start-up", name)
