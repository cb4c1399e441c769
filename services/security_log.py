"""The security audit log: who did what, when, from where, and with what result.

Every sign-in and its failure, sign-out, lock-out and unlock, token created or revoked, grant
and revocation, password and two-factor change, export and dossier download is an entry. The
entries form one hash chain, sealed as case events are (statemachines.events): each entry's
canonical text names the hash of the entry before, and its hash is the SHA-256 (or SM3, the
deployment's choice at its creation) of that text, so an entry changed, removed or put in
another place breaks the chain from there on; the table
refuses UPDATE and DELETE (migration 0013). An entry about a change is written in the
transaction of the change; an entry about an attempt that changes nothing (a failed sign-in, a
download) in a transaction of its own. The log is kept: the application deletes none of it, so
it holds far more than the 180 days 等保 level 3 asks (docs/security.md).
"""
from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any, TypeVar

from services.ports import UnitOfWork
from services.runtime import Runtime
from services.values import SECURITY_GENESIS, Origin, SecurityEntry, SecurityLogFilter, User
from statemachines.errors import DomainError
from statemachines.events import canonical_text, digest

# as the findings name them
ALGORITHM_NAMES = {"sha256": "SHA-256", "sm3": "SM3"}

T = TypeVar("T")
READER = "auditadmin"  # the audit administrator (三员分立: reads the log, administers nothing)
# every action the log records, with its meaning (docs/security.md lists them for auditors)
ACTIONS = {
    "signin": "a sign-in attempt (result ok, pending: a second step asked, failed, locked)",
    "signout": "a session ended by its user",
    "lockout": "an account locked after failed sign-ins",
    "unlock": "an account unlocked by an administrator",
    "client_lockout": "a client address locked after failed sign-ins",
    "client_unlock": "a client address unlocked by an administrator",
    "user_add": "a user added",
    "grant": "a role granted", "revoke_grant": "a grant ended",
    "token_create": "an API token created", "token_revoke": "an API token revoked",
    "password_set": "a password set by an administrator", "password_change": "a password changed by its user",
    "two_factor_enrol": "a TOTP secret issued", "two_factor_confirm": "two-factor sign-in turned on",
    "two_factor_reset": "a user's TOTP secret and recovery codes removed by an administrator",
    "recovery_code_used": "a recovery code used in place of a TOTP code",
    "export": "an export or download (dossier, statistics, the security log, a backup)",
}
CSV_COLUMNS = ("seq", "at", "actor", "client", "action", "subject", "result", "details", "prev_hash", "hash")


class SecurityLogForbidden(DomainError):
    code = "forbidden"

    def __init__(self, username: str) -> None:
        super().__init__(f"the security log is read by the audit administrator (role {READER}); "
                         f"{username} does not hold it", needed=[READER])


@dataclass(frozen=True)
class ChainProblem:
    seq: int
    message: str


def append(uow: UnitOfWork, now: datetime, origin: Origin, action: str, subject: str = "", result: str = "ok",
           details: Mapping[str, Any] | None = None) -> SecurityEntry:
    """Appends an entry in this unit of work's transaction, chained onto the log's head."""
    seq, prev_hash = uow.security_log.head()
    entry = SecurityEntry(seq + 1, now.astimezone(UTC), origin.actor[:120], origin.client[:120], action,
                          subject[:200], result, dict(details or {}), prev_hash)
    text = canonical_text(entry.body())
    sealed = replace(entry, canonical=text, hash=digest(text, uow.deployment.hash_algorithm()))
    uow.security_log.add(sealed)
    return sealed


def record(rt: Runtime, origin: Origin, action: str, subject: str = "", result: str = "ok",
           details: Mapping[str, Any] | None = None) -> SecurityEntry:
    """Appends an entry in a transaction of its own."""
    with rt.uow() as uow:
        entry = append(uow, rt.clock(), origin, action, subject, result, details)
        uow.commit()
    return entry


def logged_export(rt: Runtime, origin: Origin, kind: str, subject: str, produce: Callable[[], T],
                  **details: Any) -> T:
    """What `produce` makes, with an `export` entry saying who took it; a refusal is logged too
    (result refused, with its error) and raised as it was."""
    try:
        made = produce()
    except DomainError as exc:
        record(rt, origin, "export", subject, "refused", {"kind": kind, **details, "error": exc.code})
        raise
    record(rt, origin, "export", subject, "ok", {"kind": kind, **details})
    return made


def require_reader(user: User) -> None:
    if READER not in {g.role for g in user.grants if g.revoked_at is None}:
        raise SecurityLogForbidden(user.username)


def search(rt: Runtime, user: User, query: SecurityLogFilter) -> tuple[list[SecurityEntry], int]:
    """A page of the log, newest first, for the audit administrator."""
    require_reader(user)
    with rt.reads() as uow:
        return uow.security_log.search(query)


def every_entry(rt: Runtime, page: int = 1000) -> Iterator[SecurityEntry]:
    """The whole log in seq order, read page by page (memory flat in its length)."""
    after = 0
    while True:
        with rt.reads() as uow:
            batch = uow.security_log.after(after, page)
        yield from batch
        if len(batch) < page:
            return
        after = batch[-1].seq


def verify(rt: Runtime) -> tuple[int, list[ChainProblem]]:
    """How many entries, and every break of the chain: a seq missing or out of place, a hash that
    is not the digest of the stored text (SHA-256, or SM3 where the database was created so), a
    link to the wrong entry before, a column that says otherwise than the text that was hashed."""
    problems: list[ChainProblem] = []
    expected_seq, prev = 1, SECURITY_GENESIS
    count = 0
    with rt.reads() as uow:
        algorithm = uow.deployment.hash_algorithm()
    for entry in every_entry(rt):
        count += 1
        if entry.seq != expected_seq:
            problems.append(ChainProblem(entry.seq, f"seq {entry.seq} where {expected_seq} was due (an entry is "
                                                    "missing or was inserted)"))
        if digest(entry.canonical, algorithm) != entry.hash:
            problems.append(ChainProblem(entry.seq, f"the hash is not the {ALGORITHM_NAMES[algorithm]} of the "
                                                    "stored text"))
        if entry.prev_hash != prev:
            problems.append(ChainProblem(entry.seq, "prev_hash does not name the hash of the entry before"))
        if canonical_text(entry.body()) != entry.canonical:
            problems.append(ChainProblem(entry.seq, "the stored columns differ from the text that was hashed"))
        expected_seq, prev = entry.seq + 1, entry.hash
    return count, problems


def as_csv(entries: list[SecurityEntry]) -> str:
    """The entries as CSV (UTF-8, a header row); a text cell starting with = + - @ is prefixed with
    a quote, so that a spreadsheet shows it as text instead of running it as a formula."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for e in entries:
        writer.writerow([_cell(v) for v in (e.seq, e.at.isoformat(), e.actor, e.client, e.action, e.subject,
                                            e.result, canonical_text(dict(e.details)), e.prev_hash, e.hash)])
    return out.getvalue()


def entry_dict(e: SecurityEntry) -> dict[str, Any]:
    return {"seq": e.seq, "at": e.at.isoformat(), "actor": e.actor, "client": e.client, "action": e.action,
            "subject": e.subject, "result": e.result, "details": dict(e.details), "prev_hash": e.prev_hash,
            "hash": e.hash}


def _cell(value: object) -> object:
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value
