"""Which adapter sends each channel, chosen from the settings (bootstrap builds it once).

Unconfigured channels write files under ``data_dir/outbox`` (the development default).
"""

from __future__ import annotations

from claimdesk.config import Settings
from claimdesk.messaging.enums import MessageChannel
from claimdesk.messaging.mail import SmtpMailer
from claimdesk.messaging.sms import TwilioSms
from claimdesk.support.outbox import LocalFileNotifier, Notifier, OutgoingMessage


class ChannelNotifier:
    """Sends each message through the adapter of its channel."""

    def __init__(self, adapters: dict[str, Notifier]) -> None:
        self.adapters = adapters

    def send(self, message: OutgoingMessage) -> str | None:
        return self.adapters[message.channel].send(message)


def support_address(settings: Settings) -> str:
    return settings.support_address or settings.mail_from


def notifier_for(settings: Settings) -> ChannelNotifier:
    files = LocalFileNotifier(settings.data_dir / "outbox")
    email: Notifier = files
    sms: Notifier = files
    if settings.smtp_url is not None:
        email = SmtpMailer(
            settings.smtp_url.get_secret_value(),
            sender=settings.mail_from,
            reply_to=support_address(settings),
        )
    if settings.sms_url is not None:
        sms = TwilioSms(settings.sms_url.get_secret_value(), country_code=settings.sms_country_code)
    return ChannelNotifier({MessageChannel.EMAIL: email, MessageChannel.SMS: sms})
