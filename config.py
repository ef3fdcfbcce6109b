"""Configuration classes, read from the environment."""

from __future__ import annotations

import datetime as dt
import os
import secrets
from datetime import timedelta
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent
INSTANCE_DIR = BASE_DIR / "instance"


def _env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _env_date(name: str) -> dt.date | None:
    """A date (YYYY-MM-DD) from the environment, or None when unset."""
    value = os.environ.get(name, "").strip()
    return dt.date.fromisoformat(value) if value else None


def _env_days(name: str, default: str) -> tuple[int, ...]:
    """A comma-separated list of day counts from the environment, e.g. "5,1"."""
    return tuple(int(part) for part in os.environ.get(name, default).split(",") if part.strip())


def _secret_key() -> str:
    """SECRET_KEY from the environment, else a key kept in instance/ for the demo."""
    if os.environ.get("SECRET_KEY"):
        return os.environ["SECRET_KEY"]
    INSTANCE_DIR.mkdir(exist_ok=True)
    key_file = INSTANCE_DIR / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_hex(32))
    return key_file.read_text().strip()


class Config:
    """Defaults for the demo: SQLite in instance/, everything on one machine."""

    SECRET_KEY = _secret_key()
    SQLALCHEMY_DATABASE_URI = os.environ.get("DATABASE_URL", f"sqlite:///{INSTANCE_DIR / 'mpr.sqlite'}")
    SQLALCHEMY_TRACK_MODIFICATIONS = False
    MPR_DEFINITIONS = os.environ.get("MPR_DEFINITIONS", str(BASE_DIR / "mpr_definitions.yaml"))
    MPR_MASTERS = os.environ.get("MPR_MASTERS", str(BASE_DIR / "seed" / "masters.yaml"))
    # Month M is due (submitted and validated) by this day of month M+1.
    MPR_DUE_DAY = int(os.environ.get("MPR_DUE_DAY", "15"))
    # annual formats (period: year): due by this day of this month of their financial year
    MPR_ANNUAL_DUE_MONTH = int(os.environ.get("MPR_ANNUAL_DUE_MONTH", "5"))
    MPR_ANNUAL_DUE_DAY = int(os.environ.get("MPR_ANNUAL_DUE_DAY", "15"))
    # Every N events of an office's audit chain, its head is anchored in the global chain
    # (app/services/audit.py); `flask mpr anchor-audit` anchors every chain that moved since.
    MPR_AUDIT_ANCHOR_EVERY = int(os.environ.get("MPR_AUDIT_ANCHOR_EVERY", "100"))
    # True puts every event in the global chain, as before per-office chains (benchmark only).
    MPR_AUDIT_SINGLE_CHAIN = False

    APP_NAME = "MPR Management Information System"
    APP_THEME = ""
    FAB_UPDATE_PERMS = False  # permissions are synced by `flask mpr sync`, not per worker
    FAB_ADD_SECURITY_VIEWS = True
    FAB_API_SWAGGER_UI = False
    FAB_SECURITY_MANAGER_CLASS = "app.security.manager.MprSecurityManager"
    FAB_INDEX_VIEW = "app.views.home.HomeView"
    FAB_BASE_TEMPLATE = "mpr/base.html"
    AUTH_TYPE = 1  # AUTH_DB
    AUTH_ROLE_ADMIN = "Admin"
    AUTH_ROLE_PUBLIC = "Public"
    AUTH_USER_REGISTRATION = False
    AUTH_RATE_LIMITED = True
    AUTH_RATE_LIMIT = os.environ.get("AUTH_RATE_LIMIT", "20 per minute")
    RATELIMIT_ENABLED = True
    RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI", "memory://")
    FAB_SAFE_REDIRECT_HOSTS = ["127.0.0.1", "localhost"]
    LANGUAGES = {"en": {"flag": "gb", "name": "English"}, "hi": {"flag": "in", "name": "हिन्दी"}}
    # The app's catalogues (English, Hindi); FAB merges its own in front of them.
    BABEL_TRANSLATION_DIRECTORIES = str(Path(__file__).resolve().parent / "app" / "translations")

    FAB_CREATE_DB = False  # tables and roles are created by `flask mpr sync`
    MPR_DEMO_PASSWORD = os.environ.get("MPR_DEMO_PASSWORD", "mpr-demo-2026-field")  # noqa: S105 - demo only
    # Privilege table: "from a date to be notified". Unset = not yet notified.
    MPR_FIELD_REPORTS_FROM = _env_date("MPR_FIELD_REPORTS_FROM")  # Divisions/Ranges see their Commissionerate
    MPR_OPEN_REPORTS_FROM = _env_date("MPR_OPEN_REPORTS_FROM")  # Commissionerates/Zones see other offices

    MPR_OTP_DAYS = int(os.environ.get("MPR_OTP_DAYS", "7"))  # one-time passwords expire
    # Failed logins: per user id and address, free ones, then doubling waits (app/security/throttle.py);
    # the account itself locks only after many failures in a row from anywhere.
    MPR_THROTTLE_FREE_FAILURES = int(os.environ.get("MPR_THROTTLE_FREE_FAILURES", "3"))
    MPR_THROTTLE_MAX_SECONDS = int(os.environ.get("MPR_THROTTLE_MAX_SECONDS", "900"))
    MPR_LOCKOUT_FAILURES = int(os.environ.get("MPR_LOCKOUT_FAILURES", "50"))
    MPR_LOCKOUT_MINUTES = int(os.environ.get("MPR_LOCKOUT_MINUTES", "15"))
    MPR_IDLE_TIMEOUT_MINUTES = int(os.environ.get("MPR_IDLE_TIMEOUT_MINUTES", "30"))
    MPR_ABSOLUTE_TIMEOUT_HOURS = int(os.environ.get("MPR_ABSOLUTE_TIMEOUT_HOURS", "8"))
    FAB_PASSWORD_COMPLEXITY_ENABLED = True
    # FAB_PASSWORD_COMPLEXITY_VALIDATOR is set by create_app (app.security.passwords).

    # Notifications. Mail settings use Flask-Mail's own names; see README "Notifications".
    MAIL_SERVER = os.environ.get("MAIL_SERVER", "localhost")
    MAIL_PORT = int(os.environ.get("MAIL_PORT", "25"))
    MAIL_USE_TLS = _env_bool("MAIL_USE_TLS", False)
    MAIL_USE_SSL = _env_bool("MAIL_USE_SSL", False)
    MAIL_USERNAME = os.environ.get("MAIL_USERNAME")
    MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD")
    MAIL_DEFAULT_SENDER = os.environ.get("MAIL_DEFAULT_SENDER", "MPR MIS <mpr-mis@example.org>")
    MAIL_SUPPRESS_SEND = False  # delivery happens only in `flask mpr deliver`, never in a request
    MPR_MAIL_TIMEOUT_SECONDS = int(os.environ.get("MPR_MAIL_TIMEOUT_SECONDS", "20"))
    MPR_MAIL_ID_DOMAIN = os.environ.get("MPR_MAIL_ID_DOMAIN", "mpr.example.org")
    MPR_SMS_GATEWAY = os.environ.get("MPR_SMS_GATEWAY", "record")  # record | http
    MPR_SMS_URL = os.environ.get("MPR_SMS_URL", "")
    MPR_SMS_TOKEN = os.environ.get("MPR_SMS_TOKEN")
    MPR_SMS_RECORD_FILE = os.environ.get("MPR_SMS_RECORD_FILE", str(INSTANCE_DIR / "sms-sent.jsonl"))
    MPR_OUTBOX_MAX_ATTEMPTS = int(os.environ.get("MPR_OUTBOX_MAX_ATTEMPTS", "8"))
    # Reminders: days before the due date; escalations: days after it.
    MPR_REMIND_DAYS_BEFORE = _env_days("MPR_REMIND_DAYS_BEFORE", "5,1")
    MPR_ESCALATE_DAYS_AFTER = _env_days("MPR_ESCALATE_DAYS_AFTER", "1,7")
    MPR_SEND_RATE_LIMIT = os.environ.get("MPR_SEND_RATE_LIMIT", "30 per hour")

    # The edge (app/security/edges.py): body sizes, JSON depth, the periods a request may name.
    MAX_CONTENT_LENGTH = int(os.environ.get("MPR_MAX_REQUEST_BYTES", str(2 * 1024 * 1024)))
    MAX_FORM_MEMORY_SIZE = 512 * 1024  # one form field (a grid posts many small ones)
    MAX_FORM_PARTS = 20_000  # the largest grid has a few thousand cells
    MPR_MAX_UPLOAD_BYTES = int(os.environ.get("MPR_MAX_UPLOAD_BYTES", str(10 * 1024 * 1024)))
    MPR_MAX_LOGIN_BYTES = 16 * 1024
    MPR_BULK_PROGRESS_EVERY = 25  # returns between two progress lines of a bulk load page
    MPR_MAX_JSON_DEPTH = 32
    MPR_EARLIEST_PERIOD = os.environ.get("MPR_EARLIEST_PERIOD", "2000-01")
    MPR_LATEST_PERIOD_MONTHS = 24  # months after today a period may name
    MPR_EARLIEST_DATE = _env_date("MPR_EARLIEST_DATE") or dt.date(1950, 1, 1)  # date cells

    WTF_CSRF_ENABLED = True
    WTF_CSRF_TIME_LIMIT = None
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = _env_bool("SESSION_COOKIE_SECURE", False)
    PERMANENT_SESSION_LIFETIME = timedelta(hours=8)
    JWT_ACCESS_TOKEN_EXPIRES = timedelta(hours=1)
    MPR_HSTS_SECONDS = 0  # Strict-Transport-Security only in production, over HTTPS
    MPR_PROXY_HOPS = 0
    MPR_JSON_LOGS = _env_bool("MPR_JSON_LOGS", False)
    # Peer limits and outliers (docs/outliers.md): a figure is flagged when it lies outside
    # median +/- K x MAD of the office's own last WINDOW months (handed-in returns only), or,
    # with fewer than MIN_MONTHS of its own, outside the peers' median +/- PEER_K x MAD.
    MPR_OUTLIER_K = float(os.environ.get("MPR_OUTLIER_K", "5"))
    MPR_OUTLIER_PEER_K = float(os.environ.get("MPR_OUTLIER_PEER_K", "8"))
    MPR_OUTLIER_WINDOW_MONTHS = int(os.environ.get("MPR_OUTLIER_WINDOW_MONTHS", "12"))
    MPR_OUTLIER_MIN_MONTHS = int(os.environ.get("MPR_OUTLIER_MIN_MONTHS", "6"))
    MPR_OUTLIER_MIN_PEERS = int(os.environ.get("MPR_OUTLIER_MIN_PEERS", "4"))  # distinct peer offices
    MPR_OUTLIER_PEER_MONTHS = int(os.environ.get("MPR_OUTLIER_PEER_MONTHS", "3"))  # the 3 months before
    # MAD floor: at least this share of |median|, and at least MIN_SPREAD (a flat history is not exact)
    MPR_OUTLIER_MAD_FLOOR = float(os.environ.get("MPR_OUTLIER_MAD_FLOOR", "0.05"))
    MPR_OUTLIER_MIN_SPREAD = float(os.environ.get("MPR_OUTLIER_MIN_SPREAD", "1"))
    # and a flagged figure is at least MIN_RATIO x the median or at most median / MIN_RATIO (1: no such rule)
    MPR_OUTLIER_MIN_RATIO = float(os.environ.get("MPR_OUTLIER_MIN_RATIO", "2"))


