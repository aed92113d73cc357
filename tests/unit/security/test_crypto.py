"""Field encryption, keyed search hashes and masking, without a database."""

from __future__ import annotations

import base64

import pytest
from pydantic import SecretStr

from claimdesk.config import Settings
from claimdesk.security.crypto import Keyring, KeyringError, key_id, new_key
from claimdesk.security.masking import mask, mask_field

OLD, NEW = new_key(), new_key()


def ring(keys: dict[str, str], active: str | None = None) -> Keyring:
    return Keyring.from_settings(
        Settings(
            environment="test",
            encryption_keys={k: SecretStr(v) for k, v in keys.items()},
            encryption_key_id=active,
        )
    )


def test_a_value_encrypts_to_a_tagged_ciphertext_and_back():
    keys = ring({"2026a": OLD})
    token = keys.encrypt("110101199001011234", context="customers.id_number")
    assert token.startswith("enc1:2026a:")
    assert "110101199001011234" not in token
    assert key_id(token) == "2026a"
    assert keys.decrypt(token, context="customers.id_number") == "110101199001011234"


def test_the_same_value_encrypts_differently_each_time():
    keys = ring({"a": OLD})
    assert keys.encrypt("13800000000", context="c.p") != keys.encrypt("13800000000", context="c.p")


def test_a_value_moved_to_another_column_does_not_decrypt():
    keys = ring({"a": OLD})
    token = keys.encrypt("6222020000000001", context="bank_accounts.account_number")
    with pytest.raises(KeyringError, match="altered or belongs elsewhere"):
        keys.decrypt(token, context="customers.id_number")


def test_a_changed_byte_of_a_ciphertext_is_refused():
    keys = ring({"a": OLD})
    token = keys.encrypt("13800000000", context="customers.phone")
    prefix, body = token.rsplit(":", 1)
    raw = bytearray(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    raw[-1] ^= 1
    forged = f"{prefix}:{base64.urlsafe_b64encode(bytes(raw)).decode().rstrip('=')}"
    with pytest.raises(KeyringError):
        keys.decrypt(forged, context="customers.phone")


def test_after_rotation_new_values_use_the_new_key_and_old_values_still_decrypt():
    before = ring({"old": OLD})
    token = before.encrypt("secret", context="t.c")
    after = ring({"old": OLD, "new": NEW}, active="new")
    assert after.decrypt(token, context="t.c") == "secret"
    assert key_id(after.encrypt("secret", context="t.c")) == "new"


def test_a_value_under_a_key_no_longer_listed_says_which_key_is_missing():
    token = ring({"old": OLD}).encrypt("secret", context="t.c")
    with pytest.raises(KeyringError, match="'old'"):
        ring({"new": NEW}).decrypt(token, context="t.c")


def test_several_keys_need_the_active_one_named():
    with pytest.raises(KeyringError, match="CLAIMDESK_ENCRYPTION_KEY_ID"):
        ring({"a": OLD, "b": NEW})


def test_a_key_of_the_wrong_size_is_refused_with_its_id():
    with pytest.raises(KeyringError, match=r"'short'.*32 bytes"):
        ring({"short": base64.b64encode(b"x" * 16).decode()})


def test_search_hashes_match_equal_values_only_and_differ_by_field():
    keys = ring({"a": OLD})
    same = keys.search_hash("11010119900101123x", purpose="customers.id_number")
    assert same == keys.search_hash(" 11010119900101123X ", purpose="customers.id_number")
    assert same != keys.search_hash("110101199001011230", purpose="customers.id_number")
    assert same != keys.search_hash("11010119900101123X", purpose="customers.phone")


def test_masks_keep_only_the_ends():
    assert mask_field("id_number", "110101199001011234") == "110***********1234"
    assert mask_field("phone", "13812345678") == "138****5678"
    assert mask_field("account_number", "6222020000001234567") == "6222***********4567"
    assert mask("12345678") == "********"
    assert mask_field("phone", None) is None
