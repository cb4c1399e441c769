"""Decisions of a round in one go (issue 15): a supervisor approves, or refuses, several inspected cases
of one application round under one decision document (批复文号).

Each case is decided by the act's own service function (services.cases.record), in its own
transaction and with every check the act has — four eyes, the version the supervisor saw, the round's
quota, the case's state — so one case refused leaves the others decided, and the answer says what
became of each. Every event records the document's number. A case that already carries this decision
under this number (a retry after a lost answer, a form sent twice) is reported as done, not refused.
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from services import cases, idempotency
from services.authz import ACT_ROLES
from services.idempotency import IdempotentRequest, StoredAnswer
from services.ports import CaseFilter
from services.queries import every_case
from services.runtime import Runtime
from services.text import normalise
from services.users import Forbidden, User
from statemachines.case import Case
from statemachines.errors import DomainError, FutureDate, InvalidAct, UnknownPolicy
from statemachines.policy import Policy

DECISIONS = ("approve", "reject")
# cases of one decision at most: a round's list fits a page, and each case is its own transaction
MOST = 200
DECIDED, ALREADY, REFUSED = "decided", "already_decided", "refused"


class NotInRound(DomainError):
    """The case picked is not one of the round's (another policy, another year's round)."""

    code = "not-in-round"

    def __init__(self, case_id: str, policy_id: str, year: int) -> None:
        super().__init__(case_id=case_id, policy_id=policy_id, year=year)


@dataclass(frozen=True)
class Pick:
    """A case to decide, and the version it was seen at (None: whatever it is now)."""

    case_id: str
    version: int | None = None


@dataclass(frozen=True)
class Outcome:
    case_id: str
    result: str  # DECIDED, ALREADY or REFUSED
    case: Case | None = None  # as the decision left it (or found it); None where it could not be read
    refusal: DomainError | None = None


@dataclass(frozen=True)
class BulkResult:
    decision: str
    decision_number: str
    outcomes: tuple[Outcome, ...]
    answer: StoredAnswer | None = None  # the stored answer of an idempotent request
    replayed: bool = False

    def counts(self) -> Counter[str]:
        return Counter(o.result for o in self.outcomes)


@dataclass(frozen=True)
class Waiting:
    """An inspected case of a round, as the supervisor picks it."""

    case: Case
    inspected_on: date | None
    inspectors: tuple[str, ...]  # who took part, by display name (王芳), as people know them
    may_decide: bool  # False: the user took part in its inspection (R5), so another must approve it


@dataclass(frozen=True)
class RoundWaiting:
    policy: Policy
    year: int
    cases: int


def round_year(case: Case) -> int:
    """The round a case is decided in: the one it was received in (R19), or, for a policy that takes
    applications all year (no window), the year it was applied in."""
    return case.round_year if case.round_year is not None else case.applied_on.year


def rounds_waiting(rt: Runtime, user: User) -> list[RoundWaiting]:
    """The rounds with inspected cases in the user's jurisdictions, the latest round first."""
    found = Counter((c.policy_id, c.policy_version, round_year(c)) for c in _inspected(rt, user))
    return sorted((RoundWaiting(rt.policies.get(p, v), year, n) for (p, v, year), n in found.items()),
                  key=lambda r: (-r.year, r.policy.title))


def inspected_in_round(rt: Runtime, user: User, policy_id: str, year: int) -> list[Waiting]:
    """The round's inspected cases in the user's jurisdictions, by inspection date, then 受理编号."""
    _policy(rt, policy_id)
    chosen = [c for c in _inspected(rt, user) if c.policy_id == policy_id and round_year(c) == year]
    with rt.reads() as uow:
        names = {u.username: u.display_name for u in uow.users.all()}
    # a case is inspected since its last act: the inspection, or an objection upheld that sent it back (R22)
    waiting = [Waiting(c, c.last_on, tuple(names.get(n, n) for n in c.inspectors),
                       user.username != c.inspected_by and user.username not in c.inspectors)
               for c in chosen]
    return sorted(waiting, key=lambda w: (w.inspected_on or date.min, w.case.reference or "", w.case.id))


def _inspected(rt: Runtime, user: User) -> list[Case]:
    rows = every_case(rt, CaseFilter(state="inspected", scopes=tuple(user.scopes())))
    with rt.reads() as uow:
        return uow.cases.many([r.id for r in rows])


