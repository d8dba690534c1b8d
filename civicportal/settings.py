"""CivicPortal settings: every setting, read from the environment in one place.

Without ``DATABASE_URL`` the portal runs on SQLite with tasks executed in-process (the
embedded default used by ``make run``, which sets ``DEBUG=1``). With ``DATABASE_URL`` and
``REDIS_URL`` set it uses PostgreSQL (through Django's native psycopg 3 connection pool),
Redis for the cache and a real Celery worker and beat. With ``DEBUG`` off it refuses to
start without ``SECRET_KEY``, without ``CENSUS_HASH_KEY``, or with an email backend that
sends nothing.

The comment above each ``env_*`` read is that setting's documentation:
``python manage.py settings_table`` turns them into the README's table of settings.
"""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import unquote, urlsplit

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


def env_prefixed(prefix: str) -> dict[str, str]:
    """Every variable whose name starts with ``prefix``, keyed by the rest of its name."""
    return {
        key.removeprefix(prefix): value
        for key, value in os.environ.items()
        if key.startswith(prefix)
    }


# --- Core -------------------------------------------------------------------------------

# Django's debug mode: tracebacks in the browser, static files read from the source folders.
# For a local trial only (`make run` sets it); never on a server that others can reach.
DEBUG = env_bool("DEBUG", default=False)
# Signs sessions, password-reset links, unsubscribe links and ballot orders. Required with
# DEBUG off, whatever the database: a well-known key would let anyone forge them.
SECRET_KEY = env_str("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. CivicPortal refuses to start with DEBUG off and no "
            "SECRET_KEY: generate one with "
            "`python -c 'import secrets; print(secrets.token_urlsafe(50))'` "
            "and put it in the SECRET_KEY environment variable (for a local trial, "
            "`make run` sets DEBUG=1 instead)."
        )
    SECRET_KEY = "insecure-local-development-key-do-not-use-in-production"  # noqa: S105

# Host names the portal answers to, comma-separated (the domain in SITE_URL); with DEBUG on, the
# local names.
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,[::1]" if DEBUG else "")
if not ALLOWED_HOSTS and not env_str("DATABASE_URL"):
    ALLOWED_HOSTS = ["127.0.0.1", "localhost", "[::1]"]
# Origins allowed to post forms, comma-separated, e.g. https://participate.example.org (needed
# behind a TLS proxy).
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")
# Reverse proxies in front of the portal that append the client's address to
# X-Forwarded-For (1 behind the compose file's proxy; 0, the default, ignores the header,
# which any client can forge). Every per-address limit reads the address this way.
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0)
ALLAUTH_TRUSTED_PROXY_COUNT = TRUSTED_PROXY_COUNT
# The portal's public address, scheme and host (and port if not the default): links in emails,
# feeds, share cards and og:url are built from it.
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000").rstrip("/")
SITE_ID = 1

# --- Branding ---------------------------------------------------------------------------

# The portal's name in page titles, emails and the authenticator app.
SITE_NAME = env_str("SITE_NAME", "CivicPortal")
# The council's name, shown in the header, footer and emails.
COUNCIL_NAME = env_str("COUNCIL_NAME", "Riverside City Council")
# Address of the council's logo image (its origin must be allowed by the CSP, so best a
# /static/ or /media/ path); empty: the bundled logo.
COUNCIL_LOGO_URL = env_str("COUNCIL_LOGO_URL", "")
# Main colour (header, buttons). Colours must keep AA contrast with white text; the
# defaults do (7.9:1 and 5.9:1).
BRAND_PRIMARY_COLOR = env_str("BRAND_PRIMARY_COLOR", "#1d4e89")
# Accent colour (buttons' second shade); keep AA contrast with white text.
BRAND_ACCENT_COLOR = env_str("BRAND_ACCENT_COLOR", "#2e6b30")
# Where residents write to the council (footer, privacy and accessibility pages, push contact).
COUNCIL_CONTACT_EMAIL = env_str("COUNCIL_CONTACT_EMAIL", "participation@example.org")

# --- Accessibility statement ------------------------------------------------------------

# Where residents report an accessibility problem or ask for content in another format
# (the accessibility statement at /accessibility/).
ACCESSIBILITY_CONTACT_EMAIL = env_str("ACCESSIBILITY_CONTACT_EMAIL", COUNCIL_CONTACT_EMAIL)
# A phone number for the same, written as residents dial it (with the country code); empty:
# none is shown.
ACCESSIBILITY_CONTACT_PHONE = env_str("ACCESSIBILITY_CONTACT_PHONE")
# Days within which the council answers such a message, as the statement promises.
ACCESSIBILITY_RESPONSE_DAYS = env_int("ACCESSIBILITY_RESPONSE_DAYS", 14)
# The national body that handles complaints about public websites' accessibility, for
# residents not satisfied with the council's answer; empty: the statement tells them to
# ask the council which body it is.
ACCESSIBILITY_ENFORCEMENT_BODY = env_str("ACCESSIBILITY_ENFORCEMENT_BODY")
# That body's web address (http:// or https://); empty: no link.
ACCESSIBILITY_ENFORCEMENT_URL = env_str("ACCESSIBILITY_ENFORCEMENT_URL")
if ACCESSIBILITY_RESPONSE_DAYS < 1:
    raise ImproperlyConfigured("ACCESSIBILITY_RESPONSE_DAYS must be at least 1.")
if ACCESSIBILITY_ENFORCEMENT_URL and not ACCESSIBILITY_ENFORCEMENT_URL.startswith(
    ("https://", "http://")
):
    raise ImproperlyConfigured(
        f"ACCESSIBILITY_ENFORCEMENT_URL={ACCESSIBILITY_ENFORCEMENT_URL!r}: use a web address "
        "starting with https://."
    )

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
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_filters",
    "django_htmx",
    "auditlog",
    # The platform's floors, ground first (STYLE.md §1): kernel, accounts, notifications, and
    # the participation pieces (core). Their ready() order is the order of topics, parts and
    # navigation entries.
    "civicportal.kernel",
    "civicportal.core",
    "civicportal.accounts",
    "civicportal.notifications",
    "civicportal.audience",
    "proposals",
    "consultations",
    "budgeting",
    "alerts",
    "community",
    "outreach",
]

