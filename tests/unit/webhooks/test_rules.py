"""Pure rules of webhooks: destinations, retry schedule, message body and signatures."""

from datetime import UTC, datetime, timedelta

import pytest
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from claimdesk.core.errors import ValidationFailed
from claimdesk.webhooks import rules
from claimdesk.webhooks.service import new_secret, signed_headers


def resolver(*addresses):
    return lambda host, port: list(addresses)


def test_public_addresses_pass_and_private_ones_only_when_allowed():
    rules.check_destination(
        "https://partner.example/hook", allowed_networks=[], resolve=resolver("93.184.216.34")
    )
    for address in (
        "127.0.0.1",
        "10.1.2.3",
        "172.16.0.9",
        "192.168.0.1",
        "169.254.169.254",
        "::1",
        "fc00::1",
        "100.64.0.1",
        "0.0.0.0",
    ):
        with pytest.raises(ValidationFailed):
            rules.check_destination(
                "https://partner.example/hook", allowed_networks=[], resolve=resolver(address)
            )
    rules.check_destination(
        "http://localhost:8080/hook",
        allowed_networks=["127.0.0.1/32"],
        resolve=resolver("127.0.0.1"),
    )


def test_a_host_with_one_private_address_among_public_ones_is_refused():
    with pytest.raises(ValidationFailed, match=r"10\.0\.0\.1"):
        rules.check_destination(
            "https://mixed.example/",
            allowed_networks=[],
            resolve=resolver("93.184.216.34", "10.0.0.1"),
        )


def test_only_http_urls_with_a_resolvable_host():
    def unresolvable(host, port):
        raise OSError("Name or service not known")

    for url in ("ftp://partner.example/x", "partner.example/x", "http:///x", "https://x:99999/"):
        with pytest.raises(ValidationFailed):
            rules.check_destination(url, allowed_networks=[], resolve=resolver("93.184.216.34"))
    with pytest.raises(ValidationFailed, match="cannot be resolved"):
        rules.check_destination(
            "https://nowhere.invalid/", allowed_networks=[], resolve=unresolvable
        )


def test_retries_wait_longer_each_time_then_stop():
    assert rules.next_delay(1) == timedelta(seconds=5)
    assert rules.next_delay(2) == timedelta(minutes=5)
    assert rules.next_delay(len(rules.RETRY_DELAYS)) == timedelta(hours=10)
    assert rules.next_delay(len(rules.RETRY_DELAYS) + 1) is None


def test_the_body_is_stable_json_with_type_timestamp_and_data():
    at = datetime(2026, 6, 15, 2, 0, tzinfo=UTC)
    body = rules.body("claim.paid", {"claim_id": 1, "b": "两"}, at)
    assert body == (
        '{"data":{"b":"两","claim_id":1},'
        '"timestamp":"2026-06-15T02:00:00+00:00","type":"claim.paid"}'
    )


def test_signatures_verify_with_the_secret_and_fail_with_another_or_a_changed_body():
    secret, now = new_secret(), datetime.now(UTC)
    body = rules.body("ticket.created", {"ticket_id": 3}, now)
    headers = signed_headers(secret, msg_id="msg_1", payload=body, at=now)
    assert headers["webhook-signature"].startswith("v1,")
    assert Webhook(secret).verify(body, headers)["data"] == {"ticket_id": 3}
    with pytest.raises(WebhookVerificationError):
        Webhook(new_secret()).verify(body, headers)
    with pytest.raises(WebhookVerificationError):
        Webhook(secret).verify(body.replace("3", "4"), headers)
    stale = signed_headers(secret, msg_id="msg_1", payload=body, at=now - timedelta(minutes=10))
    with pytest.raises(WebhookVerificationError):
        Webhook(secret).verify(body, stale)
