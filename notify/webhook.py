"""Reminders to a webhook, signed with HMAC-SHA256 over the exact bytes sent.

The receiver recomputes `sha256=<hex>` over the raw body with the shared secret and compares
it with X-Incubase-Signature; X-Incubase-Delivery (the outbox id) lets it drop a repeat.
"""
from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass

import httpx

from services.delivery import DeliveryError, Queued


def signature(secret: str, raw: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode("utf-8"), raw, hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class WebhookSender:
    url: str
    secret: str
    timeout: float = 10.0

    def send(self, message: Queued) -> None:
        r = message.reminder
        payload = {
            "id": message.id, "case_id": r.case_id, "kind": r.timer_kind, "key": r.timer_key,
            "due_on": r.due_on.isoformat(), "step": r.step, "recipient": r.recipient,
            "recipient_role": r.recipient_role, "subject": r.subject, "body": r.body,
        }
        raw = json.dumps(payload, ensure_ascii=False, sort_keys=True).encode("utf-8")
        headers = {"Content-Type": "application/json; charset=utf-8",
                   "X-Incubase-Signature": signature(self.secret, raw),
                   "X-Incubase-Delivery": str(message.id)}
        try:
            response = httpx.post(self.url, content=raw, headers=headers, timeout=self.timeout)
        except httpx.HTTPError as exc:
            raise DeliveryError(f"webhook {self.url}: {exc}") from exc
        if response.status_code >= 300:
            raise DeliveryError(f"webhook {self.url} answered {response.status_code}: {response.text[:200]}")
