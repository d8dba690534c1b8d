"""CivicPortal settings: every setting, read from the environment in one place.

With nothing set, the portal runs on SQLite with tasks executed in-process (the embedded
default used by ``make run``). With ``DATABASE_URL`` and ``REDIS_URL`` set it uses
PostgreSQL (through Django's native psycopg 3 connection pool), Redis for the cache and a
real Celery worker and beat. With ``DEBUG`` off it refuses to start without a
``SECRET_KEY``.
"""

from __future__ import annotations

import os
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _
from kombu import Queue

BASE_DIR = Path(__file__).resolve().parent.parent


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    lowered = value.strip().lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name}={value!r} is not a boolean; use 1/0, true/false, yes/no.")


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    try:
        return int(value)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name}={value!r} is not a whole number.") from exc


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


# --- Core -------------------------------------------------------------------------------

DEBUG = env_bool("DEBUG", default=False)
# The embedded default (no DATABASE_URL) is a local trial, so it may run with DEBUG semantics
# for the key only; a deployment always sets DATABASE_URL and then needs a real key.
SECRET_KEY = env_str("SECRET_KEY")
if not SECRET_KEY:
    if DEBUG or not env_str("DATABASE_URL"):
        SECRET_KEY = "insecure-local-development-key-do-not-use-in-production"  # noqa: S105
    else:
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. CivicPortal refuses to start with DEBUG off and no "
            "SECRET_KEY: generate one with "
            "`python -c 'import secrets; print(secrets.token_urlsafe(50))'` "
            "and put it in the SECRET_KEY environment variable."
        )

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,[::1]" if DEBUG else "")
if not ALLOWED_HOSTS and not env_str("DATABASE_URL"):
    ALLOWED_HOSTS = ["127.0.0.1", "localhost", "[::1]"]
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000").rstrip("/")
SITE_ID = 1

# --- Branding ---------------------------------------------------------------------------

SITE_NAME = env_str("SITE_NAME", "CivicPortal")
COUNCIL_NAME = env_str("COUNCIL_NAME", "Riverside City Council")
COUNCIL_LOGO_URL = env_str("COUNCIL_LOGO_URL", "")  # empty: the bundled logo
# Colours must keep AA contrast with white text; the defaults do (7.9:1 and 5.9:1).
BRAND_PRIMARY_COLOR = env_str("BRAND_PRIMARY_COLOR", "#1d4e89")
BRAND_ACCENT_COLOR = env_str("BRAND_ACCENT_COLOR", "#2e6b30")
COUNCIL_CONTACT_EMAIL = env_str("COUNCIL_CONTACT_EMAIL", "participation@example.org")

# --- Applications -----------------------------------------------------------------------

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "civicportal.core.apps.StaticFilesConfig",  # django.contrib.staticfiles, minus npm files
    "django.contrib.sites",
    "django.contrib.humanize",
    "rules.apps.AutodiscoverRulesConfig",
    "allauth",
    "allauth.account",
    "allauth.socialaccount",
    "allauth.mfa",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_filters",
    "django_htmx",
    "auditlog",
    "civicportal.core",
    "civicportal.accounts",
    "civicportal.notifications",
    "proposals",
    "consultations",
    "budgeting",
    "alerts",
]

# Social login providers are switched on by settings: each one whose client id is set.
SOCIALACCOUNT_PROVIDERS: dict[str, dict] = {}
if env_str("OIDC_CLIENT_ID"):
    INSTALLED_APPS.append("allauth.socialaccount.providers.openid_connect")
    SOCIALACCOUNT_PROVIDERS["openid_connect"] = {
        "APPS": [
            {
                "provider_id": env_str("OIDC_PROVIDER_ID", "council-id"),
                "name": env_str("OIDC_PROVIDER_NAME", "Council ID"),
                "client_id": env_str("OIDC_CLIENT_ID"),
                "secret": env_str("OIDC_CLIENT_SECRET"),
                "settings": {"server_url": env_str("OIDC_SERVER_URL")},
            }
        ]
    }
