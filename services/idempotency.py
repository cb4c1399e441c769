"""Idempotency-Key: a repeated request returns the first answer and writes nothing more.

The answer is stored in the same transaction as the act it answers, so there is no moment at
which the act is written but its answer is not.
"""
from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from services.ports import UnitOfWork
from services.values import StoredAnswer as StoredAnswer
from statemachines.errors import DomainError


class IdempotencyKeyReused(DomainError):
    code = "idempotency-key-reused"

    def __init__(self, key: str) -> None:
        super().__init__(idempotency_key=key)
        self.details = {"key": key}  # the name the API has always given it


class RequestInProgress(DomainError):
    code = "request-in-progress"

    def __init__(self, key: str) -> None:
        super().__init__(idempotency_key=key)
        self.details = {"key": key}


@dataclass(frozen=True)
class IdempotentRequest:
    """One idempotent request: whose, its key, what it asked, and how to word its answer."""

    user_id: str
    key: str
    fingerprint: str
    render: Callable[[Any], tuple[int, dict[str, Any]]]


def fingerprint(method: str, path: str, body: Any) -> str:
    text = json.dumps([method.upper(), path, body], sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def prior(uow: UnitOfWork, once: IdempotentRequest) -> StoredAnswer | None:
    answer = uow.idempotency.get(once.user_id, once.key)
    if answer is not None and answer.fingerprint != once.fingerprint:
        raise IdempotencyKeyReused(once.key)
    return answer


def remember(uow: UnitOfWork, once: IdempotentRequest, result: Any, now: datetime) -> StoredAnswer:
    status, body = once.render(result)
    answer = StoredAnswer(once.fingerprint, status, body)
    if not uow.idempotency.put(once.user_id, once.key, answer, now):
        raise RequestInProgress(once.key)
    return answer
