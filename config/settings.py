"""Settings for 知识产权贯标认证学习平台.

Every setting comes from the environment (see ``.env.example``). The defaults give the
embedded mode: SQLite in ``var/``, local-memory cache, inline Celery tasks, local media,
console SMS. ``IPMS_MODE=production`` switches to the production mode, which refuses to
start without a real ``SECRET_KEY`` and turns on every ``check --deploy`` protection.
"""

import base64
import binascii
from datetime import timedelta
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()
env_file = BASE_DIR / ".env"
if env_file.exists():
    env.read_env(str(env_file))

MODE = env.str("IPMS_MODE", default="embedded")
if MODE not in {"embedded", "production"}:
    raise ImproperlyConfigured("IPMS_MODE must be 'embedded' or 'production'.")
PRODUCTION = MODE == "production"

_INSECURE_KEY = "django-insecure-embedded-mode-only-never-use-in-production"
SECRET_KEY = env.str("SECRET_KEY", default=_INSECURE_KEY)
if PRODUCTION and (SECRET_KEY == _INSECURE_KEY or len(SECRET_KEY) < 50):
    raise ImproperlyConfigured(
        "Production mode needs a real SECRET_KEY (at least 50 random characters)."
    )

DEBUG = env.bool("DJANGO_DEBUG", default=False)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    # First: its runserver serves ASGI (pages and the 在线客服 WebSocket) in one process.
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "captcha",
    "csp",
    "axes",
    "channels",
    "ipms.core",
    "ipms.accounts",
    "ipms.enterprises",
    "ipms.content",
    "ipms.learning",
    "ipms.exams",
    "ipms.credentials",
    "ipms.reviews",
    "ipms.support",
    # The top layer: demo data naming every app above (docs/decisions/0006-layered-apps.md).
    "ipms.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Cache-Control: private, no-store on every response to a signed-in user.
    "ipms.core.middleware.PrivateResponsesMiddleware",
    # Audit rows written anywhere in a request record its client address and user.
    "ipms.core.audit.AuditRequestMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "ipms.accounts.middleware.SessionTimeoutMiddleware",
    # Last, as django-axes requires: turns a lockout into our 429 login page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"

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
                "ipms.core.context_processors.platform",
            ],
            "string_if_invalid": "",
        },
    },
]

WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

# --- Database --------------------------------------------------------------------------
VAR_DIR.mkdir(exist_ok=True)
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers run beside the one writer; IMMEDIATE takes the write lock at BEGIN
    # so concurrent writers queue instead of failing with "database is locked".
    DATABASES["default"]["OPTIONS"] = {
        "init_command": (
            "PRAGMA journal_mode=WAL;PRAGMA synchronous=NORMAL;PRAGMA busy_timeout=5000;"
        ),
        "transaction_mode": "IMMEDIATE",
    }
    # Keep connections open between requests, as for PostgreSQL: when the last connection
    # to a WAL database closes, SQLite checkpoints and deletes the WAL with an fsync, so
    # per-request connections made every writing request (each heartbeat) pay for one.
    # `make bench` measured the heartbeat at 0.32x an empty request without this, 0.68x with.
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("DB_CONN_MAX_AGE", default=60)
else:
    DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("DB_CONN_MAX_AGE", default=60))
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
# Hot paths (the heartbeat) run their fixed statements through ipms.core.db.prepared_cursor:
# PostgreSQL plans them once per connection. Off behind a transaction-mode pooler that
# cannot keep prepared statements (PgBouncer before 1.21).
DB_PREPARED_STATEMENTS = env.bool("DB_PREPARED_STATEMENTS", default=True)
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql" and DB_PREPARED_STATEMENTS:
    # psycopg prepares a statement run this many times on a connection; only the
    # server-binding cursors of prepared_cursor() are concerned (Django's own cursors bind
    # on the client and are never prepared).
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault("prepare_threshold", 5)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# axes locks per phone only on purpose; per address only failed logins count (see
# LOGIN_IP_SLIDER_RATE below), so one office behind NAT is never locked out together.
SILENCED_SYSTEM_CHECKS = ["axes.W006"]

