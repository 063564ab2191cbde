"""Settings for the Safe Schools Partnership site.

One module, read from environment variables through the typed helpers in
``safeschools.env``. The defaults give a working local site on SQLite under ``var/``; the
README's configuration table lists every variable and what production needs.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import dj_database_url
from cryptography.fernet import Fernet

from safeschools.env import (
    LocalSecrets,
    email_settings,
    env_bool,
    env_email,
    env_fernet_keys,
    env_int,
    env_list,
    env_phone_list,
    env_secret,
    env_str,
    env_url,
    sms_settings,
)

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("VAR_DIR", str(BASE_DIR / "var")))

DEBUG = env_bool("DEBUG", False)
# Behind a TLS proxy in production: redirects to https, HSTS, secure cookies.
HTTPS = env_bool("HTTPS", False)

_local_secrets = LocalSecrets(VAR_DIR / "secrets.json")
SECRET_KEY = env_secret("SECRET_KEY", _local_secrets)
# Encryption of tip content at rest: comma-separated Fernet keys, newest first. The first
# key encrypts; every key decrypts (see ``manage.py rotate_encryption_keys``).
FIELD_ENCRYPTION_KEYS = env_fernet_keys("FIELD_ENCRYPTION_KEYS") or [
    _local_secrets.get("FIELD_ENCRYPTION_KEYS", lambda: Fernet.generate_key().decode())
]
# Receipts are stored only as HMAC-SHA256(RECEIPT_PEPPER, receipt); never SECRET_KEY.
RECEIPT_PEPPER = env_secret("RECEIPT_PEPPER", _local_secrets)
# Rate-limit keys are an HMAC of the client address under this secret (and the hour).
RATELIMIT_KEY_SECRET = env_secret("RATELIMIT_KEY_SECRET", _local_secrets)
# Keyed blind index for searching encrypted tip text (see reports.search).
SEARCH_INDEX_KEY = env_secret("SEARCH_INDEX_KEY", _local_secrets)
# Staff mobile numbers are stored encrypted and found (for replies by SMS) by an HMAC under
# this key; verification codes are kept only as an HMAC under it too (partners.mobiles).
PHONE_INDEX_KEY = env_secret("PHONE_INDEX_KEY", _local_secrets)
LOCAL_SECRETS_USED = sorted(_local_secrets.used)

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "crispy_forms",
    "crispy_bootstrap5",
    "csp",
    "django_otp",
    # Libraries' apps by our AppConfig subclasses: the same apps, with section names that
    # read as words in the admin (safeschools/apps.py).
    "safeschools.apps.AuthenticatorAppsConfig",
    "safeschools.apps.RecoveryCodesConfig",
    "safeschools.apps.SignInLockoutsConfig",
    "django_tasks",
    "safeschools.apps.BackgroundTasksConfig",
    "safeschools.apps.SafeSchoolsConfig",
    "partners",
    "reports",
    "casework",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "safeschools.middleware.security_headers",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    # Before sessions, CSRF and authentication: a cached public page skips all of them.
    "safeschools.page_cache.public_pages",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    # A browser that prefers Spanish, arriving from elsewhere, goes to /es/ (no cookie).
    "safeschools.language.spanish_for_spanish_browsers",
    "django.middleware.common.CommonMiddleware",
    "safeschools.csrf.NoReferrerCsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # After authentication, OTP and messages: ends idle, over-long and deactivated sessions.
    "safeschools.middleware.staff_session_limits",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # django-axes last, as its documentation asks.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "safeschools.urls"
WSGI_APPLICATION = "safeschools.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "partners.context_processors.site",
                "reports.context_processors.staff",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------
DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{VAR_DIR / 'db.sqlite3'}"),
        conn_max_age=env_int("CONN_MAX_AGE", 0, minimum=0),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the worker and the web process share the file; IMMEDIATE transactions take
    # the write lock up front instead of failing half-way with "database is locked".
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # No parallel plans for the site's queries: they read one agency's share of the tips
    # through indexes, and at a million tips starting parallel workers for the queue made
    # page 1 four times slower (issue 16; bench/README.md). PG_PARALLEL_WORKERS sets it back.
    workers = env_int("PG_PARALLEL_WORKERS", 0, minimum=0, maximum=16)
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = f"-c max_parallel_workers_per_gather={workers}"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Django's W003 looks for its own CSRF middleware by name; ours is a subclass of it
# (safeschools.csrf) and the safeschools.E001 check makes sure it is installed.
SILENCED_SYSTEM_CHECKS = ["security.W003"]

# --- Cache and rate limits ------------------------------------------------------------
REDIS_URL = env_str("REDIS_URL", "")
if REDIS_URL:
    env_url("REDIS_URL", REDIS_URL, schemes=("redis", "rediss", "unix"))
    CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "safeschools",
            "OPTIONS": {
                "SOCKET_CONNECT_TIMEOUT": 1,
                "SOCKET_TIMEOUT": 1,
            },
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    # django-ratelimit refuses a per-process cache; acceptable for a single local process.
    SILENCED_SYSTEM_CHECKS += ["django_ratelimit.E003", "django_ratelimit.W001"]
# Public pages (no cookie, no query string) are served from this cache for this long; a
# change to public content shows at once (see safeschools.page_cache). 0 turns it off.
PUBLIC_PAGE_CACHE_SECONDS = env_int("PUBLIC_PAGE_CACHE_SECONDS", 300, minimum=0)
# Each process keeps what it read from the cache (public pages, site settings, the blank
# tip form) for this long: an edit shows at once where it was made, within this elsewhere.
CACHE_LOCAL_SECONDS = env_int("CACHE_LOCAL_SECONDS", 5, minimum=0)
# Who an alert can reach (an agency's members, their channels, who is on call) is kept in
# the shared cache while nothing it is read from changes (partners.reach_changes), and at
# most this long. 0 reads it for every alert.
REACH_CACHE_SECONDS = env_int("REACH_CACHE_SECONDS", 60, minimum=0, maximum=600)
# The stats page's figures are counted again at most this often (reports.triage.stats).
STATS_FRESH_SECONDS = env_int("STATS_FRESH_SECONDS", 300, minimum=0, maximum=3600)
# A cache that cannot count does not block anyone (see safeschools.ratelimit).
RATELIMIT_FAIL_OPEN = True
# Behind a proxy, the header that carries the client address (e.g. HTTP_X_REAL_IP). It is
# only ever fed into an HMAC for rate limiting; no address is stored or logged.
CLIENT_ADDRESS_HEADER = env_str("CLIENT_ADDRESS_HEADER", "")
# Limits on the public tip pages (django-ratelimit rates: N/s, N/m, N/h).
TIP_SUBMIT_RATE = env_str("TIP_SUBMIT_RATE", "20/10m")
TIP_SUBMIT_RATE_OVERALL = env_str("TIP_SUBMIT_RATE_OVERALL", "600/m")
# The form's screens (Next, Back, the school search, with or without JavaScript) write
# nothing but each renders a page or reads the schools: per client only, generous enough
# for a school's whole network behind one address, and never shared with the submission's
# own limit (a student who walked the screens can still send).
TIP_FORM_SCREEN_RATE = env_str("TIP_FORM_SCREEN_RATE", "120/m")
RECEIPT_CHECK_RATE = env_str("RECEIPT_CHECK_RATE", "10/m")
RECEIPT_CHECK_RATE_OVERALL = env_str("RECEIPT_CHECK_RATE_OVERALL", "300/m")
# Tipster follow-up messages: per client, per tip (whoever sends them) and site-wide.
TIPSTER_MESSAGE_RATE = env_str("TIPSTER_MESSAGE_RATE", "10/10m")
TIPSTER_MESSAGE_RATE_PER_TIP = env_str("TIPSTER_MESSAGE_RATE_PER_TIP", "5/10m")
TIPSTER_MESSAGE_RATE_OVERALL = env_str("TIPSTER_MESSAGE_RATE_OVERALL", "300/m")
# The signed form token: a tip sent sooner than this after the form was shown is a robot;
# a form open longer than this gets a fresh token (the text is kept).
TIP_FORM_MIN_SECONDS = env_int("TIP_FORM_MIN_SECONDS", 3, minimum=0)
TIP_FORM_MAX_AGE_SECONDS = env_int("TIP_FORM_MAX_AGE_SECONDS", 2 * 3600, minimum=60)
# A tipster's follow-up session ends after this long without a request.
TIPSTER_IDLE_SECONDS = env_int("TIPSTER_IDLE_SECONDS", 15 * 60, minimum=60)

# --- Background work --------------------------------------------------------------
# django-tasks with the database backend: the queue is a table, `manage.py db_worker`
# processes (any number, any machine) run it. Tests use the immediate backend.
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
# The worker's daily jobs (digest e-mails, retention purge, token pruning) run at this local
# hour; escalations and the outbox are checked every 30 seconds (reports.jobs).
DAILY_JOBS_HOUR = env_int("DAILY_JOBS_HOUR", 6, minimum=0, maximum=23)

# --- Reaching a person ------------------------------------------------------------------
# The 24/7 fallback (e.g. the county police dispatch): the last step of every life-safety
# alert ladder, repeated until a person acknowledges, and alerted at once when nobody at a
# life-safety tip's agencies can be reached (SECURITY.md 44). Not a user account: alerts
# go to these addresses. The phone numbers are used once an SMS channel is configured.
ALERT_FALLBACK_NAME = env_str("ALERT_FALLBACK_NAME", "24/7 fallback")
ALERT_FALLBACK_EMAIL = env_email("ALERT_FALLBACK_EMAIL")
ALERT_FALLBACK_PHONES = env_phone_list("ALERT_FALLBACK_PHONES", [])
# At most one alert per person (or fallback address) per tip in this many minutes, so that
# a tipster writing again and again cannot flood anyone's phone (SECURITY.md 39). The
# escalation ladder is never held back. 0 turns coalescing off.
ALERT_COALESCE_MINUTES = env_int("ALERT_COALESCE_MINUTES", 10, minimum=0, maximum=24 * 60)

# --- Retention --------------------------------------------------------------------------
# Closed tips are deleted this many days after closing, unless their category sets its own
# period (Category.retention_days); see `manage.py purge_expired`.
TIP_RETENTION_DAYS = env_int("TIP_RETENTION_DAYS", 365, minimum=1)
# Threat assessment cases are deleted this many days after closing (an audit stub stays).
CASE_RETENTION_DAYS = env_int("CASE_RETENTION_DAYS", 3 * 365, minimum=1)
# Safe Schools Act notices are deleted this many days after they were acknowledged (the
# receiving district or court keeps its own record; an audit stub stays). A notice nobody
# acknowledged, or one linked to a case that still exists, stays.
NOTICE_RETENTION_DAYS = env_int("NOTICE_RETENTION_DAYS", 3 * 365, minimum=1)

# --- Casework ---------------------------------------------------------------------------
# A Safe Schools Act notice not acknowledged by a designee within this many days is overdue.
NOTICE_ACK_DAYS = env_int("NOTICE_ACK_DAYS", 2, minimum=1)

# --- Authentication -------------------------------------------------------------------
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    # First, so that a locked-out username + address is refused before any password check.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "account:login"
LOGIN_REDIRECT_URL = "dashboard:queue"
# django-axes: lock a username + address pair after repeated failures, for a while only.
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5, minimum=1)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("AXES_COOLOFF_MINUTES", 15, minimum=1))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_ENABLE_ACCESS_FAILURE_LOG = True
AXES_LOCKOUT_TEMPLATE = "account/locked.html"
# The cool-off runs from the lockout: retrying while locked does not restart the clock, so
# "wait 15 minutes" on the lockout page stays true.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
# Staff sessions: ended after this long without a request, and after this long in all
# (safeschools.middleware.staff_session_limits, which also ends the sessions of a user who
# is deactivated). A password change ends every other session of that user.
STAFF_IDLE_TIMEOUT = timedelta(minutes=env_int("STAFF_IDLE_MINUTES", 30, minimum=1))
STAFF_SESSION_MAX_AGE = timedelta(hours=env_int("STAFF_SESSION_HOURS", 10, minimum=1))
OTP_TOTP_ISSUER = "Safe Schools Partnership"

# --- Sessions and cookies -------------------------------------------------------------
# Nothing persistent on a tipster's device: both cookies end with the browser session.
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
# Database sessions whose stored expiry is a whole hour (a tipster's reply is not dated by it).
SESSION_ENGINE = "safeschools.sessions"
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 8 * 3600, minimum=300)
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_AGE = None
CSRF_FAILURE_VIEW = "reports.intake.views.csrf_failure"
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS

# --- Security headers -----------------------------------------------------------------
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "no-referrer"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SECURE_SSL_REDIRECT = HTTPS
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31_536_000 if HTTPS else 0, minimum=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", HTTPS)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", HTTPS)
if HTTPS:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'none'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        # Bootstrap draws a few icons (select arrow, close button) as data: SVG in CSS.
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
        "base-uri": ["'none'"],
        "object-src": ["'none'"],
        "manifest-src": ["'self'"],
    }
}

# --- Errors and logs ------------------------------------------------------------------
DEFAULT_EXCEPTION_REPORTER_FILTER = "safeschools.logging.ScrubbingExceptionReporterFilter"
DEFAULT_EXCEPTION_REPORTER = "safeschools.logging.ScrubbingExceptionReporter"
ADMINS = [("Site administrators", a) for a in env_list("ADMINS", [])]
LOG_LEVEL = env_str("LOG_LEVEL", "INFO").upper()
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"scrub": {"()": "safeschools.logging.ScrubFilter"}},
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "plain", "filters": ["scrub"]},
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        # runserver's request log prints the client address; staff use the admin log instead.
        "django.server": {"handlers": ["console"], "level": "WARNING", "propagate": False},
        "django.request": {"handlers": ["console"], "level": "ERROR", "propagate": False},
        "axes": {"handlers": ["console"], "level": "WARNING", "propagate": False},
        # The SDK logs every API request and response header at INFO.
        "twilio": {"handlers": ["console"], "level": "WARNING", "propagate": False},
    },
}

# --- E-mail ---------------------------------------------------------------------------
for _name, _value in email_settings(env_str("EMAIL_URL", "console://"), var_dir=VAR_DIR).items():
    globals()[_name] = _value
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Safe Schools Partnership <alerts@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Text messages (SMS) ----------------------------------------------------------------
# Off unless SMS_URL (or TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN and TWILIO_FROM_NUMBER) is set:
# SMS_BACKEND is "", "console" (printed, `make run`) or "twilio" (see safeschools.sms).
_sms = sms_settings()
SMS_BACKEND = _sms["SMS_BACKEND"]
TWILIO_ACCOUNT_SID = _sms["TWILIO_ACCOUNT_SID"]
TWILIO_AUTH_TOKEN = _sms["TWILIO_AUTH_TOKEN"]
SMS_FROM_NUMBER = _sms["SMS_FROM_NUMBER"]
# Longest wait for Twilio's API per request; a slower answer is a failed attempt, retried.
SMS_TIMEOUT_SECONDS = env_int("SMS_TIMEOUT_SECONDS", 10, minimum=1, maximum=60)
# Text-a-tip (reports.intake.sms_tips): a text to the site's number from anyone who is not
# staff becomes a tip for the coordinators. Off: such texts are told to use the web form.
SMS_TIPS = env_bool("SMS_TIPS", True)
# A texting tipster's number is kept (encrypted) only to text them staff replies, and is
# erased this many days after their tip is closed (the daily job).
SMS_TIPSTER_GRACE_DAYS = env_int("SMS_TIPSTER_GRACE_DAYS", 14, minimum=0, maximum=365)

# --- Internationalisation -------------------------------------------------------------
LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("es", "Español")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "America/Chicago"
USE_I18N = True
USE_TZ = True

# --- Static and uploaded files --------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]
# Public resources (the manual, statute summaries) uploaded by coordinators. Tip images are
# never stored here: they live encrypted in the database.
MEDIA_ROOT = VAR_DIR / "media"
MEDIA_URL = "/media/"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG or not env_bool("STATIC_MANIFEST", True)
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = DEBUG
FILE_UPLOAD_PERMISSIONS = 0o640

# --- Tip images (SECURITY.md 23, 24) --------------------------------------------------
# Read at use time by ``reports.intake.images``: every upload is decoded, stripped and re-encoded.
# Per image, as uploaded; a bigger file is refused with a message naming it.
TIP_IMAGE_MAX_BYTES = 10 * 1024 * 1024
# Images per tip or per follow-up message.
TIP_IMAGE_MAX_COUNT = 5
# Refused from the header alone, before any pixel is decoded, so a decompression bomb (a
# few kilobytes declaring gigapixels) costs nothing. 40 MP takes ordinary phone photos
# (12-24 MP); the 48-200 MP "high resolution" modes of some phones are refused.
TIP_IMAGE_MAX_PIXELS = 40_000_000
# Longest side kept; larger images are scaled down to save space (evidence stays legible).
TIP_IMAGE_MAX_DIMENSION = 4096
# The decoding budget (SECURITY.md 41), checked from each header before decoding: pixels
# one request may decode in all (five 16-megapixel phone photos), pixels decoded at once by
# one process's threads (and how long a request waits for room), seconds of decoding per
# request. Past a budget, the next picture is refused with a message, the report kept.
TIP_IMAGE_REQUEST_PIXELS = 80_000_000
TIP_IMAGE_PROCESS_PIXELS = 120_000_000
TIP_IMAGE_BUSY_SECONDS = 5
TIP_IMAGE_DECODE_SECONDS = 8
# Uploads never touch the disk in plain form: this handler keeps files in memory and stops
# the upload once the files of one request pass FILE_UPLOAD_MAX_MEMORY_SIZE (Django's own
# memory handler would instead hand a bigger file to the temporary-file handler). It serves
# every upload, the coordinators' public resources in the admin included.
FILE_UPLOAD_HANDLERS = ["safeschools.uploads.InMemoryOnlyUploadHandler"]
# The files of one request, in all: a full set of images plus a little slack, so that one
# image just over its own cap gets the friendly per-file message rather than a stop.
FILE_UPLOAD_MAX_MEMORY_SIZE = TIP_IMAGE_MAX_BYTES * TIP_IMAGE_MAX_COUNT + 1024 * 1024
# The other form fields of a request (file contents are counted above, not here): Django's
# default of 2.5 MB, stated so that the three limits read together.
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# Where the quick-exit button on tip pages goes: a neutral page, opened in place of ours.
QUICK_EXIT_URL = env_url("QUICK_EXIT_URL", "https://www.weather.gov/", schemes=("https",))

# Shown by error pages, which must render without the database (SECURITY.md 35). The
# editable copy of these numbers lives in partners.SiteSettings.
FALLBACK_CONTACT = {
    "hotline_display": "(314) 889-SAFE (7233)",
    "hotline_dial": "+13148897233",
    "emergency_number": "911",
    "crisis_number": "988",
}
