"""Reminders by e-mail over SMTP, UTF-8 throughout so Chinese subjects and bodies arrive intact."""
from __future__ import annotations

import smtplib
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import make_msgid

from services.delivery import DeliveryError, Queued


@dataclass(frozen=True)
class SmtpSender:
    host: str
    port: int
    sender: str
    username: str | None = None
    password: str | None = None
    starttls: bool = False
    timeout: float = 10.0

    def send(self, message: Queued) -> None:
        reminder = message.reminder
        mail = EmailMessage()
        mail["From"] = self.sender
        mail["To"] = reminder.address
        mail["Subject"] = reminder.subject
        mail["Message-ID"] = make_msgid(idstring=f"incubase-reminder-{message.id}")
        mail["X-Incubase-Reminder"] = str(message.id)
        mail.set_content(reminder.body, charset="utf-8")
        try:
            with smtplib.SMTP(self.host, self.port, timeout=self.timeout) as smtp:
                if self.starttls:
                    smtp.starttls()
                if self.username:
                    smtp.login(self.username, self.password or "")
                smtp.send_message(mail)
        except (OSError, smtplib.SMTPException) as exc:
            raise DeliveryError(f"SMTP {self.host}:{self.port}: {exc}") from exc