# --- Cache and sessions -----------------------------------------------------------------
REDIS_URL = env.str("REDIS_URL", default="")
if PRODUCTION and not REDIS_URL:
    # Several workers, each with its own local-memory cache, would each count every rate
    # limit and lockout on their own (and keep sessions apart): refuse rather than run so.
    raise ImproperlyConfigured(
        "Production mode needs REDIS_URL: the cache, sessions and rate limits must be shared "
        "by every worker."
    )
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env.str("CACHE_KEY_PREFIX", default="ipms"),
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    # One process in the embedded mode, so a local-memory counter is exact there.
    # Production sets REDIS_URL, which gives django-ratelimit the shared atomic cache
    # it checks for.
    SILENCED_SYSTEM_CHECKS += ["django_ratelimit.E003", "django_ratelimit.W001"]

# django-ratelimit counts every limit of ipms.core.ratelimit (docs/rate-limits.md) in this
# cache. Whether a limit fails open or closed when the cache is down is declared per
# policy there, so the library's own switch stays off.
RATELIMIT_ENABLE = True
RATELIMIT_USE_CACHE = "default"
RATELIMIT_FAIL_OPEN = False
# IPv6 clients are counted by network (a host usually holds a whole /64).
RATELIMIT_IPV6_MASK = 64

SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
SESSION_COOKIE_AGE = env.int("SESSION_ABSOLUTE_TIMEOUT", default=12 * 60 * 60)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = False  # htmx reads the token from the page, not the cookie

# --- Auth ------------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    # django-axes first: it refuses a locked-out phone before the password is checked.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# Login lockout (ASVS 2.2.1, MLPS 8.1.4.1 b): 5 failures for one phone within 15 minutes
# lock that phone for a 15-minute cool-off, never permanently; a success resets the count.
# Every attempt is logged (axes AccessLog for successes, AccessFailureLog for failures).
AXES_FAILURE_LIMIT = env.int("LOGIN_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("LOGIN_COOLOFF_MINUTES", default=15))
AXES_USE_ATTEMPT_EXPIRATION = True
AXES_LOCKOUT_PARAMETERS = ["username"]
AXES_USERNAME_FORM_FIELD = "username"
AXES_USERNAME_CALLABLE = "ipms.accounts.lockout.username_from_request"
AXES_RESET_ON_SUCCESS = True
AXES_ENABLE_ACCESS_FAILURE_LOG = True
AXES_CLIENT_IP_CALLABLE = "ipms.core.http.axes_client_ip"
AXES_LOCKOUT_CALLABLE = "ipms.accounts.lockout.lockout_response"
AXES_VERBOSE = False
# Per client address only failed logins count (offices, training rooms and campuses share
# one public address; successes never count): past LOGIN_IP_SLIDER_RATE the login form
# asks for the slider check, past LOGIN_IP_FAILURE_RATE the address is refused until its
# window ends.
LOGIN_IP_SLIDER_RATE = env.str("LOGIN_IP_SLIDER_RATE", default="10/15m")
LOGIN_IP_FAILURE_RATE = env.str("LOGIN_IP_FAILURE_RATE", default="100/15m")
# Sessions end after 30 idle minutes and at the latest 12 hours after login (ASVS 3.3.2).
SESSION_IDLE_TIMEOUT = env.int("SESSION_IDLE_TIMEOUT", default=30 * 60)
SESSION_ABSOLUTE_TIMEOUT = env.int("SESSION_ABSOLUTE_TIMEOUT", default=12 * 60 * 60)
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "content:home"
LOGOUT_REDIRECT_URL = "content:home"
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 8},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "ipms.accounts.validators.LettersAndDigitsValidator"},
]

