"""Settings for Claim Tracker, read from the environment (see docs/deployment.md).

Unset, the app runs on an SQLite file in the project folder. With DEBUG off it
refuses to start without a SECRET_KEY.
"""

import datetime
import ipaddress
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

import dj_database_url
import django_stubs_ext
from csp.constants import NONE, SELF, UNSAFE_INLINE
from django.core.exceptions import ImproperlyConfigured
from django.utils.log import DEFAULT_LOGGING
from import_export.formats import base_formats

from claimtracker.lib.env import code_digest, env_bool, env_caches, env_int, env_list, env_rate, env_str

if TYPE_CHECKING:
    from django.http import HttpRequest

django_stubs_ext.monkeypatch()

BASE_DIR = Path(__file__).resolve().parent.parent

DEBUG = env_bool("DEBUG", default=False)

SECRET_KEY = env_str("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
    SECRET_KEY = "django-insecure-development-key-only-used-while-DEBUG-is-on"

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.sitemaps",
    "django.forms",
    "django_htmx",
    "template_partials",
    "simple_history",
    "import_export",
    "csp",
    "axes",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "claimtracker.claims",
    "claimtracker.accounts",
    "claimtracker.exports",
    "claimtracker.api",
]

MIDDLEWARE = [
    # An answer to HEAD goes without its body (lib/head.py).
    "claimtracker.lib.head.HeadMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # A published claim's kept page, answered before the session is read (claims/publiccache.py).
    "claimtracker.claims.publiccache.PublicPageMiddleware",
    # A desk page's stored copy, answered once the session, CSRF secret and user are known (claims/pagecache.py).
    "claimtracker.claims.pagecache.PageCacheMiddleware",
    # Django's, keeping the session the page cache opened for the request (accounts/middleware.py).
    "claimtracker.accounts.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Public pages, exports and the API read from a replica when there is one.
    "claimtracker.lib.replicas.ReplicaMiddleware",
    # Every view needs login unless it is marked @login_not_required.
    "claimtracker.accounts.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # Logged-in pages are not kept by the browser: Back shows them as they are now.
    "claimtracker.accounts.middleware.PrivatePagesMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "csp.middleware.CSPMiddleware",
    # Last, as django-axes asks: refuses logins for a locked-out username.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "claimtracker.urls"

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
                "claimtracker.accounts.context_processors.roles",
            ],
            # {% url %} as Django's, costing a join where it links ids (claimtracker/lib/urls.py).
            "builtins": ["claimtracker.lib.urls"],
        },
    },
]

# Widgets render with the project's templates too (templates/claims/widgets/).
FORM_RENDERER = "django.forms.renderers.TemplatesSetting"

WSGI_APPLICATION = "claimtracker.wsgi.application"


def _database(url: str) -> dict[str, Any]:
    database: dict[str, Any] = dict(dj_database_url.parse(url, conn_max_age=600, conn_health_checks=True))
    options = database.setdefault("OPTIONS", {})
    if database["ENGINE"] == "django.db.backends.sqlite3":
        # Wait for a writer instead of failing at once with "database is locked".
        options["timeout"] = 20
    elif database["ENGINE"] == "django.db.backends.postgresql":
        # No JIT compiling: PostgreSQL compiles a query whose estimated cost is high, as
        # the correlated subqueries of a view of the past make it, and spent 60-70 ms
        # compiling a claim list query that then ran in 3 ms (docs/performance.md). The
        # app's queries are short. An ``options`` given in the URL comes after, and wins.
        options["options"] = f"-c jit=off {options.get('options', '')}".strip()
        # Parameters bound on the server, not written into the SQL by psycopg: a statement
        # run 5 times on a connection is then prepared, and PostgreSQL parses it once and
        # plans it once where one plan serves every value (lib/prepared.py). Planning the
        # ORM's queries anew took more of the database's time than running them (0.7 ms
        # against 0.3 for a timeline's entries). Prepared statements are off for a pooler
        # in transaction mode that cannot keep them.
        options["server_side_binding"] = True
        options["prepare_threshold"] = 5 if env_bool("DATABASE_PREPARED_STATEMENTS", True) else None
    return database


