"""Settings for Clinic Billing, read from the environment (see .env.example).

The defaults give a zero-setup development install: SQLite, DEBUG on; `make run` adds a filesystem Celery broker.
Production sets DEBUG=0, SECRET_KEY, ALLOWED_HOSTS, DATABASE_URL and CELERY_BROKER_URL.
Every variable is parsed strictly (clinic_billing/environment.py): a malformed boolean, number or URL stops
start-up with the variable's name; secrets may come from a file (`SECRET_KEY_FILE=/run/secrets/key`).
"""

from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from clinic_billing.environment import (
    env_bool,
    env_decimal,
    env_float,
    env_int,
    env_list,
    env_secret,
    env_str,
    env_url,
)

BASE_DIR = Path(__file__).resolve().parent.parent


DEBUG = env_bool("DEBUG", True)
# Demo mode (`make run` sets DEMO_MODE=1): the code page shows a demo user's current code, so the demo needs no
# authenticator app (mfa.services.demo_code_shown). Never with DEBUG off, whatever the variable says.
DEMO_MODE = DEBUG and env_bool("DEMO_MODE", False)
SECRET_KEY = env_secret("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
    SECRET_KEY = "insecure-development-key-only-for-debug-mode"  # noqa: S105
elif not DEBUG and (len(SECRET_KEY) < 50 or len(set(SECRET_KEY)) < 5 or SECRET_KEY.startswith("django-insecure")):
    # The same bar as `check --deploy` (security.W009), enforced at start-up: signed links and sessions rest on it.
    raise ImproperlyConfigured("SECRET_KEY is too weak: use at least 50 random characters (secrets.token_urlsafe(64)).")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    # The Django admin, with a site that also requires a session verified by a second factor (mfa).
    "mfa.apps.TwoFactorAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "auditlog",
    "axes",
    "csp",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "patients",
    "catalogue",
    "invoices",
    "disputes",
    "patient_collections",
    "portal",
    "mfa",
    "session_policy",
    "integration_events",
    "compliance",
    "frontdesk",
    "api",
    "payments_in",
    "online_payments",
    "demo",
    "operations",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Below WhiteNoise (static files stay cacheable), above the rest so that answers made by the middleware
    # below it (sign-in redirects, session timeouts, lockouts) get it too.
    "clinic_billing.no_store.NoStoreMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Idle and absolute session timeouts: an ended session is signed out before anything else looks at it.
    "clinic_billing.session_security.SessionSecurityMiddleware",
    # Two-step sign-in: which device verified the session, then no page for staff (or a patient who turned
    # it on) before the second step. See docs/two-factor.md.
    "django_otp.middleware.OTPMiddleware",
    "mfa.middleware.TwoFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # django-auditlog's middleware with the address the lockout uses (not the client-written header).
    "clinic_billing.client_address.ClientAddressAuditlogMiddleware",
    "portal.middleware.PortalLanguageMiddleware",
    # A PDF asked for where WeasyPrint's system libraries are missing: a 503 page in the reader's language.
    "clinic_billing.pdf_unavailable.PdfUnavailableMiddleware",
    # Last, as django-axes asks: it turns a lockout raised during authentication into its response.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "clinic_billing.urls"
WSGI_APPLICATION = "clinic_billing.wsgi.application"

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
                "clinic_billing.context_processors.clinic",
                "clinic_billing.context_processors.staff_nav",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        env_url(
            "DATABASE_URL",
            f"sqlite:///{BASE_DIR / 'var' / 'db.sqlite3'}",
            schemes=frozenset({"sqlite", "postgres", "postgresql", "pgsql"}),
            secret=True,
        ),
        conn_max_age=env_int("DB_CONN_MAX_AGE", 60),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Short transactional queries: JIT compilation costs seconds on plans whose cost the planner overestimates
    # (the reminder sweep's: 3.2 s of compiling for 0.2 s of work per batch at 200,000 invoices).
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = "-c jit=off"
    # A process that leaves a transaction open (a hung call made inside one) loses its connection after this
    # many seconds instead of holding its row locks while it hangs. Off in development: a test waiting on a
    # worker subprocess keeps its own test transaction open.
    _idle_seconds = env_int("DATABASE_IDLE_IN_TRANSACTION_TIMEOUT", 0 if DEBUG else 60, minimum=0)
    if _idle_seconds > 0:
        DATABASES["default"]["OPTIONS"]["options"] += f" -c idle_in_transaction_session_timeout={_idle_seconds * 1000}"
elif DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The zero-setup default serves concurrent requests too. WAL lets readers run beside the one writer;
    # the busy timeout (seconds) makes a second writer wait for the lock instead of failing with "database
    # is locked"; BEGIN IMMEDIATE takes the write lock when a transaction starts, because a transaction
    # that read first and then upgrades to writing gets SQLITE_BUSY at once, whatever the timeout.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL",
            "timeout": env_int("SQLITE_BUSY_TIMEOUT", 20),
            "transaction_mode": "IMMEDIATE",
        }
    )