# --- Internationalisation --------------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文")]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
# Chinese for what Django's own catalogue leaves in English (the console), committed as .mo.
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_TZ = True

# --- Static and media files ------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
# Embedded mode serves static files straight from the app folders (no collectstatic step);
# production serves the hashed, compressed copies that collectstatic writes to STATIC_ROOT.
WHITENOISE_USE_FINDERS = not PRODUCTION
# Files browsers ask for at fixed root paths (/favicon.ico), served by whitenoise as is.
WHITENOISE_ROOT = BASE_DIR / "public"
if not PRODUCTION:
    STATIC_ROOT.mkdir(parents=True, exist_ok=True)
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(VAR_DIR / "media")))
# Files only an authorised user may fetch (lesson videos, courseware, later proofs).
# They never sit under MEDIA_URL; views hand them out after an access check.
PRIVATE_MEDIA_ROOT = Path(env.str("PRIVATE_MEDIA_ROOT", default=str(VAR_DIR / "private")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "private": {
        "BACKEND": "ipms.core.files.PrivateFileSystemStorage",
        "OPTIONS": {"location": PRIVATE_MEDIA_ROOT},
    },
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
# Serve public media from Django only in the embedded mode; in production the front
# proxy or object storage serves MEDIA_URL.
SERVE_MEDIA = env.bool("SERVE_MEDIA", default=not PRODUCTION)

# Upload limits (bytes). Django's own request-body cap must fit the largest file.
UPLOAD_MAX_IMAGE = env.int("UPLOAD_MAX_IMAGE", default=5 * 1024 * 1024)
UPLOAD_MAX_DOCUMENT = env.int("UPLOAD_MAX_DOCUMENT", default=50 * 1024 * 1024)
UPLOAD_MAX_VIDEO = env.int("UPLOAD_MAX_VIDEO", default=2 * 1024 * 1024 * 1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_PERMISSIONS = 0o640

# --- Background work -------------------------------------------------------------------
# The in-memory broker needs a host name, or kombu warns on every eager task (each SMS).
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="") or REDIS_URL or "memory://localhost/"
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=not PRODUCTION)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_TIMEZONE = TIME_ZONE
# Periodic jobs for `celery -A config beat` (seconds between runs). The embedded mode has
# no beat: run `manage.py purge_expired_files` from cron instead (docs/learning.md).
CELERY_BEAT_SCHEDULE = {
    "purge-expired-files": {"task": "ipms.core.tasks.purge_expired_files_task", "schedule": 3600.0},
    "purge-sms-codes": {"task": "ipms.accounts.tasks.purge_sms_codes_task", "schedule": 86400.0},
}
# 学习管理 导出Excel: finished files (and their rows) are removed this many hours after the
# export was requested.
REPORT_EXPORT_RETENTION_HOURS = env.int("REPORT_EXPORT_RETENTION_HOURS", default=24)

# --- Platform --------------------------------------------------------------------------
PLATFORM_NAME = "知识产权贯标认证学习平台"
# The address users reach the platform at, for links sent outside the site (SMS). The
# default is where `manage.py runserver` listens; `make run` passes its HOST and PORT.
SITE_URL = (env.str("SITE_URL", default="") or "http://127.0.0.1:8000").rstrip("/")
# The address 举报投诉 sends reports to (a mailbox the operators read). Unset, the page
# asks for reports through 意见反馈 instead, and `check --deploy` warns in production.
COMPLAINT_EMAIL = env.str("COMPLAINT_EMAIL", default="")
FEEDBACK_RATE = env.str("FEEDBACK_RATE", default="5/h")
# Reverse proxies in front of the app that append to X-Forwarded-For; 0 trusts none, so
# the client address is REMOTE_ADDR and a forged header cannot dodge rate limits.
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
CJK_FONT_PATH = env.str("CJK_FONT_PATH", default="")

# --- Learning proofs and certificates (docs/credentials.md) ---------------------------
# The Ed25519 key that signs them: PEM (PKCS#8) or the base64url of the 32-byte seed.
# Production needs it; the embedded mode generates one in CREDENTIAL_SIGNING_KEY_FILE.
CREDENTIAL_SIGNING_KEY = env.str("CREDENTIAL_SIGNING_KEY", default="")
CREDENTIAL_SIGNING_KEY_FILE = env.str(
    "CREDENTIAL_SIGNING_KEY_FILE", default=str(VAR_DIR / "credentials" / "signing-key.pem")
)
# Public JWKs (a JSON list) of keys used before a rotation, still published.
CREDENTIAL_RETIRED_PUBLIC_KEYS = env.str("CREDENTIAL_RETIRED_PUBLIC_KEYS", default="")
# 证书查验 lookups per address (ipms.core.ratelimit policy credential_verify_ip).
CREDENTIAL_VERIFY_RATE = env.str("CREDENTIAL_VERIFY_RATE", default="30/h")

# --- Captcha (django-simple-captcha) ---------------------------------------------------
CAPTCHA_LENGTH = 4
CAPTCHA_TIMEOUT = 5  # minutes
CAPTCHA_IMAGE_SIZE = (110, 38)
CAPTCHA_FONT_SIZE = 26
CAPTCHA_LETTER_ROTATION = (-25, 25)
# Letters that look alike (0/O, 1/I/L) are left out of the challenge.
CAPTCHA_CHALLENGE_FUNCT = "ipms.core.captcha.challenge"
CAPTCHA_TEST_MODE = env.bool("CAPTCHA_TEST_MODE", default=False)

# --- Security headers ------------------------------------------------------------------
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
_extra_media_src = env.list("CSP_EXTRA_MEDIA_SRC", default=[])
# Other origins the pages may connect to (the chat socket's, when SUPPORT_WS_ORIGIN is set).
_extra_connect_src = env.list("CSP_EXTRA_CONNECT_SRC", default=[])
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        # Django admin and Bootstrap components set a few inline style attributes.
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:", *_extra_media_src],
        "media-src": ["'self'", *_extra_media_src],
        "font-src": ["'self'"],
        "connect-src": ["'self'", *_extra_connect_src],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    }
}