for _provider in ("google", "facebook", "apple"):
    _client_id = env_str(f"{_provider.upper()}_CLIENT_ID")
    if _client_id:
        INSTALLED_APPS.append(f"allauth.socialaccount.providers.{_provider}")
        _app = {"client_id": _client_id, "secret": env_str(f"{_provider.upper()}_CLIENT_SECRET")}
        if _provider == "apple":
            _app["key"] = env_str("APPLE_KEY_ID")
            _app["settings"] = {"certificate_key": env_str("APPLE_PRIVATE_KEY")}
        SOCIALACCOUNT_PROVIDERS[_provider] = {"APPS": [_app]}

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "civicportal.accounts.middleware.UserLanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # After MessageMiddleware: it tells the staff member why they were redirected.
    "civicportal.accounts.middleware.StaffMfaRequiredMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "auditlog.middleware.AuditlogMiddleware",
]

ROOT_URLCONF = "civicportal.urls"
WSGI_APPLICATION = "civicportal.wsgi.application"
ASGI_APPLICATION = "civicportal.asgi.application"

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
                "civicportal.core.context_processors.branding",
            ],
        },
    },
]

# --- Database ---------------------------------------------------------------------------

DATABASE_URL = env_str("DATABASE_URL")
if DATABASE_URL:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=0)}
    if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
        # Django's native psycopg 3 pool (needs CONN_MAX_AGE = 0).
        DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
            "min_size": env_int("DATABASE_POOL_MIN_SIZE", 2),
            "max_size": env_int("DATABASE_POOL_MAX_SIZE", 20),
            "timeout": env_int("DATABASE_POOL_TIMEOUT", 10),
        }
        # Parameters travel apart from the statement, and a statement a pooled connection
        # has run five times is prepared on the server (psycopg's prepare_threshold; Django
        # turns it off for poolers that cannot keep prepared statements): the busiest
        # queries are planned once per connection, not on every request. Planning a query
        # on a table with many indexes costs PostgreSQL more than running it.
        if env_bool("DATABASE_PREPARED_STATEMENTS", True):
            DATABASES["default"]["OPTIONS"].update(server_side_binding=True, prepare_threshold=5)
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": env_str("SQLITE_PATH", str(BASE_DIR / "var" / "civicportal.sqlite3")),
            "OPTIONS": {"transaction_mode": "IMMEDIATE", "timeout": 20},
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache, broker, tasks ---------------------------------------------------------------

REDIS_URL = env_str("REDIS_URL")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "civicportal.core.cache.RedisCache",  # Django's, clients kept
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "civicportal",
            "OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 2},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# Sessions are read from the cache and written through to the database, so a signed-in
# request makes no session query (a vote: one query in four). Only on a cache that every
# process shares: with each process's own local memory, a sign-out in one process would
# leave the session alive in another's copy.
SESSION_ENGINE = (
    "django.contrib.sessions.backends.cached_db"
    if REDIS_URL
    else "django.contrib.sessions.backends.db"
)
# Anonymous visitors' copies of the busiest pages (civicportal/core/pagecache.py): seconds a
# shared copy lives (0: no page cache) and seconds each process reuses what it fetched.
# Alerts drop them on every change; other news reaches anonymous visitors this much later.
CORE_PAGE_CACHE_SECONDS = env_int("CORE_PAGE_CACHE_SECONDS", 10)
CORE_PAGE_CACHE_LOCAL_SECONDS = env_int("CORE_PAGE_CACHE_LOCAL_SECONDS", 1)

