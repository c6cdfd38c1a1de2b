"""The notification channel: how a message reaches a person, behind one small interface so an
operator can plug in the gateway they have.

- `SmtpSender` sends e-mail over SMTP (the standard library's smtplib), to the person's e-mail
  address; set NOTIFY_SMTP_HOST (and NOTIFY_SMTP_PORT, NOTIFY_FROM, NOTIFY_SMTP_USER,
  NOTIFY_SMTP_PASSWORD, NOTIFY_SMTP_STARTTLS).
- A WhatsApp or SMS gateway is an adapter: a class with `channel` and `send(message)`, named
  by NOTIFY_SENDER=`package.module:Class` and built with the service's config. It receives the
  person's phone number in `message.phone`.
- Without either, `LogSender` only records that a message would have gone (the recipient
  masked), so a development stack never mails anyone.

A sender raises `Undeliverable` when the person has no address on its channel (the message
is then given up, not retried) and any other exception for a failure worth retrying.
"""

import importlib
import logging
import smtplib
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Protocol

from nameko.extensions import DependencyProvider

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Message:
    subject: str
    text: str  # Indonesian first, then English
    email: str | None = None
    phone: str | None = None


class Undeliverable(Exception):
    """No address on this channel: retrying will not help."""


class Sender(Protocol):
    channel: str

    def send(self, message: Message) -> None: ...


class SmtpSender:
    channel = "email"

    def __init__(self, host: str, port: int = 25, sender: str = "kompeten@localhost",
                 starttls: bool = False, username: str | None = None,
                 password: str | None = None):
        self.host, self.port, self.sender = host, port, sender
        self.starttls, self.username, self.password = starttls, username, password

    def send(self, message: Message) -> None:
        if not message.email:
            raise Undeliverable("no e-mail address")
        mail = EmailMessage()
        mail["From"], mail["To"], mail["Subject"] = self.sender, message.email, message.subject
        mail.set_content(message.text)
        with smtplib.SMTP(self.host, self.port, timeout=10) as smtp:
            if self.starttls:
                smtp.starttls()
            if self.username:
                smtp.login(self.username, self.password or "")
            smtp.send_message(mail)


class LogSender:
    channel = "log"

    def send(self, message: Message) -> None:
        to = message.email or message.phone
        if not to:
            raise Undeliverable("no address")
        log.info("notification not sent (no sender configured): %r to %s", message.subject,
                 to[:3] + "***")


def sender_from(config: dict) -> Sender:
    """The sender the service's config names (see the module's docstring)."""
    named = config.get("NOTIFY_SENDER")
    if named:
        module, _, name = named.partition(":")
        return getattr(importlib.import_module(module), name)(config)
    if config.get("NOTIFY_SMTP_HOST"):
        return SmtpSender(config["NOTIFY_SMTP_HOST"], int(config.get("NOTIFY_SMTP_PORT", 25)),
                          config.get("NOTIFY_FROM", "kompeten@localhost"),
                          str(config.get("NOTIFY_SMTP_STARTTLS", "")).lower() == "true",
                          config.get("NOTIFY_SMTP_USER"), config.get("NOTIFY_SMTP_PASSWORD"))
    return LogSender()


class Notifications(DependencyProvider):
    """The service's sender, chosen once from its config."""

    def setup(self):
        self.sender = sender_from(self.container.config)

    def get_dependency(self, worker_ctx) -> Sender:
        return self.sender