if PRODUCTION:
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    # The preload directive alone lists nothing; submitting the domain is a separate step.
    SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=True)

# --- Logging ---------------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # One INFO line per task run is noise; failures still log at WARNING and above.
        "celery.app.trace": {"level": "WARNING"},
    },
}

# Member invitation links (账号确认) stay valid this many days, and work once.
INVITATION_TTL_DAYS = env.int("INVITATION_TTL_DAYS", default=7)
# Invitation SMS one enterprise may send per 24 h (single adds and 批量导入 together).
# Anyone can register an enterprise, so without a cap 批量导入 would be an SMS cannon aimed
# at strangers' phones; 5000 lets a 5,000-person enterprise invite everyone in one day.
MEMBER_INVITE_DAILY_LIMIT = env.int("MEMBER_INVITE_DAILY_LIMIT", default=5000)
# 批量导入: upload size, rows per file, how long a preview waits for 确认导入, uploads per admin.
# (A 10,000-row file is about 0.3 MB.)
MEMBER_IMPORT_MAX_SIZE = env.int("MEMBER_IMPORT_MAX_SIZE", default=5 * 1024 * 1024)
MEMBER_IMPORT_MAX_ROWS = env.int("MEMBER_IMPORT_MAX_ROWS", default=10000)
MEMBER_IMPORT_PREVIEW_TTL = env.int("MEMBER_IMPORT_PREVIEW_TTL", default=3600)
MEMBER_IMPORT_UPLOAD_RATE = env.str("MEMBER_IMPORT_UPLOAD_RATE", default="30/h")
# Phones an admin may be refused (another enterprise's member, a disabled account) before
# 添加成员 and 批量导入 stop answering: the refusal must not become a directory lookup.
MEMBER_REFUSAL_RATE = env.str("MEMBER_REFUSAL_RATE", default="100/d")

