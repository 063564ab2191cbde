import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "safeschools.settings")
application = get_wsgi_application()

# Loaded here, before gunicorn forks its workers (safeschools.warmup says why).
from safeschools.warmup import warm_up  # noqa: E402 — needs the settings configured above

warm_up()