# The password may come apart from the URL (DATABASE_PASSWORD_FILE: the same secret file the PostgreSQL image
# reads with POSTGRES_PASSWORD_FILE); in one place only, so nobody wonders which of two passwords is used.
_database_password = env_secret("DATABASE_PASSWORD")
if _database_password:
    if DATABASES["default"].get("PASSWORD"):
        raise ImproperlyConfigured("DATABASE_URL carries a password: set it there or in DATABASE_PASSWORD, not both.")
    DATABASES["default"]["PASSWORD"] = _database_password
# A streaming replica for the reports (aging, complaint report, their CSVs, the audit-log export): they read many
# rows and tolerate the replica's lag; clinic_billing/database_routing.py sends their reads there and every write,
# the read-audit rows the report pages leave included, to the primary. Unset: no `reports` alias, all on default.
REPORTS_DATABASE_URL = env_url(
    "REPORTS_DATABASE_URL", "", schemes=frozenset({"postgres", "postgresql", "pgsql"}), secret=True
)
if REPORTS_DATABASE_URL:
    DATABASES["reports"] = dj_database_url.parse(REPORTS_DATABASE_URL, conn_max_age=env_int("DB_CONN_MAX_AGE", 60))
    # A physical replica has the primary's roles and passwords: the password given apart from the URL holds for both.
    if not DATABASES["reports"].get("PASSWORD") and DATABASES["default"].get("PASSWORD"):
        DATABASES["reports"]["PASSWORD"] = DATABASES["default"]["PASSWORD"]
    DATABASES["reports"]["OPTIONS"] = {"options": "-c jit=off"}
    # A test run has no replica: the alias reads the test database through the primary's connection.
    DATABASES["reports"]["TEST"] = {"MIRROR": "default"}
DATABASE_ROUTERS = ["clinic_billing.database_routing.ReportsRouter"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# Argon2 for every new or changed password; older hashes still verify and are upgraded at the next login.
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "frontdesk:home"
LOGOUT_REDIRECT_URL = "login"

# Languages of the clinic's patients. Staff screens follow the browser; patients' documents use the
# language saved on the patient.
LANGUAGE_CODE = "en"
LANGUAGES = [
    ("en", _("English")),
    ("fr", _("French")),
    ("pt", _("Portuguese")),
    ("nb", _("Norwegian Bokmål")),
    ("ru", _("Russian")),
]
LOCALE_PATHS = [BASE_DIR / "locale"]
# Where a language's dates differ from Django's own formats (British English, Russian without "г."): one date
# style per language on every page, read through the named formats (DATE_FORMAT, SHORT_DATETIME_FORMAT…).
FORMAT_MODULE_PATH = ["clinic_billing.formats"]
TIME_ZONE = env_str("TIME_ZONE", "Europe/Oslo")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "var" / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # Documents staff upload (a signed power of attorney): outside the static and media URLs, no base URL, so
    # only a staff view that checks permissions serves them (frontdesk/views/proxies.py).
    "private": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": BASE_DIR / "var" / "private", "base_url": None},
    },
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# --- Billing ---------------------------------------------------------------------------------------
BILLING_JURISDICTION = env_str("BILLING_JURISDICTION", "NO")
if BILLING_JURISDICTION not in {"NO", "US", "FR"}:
    raise ImproperlyConfigured("BILLING_JURISDICTION must be NO, US or FR.")