# Apps whose models the operators' group may manage in the console.
OPERATOR_APP_LABELS = [
    "content",
    "learning",
    "enterprises",
    "exams",
    "credentials",
    "reviews",
    "support",
]

# --- SMS and verification codes (ipms.core.sms, ipms.accounts.sms; docs/sms.md) ---------
SMS_BACKEND = env.str("SMS_BACKEND", default="ipms.core.sms.backends.console.SmsBackend")
# The signature every text starts with: 【贯标认证学习平台】
SMS_SIGNATURE = env.str("SMS_SIGNATURE", default="贯标认证学习平台")
# Prefix of the invitation link in SMS texts (the provider template contains it literally).
SMS_LINK_BASE = env.str("SMS_LINK_BASE", default="") or f"{SITE_URL}/j/"
# Full phone numbers, codes and links in the console backend's log: embedded mode only.
# Production never logs them, whatever the environment says.
SMS_LOG_SECRETS = env.bool("SMS_LOG_SECRETS", default=True) and not PRODUCTION
SMS_FILE_PATH = env.str("SMS_FILE_PATH", default="") or str(VAR_DIR / "sms")
SMS_TIMEOUT = env.int("SMS_TIMEOUT", default=10)
SMS_TENCENT_SECRET_ID = env.str("SMS_TENCENT_SECRET_ID", default="")
SMS_TENCENT_SECRET_KEY = env.str("SMS_TENCENT_SECRET_KEY", default="")
SMS_TENCENT_SDK_APP_ID = env.str("SMS_TENCENT_SDK_APP_ID", default="")
SMS_TENCENT_SIGN_NAME = env.str("SMS_TENCENT_SIGN_NAME", default=SMS_SIGNATURE)
SMS_TENCENT_REGION = env.str("SMS_TENCENT_REGION", default="ap-guangzhou")
SMS_TENCENT_ENDPOINT = env.str("SMS_TENCENT_ENDPOINT", default="sms.tencentcloudapi.com")
# Our template ids -> Tencent TemplateIds, e.g. "verification_code=1234567,member_invitation=…"
SMS_TENCENT_TEMPLATES = env.dict("SMS_TENCENT_TEMPLATES", default={})
# Verification codes: lifetime, wrong tries before the code is void, rows kept (days).
SMS_CODE_TTL = env.int("SMS_CODE_TTL", default=300)
SMS_CODE_MAX_ATTEMPTS = env.int("SMS_CODE_MAX_ATTEMPTS", default=5)
SMS_CODE_RETENTION_DAYS = env.int("SMS_CODE_RETENTION_DAYS", default=180)
# Sending limits, kept in the shared cache (Redis in production).
SMS_COOLDOWN_SECONDS = env.int("SMS_COOLDOWN_SECONDS", default=60)
SMS_PHONE_HOURLY_LIMIT = env.int("SMS_PHONE_HOURLY_LIMIT", default=5)
SMS_PHONE_DAILY_LIMIT = env.int("SMS_PHONE_DAILY_LIMIT", default=10)
SMS_IP_HOURLY_LIMIT = env.int("SMS_IP_HOURLY_LIMIT", default=10)
SMS_IP_DAILY_LIMIT = env.int("SMS_IP_DAILY_LIMIT", default=20)
# Platform-wide messages per day: a warning is logged past the budget; past the hard
# limit (0 = none) codes are refused until midnight.
SMS_DAILY_BUDGET = env.int("SMS_DAILY_BUDGET", default=2000)
SMS_DAILY_HARD_LIMIT = env.int("SMS_DAILY_HARD_LIMIT", default=0)
# Server-verified slider check (ipms.core.slider).
SLIDER_CHALLENGE_TTL = env.int("SLIDER_CHALLENGE_TTL", default=300)
SLIDER_PASS_TTL = env.int("SLIDER_PASS_TTL", default=600)
SLIDER_MIN_DRAG_MS = env.int("SLIDER_MIN_DRAG_MS", default=300)
# Challenges and answers per client address: an office of 300 behind one address, all
# asked for the slider at login within five minutes, makes ~120 a minute.
SLIDER_RATE = env.str("SLIDER_RATE", default="300/m")