CELERY_BROKER_URL = env_str("CELERY_BROKER_URL", REDIS_URL or "memory://localhost/")
CELERY_RESULT_BACKEND = None
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_IGNORE_RESULT = True
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600, "socket_connect_timeout": 2}
# Two queues, and every worker consumes both, taking from each in turn: "urgent" (alerts:
# their fan-out and their deliveries) and the default. So an alert never waits behind a
# large non-urgent backlog (a notice to every resident, a digest run).
CELERY_TASK_DEFAULT_QUEUE = "celery"
CELERY_TASK_QUEUES = (
    Queue("urgent", routing_key="urgent"),
    Queue("celery", routing_key="celery"),
)
URGENT_QUEUE = "urgent"
CELERY_TIMEZONE = "UTC"
# The embedded default has no broker: tasks run in-process, synchronously.
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", default=not REDIS_URL)
CELERY_TASK_EAGER_PROPAGATES = True
# One beat schedule for the whole portal; modules add their periodic jobs here.
CELERY_BEAT_SCHEDULE: dict[str, dict] = {
    "core-clear-expired-sessions": {
        "task": "civicportal.core.tasks.session_clear_expired_task",
        "schedule": crontab(hour=3, minute=17),
    },
    "notifications-deliveries-sweep": {
        "task": "civicportal.notifications.tasks.deliveries_sweep_task",
        "schedule": float(env_int("NOTIFICATIONS_SWEEP_INTERVAL", 30)),
        "options": {"expires": 25},  # a sweep that could not start in time is not needed
    },
    # Digests (safe to run twice: one digest per resident and period).
    "notifications-digests-daily": {
        "task": "civicportal.notifications.tasks.digests_send_daily_task",
        "schedule": crontab(hour=env_int("NOTIFICATIONS_DIGEST_HOUR", 7), minute=5),
    },
    "notifications-digests-weekly": {
        "task": "civicportal.notifications.tasks.digests_send_weekly_task",
        "schedule": crontab(
            hour=env_int("NOTIFICATIONS_DIGEST_HOUR", 7), minute=20, day_of_week="mon"
        ),
    },
    # Idea proposals: forward the period's top ideas and those past the support threshold
    # (the top ideas once per PROPOSALS_FORWARD_PERIOD), archive inactive ones. Both are
    # safe to run twice.
    "proposals-ideas-forward": {
        "task": "proposals.tasks.ideas_forward_task",
        "schedule": crontab(hour=4, minute=10),
    },
    "proposals-ideas-archive-inactive": {
        "task": "proposals.tasks.ideas_archive_inactive_task",
        "schedule": crontab(hour=4, minute=40),
    },
    # Budget processes move to their next phase when a date passes (safe to run twice).
    "budgeting-processes-advance-due": {
        "task": "budgeting.tasks.processes_advance_due_task",
        "schedule": 60.0,
        "options": {"expires": 55},
    },
    # Residents hear of consultations opening in their area (safe to run twice).
    "consultations-announce-opened": {
        "task": "consultations.tasks.consultations_announce_opened_task",
        "schedule": 300.0,
        "options": {"expires": 290},
    },
    # Alerts past their expiry become expired; unfinished alert fan-outs restart.
    "alerts-expire": {
        "task": "alerts.tasks.alerts_expire_task",
        "schedule": 30.0,
        "options": {"expires": 25},
    },
    "alerts-fan-outs-sweep": {
        "task": "alerts.tasks.alerts_fan_outs_sweep_task",
        "schedule": 30.0,
        "options": {"expires": 25},
    },
}

# --- Authentication ---------------------------------------------------------------------

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "rules.permissions.ObjectPermissionBackend",
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]
if env_bool("FAST_PASSWORD_HASHER"):  # tests and benchmarks only
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"

ACCOUNT_ADAPTER = "civicportal.accounts.adapters.AccountAdapter"
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_SIGNUP_FORM_CLASS = "civicportal.accounts.forms.SignupDetailsForm"
ACCOUNT_EMAIL_VERIFICATION = env_str("ACCOUNT_EMAIL_VERIFICATION", "mandatory")
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_CHANGE_EMAIL = True
ACCOUNT_REAUTHENTICATION_REQUIRED = True
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = False
ACCOUNT_CONFIRM_EMAIL_ON_GET = False
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_EMAIL_SUBJECT_PREFIX = f"[{SITE_NAME}] "
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "https" if not DEBUG and DATABASE_URL else "http"
ACCOUNT_RATE_LIMITS = {
    "login": "30/m/ip",
    "login_failed": "10/m/ip,5/5m/key",
    "signup": "20/m/ip",
    "reset_password": "20/m/ip,5/m/key",
    "confirm_email": "1/3m/key",
}
if env_bool("DISABLE_RATE_LIMITS"):  # test suites and benchmarks that log in many times
    ACCOUNT_RATE_LIMITS = False