class TestConfig(Config):
    """Test runs: a database per run (set by the fixtures), CSRF on as in production."""

    TESTING = True
    SQLALCHEMY_DATABASE_URI = os.environ.get("TEST_DATABASE_URL", "sqlite://")
    AUTH_RATE_LIMITED = False
    RATELIMIT_ENABLED = False
    FAB_PASSWORD_HASH_METHOD = "pbkdf2:sha256:1000"  # noqa: S105 - fast hashing for test fixtures only
    SERVER_NAME = None


class ProductionConfig(Config):
    """Production: PostgreSQL, HTTPS behind a reverse proxy, shared limits, pooled connections."""

    SESSION_COOKIE_SECURE = _env_bool("SESSION_COOKIE_SECURE", True)
    PREFERRED_URL_SCHEME = "https"
    RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI", "redis://127.0.0.1:6379/0")
    # Redis down: login limits fall back to each worker's memory (the same limits, counted per
    # worker) rather than refusing every login on deadline day or letting every try through;
    # the failed-login throttle and the account lockout live in the database and still apply.
    # The limiter goes back to Redis by itself once it answers again.
    RATELIMIT_IN_MEMORY_FALLBACK_ENABLED = True
    RATELIMIT_STORAGE_OPTIONS = {"socket_connect_timeout": 0.5, "socket_timeout": 0.5}
    SQLALCHEMY_DATABASE_URI = os.environ.get(
        "DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/mpr"
    )
    # Per worker process: gunicorn's workers x threads connections at most, plus overflow.
    SQLALCHEMY_ENGINE_OPTIONS = {
        "pool_size": int(os.environ.get("MPR_DB_POOL_SIZE", "8")),
        "max_overflow": int(os.environ.get("MPR_DB_MAX_OVERFLOW", "4")),
        "pool_timeout": int(os.environ.get("MPR_DB_POOL_TIMEOUT", "10")),
        "pool_recycle": 1800,
        "pool_pre_ping": True,  # a restarted PostgreSQL costs one failed request, not a restart
    }
    MPR_HSTS_SECONDS = int(os.environ.get("MPR_HSTS_SECONDS", "31536000"))
    # Hops of reverse proxies whose X-Forwarded-For/-Proto are trusted (0 = none).
    MPR_PROXY_HOPS = int(os.environ.get("MPR_PROXY_HOPS", "1"))
    MPR_JSON_LOGS = True


CONFIGS: dict[str, type[Config]] = {"demo": Config, "production": ProductionConfig}


def config_from_env() -> type[Config]:
    """The configuration class named by MPR_CONFIG (`demo`, the default, or `production`)."""
    name = os.environ.get("MPR_CONFIG", "demo").strip().lower()
    if name not in CONFIGS:
        raise SystemExit(f"MPR_CONFIG={name!r} is not one of {', '.join(sorted(CONFIGS))}")
    if name == "production" and not os.environ.get("SECRET_KEY"):
        raise SystemExit("MPR_CONFIG=production needs SECRET_KEY in the environment (a long random string)")
    return CONFIGS[name]
