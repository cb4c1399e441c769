"""The grant ledger for the audit administrator: every grant and revocation, hash-chained, and
its verification (services.grant_audit)."""
from __future__ import annotations

from dataclasses import asdict
from typing import Any

from fastapi import APIRouter

from api.deps import CurrentUser, RuntimeDep
from services import grant_audit

router = APIRouter(prefix="/api/v1/grants", tags=["audit"])


@router.get("", summary="The grant ledger's acts over your jurisdictions, oldest first (auditadmin)")
def ledger(rt: RuntimeDep, user: CurrentUser) -> list[dict[str, Any]]:
    return [{"seq": a.seq, "act": a.act, "username": a.username, "role": a.role, "jurisdiction": a.jurisdiction,
             "recorded_at": a.recorded_at.isoformat(), "actor": a.actor, "reason": a.reason,
             "prev_hash": a.prev_hash, "hash": a.hash, "canonical": a.canonical}
            for a in grant_audit.ledger_acts(rt, user)]


@router.get("/verify", summary="The grant ledger verified: chain, sequence, columns, dates, authority (auditadmin)")
def verify(rt: RuntimeDep, user: CurrentUser) -> dict[str, Any]:
    report = grant_audit.verify_grants(rt, user)
    return {"ok": report.ok, "acts": report.acts, "violations": [asdict(v) for v in report.violations]}
