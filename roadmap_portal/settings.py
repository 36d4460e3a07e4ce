"""Settings of the roadmap portal. Every value comes from the environment (see .env.example)."""

from datetime import timedelta
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured

from .env import env_bool, env_int, env_list, env_str
from .logs import logging_config

BASE_DIR = Path(__file__).resolve().parent.parent

# "production" turns on HTTPS-only cookies, HSTS and refuses a default secret.
PORTAL_ENV = env_str("PORTAL_ENV", "development")
PRODUCTION = PORTAL_ENV == "production"
if PORTAL_ENV not in {"development", "production"}:
    raise ImproperlyConfigured("PORTAL_ENV must be 'development' or 'production'")

_DEV_SECRET = "dev-only-secret-key-change-me-0123456789-abcdefghijklmnopqrstuvwxyz"
SECRET_KEY = env_str("SECRET_KEY", _DEV_SECRET)
# The committed examples (this file, .env.example) are public: none of them may sign production sessions.
if PRODUCTION and ("change-me" in SECRET_KEY or len(SECRET_KEY) < 50 or len(set(SECRET_KEY)) < 10):
    raise ImproperlyConfigured("SECRET_KEY must be set to a long random value in production")

DEBUG = env_bool("DEBUG", False)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "crispy_forms",
    "crispy_bootstrap5",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "simple_history",
    "schools",
    "indicators",
    "surveys",
    "ratings",
    "reports",
    "demo",
    "operations",
]

MIDDLEWARE = [
    # First: every later line of the request's log carries its id.
    "roadmap_portal.logs.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    # Reference-data history records the signed-in user who made each change.
    "simple_history.middleware.HistoryRequestMiddleware",
    # Before any view reads the body (CSRF reads POST only when the views are called).
    "roadmap_portal.middleware.RequestSizeLimitMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "roadmap_portal.middleware.SecurityHeadersMiddleware",
    "schools.middleware.ForcePasswordChangeMiddleware",
    "schools.middleware.TwoFactorMiddleware",
    "schools.middleware.PersonalDataNoticeMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "roadmap_portal.urls"

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
                "schools.context_processors.roles",
            ],
            # number, signed, plural, width_class: Russian formatting in every template without {% load %}.
            "builtins": ["roadmap_portal.format_tags"],
        },
    },
]

WSGI_APPLICATION = "roadmap_portal.wsgi.application"

DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
        conn_max_age=env_int("DB_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # Several curators saving at once must wait for the lock, not fail: a deferred transaction that reads and then
    # writes cannot wait (SQLite answers «database is locked» at once to avoid a deadlock), an immediate one takes
    # the write lock at BEGIN and waits up to `timeout` seconds for it.
    DATABASES["default"]["OPTIONS"] = {"timeout": env_int("SQLITE_TIMEOUT", 20), "transaction_mode": "IMMEDIATE"}
elif DATABASES["default"]["ENGINE"].endswith("postgresql"):
    # PostgreSQL's JIT compiles any statement estimated above 100,000 cost units: at 40,000 schools the rating
    # export's query spent 1.6 s compiling for 0.8 s of work (bench/findings.md). The portal's queries gain nothing from it.
    DATABASES["default"]["OPTIONS"] = {**DATABASES["default"].get("OPTIONS", {}), "options": "-c jit=off"}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "ru"
# The one language of the interface: LocaleMiddleware must not follow a browser set to English into Django's own
# words («2 weeks», form errors) inside the Russian pages.
LANGUAGES = [("ru", "Русский")]
TIME_ZONE = "Europe/Moscow"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(BASE_DIR / "var" / "staticfiles")))
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    # Uploaded evidence lives outside static and is served only by permission-checked views.
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "roadmap_portal.staticstorage.PortalStaticFilesStorage"
        if env_bool("STATIC_MANIFEST", PRODUCTION)
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(BASE_DIR / "var" / "media")))
MEDIA_URL = "/media-not-served/"
WHITENOISE_USE_FINDERS = not PRODUCTION
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 12 * 1024 * 1024
EVIDENCE_MAX_BYTES = 10 * 1024 * 1024
# Two-factor sign-in (TOTP): required for administrators and methodologists in production, offered elsewhere.
TWO_FACTOR_REQUIRED = env_bool("TWO_FACTOR_REQUIRED", PRODUCTION)
OTP_TOTP_ISSUER = env_str("OTP_TOTP_ISSUER", "Портал ЦОС")