SOCIALACCOUNT_ADAPTER = "civicportal.accounts.adapters.SocialAccountAdapter"
SOCIALACCOUNT_EMAIL_AUTHENTICATION = False
SOCIALACCOUNT_ONLY = False
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = SITE_NAME
MFA_RECOVERY_CODE_COUNT = 10

# Salt mixed into census identifiers before hashing: residents' national identifiers are
# never stored, only HMAC-SHA256(CENSUS_HASH_KEY, normalised identifier).
CENSUS_HASH_KEY = env_str("CENSUS_HASH_KEY", SECRET_KEY)

# --- Email ------------------------------------------------------------------------------

EMAIL_URL = env_str("EMAIL_URL")  # smtp://user:pass@host:port, smtp+tls://..., smtp+ssl://...
EMAIL_BACKEND = env_str(
    "EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend"
    if EMAIL_URL
    else "django.core.mail.backends.console.EmailBackend",
)
if EMAIL_URL:
    from urllib.parse import unquote, urlsplit

    _email = urlsplit(EMAIL_URL)
    if _email.scheme not in {"smtp", "smtp+tls", "smtp+ssl"}:
        raise ImproperlyConfigured(
            f"EMAIL_URL scheme {_email.scheme!r} is not supported; use smtp://, smtp+tls:// "
            "or smtp+ssl://."
        )
    EMAIL_HOST = _email.hostname or "localhost"
    EMAIL_PORT = _email.port or {"smtp": 25, "smtp+tls": 587, "smtp+ssl": 465}[_email.scheme]
    EMAIL_HOST_USER = unquote(_email.username or "")
    EMAIL_HOST_PASSWORD = unquote(_email.password or "")
    EMAIL_USE_TLS = _email.scheme == "smtp+tls"
    EMAIL_USE_SSL = _email.scheme == "smtp+ssl"
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 20)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", f"{SITE_NAME} <no-reply@example.org>")
SERVER_EMAIL = env_str("SERVER_EMAIL", DEFAULT_FROM_EMAIL)
ANYMAIL = {
    key.removeprefix("ANYMAIL_"): value
    for key, value in os.environ.items()
    if key.startswith("ANYMAIL_")
}

# --- Notifications ----------------------------------------------------------------------

# Channel name -> backend class (civicportal.notifications.channels.base.Channel). A channel
# missing here is not offered; push, SMS and social backends plug in the same way.
NOTIFICATIONS_CHANNELS = {
    "email": "civicportal.notifications.channels.email.EmailChannel",
    "inbox": "civicportal.notifications.channels.inbox.InboxChannel",
    "sms": "civicportal.notifications.channels.sms.SmsChannel",
    "social": "civicportal.notifications.channels.social.SocialChannel",
}
# Web push needs a VAPID key pair (`python manage.py vapid_keys` makes one); without the
# private key the push channel is not offered.
NOTIFICATIONS_VAPID_PUBLIC_KEY = env_str("NOTIFICATIONS_VAPID_PUBLIC_KEY")
NOTIFICATIONS_VAPID_PRIVATE_KEY = env_str("NOTIFICATIONS_VAPID_PRIVATE_KEY")
NOTIFICATIONS_VAPID_SUBJECT = env_str(
    "NOTIFICATIONS_VAPID_SUBJECT", f"mailto:{COUNCIL_CONTACT_EMAIL}"
)
if NOTIFICATIONS_VAPID_PRIVATE_KEY:
    if not NOTIFICATIONS_VAPID_PUBLIC_KEY:
        raise ImproperlyConfigured(
            "NOTIFICATIONS_VAPID_PRIVATE_KEY is set but NOTIFICATIONS_VAPID_PUBLIC_KEY is not: "
            "browsers need the public key to subscribe (see `python manage.py vapid_keys`)."
        )
    NOTIFICATIONS_CHANNELS["push"] = "civicportal.notifications.channels.push.PushChannel"