# Money is quantised once, at the boundary, with this rounding mode (half up is what invoices and banks use).
MONEY_ROUNDING = ROUND_HALF_UP
# The largest amount one invoice may carry, and the largest running sum kept for it (total, balance,
# insurer paid): far below what a money column holds (invoices.money.MAX_AMOUNT), so no sum can overflow it.
# The invoices app checks its bounds when it starts (invoices.apps): settings import no app code.
INVOICE_AMOUNT_LIMIT = env_decimal("INVOICE_AMOUNT_LIMIT", Decimal("10000000.00"))
# The language of the clinic's own texts: what a patient reads when a text the clinic wrote (a service's name,
# a rule's script, a letter) has no version in their language yet. Defaults to the jurisdiction's language.
CLINIC_LANGUAGE = env_str("CLINIC_LANGUAGE") or {"NO": "nb", "US": "en", "FR": "fr"}[BILLING_JURISDICTION]
if CLINIC_LANGUAGE not in {code for code, _name in LANGUAGES}:
    raise ImproperlyConfigured("CLINIC_LANGUAGE must be one of the LANGUAGES codes (en, fr, pt, nb, ru).")
CLINIC = {
    "name": env_str("CLINIC_NAME", "Fjordside Clinic"),
    "address": env_str("CLINIC_ADDRESS", "Storgata 1, 0155 Oslo"),
    "organisation_number": env_str("CLINIC_ORGANISATION_NUMBER", "987 654 321"),
    "bank_account": env_str("CLINIC_BANK_ACCOUNT", "1503.12.34562"),
    "phone": env_str("CLINIC_PHONE", "+47 22 00 00 00"),
    "email": env_str("CLINIC_EMAIL", "billing@clinic.example"),
    # US profile: the clinic's National Provider Identifier and Taxpayer Identification Number, printed on the
    # good-faith estimate for the convening provider (45 CFR 149.610(c)(1)(v)). The defaults are demo values.
    "npi": env_str("CLINIC_NPI", "1234567893"),
    "tin": env_str("CLINIC_TIN", "12-3456789"),
}
# The bank of CLINIC_BANK_ACCOUNT, named as the debtor's agent in the refunds' credit transfer file (pain.001).
CLINIC_BIC = env_str("CLINIC_BIC", "DNBANOKK")
# Who decides a refund when nobody else holding the office manager's role may (a sole office manager's own
# request): every holder of this role but the requester. Empty: such a refund cannot be asked for.
REFUND_DEPUTY_APPROVER_ROLE = env_str("REFUND_DEPUTY_APPROVER_ROLE", "provider")
if REFUND_DEPUTY_APPROVER_ROLE not in {"", "front_desk", "billing", "provider"}:
    raise ImproperlyConfigured("REFUND_DEPUTY_APPROVER_ROLE must be front_desk, billing, provider or empty.")
# KID length for Norway (2–25 digits, per the clinic's bank agreement) and its check-digit scheme.
PAYMENT_REFERENCE_LENGTH = env_int("PAYMENT_REFERENCE_LENGTH", 12)
PAYMENT_REFERENCE_SCHEME = env_str("PAYMENT_REFERENCE_SCHEME", "MOD10")

# Bank files (payments_in): the largest file accepted, and a folder the bank's files arrive in (an SFTP mount is
# the deployment's job). Celery beat imports what lands there every BANK_FILE_INBOX_INTERVAL seconds and moves
# each file to imported/ or refused/ beside it; empty means no inbox.
BANK_FILE_MAX_BYTES = env_int("BANK_FILE_MAX_BYTES", 50_000_000)
BANK_FILE_INBOX = env_str("BANK_FILE_INBOX", "")
BANK_FILE_INBOX_INTERVAL = env_int("BANK_FILE_INBOX_INTERVAL", 300)
# Where `seed_demo` writes the demo's sample bank files (development only).
DEMO_BANK_FILES_DIR = BASE_DIR / "var" / "demo-bank-files"