# Social login providers are switched on by settings: each one whose client id is set.
SOCIALACCOUNT_PROVIDERS: dict[str, dict] = {}
# OpenID Connect sign-in (e.g. a national or council identity service): the client's id and
# secret registered there, the issuer's URL, and the id and button label shown to residents.
OIDC_CLIENT_ID = env_str("OIDC_CLIENT_ID")
if OIDC_CLIENT_ID:
    INSTALLED_APPS.append("allauth.socialaccount.providers.openid_connect")
    SOCIALACCOUNT_PROVIDERS["openid_connect"] = {
        "APPS": [
            {
                # OpenID Connect: the provider's id in sign-in URLs.
                "provider_id": env_str("OIDC_PROVIDER_ID", "council-id"),
                # OpenID Connect: the sign-in button's label.
                "name": env_str("OIDC_PROVIDER_NAME", "Council ID"),
                "client_id": OIDC_CLIENT_ID,
                # OpenID Connect: the client's secret.
                "secret": env_str("OIDC_CLIENT_SECRET"),
                # OpenID Connect: the issuer's URL (its /.well-known/openid-configuration is read).
                "settings": {"server_url": env_str("OIDC_SERVER_URL")},
            }
        ]
    }
# Sign-in with Google, Facebook or Apple: each one whose OAuth client id is set.
_SOCIAL_CLIENTS = {
    # Google sign-in: the OAuth client id and secret (Google Cloud console).
    "google": (env_str("GOOGLE_CLIENT_ID"), env_str("GOOGLE_CLIENT_SECRET")),
    # Facebook sign-in: the app id and secret (Meta for Developers).
    "facebook": (env_str("FACEBOOK_CLIENT_ID"), env_str("FACEBOOK_CLIENT_SECRET")),
    # Sign in with Apple: the services id and client secret (Apple Developer).
    "apple": (env_str("APPLE_CLIENT_ID"), env_str("APPLE_CLIENT_SECRET")),
}
for _provider, (_client_id, _secret) in _SOCIAL_CLIENTS.items():
    if _client_id:
        INSTALLED_APPS.append(f"allauth.socialaccount.providers.{_provider}")
        _app = {"client_id": _client_id, "secret": _secret}
        if _provider == "apple":
            # Sign in with Apple: the key's id.
            _app["key"] = env_str("APPLE_KEY_ID")
            # Sign in with Apple: the private key (PEM).
            _app["settings"] = {"certificate_key": env_str("APPLE_PRIVATE_KEY")}
        SOCIALACCOUNT_PROVIDERS[_provider] = {"APPS": [_app]}

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Before the session is read: a cookie with a control character is dropped first.
    "civicportal.core.middleware.ControlCharactersMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Counts visits through source links (?via=...) and keeps the request's source for the
    # participation counts; no cookie, no address (civicportal/audience/middleware.py).
    "civicportal.audience.middleware.AudienceSourceMiddleware",
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

# PostgreSQL, e.g. postgres://user:password@host:5432/civicportal; empty: the embedded SQLite
# database (a trial).
DATABASE_URL = env_str("DATABASE_URL")
if DATABASE_URL:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=0)}
    if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
        # Django's native psycopg 3 pool (needs CONN_MAX_AGE = 0).
        DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
            # Connections each process keeps open to PostgreSQL ...
            "min_size": env_int("DATABASE_POOL_MIN_SIZE", 2),
            # ... and the most it opens (mind max_connections across processes).
            "max_size": env_int("DATABASE_POOL_MAX_SIZE", 20),
            # Seconds a request waits for a free connection before failing.
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
            # The embedded SQLite database's file, when DATABASE_URL is empty.
            "NAME": env_str("SQLITE_PATH", str(BASE_DIR / "var" / "civicportal.sqlite3")),
            "OPTIONS": {"transaction_mode": "IMMEDIATE", "timeout": 20},
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache, broker, tasks ---------------------------------------------------------------

# Redis for the cache, sessions and the Celery broker, e.g. redis://redis:6379/0; empty: local
# memory, tasks run in-process (a trial).
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
# Seconds each process reuses a cached page it fetched from Redis.
CORE_PAGE_CACHE_LOCAL_SECONDS = env_int("CORE_PAGE_CACHE_LOCAL_SECONDS", 1)

