"""SMS through a provider in Twilio's Messages API format (also offered by compatible
gateways): ``POST /2010-04-01/Accounts/{AccountSid}/Messages.json`` with the form fields
``To``, ``From`` and ``Body``, HTTP basic auth with the account SID and auth token, and a
``201`` answer whose ``sid`` names the message.

``CLAIMDESK_SMS_URL=twilio://ACCOUNT_SID:AUTH_TOKEN@api.twilio.com?from=%2B8610000000``
(``twilio+http://`` for a plain-HTTP stand-in). A ``4xx`` answer other than 429 (an
invalid or unsubscribed number) is a refusal for good; 429, ``5xx`` and network trouble
are retried by the outbox.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qs, unquote, urlsplit

import httpx2

from claimdesk.core.errors import ValidationFailed
from claimdesk.support.outbox import OutgoingMessage, Refused

SCHEMES = {"twilio": "https", "twilio+http": "http"}


def e164(phone: str, country_code: str) -> str:
    """A phone number as the provider wants it: ``+<country><number>``."""
    digits = re.sub(r"[^\d+]", "", phone)
    if digits.startswith("+"):
        return digits
    if digits.startswith("00"):
        return "+" + digits[2:]
    return country_code + digits.lstrip("0")


class TwilioSms:
    def __init__(self, url: str, *, country_code: str = "+86", timeout: float = 15.0) -> None:
        parts = urlsplit(url)
        sender = parse_qs(parts.query).get("from", [None])[0]
        if parts.scheme not in SCHEMES or not parts.username or not parts.password or not sender:
            raise ValidationFailed(
                "CLAIMDESK_SMS_URL must look like "
                "twilio://ACCOUNT_SID:AUTH_TOKEN@api.twilio.com?from=%2B8610000000."
            )
        self.account = unquote(parts.username)
        self.sender = sender
        self.endpoint = (
            f"{SCHEMES[parts.scheme]}://{parts.hostname}"
            + (f":{parts.port}" if parts.port else "")
            + f"/2010-04-01/Accounts/{self.account}/Messages.json"
        )
        self.auth = (self.account, unquote(parts.password))
        self.country_code = country_code
        self.timeout = timeout

    def send(self, message: OutgoingMessage) -> str | None:
        response = httpx2.post(
            self.endpoint,
            data={
                "To": e164(message.address, self.country_code),
                "From": self.sender,
                "Body": message.body,
            },
            auth=self.auth,
            timeout=self.timeout,
        )
        if response.status_code in (200, 201):
            return str(response.json().get("sid") or "") or None
        detail = _error_of(response)
        if 400 <= response.status_code < 500 and response.status_code != 429:
            raise Refused(detail)
        raise ConnectionError(detail)


def _error_of(response: httpx2.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return f"HTTP {response.status_code}"
    return f"HTTP {response.status_code} code {body.get('code')}: {body.get('message')}"