# --- Accounts: personal data, consent, account pages (ipms.core.crypto, ipms.accounts) ---
# Fernet keys for personal data at rest (身份证), comma-separated: the first encrypts,
# all decrypt (rotation: add the new key first, run `manage.py field_encryption_rotate`,
# then drop the old one). FIELD_DIGEST_KEY keys the lookup digests. Both are derived from
# SECRET_KEY in the embedded mode when left empty; production refuses to start without.
FIELD_ENCRYPTION_KEYS = env.list("FIELD_ENCRYPTION_KEYS", default=[])
FIELD_DIGEST_KEY = env.str("FIELD_DIGEST_KEY", default="")
if PRODUCTION and not (FIELD_ENCRYPTION_KEYS and FIELD_DIGEST_KEY):
    raise ImproperlyConfigured("Production mode needs FIELD_ENCRYPTION_KEYS and FIELD_DIGEST_KEY.")
# Key strength, checked at start (gunicorn runs no system checks). As Django's own rule for
# SECRET_KEY, a key of few distinct characters ("dddd…") is refused however long it is.
FIELD_DIGEST_KEY_MIN_LENGTH = 32
_KEY_MIN_DISTINCT = 5


def _fernet_key_ok(key: str) -> bool:
    """A Fernet key: url-safe base64 of 32 bytes (what cryptography's Fernet() accepts)."""
    try:
        raw = base64.urlsafe_b64decode(key.encode("ascii"))
    except (binascii.Error, ValueError, UnicodeError):
        return False
    return len(raw) == 32 and len(set(raw)) >= _KEY_MIN_DISTINCT


if PRODUCTION:
    if (
        len(FIELD_DIGEST_KEY) < FIELD_DIGEST_KEY_MIN_LENGTH
        or len(set(FIELD_DIGEST_KEY)) < _KEY_MIN_DISTINCT
    ):
        raise ImproperlyConfigured(
            f"FIELD_DIGEST_KEY must be at least {FIELD_DIGEST_KEY_MIN_LENGTH} random characters."
        )
    # The message names the entry, never the key: it may end up in a log.
    for _position, _key in enumerate(FIELD_ENCRYPTION_KEYS, start=1):
        if not _fernet_key_ok(_key.strip()):
            raise ImproperlyConfigured(
                f"FIELD_ENCRYPTION_KEYS entry {_position} is not a Fernet key (url-safe base64 "
                "of 32 random bytes; see ipms.core.crypto.generate_key)."
            )
# Version of the 《用户协议》 text (accounts/partials/agreement_text.html); bump it whenever
# the text changes: consents record the version they were given to.
USER_AGREEMENT_VERSION = "2026-11"
# Wrong current-password entries (密码修改, 更换手机) per user before a cool-off.
PASSWORD_CHECK_RATE = env.str("PASSWORD_CHECK_RATE", default="5/15m")
# 身份证 changes per user (a registered number is refused, so this caps probing).
ID_NUMBER_CHANGE_RATE = env.str("ID_NUMBER_CHANGE_RATE", default="5/d")
# Successful registrations (企业注册 and 个人注册 together) per client address.
REGISTER_IP_RATE = env.str("REGISTER_IP_RATE", default="20/h")