NOTIFICATIONS_PUSH_TTL = env_int("NOTIFICATIONS_PUSH_TTL", 86400)  # seconds a push may wait
NOTIFICATIONS_PUSH_TIMEOUT = env_int("NOTIFICATIONS_PUSH_TIMEOUT", 10)
# Accept http:// push endpoints (local test push services only; browsers use https).
NOTIFICATIONS_PUSH_ALLOW_HTTP = env_bool("NOTIFICATIONS_PUSH_ALLOW_HTTP", default=False)
# SMS backend: console (logs), file (JSON lines), http (a gateway), or a class path.
NOTIFICATIONS_SMS_BACKEND = env_str("NOTIFICATIONS_SMS_BACKEND", "console")
NOTIFICATIONS_SMS_FILE_PATH = env_str(
    "NOTIFICATIONS_SMS_FILE_PATH", str(BASE_DIR / "var" / "sms.jsonl")
)
NOTIFICATIONS_SMS_GATEWAY_URL = env_str("NOTIFICATIONS_SMS_GATEWAY_URL")
NOTIFICATIONS_SMS_GATEWAY_TOKEN = env_str("NOTIFICATIONS_SMS_GATEWAY_TOKEN")
NOTIFICATIONS_SMS_SENDER = env_str("NOTIFICATIONS_SMS_SENDER", SITE_NAME[:11])
NOTIFICATIONS_SMS_TIMEOUT = env_int("NOTIFICATIONS_SMS_TIMEOUT", 10)
NOTIFICATIONS_SMS_MAX_LENGTH = env_int("NOTIFICATIONS_SMS_MAX_LENGTH", 480)
# Phone verification: code lifetime (s), wrong tries per code, wait before a new code (s).
NOTIFICATIONS_PHONE_CODE_TTL = env_int("NOTIFICATIONS_PHONE_CODE_TTL", 600)
NOTIFICATIONS_PHONE_CODE_ATTEMPTS = env_int("NOTIFICATIONS_PHONE_CODE_ATTEMPTS", 5)
NOTIFICATIONS_PHONE_CODE_RESEND_AFTER = env_int("NOTIFICATIONS_PHONE_CODE_RESEND_AFTER", 60)
# The council's social media accounts: recording (SocialPost rows), mastodon, class paths.
NOTIFICATIONS_SOCIAL_BACKENDS = env_list("NOTIFICATIONS_SOCIAL_BACKENDS", "recording")
NOTIFICATIONS_SOCIAL_RECORDING_ACCOUNT = env_str(
    "NOTIFICATIONS_SOCIAL_RECORDING_ACCOUNT", SITE_NAME
)
NOTIFICATIONS_SOCIAL_MAX_LENGTH = env_int("NOTIFICATIONS_SOCIAL_MAX_LENGTH", 500)
NOTIFICATIONS_SOCIAL_TIMEOUT = env_int("NOTIFICATIONS_SOCIAL_TIMEOUT", 15)
NOTIFICATIONS_MASTODON_URL = env_str("NOTIFICATIONS_MASTODON_URL")
NOTIFICATIONS_MASTODON_TOKEN = env_str("NOTIFICATIONS_MASTODON_TOKEN")
NOTIFICATIONS_MASTODON_VISIBILITY = env_str("NOTIFICATIONS_MASTODON_VISIBILITY", "public")
# Days a one-click unsubscribe link keeps working.
NOTIFICATIONS_UNSUBSCRIBE_MAX_AGE = env_int("NOTIFICATIONS_UNSUBSCRIBE_MAX_AGE", 365)
# Messages per second per channel, shared by all workers; a channel not listed is unpaced.
# Env form: NOTIFICATIONS_RATES=email=200,push=100,sms=10
NOTIFICATIONS_RATES: dict[str, int] = {}
for _item in env_list("NOTIFICATIONS_RATES", "email=200,push=100,sms=10,social=1"):
    _channel, _sep, _rate = _item.partition("=")
    if not _sep or not _rate.strip().isdigit():
        raise ImproperlyConfigured(
            f"NOTIFICATIONS_RATES item {_item!r} is not channel=messages_per_second."
        )
    NOTIFICATIONS_RATES[_channel.strip()] = int(_rate)