DATABASES = {"default": _database(env_str("DATABASE_URL") or f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # claim_status_cover_idx includes current_status for PostgreSQL's index-only scans;
    # SQLite builds it as a plain index on the id, which is all it needs there.
    SILENCED_SYSTEM_CHECKS = ["models.W040"]

# Read replicas: the public pages, the exports and the read API read the app's data
# from one of them (claimtracker/lib/replicas.py); a browser that has just written
# reads from the primary for REPLICA_PIN_SECONDS; a replica that does not answer is
# passed over for REPLICA_RETRY_SECONDS.
for _number, _url in enumerate(env_list("DATABASE_REPLICA_URLS")):
    # Tests have no replica of the test database: they read the primary's.
    DATABASES[f"replica{_number}"] = _database(_url) | {"TEST": {"MIRROR": "default"}}
    if DATABASES[f"replica{_number}"]["ENGINE"] == "django.db.backends.postgresql":
        # A replica that does not answer is passed over within seconds, not after the system's TCP timeout.
        DATABASES[f"replica{_number}"]["OPTIONS"].setdefault("connect_timeout", 2)
DATABASE_ROUTERS = ["claimtracker.lib.replicas.ReplicaRouter"]
REPLICA_PIN_SECONDS = env_int("REPLICA_PIN_SECONDS", 15)
REPLICA_RETRY_SECONDS = env_int("REPLICA_RETRY_SECONDS", 10)
# A replica whose replay lags further behind than this is passed over as one that does not answer (0: never).
REPLICA_MAX_LAG_SECONDS = env_int("REPLICA_MAX_LAG_SECONDS", 30, minimum=0)

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# A CSV import in the admin is all or nothing: one bad row and nothing is saved.
IMPORT_EXPORT_USE_TRANSACTIONS = True
# The admin's formats, named rather than whatever tablib finds installed (PyYAML, which a
# test tool brings, would add YAML): each is tested for the formula guard (test_admin_exports).
EXPORT_FORMATS = [base_formats.CSV, base_formats.TSV, base_formats.JSON, base_formats.HTML]
IMPORT_FORMATS = [base_formats.CSV, base_formats.TSV, base_formats.JSON]
IMPORT_EXPORT_SKIP_ADMIN_LOG = False

# Named as the author of the ClaimReview JSON-LD on claim pages and published fact-checks.
ORGANIZATION_NAME = env_str("ORGANIZATION_NAME", "Claim Tracker")
ORGANIZATION_URL = env_str("ORGANIZATION_URL", "")  # its home page, when set
# The most rows /claims/export.xlsx writes in one request (about 4,000 rows a second);
# larger workbooks are written by `manage.py export_timelines --format xlsx`.
XLSX_MAX_ROWS = env_int("XLSX_MAX_ROWS", 100_000, minimum=1)
# How long browsers and shared caches may keep a public page (/public/) before asking again.
PUBLIC_CACHE_SECONDS = env_int("PUBLIC_CACHE_SECONDS", 60)

# The read API (/api/v1/, claimtracker/api): Django REST framework, documented by drf-spectacular.
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # First, so that a call without credentials to what needs them is a 401 that names the scheme.
        "claimtracker.api.authentication.ApiKeyAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_THROTTLE_CLASSES": ["claimtracker.api.authentication.PerKeyThrottle"],
    "DEFAULT_RENDERER_CLASSES": ["claimtracker.api.renderers.SafeJSONRenderer"],
    "DEFAULT_PARSER_CLASSES": [],  # the API only reads
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
    "EXCEPTION_HANDLER": "claimtracker.api.views.exception_handler",
}
# Requests per key (per user for a browser session), and per address for callers
# without a key: "<count>/<second|minute|hour|day>". Counted in the default cache.
API_RATE_LIMIT = env_rate("API_RATE_LIMIT", "600/minute")
API_ANONYMOUS_RATE_LIMIT = env_rate("API_ANONYMOUS_RATE_LIMIT", "60/minute")
SPECTACULAR_SETTINGS = {
    "TITLE": "Claim Tracker API",
    "DESCRIPTION": (
        "Read the desk's claims, actors and sources. Send an API key as `Authorization: Bearer <key>` "
        "(or `Token <key>`); `manage.py api_token USERNAME` makes one. Without a key, only published "
        "claims are answered. Lists are pages: follow `next` and `previous`."
    ),
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    # Swagger UI's files come from the drf-spectacular-sidecar package, served by the app: no CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "SWAGGER_UI_SETTINGS": {"deepLinking": True, "defaultModelsExpandDepth": 0},
    "COMPONENT_SPLIT_REQUEST": True,
    # Choice sets named once, where two fields share one or two share a name.
    "ENUM_NAME_OVERRIDES": {
        "ActorKindEnum": "claimtracker.claims.models.ActorKind",
        "SourceKindEnum": "claimtracker.claims.models.SourceKind",
        "RelationKindEnum": "claimtracker.claims.models.RelationKind",
        "PrecisionEnum": "claimtracker.claims.models.Precision",
    },
}

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "claims:list"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en"
TIME_ZONE = env_str("TIME_ZONE", "UTC")
# The app and its admin speak English alone, so the translation machinery is off (Django's own
# setting "for performance"): with it on, every {% url %} asked the active language three times
# through a context-local, and a claim page seen again cost 15-20% more CPU (docs/performance.md).
USE_I18N = False
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
    # Timeline CSV files between the import's dry run and its confirming click
    # (claimtracker/exports/uploads.py). Several app servers need one shared folder.
    "imports": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {
            "location": env_str("IMPORT_UPLOAD_DIR") or str(Path(tempfile.gettempdir()) / "claimtracker-imports")
        },
    },
}
IMPORT_UPLOAD_HOURS = env_int("IMPORT_UPLOAD_HOURS", 24)
# The most rows the admin's Import button writes in one request (about 80 s at
# the ~190 rows a second measured, within gunicorn.conf.py's timeout); larger
# files, up to the importer's 50 MB, go through `manage.py import_csv`.
IMPORT_ADMIN_MAX_ROWS = env_int("IMPORT_ADMIN_MAX_ROWS", 15_000)