# --- Celery ----------------------------------------------------------------------------------------
# `make run` uses kombu's filesystem transport; docker-compose and production use Redis. Tasks run in-process
# only when CELERY_TASK_ALWAYS_EAGER=1 says so (the tests, the Docker build, `make fuzz`), never because no
# broker is set: with DEBUG off a missing broker stops start-up instead of quietly running every reminder inside
# a web request; in development, a task sent without one is refused naming both settings (clinic_billing/celery.py).
CELERY_BROKER_URL = env_url(
    "CELERY_BROKER_URL", "", schemes=frozenset({"redis", "rediss", "filesystem", "amqp", "amqps"}), secret=True
)
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", False)
if not DEBUG and not CELERY_BROKER_URL and not CELERY_TASK_ALWAYS_EAGER:
    raise ImproperlyConfigured(
        "Set CELERY_BROKER_URL (e.g. redis://redis:6379/0), or CELERY_TASK_ALWAYS_EAGER=1 to run tasks in-process."
    )
CELERY_TASK_EAGER_PROPAGATES = True
if CELERY_BROKER_URL.startswith("filesystem://"):
    # kombu's filesystem transport: a folder under the project stands in for Redis (`make run`).
    _broker_folder = Path(env_str("CELERY_BROKER_FOLDER", str(BASE_DIR / "var" / "celery-broker")))
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_folder / "out"),
        "data_folder_out": str(_broker_folder / "out"),
        "processed_folder": str(_broker_folder / "processed"),
        "store_processed": False,
        # The exchange tables of worker control (broadcasts); kombu's default is ./control in the project root.
        "control_folder": str(_broker_folder / "control"),
    }
CELERY_RESULT_BACKEND = None
# How many tasks share the reminder sweep (one per worker you run; each takes the invoices id % N == its shard).
REMINDER_SWEEP_SHARDS = env_int("REMINDER_SWEEP_SHARDS", 1)
CELERY_TASK_DEFAULT_QUEUE = env_str("CELERY_TASK_DEFAULT_QUEUE", "celery")
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TIMEZONE = TIME_ZONE
# Reminder sweeps run every REMINDER_SWEEP_INTERVAL seconds and the outbox dispatcher every minute. Redis hands
# a task a dead worker took to another only after the visibility timeout, so it stays below the sweep interval
# (and above the send task's hard time limit, or a running task would be handed out twice).
REMINDER_SWEEP_INTERVAL = env_int("REMINDER_SWEEP_INTERVAL", 900)
CELERY_VISIBILITY_TIMEOUT = env_int("CELERY_VISIBILITY_TIMEOUT", 300)
if CELERY_BROKER_URL.startswith(("redis://", "rediss://")):
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": CELERY_VISIBILITY_TIMEOUT}
# A send task is stopped after these many seconds (soft: an exception in the task; hard: the process is killed);
# the SMTP and SMS timeouts below end a hung connection well before.
REMINDER_SEND_SOFT_TIME_LIMIT = env_int("REMINDER_SEND_SOFT_TIME_LIMIT", 60)
REMINDER_SEND_TIME_LIMIT = env_int("REMINDER_SEND_TIME_LIMIT", 90)
# A notice claimed this long ago whose outcome was never recorded belongs to an attempt that died: it becomes
# "outcome unknown" for staff (or is sent again where the SMS provider deduplicates). Above the hard limit.
REMINDER_UNCERTAIN_AFTER = env_int("REMINDER_UNCERTAIN_AFTER", 600)
# A queued notice whose send task was published this long ago without effect gets another.
REMINDER_REDISPATCH_AFTER = env_int("REMINDER_REDISPATCH_AFTER", 300)
if not REMINDER_SEND_TIME_LIMIT < CELERY_VISIBILITY_TIMEOUT < REMINDER_SWEEP_INTERVAL:
    raise ImproperlyConfigured(
        "Need REMINDER_SEND_TIME_LIMIT < CELERY_VISIBILITY_TIMEOUT < REMINDER_SWEEP_INTERVAL (seconds)."
    )