# Celery's broker when it is not REDIS_URL.
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL", REDIS_URL or "memory://localhost/")
CELERY_RESULT_BACKEND = None
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Without it, Celery's Django fixup closes a prefork worker's database connection pool before
# and after every task: each task opened a pool of its own (new PostgreSQL connections and
# pool threads) and lost the statements prepared on them. With it the pool stays, each task
# hands its connection back to it (civicportal/celery.py), and Celery closes the pool only
# every 2 x this many tasks.
CELERY_DB_REUSE_MAX = 500
CELERY_TASK_IGNORE_RESULT = True
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# A worker takes from its queues in the order they are listed (CELERY_TASK_QUEUES, or its
# --queues), the first non-empty one first: alerts before everything else; of an alert's
# messages, its one post first (a task that would otherwise wait behind every email chunk),
# then the pushes and texts, which wake phones, the in-app notices (no far side to wait
# for) and the emails last.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": 3600,
    "socket_connect_timeout": 2,
    "queue_order_strategy": "priority",
}
# Queues. Alerts (urgent events) have their own, which no other work shares: "urgent" for
# an alert's fan-out, and one per channel for its deliveries ("urgent.email", "urgent.push",
# ...), so every channel of an alert starts at once and proceeds at its own pace, whatever
# the others' backlogs. Everything else (notices, digests, staff jobs, beat jobs) goes to
# "celery". A worker started without -Q consumes every queue (`make run`, small sites);
# docker-compose.yml gives the alert queues workers of their own (README "Workers and
# queues"). URGENT_CHANNEL_QUEUES names the channels with a queue of their own; an urgent
# delivery on any other channel goes to "urgent".
URGENT_QUEUE = "urgent"
URGENT_CHANNEL_QUEUES = ("social", "push", "sms", "inbox", "email")
CELERY_TASK_DEFAULT_QUEUE = "celery"
CELERY_TASK_QUEUES = (
    Queue(URGENT_QUEUE, routing_key=URGENT_QUEUE),
    *(
        Queue(f"{URGENT_QUEUE}.{channel}", routing_key=f"{URGENT_QUEUE}.{channel}")
        for channel in URGENT_CHANNEL_QUEUES
    ),
    Queue("celery", routing_key="celery"),
)
# Longest (seconds) a worker that serves none of the alert queues holds an ordinary
# delivery chunk back while an alert is being sent (the alert goes first; see
# notifications.services.sending).
NOTIFICATIONS_YIELD_MAX_WAIT = env_int("NOTIFICATIONS_YIELD_MAX_WAIT", 600)
# Niceness a worker takes when it serves none of the alert queues (0: none), so that on a
# shared machine the alert workers get the CPU first; see notifications.tasks.
WORKER_BACKGROUND_NICENESS = env_int("WORKER_BACKGROUND_NICENESS", 10)
CELERY_TIMEZONE = "UTC"
# The embedded default has no broker: tasks run in-process, synchronously.
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", default=not REDIS_URL)
CELERY_TASK_EAGER_PROPAGATES = True
# The platform's periodic jobs. Each module registers its own from its AppConfig.ready()
# (civicportal.core.periodic); beat runs both (civicportal.celery).
CELERY_BEAT_SCHEDULE: dict[str, dict] = {
    "core-clear-expired-sessions": {
        "task": "civicportal.core.tasks.session_clear_expired_task",
        "schedule": crontab(hour=3, minute=17),
    },
    # Staff jobs whose worker stopped go back to the queue (or fail after their last try);
    # jobs whose broker message was lost are sent again. Safe to run twice.
    "kernel-jobs-sweep": {
        "task": "civicportal.kernel.tasks.jobs_sweep_task",
        "schedule": 60.0,
        "options": {"expires": 55},
    },
    "notifications-deliveries-sweep": {
        "task": "civicportal.notifications.tasks.deliveries_sweep_task",
        # Seconds between two runs of the sweeper that re-queues stuck deliveries.
        "schedule": float(env_int("NOTIFICATIONS_SWEEP_INTERVAL", 30)),
        "options": {"expires": 25},  # a sweep that could not start in time is not needed
    },
    # Sign-ups without an account that nobody confirmed in time are deleted (safe twice).
    "notifications-subscribers-purge": {
        "task": "civicportal.notifications.tasks.subscribers_purge_unconfirmed_task",
        "schedule": crontab(minute=35),
    },
    # Digests (safe to run twice: one digest per resident and period).
    "notifications-digests-daily": {
        "task": "civicportal.notifications.tasks.digests_send_daily_task",
        # Hour of the day (TIME_ZONE) when daily and weekly digests are sent.
        "schedule": crontab(hour=env_int("NOTIFICATIONS_DIGEST_HOUR", 7), minute=5),
    },
    "notifications-digests-weekly": {
        "task": "civicportal.notifications.tasks.digests_send_weekly_task",
        "schedule": crontab(
            hour=env_int("NOTIFICATIONS_DIGEST_HOUR", 7), minute=20, day_of_week="mon"
        ),
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
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]
# 1 hashes passwords with a fast, weak hasher: for test suites and benchmarks only.
if env_bool("FAST_PASSWORD_HASHER"):
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"

ACCOUNT_ADAPTER = "civicportal.accounts.adapters.AccountAdapter"
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_SIGNUP_FORM_CLASS = "civicportal.accounts.forms.SignupDetailsForm"
# mandatory (residents confirm their address before signing in), optional or none.
ACCOUNT_EMAIL_VERIFICATION = env_str("ACCOUNT_EMAIL_VERIFICATION", "mandatory")
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_CHANGE_EMAIL = True
ACCOUNT_REAUTHENTICATION_REQUIRED = True
# Confirming the address signs the resident in, in the browser that signed up only (allauth
# checks the sign-up is in that session); staff then still give their second factor.
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
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
# 1 switches off the sign-in and sign-up limits: for test suites and benchmarks that sign
# in many times, never on a server.
if env_bool("DISABLE_RATE_LIMITS"):
    ACCOUNT_RATE_LIMITS = False
SOCIALACCOUNT_ADAPTER = "civicportal.accounts.adapters.SocialAccountAdapter"
SOCIALACCOUNT_EMAIL_AUTHENTICATION = False
SOCIALACCOUNT_ONLY = False
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = SITE_NAME
MFA_RECOVERY_CODE_COUNT = 10

# Key of the census identifiers' hashes: residents' national identifiers are never stored,
# only HMAC-SHA256(CENSUS_HASH_KEY, normalised identifier). A secret of its own, required
# with DEBUG off, so that rotating SECRET_KEY keeps census matches; changing it unmatches
# every imported census row (import the census again after a change).
CENSUS_HASH_KEY = env_str("CENSUS_HASH_KEY")
if not CENSUS_HASH_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "CENSUS_HASH_KEY is not set. With DEBUG off CivicPortal needs its own key for "
            "census identifiers, apart from SECRET_KEY: generate one with "
            "`python -c 'import secrets; print(secrets.token_urlsafe(50))'` and keep it "
            "unchanged for as long as the imported census is used."
        )
    CENSUS_HASH_KEY = "insecure-local-census-key-do-not-use-in-production"

# --- Email ------------------------------------------------------------------------------

