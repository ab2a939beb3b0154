"""Settings for the portal, read from the environment (see README.md for every variable)."""

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("PORTAL_VAR_DIR", BASE_DIR / "var"))


def env_bool(name: str, default: bool) -> bool:
    """Read a true/false environment variable."""
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    """Read a comma-separated environment variable."""
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DJANGO_DEBUG", False)

SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("DJANGO_SECRET_KEY must be set when DJANGO_DEBUG is false.")
    SECRET_KEY = "development-only-key-never-use-in-production-0123456789abcdef"  # noqa: S105

ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost" if DEBUG else "")
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS")

PORTAL_TRUST_NAME = os.environ.get("PORTAL_TRUST_NAME", "Trust social media portal")
PORTAL_BASE_URL = os.environ.get("PORTAL_BASE_URL", "http://127.0.0.1:8000")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.forms",
    "guardian",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "csp",
    "core",
    "accounts",
    "governance",
    "incidents",
    "consent",
    "approvals",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "portal.middleware.PermissionsPolicyMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "core.audit.AuditContextMiddleware",
    "accounts.middleware.SessionLifetimeMiddleware",
    "accounts.middleware.TwoFactorRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "portal.urls"
WSGI_APPLICATION = "portal.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "portal.context_processors.portal",
            ],
        },
    },
]
FORM_RENDERER = "core.forms.GovukFormRenderer"

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{VAR_DIR / 'portal.sqlite3'}"),
        conn_max_age=int(os.environ.get("DATABASE_CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The embedded default has a web process and Celery workers writing to one file: take the
    # write lock when a transaction starts (no lock upgrade to fail on) and let readers use WAL.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    # Single sign-on with the trust's Microsoft 365 or Google Workspace, configured per trust in
    # the admin (accounts.models.TrustSignOn); it links to existing staff and never creates anyone.
    "accounts.sso.protocol.SignOnBackend",
    "guardian.backends.ObjectPermissionBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "accounts:login"
PASSWORD_RESET_TIMEOUT = 60 * 60 * 2

# Lockout after five failed logins, keyed on the username typed, whether or not it exists.
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = timedelta(minutes=int(os.environ.get("PORTAL_LOCKOUT_MINUTES", "15")))
AXES_LOCKOUT_PARAMETERS = ["username"]
# A school's staff and pupils share one public address: locking by address would let one person
# lock a whole school out, so lockout follows the account typed (existing or not).
SILENCED_SYSTEM_CHECKS = ["axes.W006"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_USERNAME_FORM_FIELD = "username"
AXES_VERBOSE = False
# Addresses in either case are one account (accounts.middleware.lockout_username).
AXES_USERNAME_CALLABLE = "accounts.middleware.lockout_username"
# Number of trusted reverse proxies that append the client's address to X-Forwarded-For; the
# lockout records and the audit log both read the address through core.audit.client_ip.
PORTAL_PROXY_COUNT = int(os.environ.get("PORTAL_PROXY_COUNT", "0"))
AXES_CLIENT_IP_CALLABLE = "core.audit.client_ip"

# Sessions end after 30 minutes idle and 12 hours in all (accounts.middleware).
SESSION_IDLE_TIMEOUT = timedelta(minutes=30)
SESSION_ABSOLUTE_TIMEOUT = timedelta(hours=12)
SESSION_COOKIE_AGE = int(SESSION_ABSOLUTE_TIMEOUT.total_seconds())
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_EXPIRE_AT_BROWSER_CLOSE = True

GUARDIAN_RAISE_403 = False
GUARDIAN_MONKEY_PATCH_USER = False
ANONYMOUS_USER_NAME = None

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = Path(os.environ.get("DJANGO_STATIC_ROOT", BASE_DIR / "staticfiles"))
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        # Private: MEDIA_URL is never routed; files are served only by permission-checked views.
        "OPTIONS": {"location": str(Path(os.environ.get("PORTAL_PRIVATE_MEDIA", VAR_DIR / "private")))},
    },
    "staticfiles": {
        "BACKEND": os.environ.get(
            "DJANGO_STATICFILES_STORAGE",
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage",
        )
    },
}
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_PERMISSIONS = 0o600

# Email: by default messages are written to files a developer can read (var/mail).
EMAIL_BACKEND = os.environ.get("DJANGO_EMAIL_BACKEND", "django.core.mail.backends.filebased.EmailBackend")
EMAIL_FILE_PATH = os.environ.get("DJANGO_EMAIL_FILE_PATH", str(VAR_DIR / "mail"))
EMAIL_HOST = os.environ.get("DJANGO_EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("DJANGO_EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("DJANGO_EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("DJANGO_EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("DJANGO_EMAIL_USE_TLS", False)
EMAIL_TIMEOUT = 10
DEFAULT_FROM_EMAIL = os.environ.get("DJANGO_DEFAULT_FROM_EMAIL", "portal@trust.example")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# Celery: Redis in production; by default an embedded file broker that needs no server.
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", "filesystem://")
CELERY_BROKER_FOLDER = Path(os.environ.get("CELERY_BROKER_FOLDER", VAR_DIR / "celery"))
if CELERY_BROKER_URL.startswith("filesystem://"):
    for sub in ("queue", "processed", "control"):
        (CELERY_BROKER_FOLDER / sub).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(CELERY_BROKER_FOLDER / "queue"),
        "data_folder_out": str(CELERY_BROKER_FOLDER / "queue"),
        "processed_folder": str(CELERY_BROKER_FOLDER / "processed"),
        # The exchange table; kombu's default is "control" in the working directory.
        "control_folder": str(CELERY_BROKER_FOLDER / "control"),
        "store_processed": False,
    }
else:
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "visibility_timeout": 3600,
        # Publishing must fail fast when the broker is down: the record is already saved, and
        # the outbox relay delivers it later. Without max_retries a refused connection is
        # retried after a 2-second sleep inside the web request.
        "max_retries": 0,
        "socket_connect_timeout": 2,
        # A broker that accepts but never answers must not hang a request either; longer than
        # the worker's 1-second BRPOP wait so an idle worker is not cut off.
        "socket_timeout": 5,
    }
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_CONNECTION_TIMEOUT = 2
# Workers and beat keep reconnecting for as long as the broker is away (0 would mean give up
# at the first failure).
CELERY_BROKER_CONNECTION_MAX_RETRIES = None
CELERY_TASK_PUBLISH_RETRY = False
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", False)
CELERY_TASK_IGNORE_RESULT = True
CELERY_TIMEZONE = TIME_ZONE
# Beat runs Celery's own scheduler: the schedule below is the whole truth, and the file only keeps
# each job's last run between restarts, in the var folder (writable by the image's service user).
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
CELERY_BEAT_SCHEDULE = {
    "relay-pending-notifications": {
        "task": "core.tasks.relay_pending_notifications",
        "schedule": timedelta(minutes=1),
    },
    "escalate-takedowns": {
        "task": "incidents.tasks.escalate_takedowns",
        "schedule": timedelta(minutes=5),
    },
    "chase-first-responses": {
        "task": "incidents.tasks.chase_first_responses",
        "schedule": timedelta(minutes=5),
    },
    "purge-evidence-staging": {
        "task": "incidents.tasks.purge_evidence_staging",
        "schedule": crontab(minute=40),
    },
    "check-evidence-integrity": {
        # At night, as the whole store is read: every evidence file against its recorded hash.
        "task": "incidents.tasks.check_evidence_integrity",
        "schedule": crontab(hour=1, minute=50),
    },
    "purge-expired-sessions": {
        "task": "accounts.tasks.clear_expired_sessions",
        "schedule": crontab(hour=3, minute=15),
    },
    "consent-open-scheduled-collections": {
        "task": "consent.tasks.open_scheduled_collections",
        "schedule": crontab(hour=7, minute=0),
    },
    "consent-collection-reminders": {
        "task": "consent.tasks.send_collection_reminders",
        "schedule": crontab(hour=9, minute=30),
    },
    "accounts-resume-stalled-imports": {
        "task": "accounts.tasks.resume_stalled_imports",
        "schedule": timedelta(minutes=5),
    },
    "approvals-remind-waiting-decisions": {
        "task": "approvals.tasks.remind_waiting_decisions",
        "schedule": timedelta(hours=1),
    },
    "approvals-expire-blocked-content-access": {
        "task": "approvals.tasks.expire_blocked_content_access",
        "schedule": timedelta(minutes=5),
    },
    "approvals-remind-account-reviews": {
        "task": "approvals.tasks.remind_account_reviews",
        "schedule": crontab(hour=8, minute=0),
    },
    "governance-chase-breach-deadlines": {
        "task": "governance.tasks.chase_breach_deadlines",
        "schedule": timedelta(minutes=15),
    },
    "governance-remind-policy-reviews": {
        "task": "governance.tasks.remind_policy_reviews",
        "schedule": crontab(hour=8, minute=10),
    },
    "governance-remind-policy-acknowledgements": {
        "task": "governance.tasks.remind_policy_acknowledgements",
        "schedule": crontab(hour=8, minute=20, day_of_week="mon"),
    },
    "governance-remind-training-due": {
        "task": "governance.tasks.remind_training_due",
        "schedule": crontab(hour=8, minute=30, day_of_week="mon"),
    },
    "governance-list-retention-reviews": {
        "task": "governance.tasks.list_retention_reviews",
        "schedule": crontab(hour=2, minute=30),
    },
    "governance-termly-trustee-reports": {
        # Daily, but a report is made only once per term (the first day of each term).
        "task": "governance.tasks.make_termly_trustee_reports",
        "schedule": crontab(hour=6, minute=0),
    },
}

# Operations (docs/operations.md): the escalation sweep counts as stalled, in red on the status page
# and emailed once to the trust administrators, after this many minutes without a run; each worker
# checks every PORTAL_OPERATIONS_CHECK_SECONDS without waiting for beat. The Prometheus metrics are
# served at /metrics only when a token is set (scrapers send it as "Authorization: Bearer ...").
PORTAL_SWEEP_STALL_MINUTES = int(os.environ.get("PORTAL_SWEEP_STALL_MINUTES", "15"))
PORTAL_OPERATIONS_CHECK_SECONDS = int(os.environ.get("PORTAL_OPERATIONS_CHECK_SECONDS", "60"))
PORTAL_METRICS_TOKEN = os.environ.get("PORTAL_METRICS_TOKEN", "")

# Security headers.
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", not DEBUG)
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^healthz/deadlines$"]
SECURE_HSTS_SECONDS = int(os.environ.get("DJANGO_HSTS_SECONDS", "0" if DEBUG else "31536000"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SESSION_COOKIE_SECURE = env_bool("DJANGO_SECURE_COOKIES", not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
CSRF_COOKIE_HTTPONLY = True
if env_bool("DJANGO_BEHIND_TLS_PROXY", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("DJANGO_LOG_LEVEL", "INFO")},
    "loggers": {
        "axes": {"level": "WARNING"},
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
    },
}