if not REMINDER_SEND_TIME_LIMIT < REMINDER_UNCERTAIN_AFTER:
    raise ImproperlyConfigured("REMINDER_UNCERTAIN_AFTER must be longer than REMINDER_SEND_TIME_LIMIT.")
# Webhooks (integration_events): seconds a receiver has to answer, how many attempts before a delivery fails,
# and the first wait of the exponential back-off between attempts (doubled after each failure, at most 6 hours).
WEBHOOK_TIMEOUT_SECONDS = env_int("WEBHOOK_TIMEOUT_SECONDS", 5, minimum=1)
WEBHOOK_MAX_ATTEMPTS = env_int("WEBHOOK_MAX_ATTEMPTS", 8, minimum=1)
WEBHOOK_RETRY_BASE_SECONDS = env_int("WEBHOOK_RETRY_BASE_SECONDS", 60, minimum=1)
CELERY_BEAT_SCHEDULE_FILENAME = str(BASE_DIR / "var" / "celerybeat-schedule")

# --- API -------------------------------------------------------------------------------------------
API_RATE_LIMIT_PER_MINUTE = env_int("API_RATE_LIMIT_PER_MINUTE", 600, minimum=1)
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "rest_framework.authentication.TokenAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "clinic_billing.api_errors.exception_handler",
    # JSON only (the contract: form encodings cannot say null, lists or nested lines, so another body is a 415
    # rather than half-understood), nested at most a few dozen levels: deeper bodies are a 400.
    "DEFAULT_PARSER_CLASSES": ["clinic_billing.api_parsers.DepthLimitedJSONParser"],
    "COERCE_DECIMAL_TO_STRING": True,
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    # Per API user (per address for anonymous requests), announced on every answer in RateLimit headers
    # (api/throttling.py); a nightly sync of a few thousand requests stays well within it.
    "DEFAULT_THROTTLE_RATES": {"api": f"{API_RATE_LIMIT_PER_MINUTE}/min"},
}
# The OpenAPI schema and its docs answer anonymous visitors only in development (clinic_billing/schema_access.py).
API_SCHEMA_PUBLIC = env_bool("API_SCHEMA_PUBLIC", DEBUG)
SPECTACULAR_SETTINGS = {
    "TITLE": "Clinic Billing API",
    "DESCRIPTION": "Patients, invoices, payments, disputes and collections of a clinic's billing office.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # Signed-in staff only in production; read at each request, so API_SCHEMA_PUBLIC decides (issue 12, item 9).
    "SERVE_PERMISSIONS": ["clinic_billing.schema_access.SchemaAccess"],
    # Several models have a `status`; name each enum after its model so the schema has no clashes.
    "ENUM_NAME_OVERRIDES": {
        "InvoiceStatusEnum": "invoices.models.Invoice.Status",
        "ComplaintStatusEnum": "disputes.models.Complaint.Status",
        "AdjustmentStatusEnum": "disputes.models.AdjustmentRequest.Status",
        "ComplaintChannelEnum": "disputes.models.ComplaintChannel",
        "PatientChannelEnum": "patients.models.Channel",
        "RoleEnum": "disputes.models.Role",
        "CreditNoteKindEnum": "invoices.models.CreditNote.Kind",
        "ProposalKindEnum": "disputes.models.ProposalKind",
        "CollectionStateEnum": "patient_collections.collection_state.CollectionState",
        "HoldReasonEnum": "patient_collections.collection_state.HoldReason",
        "PaymentPlanStatusEnum": "patient_collections.models.PaymentPlan.Status",
        "InstalmentStatusEnum": "patient_collections.models.Instalment.Status",
        "ReminderStatusEnum": "patient_collections.models.Reminder.Status",
        "CollectionCaseStatusEnum": "patient_collections.models.CollectionCase.Status",
        "ComplaintOutcomeEnum": "disputes.models.Complaint.Outcome",
        "FollowUpCallOutcomeEnum": "patient_collections.models.FollowUpCall.Outcome",
        "RefundStatusEnum": "invoices.models.RefundRequest.Status",
        "RefundMethodEnum": "invoices.models.RefundMethod",
        "EventTypeEnum": "integration_events.models.EventType",
        "CoverageEnum": "catalogue.vocabulary.Coverage",
    },
}