# The mail relay: smtp://user:pass@host:port, smtp+tls://... (STARTTLS) or smtp+ssl://...
EMAIL_URL = env_str("EMAIL_URL")
# A Django email backend class; default: SMTP with EMAIL_URL set, otherwise (DEBUG only)
# files in EMAIL_FILE_PATH. For a provider's API use an anymail backend with ANYMAIL_* keys.
EMAIL_BACKEND = env_str("EMAIL_BACKEND")
# Folder where the file backend writes each email (a local trial's outbox).
EMAIL_FILE_PATH = env_str("EMAIL_FILE_PATH", str(BASE_DIR / "var" / "mail"))
if not EMAIL_BACKEND:
    if EMAIL_URL:
        EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    elif DEBUG:
        EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    else:
        raise ImproperlyConfigured(
            "No way to send email: set EMAIL_URL to the council's mail relay "
            "(smtp+tls://user:password@smtp.example.org:587) or EMAIL_BACKEND to an anymail "
            "backend. With DEBUG off CivicPortal does not start without one: residents' "
            "verification emails and alerts would be lost."
        )
# These backends accept a message and send nothing: notifications would be marked sent.
_EMAIL_BACKENDS_THAT_SEND_NOTHING = {
    "django.core.mail.backends.console.EmailBackend",
    "django.core.mail.backends.dummy.EmailBackend",
}
if not DEBUG and EMAIL_BACKEND in _EMAIL_BACKENDS_THAT_SEND_NOTHING:
    raise ImproperlyConfigured(
        f"EMAIL_BACKEND={EMAIL_BACKEND} sends nothing, yet notifications would be marked "
        "sent; with DEBUG off CivicPortal refuses it. Set EMAIL_URL to the council's mail "
        "relay (or EMAIL_BACKEND to a backend that delivers)."
    )
if EMAIL_URL:
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
# Seconds to wait for the mail relay before giving up (the message is retried).
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 20)
# Sender of residents' emails, e.g. Riverside participation <no-reply@participate.example.org>.
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", f"{SITE_NAME} <no-reply@example.org>")
# Sender of error reports to ADMIN_EMAILS.
SERVER_EMAIL = env_str("SERVER_EMAIL", DEFAULT_FROM_EMAIL)
# An email provider's API keys for its anymail backend (EMAIL_BACKEND), one variable per
# anymail setting, e.g. ANYMAIL_POSTMARK_SERVER_TOKEN.
ANYMAIL = env_prefixed("ANYMAIL_")

# --- Outbound HTTP ----------------------------------------------------------------------

# Let push, SMS gateway and Mastodon requests reach loopback addresses (127.0.0.1, ::1): for
# tests whose stand-in servers listen there, never on a server. Private, link-local and
# other non-public addresses are refused whatever this says (civicportal/kernel/outbound.py).
OUTBOUND_ALLOW_LOOPBACK = env_bool("OUTBOUND_ALLOW_LOOPBACK", default=False)

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
# Web push: the VAPID private key; without it web push is not offered.
NOTIFICATIONS_VAPID_PRIVATE_KEY = env_str("NOTIFICATIONS_VAPID_PRIVATE_KEY")
# Web push: contact the push services may use (mailto: or https: URL).
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
# Seconds a push service keeps a message for a phone that is offline.
NOTIFICATIONS_PUSH_TTL = env_int("NOTIFICATIONS_PUSH_TTL", 86400)
# Seconds to wait for a push service's answer.
NOTIFICATIONS_PUSH_TIMEOUT = env_int("NOTIFICATIONS_PUSH_TIMEOUT", 10)
# Push requests each worker process keeps in flight at once (on one event loop): a push
# service answers in tens of milliseconds, and waiting for each answer before the next request
# would leave the worker idle for most of an alert (1: one at a time).
NOTIFICATIONS_PUSH_CONCURRENCY = env_int("NOTIFICATIONS_PUSH_CONCURRENCY", 8)
if NOTIFICATIONS_PUSH_CONCURRENCY < 1:
    raise ImproperlyConfigured("NOTIFICATIONS_PUSH_CONCURRENCY must be at least 1.")