# Every cache the app keeps (claim summaries and timelines, the desk forms' fields,
# stored pages, the API's rate counts): without CACHE_URL each process keeps its
# own in memory; with a Redis address (redis://host:port/db, rediss:// for TLS)
# every worker and server shares one, through Django's Redis backend (redis-py).
# Either way nothing stored is stale: keys hold the data versions the database
# keeps (claims/versions.py) and the release's digest of code, templates and
# static files.
CACHE_URL = env_str("CACHE_URL").strip()
RELEASE = code_digest(*(BASE_DIR / part for part in ("claimtracker", "templates", "static", "requirements.txt")))
CACHES = env_caches(CACHE_URL, release=RELEASE)
# Sessions in the database, on a table that names each one's user
# (accounts/sessions.py): a stored page reads the session, the user and the
# data versions in one statement.
SESSION_ENGINE = "claimtracker.accounts.sessions"
# How long a stored page is kept (a write drops it at once, whatever wrote it);
# 0 stores no page (claims/pagecache.py still reads the session, user and role in one statement).
PAGE_CACHE_SECONDS = env_int("PAGE_CACHE_SECONDS", 300, minimum=0)

# Production hardening; each is a no-op while DEBUG is on (docs/deployment.md).
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", default=not DEBUG)
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
SECURE_HSTS_SECONDS = 0 if DEBUG else 31_536_000
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
# Preloading is a promise to browsers that is slow to undo: opt in per deployment.
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", default=False)
# BEHIND_PROXY=1: requests come through TRUSTED_PROXY_COUNT proxies (1 unless
# set), each of which sets X-Forwarded-Proto and appends the address it was reached
# from to X-Forwarded-For (nginx: proxy_add_x_forwarded_for). gunicorn trusts
# those headers only then, and only from FORWARDED_ALLOW_IPS (gunicorn.conf.py).
BEHIND_PROXY = env_bool("BEHIND_PROXY")
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 1) if BEHIND_PROXY else 0
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if BEHIND_PROXY else None
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True

# Content-Security-Policy (django-csp): scripts, styles and everything else from
# this site only; no inline script, no eval, no framing. Inline style attributes
# are allowed for the status colours (--status-color: #hex, validated on save).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "style-src-attr": [UNSAFE_INLINE],
        "img-src": [SELF, "data:"],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}


def client_ip_address(request: "HttpRequest") -> str | None:
    """The client's address for django-axes (AXES_CLIENT_IP_CALLABLE). Behind
    TRUSTED_PROXY_COUNT proxies it is the address the outermost one appended to
    X-Forwarded-For: that many entries from the right. Entries further left were
    sent by the client, and are not believed; so is the header without a proxy.
    Read at each request, so tests can change TRUSTED_PROXY_COUNT."""
    from django.conf import settings

    count: int = settings.TRUSTED_PROXY_COUNT
    hops = [hop.strip() for hop in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    if count and len(hops) >= count:
        try:
            return str(ipaddress.ip_address(hops[-count]))
        except ValueError:  # not an address: a misconfigured proxy; fall back to the connection's
            pass
    return request.META.get("REMOTE_ADDR")


# Login throttling (django-axes): the AXES_FAILURE_LIMIT-th failed login for one
# username from one address is refused, and so is every attempt after it, until
# AXES_COOLOFF_TIME passes or an admin resets it; a successful login resets the count.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    # Django's, with the user and the permissions read in statements written once.
    "claimtracker.accounts.backends.ModelBackend",
    # For sessions begun before it (a session names its backend); it asks nothing again.
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = datetime.timedelta(minutes=env_int("AXES_COOLOFF_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_CLIENT_IP_CALLABLE = client_ip_address
AXES_VERBOSE = False

LOG_LEVEL = env_str("LOG_LEVEL", "INFO")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    # A request refused on purpose (403, 400) is one line, without a traceback (lib/logs.py).
    "filters": {"refusals": {"()": "claimtracker.lib.logs.RefusalsWithoutTraceback"}},
    # runserver's line for each request: Django's default logging's, taken as it is.
    "formatters": {"django.server": DEFAULT_LOGGING["formatters"]["django.server"]},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "filters": ["refusals"]},
        "django.server": DEFAULT_LOGGING["handlers"]["django.server"],
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        # django-axes logs every successful login at INFO; failures and lockouts are warnings.
        "axes": {"level": "WARNING"},
        # Django's own write through the console above, once: Django's default handlers for them (its
        # console while DEBUG is on, mail to ADMINS, which is unset) printed each record a second time.
        "django": {"level": LOG_LEVEL},
        "django.server": DEFAULT_LOGGING["loggers"]["django.server"],
    },
}