# --- Audit -----------------------------------------------------------------------------------------
AUDITLOG_INCLUDE_ALL_MODELS = False
AUDITLOG_DISABLE_REMOTE_ADDR = False
# How long the audit log keeps its ACCESS rows (who read a patient's records): a nightly sweep deletes older ones
# in batches (compliance/read_audit_retention.py). Rows recording changes are never swept. The default is the
# ten years patient records are kept (docs/data-protection.md), so a patient can be told who read their account
# for as long as it exists; HIPAA keeps its security documentation six years (45 CFR 164.316(b)(2)). Under a year
# is refused: the log must cover at least the period in which misuse is looked for and reported.
READ_AUDIT_RETENTION_DAYS = env_int("READ_AUDIT_RETENTION_DAYS", 3650, minimum=365)
READ_AUDIT_SWEEP_BATCH = env_int("READ_AUDIT_SWEEP_BATCH", 5000, minimum=1)

# --- Portal ----------------------------------------------------------------------------------------
# Absolute address of the site, for links in emails, PDFs and letters (quick-pay links, invitations).
SITE_URL = env_url("SITE_URL", "http://127.0.0.1:8000", schemes=frozenset({"http", "https"})).rstrip("/")
QUICK_PAY_LINK_DAYS = env_int("QUICK_PAY_LINK_DAYS", 90)
PORTAL_INVITATION_DAYS = env_int("PORTAL_INVITATION_DAYS", 14)
# How long the link that confirms a staff member's change of a patient's email works (sent to the old address).
CONTACT_CHANGE_CONFIRMATION_DAYS = env_int("CONTACT_CHANGE_CONFIRMATION_DAYS", 14)

# --- Online payment --------------------------------------------------------------------------------
# The provider of the portal's "Pay online" (online_payments/providers/): "" turns online payment off (no pay
# button anywhere, the webhook answers 404), "stripe" uses Stripe Checkout's hosted page.
ONLINE_PAYMENT_PROVIDER = env_str("ONLINE_PAYMENT_PROVIDER", "")
if ONLINE_PAYMENT_PROVIDER not in {"", "stripe"}:
    raise ImproperlyConfigured('ONLINE_PAYMENT_PROVIDER must be empty (off) or "stripe".')
STRIPE_SECRET_KEY = env_secret("STRIPE_SECRET_KEY")
STRIPE_WEBHOOK_SECRET = env_secret("STRIPE_WEBHOOK_SECRET")
# Stripe's API; the tests point it at their local fake (tests/fake_stripe.py).
STRIPE_API_BASE = env_url("STRIPE_API_BASE", "https://api.stripe.com", schemes=frozenset({"http", "https"}))
STRIPE_TIMEOUT = env_float("STRIPE_TIMEOUT", 10)
if ONLINE_PAYMENT_PROVIDER == "stripe" and not (STRIPE_SECRET_KEY and STRIPE_WEBHOOK_SECRET):
    raise ImproperlyConfigured("ONLINE_PAYMENT_PROVIDER=stripe needs STRIPE_SECRET_KEY and STRIPE_WEBHOOK_SECRET.")
# How long the link that lets anyone holding a paper bill pay it online works (online_payments/quick_pay.py).
ONLINE_PAYMENT_LINK_DAYS = env_int("ONLINE_PAYMENT_LINK_DAYS", 60, minimum=1)

# --- Login throttling (django-axes) -------------------------------------------------------------------
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = env_float("AXES_COOLOFF_HOURS", 1)
# django-axes locks a network address, whatever usernames it tries. A username is not locked by axes (anyone
# could lock the office manager out from many addresses): after AXES_FAILURE_LIMIT failures from anywhere it
# needs the password and the second-step code together (mfa/sign_in_throttle.py, docs/security.md).
AXES_LOCKOUT_PARAMETERS = ["ip_address"]
AXES_RESET_ON_SUCCESS = True
# A locked-out person gets a page in plain words (wait, reset the password, or call), answered 429.
AXES_LOCKOUT_CALLABLE = "portal.views.account.locked_out"
# Behind a proxy, set how many trusted proxies add X-Forwarded-For; with 0 the header is ignored, so a
# client cannot escape the lockout by forging it.
AXES_IPWARE_PROXY_COUNT = env_int("AXES_TRUSTED_PROXY_COUNT", 0)
AXES_IPWARE_META_PRECEDENCE_ORDER = (
    ["HTTP_X_FORWARDED_FOR", "REMOTE_ADDR"] if AXES_IPWARE_PROXY_COUNT else ["REMOTE_ADDR"]
)