# Accept http:// push endpoints (local test push services only; browsers use https).
NOTIFICATIONS_PUSH_ALLOW_HTTP = env_bool("NOTIFICATIONS_PUSH_ALLOW_HTTP", default=False)
# Push services a browser subscription may name (exact hosts, or *.domain for the hosts under
# it): Chrome, Edge, Firefox and Safari's; any other endpoint is refused, on subscribing and
# on sending.
NOTIFICATIONS_PUSH_HOSTS = env_list(
    "NOTIFICATIONS_PUSH_HOSTS",
    "fcm.googleapis.com,updates.push.services.mozilla.com,*.notify.windows.com,"
    "web.push.apple.com,*.push.apple.com",
)
# SMS backend: console (logs), file (JSON lines), http (a gateway), or a class path.
NOTIFICATIONS_SMS_BACKEND = env_str("NOTIFICATIONS_SMS_BACKEND", "console")
# Where the file SMS backend appends its messages (JSON lines).
NOTIFICATIONS_SMS_FILE_PATH = env_str(
    "NOTIFICATIONS_SMS_FILE_PATH", str(BASE_DIR / "var" / "sms.jsonl")
)
# The http SMS backend's gateway endpoint.
NOTIFICATIONS_SMS_GATEWAY_URL = env_str("NOTIFICATIONS_SMS_GATEWAY_URL")
# Bearer token for the SMS gateway.
NOTIFICATIONS_SMS_GATEWAY_TOKEN = env_str("NOTIFICATIONS_SMS_GATEWAY_TOKEN")
# Sender name or number shown on SMS (11 characters at most for a name).
NOTIFICATIONS_SMS_SENDER = env_str("NOTIFICATIONS_SMS_SENDER", SITE_NAME[:11])
# Seconds to wait for the SMS gateway's answer.
NOTIFICATIONS_SMS_TIMEOUT = env_int("NOTIFICATIONS_SMS_TIMEOUT", 10)
# Longest SMS text in characters; longer texts are cut with a link.
NOTIFICATIONS_SMS_MAX_LENGTH = env_int("NOTIFICATIONS_SMS_MAX_LENGTH", 480)
# Seconds a phone verification code stays valid.
NOTIFICATIONS_PHONE_CODE_TTL = env_int("NOTIFICATIONS_PHONE_CODE_TTL", 600)
# Wrong codes a person may type before asking for a new one.
NOTIFICATIONS_PHONE_CODE_ATTEMPTS = env_int("NOTIFICATIONS_PHONE_CODE_ATTEMPTS", 5)
# Seconds before a new code may be sent to the same number.
NOTIFICATIONS_PHONE_CODE_RESEND_AFTER = env_int("NOTIFICATIONS_PHONE_CODE_RESEND_AFTER", 60)
# Phone verification codes one account may ask for in an hour (0: no limit).
NOTIFICATIONS_PHONE_CODE_ACCOUNT_HOURLY = env_int("NOTIFICATIONS_PHONE_CODE_ACCOUNT_HOURLY", 5)
# Phone verification codes one account may ask for in a day (0: no limit).
NOTIFICATIONS_PHONE_CODE_ACCOUNT_DAILY = env_int("NOTIFICATIONS_PHONE_CODE_ACCOUNT_DAILY", 10)
# Phone verification codes one number may receive in an hour, whoever asks (0: no limit).
NOTIFICATIONS_PHONE_CODE_NUMBER_HOURLY = env_int("NOTIFICATIONS_PHONE_CODE_NUMBER_HOURLY", 3)
# Phone verification codes asked for from one client address in an hour (0: no limit).
NOTIFICATIONS_PHONE_CODE_ADDRESS_HOURLY = env_int("NOTIFICATIONS_PHONE_CODE_ADDRESS_HOURLY", 10)
# Phone verification codes the whole portal sends in a day (the council's day; counted in the
# database, so it holds when the cache is lost; 0: no budget).
NOTIFICATIONS_PHONE_CODE_DAILY_BUDGET = env_int("NOTIFICATIONS_PHONE_CODE_DAILY_BUDGET", 1000)
# The council's social media accounts: recording (SocialPost rows), mastodon, bluesky,
# facebook (a Facebook Page), class paths.
NOTIFICATIONS_SOCIAL_BACKENDS = env_list("NOTIFICATIONS_SOCIAL_BACKENDS", "recording")
# Account name the recording social backend writes its posts under.
NOTIFICATIONS_SOCIAL_RECORDING_ACCOUNT = env_str(
    "NOTIFICATIONS_SOCIAL_RECORDING_ACCOUNT", SITE_NAME
)
# Longest social post in characters.
NOTIFICATIONS_SOCIAL_MAX_LENGTH = env_int("NOTIFICATIONS_SOCIAL_MAX_LENGTH", 500)
# Seconds to wait for a social network's answer.
NOTIFICATIONS_SOCIAL_TIMEOUT = env_int("NOTIFICATIONS_SOCIAL_TIMEOUT", 15)
# The council's Mastodon server, e.g. https://social.example.org.
NOTIFICATIONS_MASTODON_URL = env_str("NOTIFICATIONS_MASTODON_URL")
# Access token of the council's Mastodon account (write:statuses scope).
NOTIFICATIONS_MASTODON_TOKEN = env_str("NOTIFICATIONS_MASTODON_TOKEN")
# Visibility of Mastodon posts: public, unlisted, private.
NOTIFICATIONS_MASTODON_VISIBILITY = env_str("NOTIFICATIONS_MASTODON_VISIBILITY", "public")
# The council's Bluesky account: its handle, e.g. council.example.org.
NOTIFICATIONS_BLUESKY_HANDLE = env_str("NOTIFICATIONS_BLUESKY_HANDLE")
# A Bluesky app password of that account (Settings → Privacy and security → App passwords),
# never the account's own password.
NOTIFICATIONS_BLUESKY_APP_PASSWORD = env_str("NOTIFICATIONS_BLUESKY_APP_PASSWORD")
# The Bluesky account's server (its PDS; bsky.social for accounts made on bsky.app).
NOTIFICATIONS_BLUESKY_URL = env_str("NOTIFICATIONS_BLUESKY_URL", "https://bsky.social")
# The council's Facebook Page: its numeric id.
NOTIFICATIONS_FACEBOOK_PAGE_ID = env_str("NOTIFICATIONS_FACEBOOK_PAGE_ID")
# A Page access token (pages_manage_posts, pages_read_engagement; pages_manage_engagement
# for follow-ups posted as comments).
NOTIFICATIONS_FACEBOOK_PAGE_TOKEN = env_str("NOTIFICATIONS_FACEBOOK_PAGE_TOKEN")
# The Graph API version the Facebook backend speaks.
NOTIFICATIONS_FACEBOOK_API_VERSION = env_str("NOTIFICATIONS_FACEBOOK_API_VERSION", "v21.0")
# The Graph API's address.
NOTIFICATIONS_FACEBOOK_URL = env_str("NOTIFICATIONS_FACEBOOK_URL", "https://graph.facebook.com")
# Posts per second of each social account, shared by all workers (account=rate, comma-
# separated; an account not listed is unpaced). A network's "too many requests" pauses
# that account alone. The networks' own limits are far higher (Mastodon 300 posts in 3
# hours, Bluesky 1,666 records an hour); one a second keeps a burst of alerts inside them.
NOTIFICATIONS_SOCIAL_RATES = env_str(
    "NOTIFICATIONS_SOCIAL_RATES", "mastodon=1,bluesky=1,facebook=1"
)
# Days a one-click unsubscribe link keeps working.
NOTIFICATIONS_UNSUBSCRIBE_MAX_AGE = env_int("NOTIFICATIONS_UNSUBSCRIBE_MAX_AGE", 365)
# Days a sign-up without an account waits for its confirmation; then the link stops working
# and the unconfirmed address is deleted.
NOTIFICATIONS_SUBSCRIBER_CONFIRM_DAYS = env_int("NOTIFICATIONS_SUBSCRIBER_CONFIRM_DAYS", 3)
# Sign-ups without an account one email address or phone number may receive in an hour,
# whoever asks (0: no limit).
NOTIFICATIONS_SUBSCRIBE_ADDRESS_HOURLY = env_int("NOTIFICATIONS_SUBSCRIBE_ADDRESS_HOURLY", 3)
# Sign-ups without an account asked for from one client address in an hour (0: no limit).
NOTIFICATIONS_SUBSCRIBE_CLIENT_HOURLY = env_int("NOTIFICATIONS_SUBSCRIBE_CLIENT_HOURLY", 10)
# Messages per second per channel, shared by all workers; a channel not listed is unpaced.
# Env form: NOTIFICATIONS_RATES=email=200,push=100,sms=10
NOTIFICATIONS_RATES: dict[str, int] = {}
# Messages per second per channel, shared by all workers (channel=rate, comma-separated); a channel
# not listed is unpaced.
# Social accounts are paced one by one (NOTIFICATIONS_SOCIAL_RATES), not as a channel.
for _item in env_list("NOTIFICATIONS_RATES", "email=200,push=100,sms=10"):
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
# Rows the sweeper re-queues per run.
NOTIFICATIONS_SWEEP_BATCH = env_int("NOTIFICATIONS_SWEEP_BATCH", 10000)
# Send task retries on transient failures (exponential backoff, capped).
NOTIFICATIONS_MAX_RETRIES = env_int("NOTIFICATIONS_MAX_RETRIES", 8)
# Longest wait between two retries, in seconds.
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
# Email over SMTP pipelines MAIL, RCPT and DATA when the relay offers PIPELINING (two round
# trips per message instead of four). Off: every message through smtplib's sendmail. A relay
# the fast path cannot serve gets the plain path anyway (logged at WARNING and counted).
NOTIFICATIONS_EMAIL_PIPELINING = env_bool("NOTIFICATIONS_EMAIL_PIPELINING", True)