# City figures (medians, shares) over fewer answering schools are hidden from curators and district officers.
AGGREGATE_MIN_SCHOOLS = env_int("AGGREGATE_MIN_SCHOOLS", 5)
# Office files (DOCX, XLSX) are ZIP archives: limits on what they unpack to (roadmap_portal/uploads.py).
UPLOAD_MAX_EXPANDED_BYTES = env_int("UPLOAD_MAX_EXPANDED_BYTES", 64 * 1024 * 1024)
UPLOAD_MAX_PARTS = env_int("UPLOAD_MAX_PARTS", 1000)
UPLOAD_MAX_RATIO = env_int("UPLOAD_MAX_RATIO", 100)
# An uploaded file no row names (a save that failed after writing it) is deleted once older than this.
UPLOAD_ORPHAN_MAX_AGE_HOURS = env_int("UPLOAD_ORPHAN_MAX_AGE_HOURS", 24)
# Whole request body (a form with its files); larger ones are refused before they are read.
MAX_REQUEST_BYTES = env_int("MAX_REQUEST_BYTES", 25 * 1024 * 1024)

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# Celery: without REDIS_URL tasks run in-process, so `make run` needs no services.
REDIS_URL = env_str("REDIS_URL", "")
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = REDIS_URL or None
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
# Said once for every task: a task is acknowledged after it ran, and redelivered if its worker died. Every task of the
# portal is safe to run twice (it recomputes from the database or claims its row with a conditional UPDATE).
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# A dead broker must not hang a curator's submit: fail fast, the round stays marked stale.
CELERY_BROKER_TRANSPORT_OPTIONS = {"max_retries": 1, "interval_start": 0, "interval_step": 0.2, "socket_timeout": 2, "socket_connect_timeout": 2}
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULE = {
    "deadline-reminders": {"task": "surveys.tasks.send_deadline_reminders", "schedule": 3600.0},
    "recompute-stale-rounds": {"task": "ratings.tasks.recompute_stale_rounds", "schedule": 300.0},
    # The health page shows how long ago this ran: the scheduler is alive if it is a minute or two.
    "beat-heartbeat": {"task": "operations.tasks.record_beat_heartbeat", "schedule": 60.0},
    "personal-data-retention": {"task": "schools.tasks.anonymise_expired_people", "schedule": 86400.0},
    "refresh-key-result-facts": {"task": "ratings.tasks.refresh_key_result_facts", "schedule": 3600.0},
    "due-notices": {"task": "surveys.tasks.send_due_notices", "schedule": 60.0},
    "document-reminders": {"task": "surveys.tasks.send_document_reminders", "schedule": 3600.0},
    "review-digest": {"task": "surveys.tasks.send_review_digest", "schedule": crontab(hour=8, minute=0)},
    # Uploaded files no row owns (operations.services.uploads_sweep): waiting ones hourly, every upload directory nightly.
    "sweep-waiting-uploads": {"task": "operations.tasks.sweep_uploads", "schedule": 3600.0, "kwargs": {"orphans": False}},
    "sweep-orphan-uploads": {"task": "operations.tasks.sweep_uploads", "schedule": crontab(hour=3, minute=30)},
}
# Submits closer together than this coalesce into one recompute.
RECOMPUTE_DELAY_SECONDS = env_int("RECOMPUTE_DELAY_SECONDS", 0 if not REDIS_URL else 5)

# Reference-data history is for reading: going back is a new, deliberate edit (fixed results are never re-opened this way).
SIMPLE_HISTORY_REVERT_DISABLED = True