# --- Two-step sign-in (django-otp) -------------------------------------------------------------------
# The name authenticator apps show next to the codes.
OTP_TOTP_ISSUER = env_str("OTP_TOTP_ISSUER", CLINIC["name"])
# After each wrong code the next try waits twice as long: 1 s, 2 s, 4 s, 8 s… (per device).
OTP_TOTP_THROTTLE_FACTOR = 1
OTP_STATIC_THROTTLE_FACTOR = 1

# --- Content Security Policy (django-csp): no inline scripts or styles anywhere ----------------------
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
    }
}

# --- Security --------------------------------------------------------------------------------------
# Signed-in sessions end after this long without activity (staff, and patients and proxies), and in any case
# this long after signing in; "last seen" is written at most once per refresh interval (docs/sessions.md).
STAFF_SESSION_IDLE_SECONDS = env_int("STAFF_SESSION_IDLE_SECONDS", 15 * 60)
PORTAL_SESSION_IDLE_SECONDS = env_int("PORTAL_SESSION_IDLE_SECONDS", 30 * 60)
SESSION_ABSOLUTE_SECONDS = env_int("SESSION_ABSOLUTE_SECONDS", 12 * 3600)
SESSION_REFRESH_SECONDS = env_int("SESSION_REFRESH_SECONDS", 60)
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 8 * 3600)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
SECURE_HSTS_SECONDS = 0 if DEBUG else 31536000
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = not DEBUG
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if env_bool("SECURE_PROXY_SSL_HEADER", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# SMS goes through a pluggable backend; the default writes each message to a file for development. A provider's
# backend reads its credentials from SMS_API_URL / SMS_API_KEY / SMS_SENDER and bounds each call by SMS_TIMEOUT.
SMS_BACKEND = env_str("SMS_BACKEND", "patient_collections.channels.FileSmsBackend")
SMS_OUTBOX = env_str("SMS_OUTBOX", str(BASE_DIR / "var" / "sms-outbox.log"))
SMS_API_URL = env_url("SMS_API_URL", "", schemes=frozenset({"http", "https"}))
SMS_API_KEY = env_secret("SMS_API_KEY")
SMS_SENDER = env_str("SMS_SENDER", "")
SMS_TIMEOUT = env_float("SMS_TIMEOUT", 10)

# Every e-mail setting from the environment. Without EMAIL_TIMEOUT a relay that accepts and never answers would
# hold a worker for as long as it hangs.
EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_secret("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
if EMAIL_USE_TLS and EMAIL_USE_SSL:
    raise ImproperlyConfigured("Set EMAIL_USE_TLS (STARTTLS, port 587) or EMAIL_USE_SSL (port 465), not both.")
EMAIL_TIMEOUT = env_float("EMAIL_TIMEOUT", 10)
EMAIL_FILE_PATH = env_str("EMAIL_FILE_PATH", str(BASE_DIR / "var" / "mail"))
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", CLINIC["email"])
SERVER_EMAIL = env_str("SERVER_EMAIL", DEFAULT_FROM_EMAIL)

# Test-only: a worker subprocess started by tests/celery runs on the clock its test gives it, since a real
# process cannot be pinned from the test's own. Needs DEBUG and time-machine (a development dependency).
if DEBUG and env_str("TEST_WORKER_CLOCK"):
    from datetime import datetime

    import time_machine

    time_machine.travel(datetime.fromisoformat(env_str("TEST_WORKER_CLOCK")), tick=True).start()

# Logs carry ids, never names, amounts with names, or free text written by patients.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {"weasyprint": {"level": "ERROR"}, "fontTools": {"level": "ERROR"}},
}
