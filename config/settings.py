"""The one settings object of incubase: environment variables prefixed INCUBASE_."""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parents[1]


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="INCUBASE_", env_file=".env", extra="ignore")

    database_url: str = f"sqlite:///{PROJECT_ROOT / 'var' / 'incubase.db'}"
    policies_dir: Path = PROJECT_ROOT / "policies"
    calendars_dir: Path = PROJECT_ROOT / "calendars" / "cn"
    # Lets a sweep run for a business date after today (demo and tests only): never in production.
    time_travel: bool = False
    # Training mode (issue 15): the whole service runs on the training database's business date, set
    # by `incubase training set-date`; refused on a production database (README "Training mode").
    training: bool = False

    # Deployment mode (issue 16; README "When one machine is not enough"): the API, a command or a Prefect
    # worker's flow run of a several-machine deployment refuses to start without a configured database that
    # exists and is migrated to the newest schema, instead of creating an empty SQLite file of its own.
    # prefect.yaml sets it for every deployed flow run, whatever the worker's environment says.
    mode: Literal["local", "deployment"] = "local"

    # PostgreSQL connections of one process (the connection budget, README "When one machine is not
    # enough"): the API and the commands, and each flow run (one unit of work at a time, plus the
    # training clock's reads)
    db_pool_size: int = Field(default=5, ge=1, le=200)
    db_max_overflow: int = Field(default=10, ge=0, le=200)
    flow_db_pool_size: int = Field(default=2, ge=1, le=200)
    flow_db_max_overflow: int = Field(default=2, ge=0, le=200)
    # PostgreSQL reached through PgBouncer in transaction pooling: no server-side prepared statements
    # (psycopg's prepare_threshold=None), as a statement prepared on one server connection is unknown
    # to the next one the pooler hands out
    pgbouncer: bool = False

    # e-mail reminders (off while smtp_host is empty)
    smtp_host: str = ""
    smtp_port: int = 25
    smtp_from: str = "incubase@localhost"
    smtp_username: str | None = None
    smtp_password: str | None = None
    smtp_starttls: bool = False
    # signed webhook reminders (off while webhook_url is empty)
    webhook_url: str = ""
    webhook_secret: str = ""

    # how long a web sign-in lasts: its token expires then, whatever the browser keeps
    web_session_hours: int = Field(default=12, ge=1, le=24 * 30)
    # the service is reached over HTTPS (its own TLS, or a proxy's in front of it): the pages' cookies
    # are then Secure and __Host- prefixed, and responses carry HSTS (issue 14 #4, #5)
    https: bool = False

    # the largest request body taken (bytes): every form and act fits in a few KB, so a body past this
    # is refused (413) before it is read whole
    max_body_bytes: int = Field(default=1024 * 1024, ge=64 * 1024, le=64 * 1024 * 1024)
    # expensive reads (work queue, dashboard, audit replay, verification, statistics, dossiers) per
    # user: a burst of this many, then this many a minute; past that 429 with Retry-After (issue 14 #10)
    expensive_reads_burst: int = Field(default=20, ge=1, le=10_000)
    expensive_reads_per_minute: int = Field(default=60, ge=1, le=100_000)
    # work-queue rows per page
    queue_page_size: int = Field(default=100, ge=10, le=1000)

    # ... and a session unused this long ends too (web pages and API sessions; not programs' tokens)
    session_idle_minutes: int = Field(default=30, ge=1, le=24 * 60)

    # sign-in (docs/security.md): failed attempts within the window lock the account, or the
    # client address, for the lock-out period (or until an admin unlocks it)
    signin_failures_per_account: int = Field(default=5, ge=3, le=100)
    signin_failures_per_client: int = Field(default=20, ge=5, le=1000)
    signin_failure_window_minutes: int = Field(default=15, ge=1, le=24 * 60)
    signin_lockout_minutes: int = Field(default=30, ge=1, le=30 * 24 * 60)
    # a new password's minimum length; passwords older than the maximum age must be changed at
    # sign-in (0: they never expire)
    password_min_length: int = Field(default=12, ge=8, le=128)
    password_max_age_days: int = Field(default=90, ge=0, le=3650)
    # what an authenticator app shows beside the account
    totp_issuer: str = Field(default="incubase", min_length=1, max_length=60)

    # `incubase run`: where the API and the local Prefect server listen
    api_host: str = "127.0.0.1"
    api_port: int = 8000
    prefect_port: int = 4200
    prefect_home: Path = PROJECT_ROOT / "var" / "prefect"
    # `incubase run`: a flow's cron in place of its default, e.g. {"deliver-reminders": "* * * * *"}
    schedules: dict[str, str] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _webhook_needs_a_secret(self) -> Settings:
        # an unsigned webhook would let anyone who learns the URL forge reminders
        if self.webhook_url and len(self.webhook_secret) < 16:
            raise ValueError("INCUBASE_WEBHOOK_SECRET must be at least 16 characters when a webhook is set")
        return self

    @property
    def database_configured(self) -> bool:
        """INCUBASE_DATABASE_URL was given (environment or .env), not left to the local default."""
        return "database_url" in self.model_fields_set

    @property
    def channels(self) -> tuple[str, ...]:
        return tuple(name for name, on in (("email", self.smtp_host), ("webhook", self.webhook_url)) if on)

    @field_validator("database_url")
    @classmethod
    def _known_backend(cls, value: str) -> str:
        if not value.startswith(("sqlite", "postgresql")):
            raise ValueError("INCUBASE_DATABASE_URL must be a sqlite:// or postgresql+psycopg:// URL")
        return value


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