# Health checks (/health/): how long a part may take to answer before it counts as failing.
HEALTH_TIMEOUT_SECONDS = env_int("HEALTH_TIMEOUT_SECONDS", 2)
HEALTH_WORKER_TIMEOUT_SECONDS = env_int("HEALTH_WORKER_TIMEOUT_SECONDS", 2)

EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "cos-portal@localhost")
# Seconds to wait for the mail server; a slow one delays a notice (retried later), never a page.
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 10)
# The first retry of a notice's e-mail after a mail-server failure; each next one waits twice as long (at most 2 hours).
NOTICE_RETRY_SECONDS = env_int("NOTICE_RETRY_SECONDS", 60)
# The portal's address as people open it: every link in an e-mail starts with it.
PORTAL_BASE_URL = env_str("PORTAL_BASE_URL", "http://127.0.0.1:8000")

# Logins: failures counted per (account, address) and per address; see roadmap_portal/lockout.py.
AXES_HANDLER = "roadmap_portal.lockout.PortalLockoutHandler"
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
# Several schools may share one address (a NAT): the address as a whole gets a larger allowance.
AXES_ADDRESS_FAILURE_LIMIT = env_int("AXES_ADDRESS_FAILURE_LIMIT", 20)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("AXES_COOLOFF_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"], "ip_address"]
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_LOCKOUT_CALLABLE = "roadmap_portal.errors.lockout_response"
# A sign-in refused during a lock is not counted again: the lock ends AXES_COOLOFF_TIME after the last real failure.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
# Behind a reverse proxy the address comes from X-Forwarded-For, but only when the request comes from one of
# TRUSTED_PROXY_ADDRESSES (see roadmap_portal/security.py): with gunicorn's port reachable directly a forged
# header is ignored.
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0)
TRUSTED_PROXY_ADDRESSES = env_list("TRUSTED_PROXY_ADDRESSES", "127.0.0.1/32,::1/128")
AXES_CLIENT_IP_CALLABLE = "roadmap_portal.security.client_ip"
AXES_RESET_ON_SUCCESS = True
AXES_ENABLED = env_bool("AXES_ENABLED", True)
AXES_VERBOSE = False

SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 8 * 3600)
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False
X_FRAME_OPTIONS = "DENY"
CSRF_FAILURE_VIEW = "roadmap_portal.errors.csrf_failure"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if PRODUCTION:
    # Off only for a local HTTP trial (docker-compose.http.yml): a browser drops secure cookies over plain HTTP.
    SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = env_bool("SECURE_COOKIES", True)
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    # A load balancer polls the health endpoint over plain HTTP inside the network.
    SECURE_REDIRECT_EXEMPT = [r"^health/$"]
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True

# No inline scripts or styles from anywhere but the portal itself.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "font-src 'self' data:; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)

# JSON lines with the request id in production (a log shipper reads them); the same facts as text for `make run`.
LOG_FORMAT = env_str("LOG_FORMAT", "json" if PRODUCTION else "text")
if LOG_FORMAT not in {"json", "text"}:
    raise ImproperlyConfigured("LOG_FORMAT must be 'json' or 'text'")
LOGGING = logging_config(log_format=LOG_FORMAT, level=env_str("LOG_LEVEL", "INFO"), eager_tasks=CELERY_TASK_ALWAYS_EAGER)

# 152-ФЗ: personal data of people who stopped working with the portal are anonymised after this many days
# (from their last sign-in) by a periodic task, which writes an act with the extract of the event log.
PERSONAL_DATA_RETENTION_DAYS = env_int("PERSONAL_DATA_RETENTION_DAYS", 3 * 365)
# The notice shown at the first sign-in; a new version (changed text) asks everyone to read and accept it again.
# Empty: no notice (the test suite switches it off except in its own tests).
PERSONAL_DATA_NOTICE_VERSION = env_str("PERSONAL_DATA_NOTICE_VERSION", "2026-1")