# --- Emergency alerts -----------------------------------------------------------------------

# CAP <sender> and the prefix of each message's <identifier>; empty: from SITE_URL's host.
ALERTS_CAP_SENDER = env_str("ALERTS_CAP_SENDER")
# Prefix of each CAP message's <identifier>; empty: from SITE_URL's host.
ALERTS_CAP_IDENTIFIER_PREFIX = env_str("ALERTS_CAP_IDENTIFIER_PREFIX")
# Subscribers per fan-out batch (one event_create call, one commit, enqueued at once).
ALERTS_FANOUT_BATCH = env_int("ALERTS_FANOUT_BATCH", 2000)
# A fan-out not finished this many seconds after approval is restarted by the sweeper.
ALERTS_FANOUT_STALE_AFTER = env_int("ALERTS_FANOUT_STALE_AFTER", 60)
# Reports from the ground one network address may send per window (signed-in residents are
# counted each on their own); 0 switches the limit off.
ALERTS_REPORT_RATE_LIMIT = env_int("ALERTS_REPORT_RATE_LIMIT", 10)
# The ground reports limit's window, in seconds.
ALERTS_REPORT_RATE_WINDOW = env_int("ALERTS_REPORT_RATE_WINDOW", 3600)
# "Is this true?" questions to rumour control one account may send per window.
ALERTS_FACTCHECK_QUESTION_RATE_LIMIT = env_int("ALERTS_FACTCHECK_QUESTION_RATE_LIMIT", 5)
# The questions limit's window, in seconds.
ALERTS_FACTCHECK_QUESTION_RATE_WINDOW = env_int("ALERTS_FACTCHECK_QUESTION_RATE_WINDOW", 3600)
# Seconds between an open alert page's checks for updates, the all-clear and confirmed
# reports from the ground (shown without reloading the page).
ALERTS_LIVE_POLL_SECONDS = env_int("ALERTS_LIVE_POLL_SECONDS", 15)

# --- Participation core (comments, reports, follows) ----------------------------------------

# Minutes after posting during which an author may edit a comment.
CORE_COMMENT_EDIT_MINUTES = env_int("CORE_COMMENT_EDIT_MINUTES", 15)
# Comments a resident may post per window (seconds); 0 switches the limit off.
CORE_COMMENT_RATE_LIMIT = env_int("CORE_COMMENT_RATE_LIMIT", 10)
# The comment limit's window, in seconds.
CORE_COMMENT_RATE_WINDOW = env_int("CORE_COMMENT_RATE_WINDOW", 300)
# Distinct residents' reports that hide an item until a moderator reviews it.
CORE_FLAG_HIDE_THRESHOLD = env_int("CORE_FLAG_HIDE_THRESHOLD", 3)

# --- Consultations ---------------------------------------------------------------------------

