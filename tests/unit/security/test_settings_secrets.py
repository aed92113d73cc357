"""Secrets come from configuration; placeholders are refused outside development and test."""

from __future__ import annotations

import pytest
from pydantic import SecretStr, ValidationError

from claimdesk.config import Settings
from claimdesk.security.crypto import new_key


def test_production_refuses_placeholder_and_missing_secrets_and_names_each():
    with pytest.raises(ValidationError) as failure:
        Settings(environment="production", _env_file=None)
    message = str(failure.value)
    for name in (
        "CLAIMDESK_SECRET_KEY",
        "CLAIMDESK_ENCRYPTION_KEYS",
        "CLAIMDESK_SEARCH_KEY",
        "CLAIMDESK_AUDIT_SIGNING_KEY",
        "CLAIMDESK_BACKUP_KEY",
    ):
        assert name in message


def test_production_starts_with_real_secrets():
    settings = Settings(
        environment="production",
        secret_key=SecretStr(new_key()),
        encryption_keys={"2026a": SecretStr(new_key())},
        search_key=SecretStr(new_key()),
        audit_signing_key=SecretStr(new_key()),
        backup_key=SecretStr(new_key()),
        _env_file=None,
    )
    assert "2026a" in settings.encryption_keys


def test_development_runs_on_keys_derived_from_the_placeholder():
    assert Settings(environment="development", _env_file=None).encryption_keys == {}


def test_secrets_stay_out_of_the_settings_repr():
    key = new_key()
    settings = Settings(environment="test", encryption_keys={"k": SecretStr(key)}, _env_file=None)
    assert key not in repr(settings)
