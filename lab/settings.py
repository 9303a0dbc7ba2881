"""Django settings for Service Lab.

Everything comes from the environment, with defaults that make an embedded,
single-process lab work with no extra services (SQLite + the in-memory
channel layer). Scale-out sets DATABASE_URL (PostgreSQL) and REDIS_URL.

    DATABASE_URL   default sqlite:///<project>/var/db.sqlite3
    LAB_VAR_DIR    where the embedded files live, default <project>/var
    REDIS_URL      unset: InMemoryChannelLayer; set: channels_redis layer
    SECRET_KEY     unset: a key generated once per install in var/secret_key
    DEBUG          default true (embedded mode); "0"/"false"/"no"/"off" = off
    ALLOWED_HOSTS  comma-separated, default 127.0.0.1,localhost
    CSRF_TRUSTED_ORIGINS  comma-separated origins (https://lab.example.org)
    LAB_CLOCK_AUTOPLAY  default true: a watched lab's clock plays from the start
    LAB_API_CLOCK_RATE  virtual seconds per wall second while a lab's
                   Kubernetes API is used (default 1; 0 keeps the clock still)

With DEBUG off (production) the site is HTTPS only: secure session and
CSRF cookies, HSTS, redirects to https, and these knobs:

    SECURE_SSL_REDIRECT             default true
    SECURE_HSTS_SECONDS             default 31536000 (a year)
    SECURE_HSTS_INCLUDE_SUBDOMAINS  default true
    SECURE_HSTS_PRELOAD             default true
    SECURE_PROXY_SSL_HEADER         unset; "X-Forwarded-Proto" behind a TLS proxy that sets it

Limits per lab (LAB_LIMITS, lab.sim.limits) come from LAB_LIMIT_<NAME>
variables, e.g. LAB_LIMIT_MAX_OBJECTS=1500; docs/accounts.md lists them.
"""
from __future__ import annotations

import os
import secrets
from pathlib import Path

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("LAB_VAR_DIR", BASE_DIR / "var"))

_FALSE = {"0", "false", "no", "off", ""}


def env_bool(name: str, default: bool) -> bool:
    """A boolean environment variable: unset gives `default`."""
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() not in _FALSE


def env_list(name: str, default: str) -> list[str]:
    """A comma-separated environment variable as a list without blanks."""
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def database_config(url: str | None, var_dir: Path) -> dict:
    """DATABASES["default"] from DATABASE_URL, or the embedded SQLite file."""
    default = f"sqlite:///{var_dir / 'db.sqlite3'}"
    return dj_database_url.parse(url or default, conn_max_age=0)


#: seconds a Redis read may take (channels_redis blocks up to 5 s in a receive)
REDIS_SOCKET_TIMEOUT = 15


def channel_layers(redis_url: str | None) -> dict:
    """CHANNEL_LAYERS: Redis when REDIS_URL is set, else in-memory.

    The socket timeout is set above channels_redis's 5 s blocking receive
    (BZPOPMIN): redis-py 8 defaults it to 5 s too, so an idle receive would
    now and then fail with "Timeout reading" and close the websocket."""
    if redis_url:
        return {
            "default": {
                "BACKEND": "channels_redis.core.RedisChannelLayer",
                "CONFIG": {"hosts": [{"address": redis_url, "socket_timeout": REDIS_SOCKET_TIMEOUT}]},
            }
        }
    return {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}


def install_secret_key(var_dir: Path) -> str:
    """The per-install secret key: read from var/secret_key, created on first use."""
    path = var_dir / "secret_key"
    try:
        return path.read_text().strip()
    except FileNotFoundError:
        pass
    var_dir.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(50)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(key + "\n")
    return key


DEBUG = env_bool("DEBUG", True)
SECRET_KEY = os.environ.get("SECRET_KEY") or install_secret_key(VAR_DIR)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")
# Virtual seconds per wall second while real clients use a lab's Kubernetes API (0: the clock stays still).
LAB_API_CLOCK_RATE = float(os.environ.get("LAB_API_CLOCK_RATE", "1"))

INSTALLED_APPS = [
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "channels",
    "lab.labs",
    "lab.lessons",
    "lab.accounts",
    "lab.classrooms",
    "lab.k8sapi",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "lab.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

WSGI_APPLICATION = "lab.wsgi.application"
ASGI_APPLICATION = "lab.asgi.application"

if not os.environ.get("DATABASE_URL"):
    VAR_DIR.mkdir(parents=True, exist_ok=True)
DATABASES = {"default": database_config(os.environ.get("DATABASE_URL"), VAR_DIR)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Tests on SQLite use a file, not the shared in-memory database: the lab
    # runner's threads write beside the test's own connection, and the
    # file's WAL and busy timeout let them wait their turn (shared-cache
    # memory databases fail at once with "database table is locked").
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / f"test-{os.getpid()}.sqlite3")}
if os.environ.get("LAB_TEST_DATABASE_NAME"):
    # The throwaway database a test run creates (pytest-django: "test_" +
    # NAME by default), named per run so that runs sharing one server do
    # not drop each other's.
    DATABASES["default"]["TEST"] = {"NAME": os.environ["LAB_TEST_DATABASE_NAME"]}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Several writers (server workers, a labsh beside the server) take the
    # write lock when a transaction begins and wait for it, instead of
    # failing with "database is locked"; WAL lets readers run meanwhile.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        timeout=20, transaction_mode="IMMEDIATE",
        init_command="PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;")

CHANNEL_LAYERS = channel_layers(os.environ.get("REDIS_URL"))

# A lab's runner (lab/labs/runner.py) plays its clock from the start, unless
# this is off (then the page's play button starts it; waits still move it).
LAB_CLOCK_AUTOPLAY = env_bool("LAB_CLOCK_AUTOPLAY", True)

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "/lab/"

# Cookies: the session cookie is never readable by scripts; both cookies
# stay on this site. In production they travel over HTTPS only.
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if not DEBUG:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]  # a load balancer's plain-HTTP probe
    SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "31536000"))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)
    if os.environ.get("SECURE_PROXY_SSL_HEADER"):
        _header = "HTTP_" + os.environ["SECURE_PROXY_SSL_HEADER"].strip().upper().replace("-", "_")
        SECURE_PROXY_SSL_HEADER = (_header, "https")

# Limits per lab (lab.sim.limits.LabLimits fields), from LAB_LIMIT_<FIELD>
# variables: LAB_LIMIT_MAX_PODS=50 -> {"max_pods": "50"}.
LAB_LIMITS = {name[len("LAB_LIMIT_"):].lower(): value
              for name, value in os.environ.items() if name.startswith("LAB_LIMIT_")}
# The terminal: command lines per second per lab (a token bucket), and the
# largest line (with its here-documents) it accepts.
LAB_COMMAND_RATE = {"per_second": float(os.environ.get("LAB_COMMANDS_PER_SECOND", "5")),
                    "burst": int(os.environ.get("LAB_COMMAND_BURST", "10"))}
LAB_MAX_INPUT_BYTES = int(os.environ.get("LAB_MAX_INPUT_BYTES", str(1024 * 1024)))

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
_FRONTEND_DIST = BASE_DIR / "frontend" / "dist"
STATICFILES_DIRS = [_FRONTEND_DIST] if _FRONTEND_DIST.is_dir() else []
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