# New anonymous responses accepted from one network address per window (seconds); 0: no limit.
CONSULTATIONS_ANON_RATE_LIMIT = env_int("CONSULTATIONS_ANON_RATE_LIMIT", 20)
# The anonymous responses limit's window, in seconds.
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
# Fewest supporters an idea needs to be among the period's top ideas.
PROPOSALS_FORWARD_MIN_SUPPORT = env_int("PROPOSALS_FORWARD_MIN_SUPPORT", 1)
# ... and, on any day, every idea with at least this many supporters.
PROPOSALS_FORWARD_THRESHOLD = env_int("PROPOSALS_FORWARD_THRESHOLD", 100)
# Days without a vote, point or comment after which an unanswered idea is archived.
PROPOSALS_ARCHIVE_AFTER_DAYS = env_int("PROPOSALS_ARCHIVE_AFTER_DAYS", 180)
# Posting an idea needs a verified residency (voting and points only need an account).
PROPOSALS_REQUIRE_VERIFIED = env_bool("PROPOSALS_REQUIRE_VERIFIED", default=False)
# Largest image a resident may attach to an idea, in bytes.
PROPOSALS_IMAGE_MAX_BYTES = env_int("PROPOSALS_IMAGE_MAX_BYTES", 5 * 1024 * 1024)
# Ideas a resident may post per day; 0 switches the limit off.
PROPOSALS_IDEAS_PER_DAY = env_int("PROPOSALS_IDEAS_PER_DAY", 5)
# Votes (support, oppose, change, withdraw) a resident may cast per window (seconds); far
# above a person reading ideas, it stops scripts. 0 switches the limit off.
PROPOSALS_VOTE_RATE_LIMIT = env_int("PROPOSALS_VOTE_RATE_LIMIT", 60)
# The vote limit's window, in seconds.
PROPOSALS_VOTE_RATE_WINDOW = env_int("PROPOSALS_VOTE_RATE_WINDOW", 300)
# Seconds the idea list reuses its count of the ideas matching a filter (the one query of
# the page that reads every match); 0 counts on every page.
PROPOSALS_LIST_COUNT_SECONDS = env_int("PROPOSALS_LIST_COUNT_SECONDS", 30)
# Map tiles for every map (ideas, reports from the ground, alerts), e.g.
# https://tile.openstreetmap.org/{z}/{x}/{y}.png (its origin is added to the CSP). Empty: the
# maps draw the council's area boundaries as their base instead.
PROPOSALS_MAP_TILE_URL = env_str("PROPOSALS_MAP_TILE_URL")
# Attribution shown on the map for its tiles.
PROPOSALS_MAP_ATTRIBUTION = env_str("PROPOSALS_MAP_ATTRIBUTION", "© OpenStreetMap contributors")
# Where the maps open: "latitude,longitude,zoom". Empty: around the council's areas.
PROPOSALS_MAP_CENTER = env_str("PROPOSALS_MAP_CENTER")
# A Nominatim-compatible geocoder for the maps' address search, e.g.
# https://nominatim.example.org. The portal asks it, never residents' browsers, so it learns
# nothing about them. Empty: no address search.
GEOCODER_URL = env_str("GEOCODER_URL")
# Address searches one network address may make per minute (spares the geocoder); 0: no limit.
GEOCODER_RATE_LIMIT = env_int("GEOCODER_RATE_LIMIT", 30)

# --- Community life (events, stories) -----------------------------------------------------

# Verified residents may propose events and community initiatives (each waits for a
# moderator); off, only council staff create them.
COMMUNITY_RESIDENT_EVENTS = env_bool("COMMUNITY_RESIDENT_EVENTS", default=False)
# Events a resident may propose per day; 0 switches the limit off.
COMMUNITY_RESIDENT_EVENTS_PER_DAY = env_int("COMMUNITY_RESIDENT_EVENTS_PER_DAY", 3)
# Largest photo of an event, its outcome or a story, in bytes.
COMMUNITY_IMAGE_MAX_BYTES = env_int("COMMUNITY_IMAGE_MAX_BYTES", 5 * 1024 * 1024)
# Stories a resident may share per day; 0 switches the limit off.
COMMUNITY_STORIES_PER_DAY = env_int("COMMUNITY_STORIES_PER_DAY", 5)
# Thanks a resident may give per hour (far above a person reading stories; it stops scripts).
COMMUNITY_THANKS_PER_HOUR = env_int("COMMUNITY_THANKS_PER_HOUR", 120)
# The domain in the events' iCalendar UIDs (RFC 5545 wants them unique in the world); empty:
# the host of SITE_URL.
COMMUNITY_ICAL_DOMAIN = env_str("COMMUNITY_ICAL_DOMAIN") or (
    urlsplit(SITE_URL).hostname or "civicportal"
)

# Campaign hashtags: public posts brought in from Mastodon and Bluesky for moderation.
# The Mastodon server whose public hashtag timeline is read; empty: NOTIFICATIONS_MASTODON_URL
# (and with neither, Mastodon is not read).
COMMUNITY_HASHTAG_MASTODON_URL = env_str("COMMUNITY_HASHTAG_MASTODON_URL")
# Campaign hashtags: a Mastodon access token for servers that show hashtag timelines only to
# signed-in clients (read:statuses scope); most need none.
COMMUNITY_HASHTAG_MASTODON_TOKEN = env_str("COMMUNITY_HASHTAG_MASTODON_TOKEN")
# Campaign hashtags: the Bluesky AppView searched for posts; empty: Bluesky is not read.
COMMUNITY_HASHTAG_BLUESKY_URL = env_str(
    "COMMUNITY_HASHTAG_BLUESKY_URL", "https://public.api.bsky.app"
)
# Campaign hashtags: a bearer token for an AppView that asks for one; the public one needs none.
COMMUNITY_HASHTAG_BLUESKY_TOKEN = env_str("COMMUNITY_HASHTAG_BLUESKY_TOKEN")
# Campaign hashtags: seconds to wait for a network's answer.
COMMUNITY_HASHTAG_TIMEOUT = env_int("COMMUNITY_HASHTAG_TIMEOUT", 10)
# Campaign hashtags: pages read per campaign and network each run (every 10 minutes).
COMMUNITY_HASHTAG_MAX_PAGES = env_int("COMMUNITY_HASHTAG_MAX_PAGES", 5)
# Campaign hashtags: posts per network checked at their source each run (deleted there:
# deleted here).
COMMUNITY_HASHTAG_CHECKS_PER_RUN = env_int("COMMUNITY_HASHTAG_CHECKS_PER_RUN", 100)
# Campaign hashtags: "Ask for removal" requests per client address an hour (0: no limit).
COMMUNITY_HASHTAG_REMOVALS_PER_HOUR = env_int("COMMUNITY_HASHTAG_REMOVALS_PER_HOUR", 10)

