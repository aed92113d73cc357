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
    secret_key: SecretStr = SecretStr(PLACEHOLDER_SECRET)
    token_ttl_minutes: int = Field(default=8 * 60, gt=0)
    currency: str = "CNY"
    display_timezone: str = "Asia/Shanghai"
    upload_max_bytes: int = Field(default=20 * 1024 * 1024, gt=0)
    statutory_decision_days: int = Field(default=30, gt=0)
    statutory_warning_days: int = Field(default=5, ge=0)
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
    authority_limits: dict[str, Decimal | None] = Field(
        default_factory=lambda: {
            "adjuster": Decimal("10000"),
            "senior_adjuster": Decimal("100000"),
            "supervisor": None,
        },
        description="Highest amount each role may approve; null means no limit.",
    )

    @model_validator(mode="after")
    def _refuse_placeholder_secret(self) -> Settings:
        if (
            self.environment == "production"
            and self.secret_key.get_secret_value() == PLACEHOLDER_SECRET
        ):
            raise ValueError("CLAIMDESK_SECRET_KEY must be set to a real secret in production")
        return self

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'claimdesk.db').resolve()}"


@lru_cache
def get_settings() -> Settings:
    return Settings()