def _policy(rt: Runtime, policy_id: str) -> Policy:
    versions = rt.policies.versions(policy_id)
    if not versions:
        raise UnknownPolicy(key="unknown-policy.id", policy_id=policy_id, field="policy_id")
    return versions[-1]


def decide(rt: Runtime, user: User, *, policy_id: str, year: int, decision: str, picks: Sequence[Pick],
           decision_number: str, on: date, reason: str, once: IdempotentRequest | None = None) -> BulkResult:
    """Records `decision` on each case picked, each in its own transaction, under one 批复文号. A request
    wrong as a whole (no case, a case twice, no number, a decision that is not one) is refused before any
    case is decided; a case refused on its own is an outcome beside the others."""
    number = _checked(rt, user, policy_id=policy_id, decision=decision, picks=picks,
                      decision_number=decision_number, reason=reason)
    if on > rt.today():  # R17: every case would refuse it alike, so the request is wrong as a whole
        raise FutureDate(on, rt.today())
    if once is not None:
        with rt.uow() as uow:
            if (answer := idempotency.prior(uow, once)) is not None:
                return BulkResult(decision, number, (), answer, replayed=True)
    outcomes = tuple(_decide_one(rt, user, pick, policy_id=policy_id, year=year, decision=decision,
                                 number=number, on=on, reason=reason) for pick in picks)
    result = BulkResult(decision, number, outcomes)
    if once is None:
        return result
    # stored once every case has its own outcome: a retry before this finds each case decided and says so
    with rt.uow() as uow:
        answer = idempotency.remember(uow, once, result, rt.clock())
        uow.commit()
    return BulkResult(decision, number, outcomes, answer)


def _checked(rt: Runtime, user: User, *, policy_id: str, decision: str, picks: Sequence[Pick],
             decision_number: str, reason: str) -> str:
    """The request as a whole: the 批复文号 as recorded, normalised; or the refusal, nothing decided."""
    if decision not in DECISIONS:
        raise InvalidAct(key="decisions.decision", field="decision", decision=decision, choices=list(DECISIONS))
    if not user.scopes(ACT_ROLES[decision]):
        raise Forbidden(key="decisions.role", act=decision, needed=list(ACT_ROLES[decision]))
    _policy(rt, policy_id)
    if not picks:
        raise InvalidAct(key="decisions.none-picked", field="cases")
    if len(picks) > MOST:
        raise InvalidAct(key="decisions.too-many", field="cases", most=MOST, picked=len(picks))
    twice = sorted(c for c, n in Counter(p.case_id for p in picks).items() if n > 1)
    if twice:
        raise InvalidAct(key="decisions.twice", field="cases", cases=twice)
    number = normalise(decision_number, field="decision_number").strip()
    if not number:
        raise InvalidAct(key="decisions.number-missing", field="decision_number", rule="R5")
    if not normalise(reason, field="reason").strip():
        raise InvalidAct(key="act.reason-missing", field="reason", rule="R17")
    return number


def _decide_one(rt: Runtime, user: User, pick: Pick, *, policy_id: str, year: int, decision: str, number: str,
                on: date, reason: str) -> Outcome:
    try:
        case = cases.get_case(rt, pick.case_id, user)
        if case.policy_id != policy_id or round_year(case) != year:
            raise NotInRound(pick.case_id, policy_id, year)
        if _already(rt, case, decision, number):
            return Outcome(pick.case_id, ALREADY, case)
        done = cases.record(decision, rt, pick.case_id, actor=user.username, on=on, reason=reason,
                            expected_version=pick.version, user=user, decision_number=number)
    except DomainError as refusal:  # this case's own refusal: written nothing, the others go on
        return Outcome(pick.case_id, REFUSED, refusal=refusal)
    return Outcome(pick.case_id, DECIDED, done.case)


def _already(rt: Runtime, case: Case, decision: str, number: str) -> bool:
    """The case was decided so under this number already: it is past `inspected` and its record has
    the decision with the number (an approval sent back by an upheld objection is inspected again)."""
    if case.state == "inspected":
        return False
    return any(e.act == decision and e.payload.get("decision_number") == number
               for e in cases.history(rt, case.id))