# --- Learning time, lesson videos (ipms.learning; docs/learning.md) ---------------------
# The player sends a heartbeat this often (seconds) while a lesson plays.
LEARNING_HEARTBEAT_INTERVAL = env.int("LEARNING_HEARTBEAT_INTERVAL", default=15)
# At most this many seconds are credited for one interval between two heartbeats; a view
# silent for longer also loses its claim to accrue (another window may take over).
LEARNING_HEARTBEAT_CAP = env.int("LEARNING_HEARTBEAT_CAP", default=30)
# A lesson is completed when the credited time reaches this share of its length.
LESSON_COMPLETION_SHARE = env.float("LESSON_COMPLETION_SHARE", default=0.95)
# “您还在学习吗?” after this many minutes without any interaction; 0 turns it off.
IDLE_PROMPT_MINUTES = env.int("IDLE_PROMPT_MINUTES", default=0)
# Heartbeats accepted per learner (django-ratelimit's syntax); normal play needs ~6/m.
LEARNING_HEARTBEAT_RATE = env.str("LEARNING_HEARTBEAT_RATE", default="60/m")
# A lesson page's playback id stops working after this many seconds (then: reload), and
# playback rows are deleted after the retention (purge_playback_views).
PLAYBACK_VIEW_MAX_AGE = env.int("PLAYBACK_VIEW_MAX_AGE", default=SESSION_ABSOLUTE_TIMEOUT)
PLAYBACK_VIEW_RETENTION_DAYS = env.int("PLAYBACK_VIEW_RETENTION_DAYS", default=30)
# How lesson videos reach the browser after the access check:
#   django     - streamed by the app with HTTP Range support (embedded mode)
#   x-accel    - X-Accel-Redirect to an nginx `internal` location (VIDEO_ACCEL_PREFIX)
#   signed-url - redirect to a short-lived signed URL of the private object storage
VIDEO_DELIVERY = env.str("VIDEO_DELIVERY", default="django")
VIDEO_ACCEL_PREFIX = env.str("VIDEO_ACCEL_PREFIX", default="/_private/")
VIDEO_URL_EXPIRY = env.int("VIDEO_URL_EXPIRY", default=3600)

# --- 在线客服 (ipms.support; docs/support.md, docs/decisions/0012-chat-websocket-routing.md) ----
# Messages between the ASGI processes: in memory in the embedded mode (one process), Redis
# in production (every process that holds a socket shares it). CHANNEL_REDIS_URL defaults
# to REDIS_URL.
CHANNEL_REDIS_URL = env.str("CHANNEL_REDIS_URL", default="") or REDIS_URL
if CHANNEL_REDIS_URL:
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {
                "hosts": [CHANNEL_REDIS_URL],
                "prefix": env.str("CHANNEL_PREFIX", default="ipms"),
            },
        }
    }
else:
    # channels' in-memory layer with a throttled expiry sweep (ipms/support/layers.py).
    CHANNEL_LAYERS = {"default": {"BACKEND": "ipms.support.layers.InMemoryChannelLayer"}}
# Where pages open the chat socket: empty for the page's own host (/ws/support/…);
# production may name another origin, e.g. wss://ws.example.cn (then add it to CSP).
SUPPORT_WS_ORIGIN = env.str("SUPPORT_WS_ORIGIN", default="")
# Longest message, in characters.
SUPPORT_MESSAGE_MAX_LENGTH = env.int("SUPPORT_MESSAGE_MAX_LENGTH", default=500)
# Messages per visitor or user, and new conversations per client address.
SUPPORT_MESSAGE_RATE = env.str("SUPPORT_MESSAGE_RATE", default="30/m")
SUPPORT_CONVERSATION_RATE = env.str("SUPPORT_CONVERSATION_RATE", default="20/h")
# A staff console counts as online this many seconds after its last sign of life.
SUPPORT_PRESENCE_TTL = env.int("SUPPORT_PRESENCE_TTL", default=90)
# Closed conversations (and their messages) are deleted after this many days (PIPL:
# kept no longer than needed); `manage.py purge_support`.
SUPPORT_RETENTION_DAYS = env.int("SUPPORT_RETENTION_DAYS", default=365)
# How long the visitor cookie lasts (days).
SUPPORT_VISITOR_COOKIE_DAYS = env.int("SUPPORT_VISITOR_COOKIE_DAYS", default=180)
