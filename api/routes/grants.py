"""The grant ledger for the audit administrator: every grant and revocation, hash-chained, and
its verification (services.grant_audit)."""
from __future__ import annotations

from dataclasses import asdict
from typing import Any

from fastapi import APIRouter

from api import openapi_examples as ex
from api.deps import CurrentUser, RuntimeDep
from api.openapi_docs import documented, role_needed
from services import grant_audit

router = APIRouter(prefix="/api/v1/grants", tags=["audit"])
NOT_AUDITADMIN = role_needed("reading the grant ledger", "auditadmin", "查看授权账本", "安全审计员")


@router.get("", summary="The grant ledger's acts over your jurisdictions, oldest first (auditadmin)",
            **documented(ex.LEDGER, NOT_AUDITADMIN))
def ledger(rt: RuntimeDep, user: CurrentUser) -> list[dict[str, Any]]:
    """Every grant and revocation of a role over the caller's jurisdictions, oldest first: who,
    which role where, by whom, when, why, and the hash chain with each act's canonical text. The
    ledger is append-only: a revoked grant stays, with its end.

    **Who may call:** an `auditadmin` (三员分立), over the jurisdictions of its grant (else 403)."""
    return [{"seq": a.seq, "act": a.act, "username": a.username, "role": a.role, "jurisdiction": a.jurisdiction,
             "recorded_at": a.recorded_at.isoformat(), "actor": a.actor, "reason": a.reason,
             "prev_hash": a.prev_hash, "hash": a.hash, "canonical": a.canonical}
            for a in grant_audit.ledger_acts(rt, user)]


@router.get("/verify", summary="The grant ledger verified: chain, sequence, columns, dates, authority (auditadmin)",
            **documented(ex.LEDGER_VERIFIED, NOT_AUDITADMIN))
def verify(rt: RuntimeDep, user: CurrentUser) -> dict[str, Any]:
    """Checks the whole grant ledger: each act's hash and the chain, the sequence, that the users'
    grant rows agree with it, that dates run in order, and that each act was made by someone with
    the authority to (a security administrator covering the jurisdiction, never over its own roles).

    **Who may call:** an `auditadmin` (else 403)."""
    report = grant_audit.verify_grants(rt, user)
    return {"ok": report.ok, "acts": report.acts, "violations": [asdict(v) for v in report.violations]}