# Deliveries per send task (and per SMTP connection).
NOTIFICATIONS_CHUNK_SIZE = env_int("NOTIFICATIONS_CHUNK_SIZE", 200)
# The sweeper re-queues rows queued but still pending after this many seconds ...
NOTIFICATIONS_PENDING_STALE_AFTER = env_int("NOTIFICATIONS_PENDING_STALE_AFTER", 120)
# ... and rows whose worker has not renewed its claim for this many seconds.
NOTIFICATIONS_SENDING_STALE_AFTER = env_int("NOTIFICATIONS_SENDING_STALE_AFTER", 90)
NOTIFICATIONS_SWEEP_BATCH = env_int("NOTIFICATIONS_SWEEP_BATCH", 10000)
# Send task retries on transient failures (exponential backoff, capped).
NOTIFICATIONS_MAX_RETRIES = env_int("NOTIFICATIONS_MAX_RETRIES", 8)
NOTIFICATIONS_RETRY_BACKOFF_MAX = env_int("NOTIFICATIONS_RETRY_BACKOFF_MAX", 300)
# Longest a worker waits for its channel's rate or a far side's pause before deferring.
NOTIFICATIONS_PACING_MAX_WAIT = env_int("NOTIFICATIONS_PACING_MAX_WAIT", 30)
# On PostgreSQL, a worker's delivery records (claimed, sent, failed) commit without waiting
# for the disk flush (synchronous_commit off for those statements only). A worker killed
# mid-batch loses nothing either way; only a crash of the database server itself can forget
# the last fraction of a second of "sent" marks, and those messages then go out once more
# with the same Message-ID. Waiting for the flush costs about 0.7 ms per message.
NOTIFICATIONS_ASYNC_COMMIT = env_bool("NOTIFICATIONS_ASYNC_COMMIT", True)
# Right-hand side of each email's deterministic Message-ID; empty: SITE_URL's host name.
NOTIFICATIONS_MESSAGE_ID_DOMAIN = env_str("NOTIFICATIONS_MESSAGE_ID_DOMAIN")

# --- Emergency alerts -----------------------------------------------------------------------

# CAP <sender> and the prefix of each message's <identifier>; empty: from SITE_URL's host.
ALERTS_CAP_SENDER = env_str("ALERTS_CAP_SENDER")
ALERTS_CAP_IDENTIFIER_PREFIX = env_str("ALERTS_CAP_IDENTIFIER_PREFIX")
# Subscribers per fan-out batch (one event_create call, one commit, enqueued at once).
ALERTS_FANOUT_BATCH = env_int("ALERTS_FANOUT_BATCH", 2000)
# A fan-out not finished this many seconds after approval is restarted by the sweeper.
ALERTS_FANOUT_STALE_AFTER = env_int("ALERTS_FANOUT_STALE_AFTER", 60)

# --- Participation core (comments, reports, follows) ----------------------------------------

# Minutes after posting during which an author may edit a comment.
CORE_COMMENT_EDIT_MINUTES = env_int("CORE_COMMENT_EDIT_MINUTES", 15)
# Comments a resident may post per window (seconds); 0 switches the limit off.
CORE_COMMENT_RATE_LIMIT = env_int("CORE_COMMENT_RATE_LIMIT", 10)
CORE_COMMENT_RATE_WINDOW = env_int("CORE_COMMENT_RATE_WINDOW", 300)
# Distinct residents' reports that hide an item until a moderator reviews it.
CORE_FLAG_HIDE_THRESHOLD = env_int("CORE_FLAG_HIDE_THRESHOLD", 3)

# --- Consultations ---------------------------------------------------------------------------