# --- Social reach (posts, widget, who takes part) ---------------------------------------
# Origins of the council's websites that may show the embeddable widget in a frame
# (comma-separated, such as https://www.example.org); empty: no site may frame it.
EMBED_ALLOWED_PARENTS = env_list("EMBED_ALLOWED_PARENTS")
# Who takes part: the council's source links (?via=<source>), short slugs [a-z0-9-]{1,32};
# a visit or participation through any other is counted as direct.
AUDIENCE_SOURCES = env_list(
    "AUDIENCE_SOURCES", "mastodon,bluesky,facebook,email,newsletter,poster,website,qr"
)
# Who takes part: the smallest group the dashboard and its CSV show (below 10 only with DEBUG
# on, for a demo; otherwise 10 is used).
AUDIENCE_MIN_GROUP = env_int("AUDIENCE_MIN_GROUP", 10)

# --- Internationalisation ---------------------------------------------------------------

# The portal's default language (en or is); residents choose their own.
LANGUAGE_CODE = env_str("LANGUAGE_CODE", "en")
LANGUAGES = [("en", _("English")), ("is", _("Icelandic"))]
LOCALE_PATHS = [
    BASE_DIR / "civicportal" / "locale",  # makemessages writes here
    # Icelandic for django-allauth, which ships none; apart so makemessages leaves it alone.
    BASE_DIR / "civicportal" / "locale_allauth",
]
# The council's time zone for dates shown and schedules.
TIME_ZONE = env_str("TIME_ZONE", "Atlantic/Reykjavik")
USE_I18N = True
USE_TZ = True
# Dates and times per language (civicportal/formats/): 24-hour clock, no final full stop.
FORMAT_MODULE_PATH = ["civicportal.formats"]

# --- Static and media -------------------------------------------------------------------

STATIC_URL = "/static/"
# Where collectstatic puts the static files (served by the portal itself).
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
# Where uploads (images, photos) are stored; the proxy serves them at /media/.
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(BASE_DIR / "var" / "media")))
# Files handed out only through a permission-checked view (staff jobs' uploads and results):
# beside MEDIA_ROOT, never under it, so no web server serves them. Web and worker share it.
PRIVATE_MEDIA_ROOT = MEDIA_ROOT.parent / "private"
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
# Most pixels (width times height) an uploaded picture may have; larger ones are refused before
# decoding. Re-encoding one costs up to 7 MB of memory per megapixel for JPEG and PNG, 10 for
# PNG with transparency and 16 for WebP, so 24 MP costs up to about 380 MB per upload.
IMAGE_MAX_PIXELS = env_int("IMAGE_MAX_PIXELS", 24_000_000)

# --- Security ---------------------------------------------------------------------------

# 1 serves without HTTPS (no secure cookies, no redirect, no HSTS): for trying a deployment on
# http://localhost only. With DEBUG off everything else is HTTPS, whatever the database.
_SECURE = not DEBUG and not env_bool("INSECURE_HTTP")
SESSION_COOKIE_SECURE = _SECURE
CSRF_COOKIE_SECURE = _SECURE
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = False  # htmx reads the token from a meta tag, not the cookie
# Redirect plain HTTP to HTTPS (off when the proxy already does).
SECURE_SSL_REDIRECT = _SECURE and env_bool("SECURE_SSL_REDIRECT", default=True)
# Container and load-balancer health probes speak plain HTTP on the private network.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# Seconds browsers remember to use HTTPS only (HSTS); 0 switches it off.
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
        # Both mark whether the request passed a second factor (staff powers need it).
        "civicportal.kernel.api.authentication.ApiTokenAuthentication",
        "civicportal.kernel.api.authentication.SessionAuthentication",
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
    # The throttles' client address: TRUSTED_PROXY_COUNT entries from the right of
    # X-Forwarded-For (DRF's default, None, would trust the whole header as sent).
    "NUM_PROXIES": TRUSTED_PROXY_COUNT,
    "DEFAULT_THROTTLE_RATES": {
        # API requests an anonymous client may make (e.g. 120/minute).
        "anon": env_str("API_THROTTLE_ANON", "120/minute"),
        # API requests a signed-in client may make (e.g. 600/minute).
        "user": env_str("API_THROTTLE_USER", "600/minute"),
    },
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "civicportal.core.api.errors.exception_handler",
}
# Days a resident's API token works after it is created; then they create a new one.
API_TOKEN_TTL_RESIDENT_DAYS = env_int("API_TOKEN_TTL_RESIDENT_DAYS", 90)
# Hours a staff account's API token works after it is created (staff powers through the API
# also need a token created from a sign-in that passed two-factor authentication).
API_TOKEN_TTL_STAFF_HOURS = env_int("API_TOKEN_TTL_STAFF_HOURS", 12)
if API_TOKEN_TTL_RESIDENT_DAYS < 1 or API_TOKEN_TTL_STAFF_HOURS < 1:
    raise ImproperlyConfigured(
        "API_TOKEN_TTL_RESIDENT_DAYS and API_TOKEN_TTL_STAFF_HOURS must be at least 1."
    )
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
    # Choice sets that several serializers share get one stable name in the schema: the
    # platform's here, each module's registered from its AppConfig.ready()
    # (civicportal.core.api.schema.enum_name_register).
    "ENUM_NAME_OVERRIDES": {"LanguageEnum": LANGUAGES},
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "civicportal.core.api.schema.add_error_responses",
    ],
}

# --- Logging ----------------------------------------------------------------------------

# DEBUG, INFO, WARNING or ERROR.
LOG_LEVEL = env_str("LOG_LEVEL", "INFO")
# json (one object per line, for log collectors) or text.
LOG_FORMAT = env_str("LOG_FORMAT", "text" if DEBUG else "json")
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

# Addresses that receive server error reports, comma-separated.
ADMINS = [("Council IT", email) for email in env_list("ADMIN_EMAILS")]
AUDITLOG_INCLUDE_ALL_MODELS = False
