"""Typed settings, read from ``CLAIMDESK_*`` environment variables or a ``.env`` file."""

from __future__ import annotations

from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PLACEHOLDER_SECRET = "change-me"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="CLAIMDESK_", env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    environment: Literal["development", "test", "production"] = "development"
    data_dir: Path = Path("var")
    database_url: str | None = Field(
        default=None,
        description="SQLAlchemy URL; defaults to a SQLite file in data_dir.",
    )
    queue_url: str | None = Field(
        default=None,
        description="redis://host:6379/0 for workers on several machines; "
        "default: a SQLite queue in data_dir.",
    )
    assistant_warm_up: bool = Field(
        default=True,
        description="Load the assistant's index and model when the server starts, so the "
        "first question does not wait for them.",
    )
    write_wait_seconds: float = Field(
        default=10.0,
        gt=0,
        description="How long a change waits for its turn at an SQLite database before the "
        "request is answered 503 with Retry-After (writers queue, one at a time).",
    )
    max_concurrent_writes: int = Field(
        default=8,
        gt=0,
        description="Requests that change data served at once per process; the others wait "
        "(up to write_wait_seconds, then 503) without holding a thread, so reads go on.",
    )
    job_lease_seconds: int = Field(
        default=900,
        gt=0,
        description="How long a worker holds a background job before it counts as dead and "
        "the job is queued again (keep it above the longest job).",
    )
    secret_key: SecretStr = SecretStr(PLACEHOLDER_SECRET)
    token_ttl_minutes: int = Field(default=8 * 60, gt=0)
    encryption_keys: dict[str, SecretStr] = Field(
        default_factory=dict,
        description="Field encryption keys, key id -> 32 random bytes in base64 (AES-256-GCM), "
        'e.g. {"2026a": "..."}; old keys stay listed so old values still decrypt. Empty: in '
        "development and test a key derived from secret_key; refused in production.",
    )
    encryption_key_id: str | None = Field(
        default=None,
        description="Which of encryption_keys encrypts new values (default: the only one).",
    )
    search_key: SecretStr | None = Field(
        default=None,
        description="HMAC key (base64) for searchable hashes of encrypted fields; in development "
        "and test derived from secret_key when unset; required in production.",
    )
    audit_signing_key: SecretStr | None = Field(
        default=None,
        description="Ed25519 private key (32-byte seed, base64) that signs audit checkpoints; "
        "in development and test derived from secret_key when unset; required in production.",
    )
    backup_key: SecretStr | None = Field(
        default=None,
        description="AES-256-GCM key (32 random bytes, base64) that encrypts backups; restore "
        "needs the same key. In development and test derived from secret_key when unset; "
        "required in production.",
    )
    login_max_failures: int = Field(default=5, gt=0)
    login_failure_window_minutes: int = Field(default=15, gt=0)
    login_lockout_minutes: int = Field(default=15, gt=0)
    rate_limit_login: str = Field(
        default="10/minute", description="Sign-in attempts per client address (limits syntax)."
    )
    rate_limit_public: str = Field(
        default="120/minute", description="Requests to other public routes per client address."
    )
    rate_limit_user: str = Field(
        default="1200/minute",
        description="Requests per signed-in user to the authenticated API routes (limits "
        "syntax); over it: 429 with Retry-After.",
    )
    rate_limit_storage_url: str = Field(
        default="memory://",
        description="Where rate-limit counters live: memory:// for one process, "
        "redis://host:6379/1 when several processes serve the API.",
    )
    currency: str = "CNY"
    display_timezone: str = "Asia/Shanghai"
    upload_max_bytes: int = Field(default=20 * 1024 * 1024, gt=0)
    statutory_decision_days: int = Field(default=30, gt=0)
    statutory_warning_days: int = Field(default=5, ge=0)
    # Statutory clocks (arts. 23-25), calendar days with the last day moved to a working day.
    statutory_payment_days: int = Field(default=10, gt=0)
    statutory_denial_notice_days: int = Field(default=3, gt=0)
    statutory_advance_days: int = Field(default=60, gt=0)
    risk_routing: bool = Field(
        default=False,
        description="Route new claims by risk grade (review, investigation, SIU, straight "
        "through) without a person; scores are kept either way.",
    )
    stp_max_amount: Decimal | None = Field(
        default=None,
        ge=0,
        description="Highest claimed amount a low-risk simple claim is paid without a person "
        "(e.g. 3000); unset: straight-through processing is off.",
    )
    waiver_roles: list[str] = Field(
        default_factory=lambda: ["supervisor"],
        description="Roles that may waive required documents on approve or pay (with a reason).",
    )
    segregation_threshold: Decimal = Field(
        default=Decimal("10000"),
        ge=0,
        description="The person who approved a claim may not also release a payment above this "
        "amount (segregation of duties); 0 means never.",
    )
    training_hours_per_year: Decimal = Field(
        default=Decimal("36"),
        ge=0,
        description="Training hours each member of staff must complete per calendar year.",
    )
    qualification_warning_days: int = Field(
        default=60, ge=0, description="Warn this many days before a staff certificate expires."
    )
    authority_limits: dict[str, Decimal | None] = Field(
        default_factory=lambda: {
            "adjuster": Decimal("10000"),
            "senior_adjuster": Decimal("100000"),
            "supervisor": None,
        },
        description="Highest amount each role may approve; null means no limit.",
    )

    # Customer communications and partner webhooks (claimdesk/messaging, claimdesk/webhooks).
    public_url: str = Field(
        default="http://127.0.0.1:8000",
        description="Where customers reach this site: the base of links in messages "
        "(survey links, the claim page).",
    )
    smtp_url: SecretStr | None = Field(
        default=None,
        description="Outgoing mail server: smtp://user:pass@host:587 (STARTTLS) or "
        "smtps://user:pass@host:465; unset: e-mails are written to files in data_dir/outbox.",
    )
    mail_from: str = Field(
        default="ClaimDesk <claims@claimdesk.localhost>",
        description="The From of customer e-mails (and the support address replies go to).",
    )
    support_address: str | None = Field(
        default=None,
        description="The address the inbound mail gateway accepts (default: mail_from's).",
    )
    inbound_smtp_port: int | None = Field(
        default=None,
        gt=0,
        lt=65536,
        description="Port of the inbound SMTP listener (e-mail to tickets); unset: no listener.",
    )
    inbound_smtp_host: str = "127.0.0.1"
    inbound_authserv_id: str | None = Field(
        default=None,
        description="Trust only Authentication-Results headers added by this host (your own "
        "mail exchanger); unset: the topmost header is recorded as reported.",
    )
    sms_url: SecretStr | None = Field(
        default=None,
        description="SMS provider in Twilio's Messages API format: "
        "twilio://ACCOUNT_SID:AUTH_TOKEN@api.twilio.com?from=%2B8610000000; unset: files.",
    )
    sms_country_code: str = Field(
        default="+86", description="Country code for phone numbers stored without one."
    )
    message_digest_seconds: int = Field(
        default=60,
        ge=0,
        description="Automatic claim steps within this window reach the customer as one digest.",
    )
    webhook_allowed_networks: list[str] = Field(
        default_factory=list,
        description="Private or loopback addresses webhooks may still be sent to, e.g. "
        '["127.0.0.1/32"]; by default only public addresses.',
    )
    webhook_disable_after: int = Field(
        default=15,
        gt=0,
        description="A webhook whose deliveries failed this many times in a row is disabled.",
    )

    @model_validator(mode="after")
    def _refuse_placeholder_secret(self) -> Settings:
        if self.environment in ("development", "test"):
            return self
        missing = [
            name
            for name, unset in (
                ("CLAIMDESK_SECRET_KEY", self.secret_key.get_secret_value() == PLACEHOLDER_SECRET),
                ("CLAIMDESK_ENCRYPTION_KEYS", not self.encryption_keys),
                ("CLAIMDESK_SEARCH_KEY", self.search_key is None),
                ("CLAIMDESK_AUDIT_SIGNING_KEY", self.audit_signing_key is None),
                ("CLAIMDESK_BACKUP_KEY", self.backup_key is None),
            )
            if unset
        ]
        if missing:
            raise ValueError(
                f"Set {', '.join(missing)} to real secrets in {self.environment} "
                "(placeholders and derived keys are for development and test only); "
                "`claimdesk security generate-keys` prints fresh ones."
            )
        return self

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'claimdesk.db').resolve()}"


@lru_cache
def get_settings() -> Settings:
    return Settings()