# New anonymous responses accepted from one network address per window (seconds); 0: no limit.
CONSULTATIONS_ANON_RATE_LIMIT = env_int("CONSULTATIONS_ANON_RATE_LIMIT", 20)
CONSULTATIONS_ANON_RATE_WINDOW = env_int("CONSULTATIONS_ANON_RATE_WINDOW", 3600)

# --- Idea proposals -------------------------------------------------------------------------

# How often the most supported ideas go to the council: monthly, weekly or quarterly.
PROPOSALS_FORWARD_PERIOD = env_str("PROPOSALS_FORWARD_PERIOD", "monthly")
if PROPOSALS_FORWARD_PERIOD not in {"weekly", "monthly", "quarterly"}:
    raise ImproperlyConfigured(
        f"PROPOSALS_FORWARD_PERIOD={PROPOSALS_FORWARD_PERIOD!r}; use weekly, monthly or quarterly."
    )
# The top N ideas by support each period (with at least PROPOSALS_FORWARD_MIN_SUPPORT) ...
PROPOSALS_FORWARD_TOP_N = env_int("PROPOSALS_FORWARD_TOP_N", 3)
PROPOSALS_FORWARD_MIN_SUPPORT = env_int("PROPOSALS_FORWARD_MIN_SUPPORT", 1)
# ... and, on any day, every idea with at least this many supporters.
PROPOSALS_FORWARD_THRESHOLD = env_int("PROPOSALS_FORWARD_THRESHOLD", 100)
# Days without a vote, point or comment after which an unanswered idea is archived.
PROPOSALS_ARCHIVE_AFTER_DAYS = env_int("PROPOSALS_ARCHIVE_AFTER_DAYS", 180)
# Posting an idea needs a verified residency (voting and points only need an account).
PROPOSALS_REQUIRE_VERIFIED = env_bool("PROPOSALS_REQUIRE_VERIFIED", default=False)
PROPOSALS_IMAGE_MAX_BYTES = env_int("PROPOSALS_IMAGE_MAX_BYTES", 5 * 1024 * 1024)
# Ideas a resident may post per day; 0 switches the limit off.
PROPOSALS_IDEAS_PER_DAY = env_int("PROPOSALS_IDEAS_PER_DAY", 5)
# Votes (support, oppose, change, withdraw) a resident may cast per window (seconds); far
# above a person reading ideas, it stops scripts. 0 switches the limit off.
PROPOSALS_VOTE_RATE_LIMIT = env_int("PROPOSALS_VOTE_RATE_LIMIT", 60)
PROPOSALS_VOTE_RATE_WINDOW = env_int("PROPOSALS_VOTE_RATE_WINDOW", 300)
# Seconds the idea list reuses its count of the ideas matching a filter (the one query of
# the page that reads every match); 0 counts on every page.
PROPOSALS_LIST_COUNT_SECONDS = env_int("PROPOSALS_LIST_COUNT_SECONDS", 30)
# Map tiles for the idea form and pages, e.g. https://tile.openstreetmap.org/{z}/{x}/{y}.png
# (its origin is added to the CSP). Empty: the map works without tiles, on the markers alone.
PROPOSALS_MAP_TILE_URL = env_str("PROPOSALS_MAP_TILE_URL")
PROPOSALS_MAP_ATTRIBUTION = env_str("PROPOSALS_MAP_ATTRIBUTION", "© OpenStreetMap contributors")
# Where the map opens: "latitude,longitude,zoom" (default: Reykjavik).
PROPOSALS_MAP_CENTER = env_str("PROPOSALS_MAP_CENTER", "64.1466,-21.9426,12")

# --- Internationalisation ---------------------------------------------------------------

LANGUAGE_CODE = env_str("LANGUAGE_CODE", "en")
LANGUAGES = [("en", _("English")), ("is", _("Icelandic"))]
LOCALE_PATHS = [
    BASE_DIR / "civicportal" / "locale",  # makemessages writes here
    # Icelandic for django-allauth, which ships none; apart so makemessages leaves it alone.
    BASE_DIR / "civicportal" / "locale_allauth",
]
TIME_ZONE = env_str("TIME_ZONE", "Atlantic/Reykjavik")
USE_I18N = True
USE_TZ = True

