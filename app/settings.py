"""One settings object for the whole service.

Every setting is read from the environment with the `HIRELOOP_` prefix, except `DATABASE_URL`,
which keeps the name hosting platforms hand out. docs/configuration.md lists them all; a test
keeps that table and this class in step.
"""

from __future__ import annotations

import ipaddress
from functools import lru_cache
from pathlib import Path
from typing import Literal
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from pydantic import AliasChoices, Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PLACEHOLDER_SECRET = "change-me-in-production"

Environment = Literal["development", "test", "production"]


def normalize_database_url(url: str) -> str:
    """Accept `postgres://` and `postgresql://` URLs and point them at the asyncpg driver.

    Platforms hand out libpq-style URLs; asyncpg spells `sslmode` as `ssl`, so that is
    translated too rather than failing at the first connection.
    """
    parts = urlsplit(url)
    scheme = parts.scheme
    if scheme in ("postgres", "postgresql", "postgresql+asyncpg"):
        scheme = "postgresql+asyncpg"
    else:
        raise ValueError("DATABASE_URL must be a postgresql:// URL")
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True)]
    query = [("ssl", v) if k == "sslmode" else (k, v) for k, v in query]
    return urlunsplit((scheme, parts.netloc, parts.path, urlencode(query), parts.fragment))


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="HIRELOOP_", extra="ignore")

    env: Environment = "development"
    database_url: str | None = Field(
        default=None, validation_alias=AliasChoices("DATABASE_URL", "HIRELOOP_DATABASE_URL")
    )
    data_dir: Path = Path(".hireloop")
    secret_key: str = PLACEHOLDER_SECRET

    host: str = "127.0.0.1"
    port: int = 8000
    workers: int = 1
    # The base of links in messages (availability links, the webhook URL shown for a
    # connection, OAuth callbacks). Unset: the address actually served, from host and port.
    public_url: str = ""

    # Sized for one worker serving dozens of concurrent requests: connections past the pool are
    # closed on return, and opening one per request costs more than the query it serves (a
    # GraphQL page served on them took up to seven times its median under 32 clients). The
    # ceiling, pool plus overflow, is 40 as it has been; all of it is kept open.
    db_pool_size: int = 40
    db_max_overflow: int = 0
    db_statement_timeout_ms: int = 15000

    log_level: str = "INFO"
    log_json: bool = True
    access_log: bool = True

    max_body_bytes: int = 1024 * 1024
    idempotency_ttl_hours: int = 24
    idempotency_lock_seconds: int = 60
    auth_cache_seconds: float = 3.0

    oidc_issuer: str | None = None
    oidc_jwks_url: str | None = None
    oidc_audience: str | None = None
    oidc_email_claim: str = "email"
    # A token names a member by its email only when the provider vouches for that address
    # (`email_verified: true`); anyone can put an unverified address in a self-made account.
    oidc_require_email_verified: bool = True
    oidc_jwks_cache_seconds: int = 300

    graphql_introspection: bool | None = None
    graphql_ide: bool | None = None
    graphql_max_depth: int = 10
    graphql_max_tokens: int = 2000
    graphql_max_aliases: int = 15
    # The estimated cost an operation may reach before it runs (each object field 1, each
    # list field its page size times what it selects); and the largest `first` a connection
    # takes.
    graphql_max_cost: int = Field(default=20_000, ge=100)
    # At least the root lists' default page (50), so a query without `first` is never refused.
    graphql_max_first: int = Field(default=100, ge=50, le=1000)

    expose_statement_count: bool = False
    # /openapi.json and /docs; unset means on in development and test, off in production.
    api_docs: bool | None = None
    # When set, /metrics answers only `Authorization: Bearer <this token>` (401 otherwise).
    metrics_token: str | None = None

    # The worker (`hireloop worker`): deliveries in flight at once, how often it polls when no
    # NOTIFY wakes it, how long a claim lasts before another worker may take the work over, and
    # how long a SIGTERM waits for deliveries in flight before releasing them.
    worker_concurrency: int = Field(default=64, ge=1, le=1000)
    worker_poll_seconds: float = Field(default=2.0, gt=0, le=60)
    worker_lease_seconds: int = Field(default=60, ge=2, le=3600)
    worker_shutdown_grace_seconds: float = Field(default=20.0, ge=0, le=300)
    # The worker's own small HTTP server for orchestrators and Prometheus: GET /healthz and
    # /metrics. Off unless a port is set (several workers may share a machine).
    worker_health_host: str = "127.0.0.1"
    worker_health_port: int | None = Field(default=None, ge=1, le=65535)

    # Outbound webhooks (Standard Webhooks). The schedule is the wait before each retry.
    webhook_timeout_seconds: float = Field(default=15.0, gt=0, le=60)
    webhook_retry_schedule: list[int] = Field(
        default_factory=lambda: [5, 300, 1800, 7200, 18000, 36000, 36000], min_length=1
    )
    webhook_disable_after_days: float = Field(default=5.0, gt=0)
    webhook_secret_grace_hours: int = Field(default=24, ge=0, le=24 * 14)
    webhook_max_retry_after_seconds: int = Field(default=24 * 3600, ge=1)
    # http:// destinations; unset means allowed in development and test, refused in production.
    webhook_allow_http: bool | None = None
    # Networks outbound calls may reach although they are private or loopback (CIDRs, e.g.
    # "127.0.0.1/32" for tests or an on-premise receiver); everything else must be public.
    outbound_allow_networks: list[str] = Field(default_factory=list)

    # Email through SMTP. With no host, development and test write each message to
    # <data_dir>/mail as an .eml file; production records it as failed.
    smtp_host: str | None = None
    smtp_port: int = 587
    smtp_tls: Literal["starttls", "tls", "none"] = "starttls"
    smtp_username: str | None = None
    smtp_password: str | None = None
    smtp_sender: str = "Hireloop <hireloop@localhost>"
    smtp_timeout_seconds: float = Field(default=15.0, gt=0, le=120)
    notification_retry_schedule: list[int] = Field(
        default_factory=lambda: [30, 300, 1800, 7200], min_length=1
    )
    # ATS connections: Lever webhooks older than this are refused as replays.
    lever_webhook_max_age_seconds: int = Field(default=300, ge=10, le=3600)

    # Calendars. Busy time is mirrored over this many days ahead; calendars that do not push
    # (CalDAV, or a pushing provider's calendar without a channel) are read again when their
    # last read is older than the poll interval, pushed ones after the reconcile interval (a
    # lost push repaired); push channels (each provider's longest) are renewed this long
    # before they expire.
    calendar_horizon_days: int = Field(default=365, ge=7, le=3 * 365)
    calendar_poll_minutes: float = Field(default=5.0, gt=0, le=24 * 60)
    calendar_reconcile_hours: float = Field(default=6.0, gt=0, le=24 * 7)
    calendar_channel_renew_hours: float = Field(default=12.0, gt=0, le=24 * 7)
    # The organization's OAuth apps for per-member consent (Google, Microsoft); unset: members
    # cannot connect their own Google or Microsoft calendars (admins can still connect all).
    google_oauth_client_id: str | None = None
    google_oauth_client_secret: str | None = None
    microsoft_oauth_client_id: str | None = None
    microsoft_oauth_client_secret: str | None = None
    microsoft_oauth_tenant: str = "organizations"
    # The authorization servers' and APIs' roots for per-member connections, for a sovereign
    # cloud or a local fake in tests (organization-wide connections take `base_url` instead).
    google_oauth_base_url: str | None = None
    microsoft_oauth_base_url: str | None = None
    google_calendar_api_url: str | None = None
    microsoft_graph_api_url: str | None = None
    oauth_state_minutes: int = Field(default=15, ge=1, le=60)

    # Weekly digests go out on this weekday (0 = Monday) at each member's preferred time.
    digest_weekday: int = Field(default=0, ge=0, le=6)

    scheduling_min_notice_hours: int = Field(default=24, ge=0, le=24 * 30)
    scheduling_granularity_minutes: int = Field(default=15, ge=5, le=60)
    # A declined interviewer is replaced from the interview's pool only this far ahead, and only
    # this many times per interview; otherwise the recruiter is told (docs/scheduling.md).
    scheduling_replacement_cutoff_hours: int = Field(default=48, ge=0, le=24 * 30)
    scheduling_max_replacements: int = Field(default=3, ge=0, le=20)
    availability_link_hours: int = Field(default=72, ge=1, le=24 * 30)
    # Booking links (docs/bookings.md): how long one stays open, how long its holds keep the
    # offered times, how far ahead it offers, how many options, and the change policy.
    booking_link_hours: int = Field(default=72, ge=1, le=24 * 30)
    booking_hold_hours: int = Field(default=48, ge=1, le=24 * 30)
    booking_horizon_days: int = Field(default=14, ge=1, le=90)
    booking_options: int = Field(default=5, ge=1, le=10)
    booking_change_notice_hours: int = Field(default=24, ge=0, le=24 * 30)
    booking_max_changes: int = Field(default=2, ge=0, le=10)
    # A waitlist follow-up: counted from when it is sent, its one reminder and its expiry.
    follow_up_reminder_days: int = Field(default=3, ge=1, le=30)
    follow_up_expiry_days: int = Field(default=7, ge=2, le=60)
    feedback_due_soon_hours: int = Field(default=4, ge=0, le=72)
    close_the_loop_warning_days: int = Field(default=7, ge=1, le=60)
    outcome_default_delay_hours: int = Field(default=24, ge=0, le=24 * 14)
    slate_max_size: int = Field(default=10, ge=1, le=200)
    document_max_bytes: int = Field(default=20 * 1024 * 1024, ge=1024)

    # Rate limits (the `limits` library's notation, "N/second|minute|hour"): per API key, per
    # organization (all its keys and tokens together), and per client address for what needs
    # no key: candidates' links, and inbound vendor webhooks and calendar pushes (providers
    # push from many addresses; one address sending more than this is not one). Counted in
    # process, or in Redis when redis_url is set so that several API processes count together.
    rate_limits_enabled: bool = True
    redis_url: str | None = None
    rate_limit_per_key: str = "1200/minute"
    rate_limit_per_organization: str = "6000/minute"
    rate_limit_per_address: str = "120/minute"
    # Form posts on the candidates' pages (docs/pages.md): per link and per client address.
    page_posts_per_token: str = "10/hour"
    page_posts_per_address: str = "60/hour"
    rate_limit_inbound_per_address: str = "6000/minute"
    # Failed credentials: at most this many bad keys or tokens per client address, then 429;
    # an unknown key is remembered this long so a flood of them costs no query each; an
    # Authorization header longer than this is refused at once.
    auth_failures_per_address: str = "30/minute"
    unknown_key_cache_seconds: float = Field(default=60.0, ge=0, le=3600)
    max_authorization_bytes: int = Field(default=4096, ge=256, le=65536)

    # Retention of what is not a candidate's own record (purged by periodic jobs; 0 keeps it
    # forever). Candidates themselves follow their organization's `candidate_retention_months`.
    retention_events_days: int = Field(default=730, ge=0)
    retention_webhook_attempts_days: int = Field(default=30, ge=0)
    retention_notifications_days: int = Field(default=90, ge=0)
    retention_audit_days: int = Field(default=2190, ge=0)

    @field_validator("database_url")
    @classmethod
    def _normalize_url(cls, value: str | None) -> str | None:
        if value is None or value == "":
            return None
        return normalize_database_url(value)

    @field_validator("metrics_token")
    @classmethod
    def _blank_token_is_unset(cls, value: str | None) -> str | None:
        # An empty HIRELOOP_METRICS_TOKEN= must not read as "protected by the empty token".
        if value is None or value.strip() == "":
            return None
        return value

    @field_validator("auth_cache_seconds")
    @classmethod
    def _bounded_cache(cls, value: float) -> float:
        # A revoked key must stop working everywhere within 5 seconds.
        if not 0 <= value <= 5:
            raise ValueError("auth_cache_seconds must be between 0 and 5")
        return value

    @model_validator(mode="after")
    def _served_address_by_default(self) -> Settings:
        if not self.public_url:
            # A wildcard bind address is not one a link can point at: this machine's loopback.
            host = "127.0.0.1" if self.host in ("0.0.0.0", "") else self.host  # noqa: S104
            host = "[::1]" if host == "::" else (f"[{host}]" if ":" in host else host)
            self.public_url = f"http://{host}:{self.port}"
        return self

    @model_validator(mode="after")
    def _refuse_placeholders(self) -> Settings:
        if self.env != "development" and self.secret_key == PLACEHOLDER_SECRET:
            raise ValueError(
                "HIRELOOP_SECRET_KEY still holds its placeholder; set a real secret "
                f"outside development (HIRELOOP_ENV={self.env})"
            )
        if self.env != "development" and len(self.secret_key) < 32:
            raise ValueError("HIRELOOP_SECRET_KEY must be at least 32 characters")
        return self

    @model_validator(mode="after")
    def _lease_outlasts_attempt(self) -> Settings:
        # A live worker must never see its delivery taken over: the claim outlasts any attempt.
        if self.worker_lease_seconds <= self.webhook_timeout_seconds:
            raise ValueError(
                "HIRELOOP_WORKER_LEASE_SECONDS must exceed HIRELOOP_WEBHOOK_TIMEOUT_SECONDS"
            )
        return self

    @field_validator("outbound_allow_networks")
    @classmethod
    def _valid_networks(cls, value: list[str]) -> list[str]:
        for network in value:
            ipaddress.ip_network(network, strict=False)
        return value

    @property
    def is_production(self) -> bool:
        return self.env == "production"

    @property
    def webhook_http_allowed(self) -> bool:
        if self.webhook_allow_http is None:
            return not self.is_production
        return self.webhook_allow_http

    @property
    def graphql_introspection_enabled(self) -> bool:
        if self.graphql_introspection is None:
            return not self.is_production
        return self.graphql_introspection

    @property
    def api_docs_enabled(self) -> bool:
        if self.api_docs is None:
            return not self.is_production
        return self.api_docs

    @property
    def graphql_ide_enabled(self) -> bool:
        if self.graphql_ide is None:
            return not self.is_production
        return self.graphql_ide


@lru_cache
def get_settings() -> Settings:
    return Settings()