# --- Static and media -------------------------------------------------------------------

STATIC_URL = "/static/"
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(BASE_DIR / "var" / "static")))
_NPM = BASE_DIR / "static" / "node_modules"
STATICFILES_DIRS = [
    BASE_DIR / "static",
    # Front-end packages installed from npm (static/package-lock.json), served as our own.
    ("vendor/bootstrap", _NPM / "bootstrap" / "dist"),
    ("vendor/htmx", _NPM / "htmx.org" / "dist"),
    ("vendor/leaflet", _NPM / "leaflet" / "dist"),
]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(BASE_DIR / "var" / "media")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = DEBUG
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024

# --- Security ---------------------------------------------------------------------------

_SECURE = not DEBUG and bool(DATABASE_URL) and not env_bool("INSECURE_HTTP")
SESSION_COOKIE_SECURE = _SECURE
CSRF_COOKIE_SECURE = _SECURE
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = False  # htmx reads the token from a meta tag, not the cookie
SECURE_SSL_REDIRECT = _SECURE and env_bool("SECURE_SSL_REDIRECT", default=True)
# Container and load-balancer health probes speak plain HTTP on the private network.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000 if _SECURE else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = _SECURE
SECURE_HSTS_PRELOAD = False
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SILENCED_SYSTEM_CHECKS = ["security.W021"]  # HSTS preload is a council's own decision

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    }
}
if PROPOSALS_MAP_TILE_URL:
    from urllib.parse import urlsplit as _urlsplit

    if "{s}" in PROPOSALS_MAP_TILE_URL:
        raise ImproperlyConfigured(
            "PROPOSALS_MAP_TILE_URL must name one host (no {s} subdomains): the CSP allows "
            "images from that host only."
        )
    _tiles = _urlsplit(PROPOSALS_MAP_TILE_URL)
    CONTENT_SECURITY_POLICY["DIRECTIVES"]["img-src"].append(f"{_tiles.scheme}://{_tiles.netloc}")

# --- API --------------------------------------------------------------------------------

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # Token first: an unauthenticated request then gets 401 with WWW-Authenticate.
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticatedOrReadOnly"],
    "DEFAULT_PAGINATION_CLASS": "civicportal.core.api.pagination.PageNumberPagination",
    "PAGE_SIZE": 20,
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.OrderingFilter",
        "rest_framework.filters.SearchFilter",
    ],
    "DEFAULT_THROTTLE_CLASSES": [
        "rest_framework.throttling.AnonRateThrottle",
        "rest_framework.throttling.UserRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": env_str("API_THROTTLE_ANON", "120/minute"),
        "user": env_str("API_THROTTLE_USER", "600/minute"),
    },
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "civicportal.core.api.errors.exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": f"{SITE_NAME} API",
    "DESCRIPTION": "Public reads and resident actions of the participation portal.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    # Swagger UI and ReDoc are served from our own static files (no CDN).
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Choice sets that several serializers share get one stable name in the schema.
    "ENUM_NAME_OVERRIDES": {
        "LanguageEnum": LANGUAGES,
        "IdeaStatusEnum": "proposals.models.IdeaStatus",
        "CapStatusEnum": "alerts.models.CapStatus",
    },
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "civicportal.core.api.schema.add_error_responses",
    ],
}

# --- Logging ----------------------------------------------------------------------------

LOG_LEVEL = env_str("LOG_LEVEL", "INFO")
LOG_FORMAT = env_str("LOG_FORMAT", "json" if not DEBUG and DATABASE_URL else "text")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "json": {"()": "civicportal.core.logging.JsonFormatter"},
        "text": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": LOG_FORMAT}},
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        "django.db.backends": {"level": "INFO"},
        "celery": {"level": LOG_LEVEL},
    },
}

# --- Admin ------------------------------------------------------------------------------

ADMINS = [("Council IT", email) for email in env_list("ADMIN_EMAILS")]
AUDITLOG_INCLUDE_ALL_MODELS = False
