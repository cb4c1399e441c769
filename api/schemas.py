"""Request and response bodies of the JSON API."""
from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_serializer

from api.fields import prose, text
from services.ports import CaseSummary
from statemachines.events import Event
from statemachines.policy import Policy
from statemachines.programmes import DEFAULT_PROGRAMME, PROGRAMME_PATTERN

Level = Literal["county", "municipal", "provincial", "national"]  # statemachines.policy.LEVELS


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


# --- requests ------------------------------------------------------------------------------

class BaseIn(Strict):
    # the base is found again by its operator and this name (R3): compared as normalised
    name: text(200, min_length=1, examples=["贵阳市大学生创业园"])  # type: ignore[valid-type]
    address: text(400) = ""  # type: ignore[valid-type]


class OperatorIn(Strict):
    name: text(200, min_length=1, examples=["贵阳高新创业服务有限公司"])  # type: ignore[valid-type]
    credit_code: text(40, min_length=1, examples=["91350100M000100Y43"])  # type: ignore[valid-type]
    contact_email: text(254) | None = Field(  # type: ignore[valid-type]
        default=None, description="Where reminders to the operator go.")


class ApplyIn(Strict):
    base: BaseIn
    operator: OperatorIn
    level: Level
    # a code, not text: passed on as sent, so the division table refuses ５２００００ and ٥٢٠٠٠٠ by name
    # (/problems/unknown-jurisdiction) rather than reading them as 520000
    jurisdiction: str = Field(min_length=1, max_length=12, examples=["520000"])
    applied_on: date
    reason: prose(4000, min_length=1, blank=True) = "受理申报材料"  # type: ignore[valid-type]
    window_exception: prose(4000) | None = Field(  # type: ignore[valid-type]
        default=None,
        description="A supervisor's reason to accept an application outside the window (R1).")
    prerequisite_document: text(200) | None = Field(  # type: ignore[valid-type]
        default=None,
        description="The 文号 of the lower recognition a policy asks for, where it is not recorded here and the "
                    "policy accepts its document (R18).")
    programme: str = Field(
        default=DEFAULT_PROGRAMME, pattern=f"^{PROGRAMME_PATTERN.pattern}$", examples=["base"],
        description="The programme applied for (R23), where the jurisdiction runs more than one at the level "
                    "(GET /api/v1/policies lists each policy's); 'base', the 创业孵化基地 itself, by default.")


# --- responses -----------------------------------------------------------------------------

class PolicyRef(BaseModel):
    id: str
    version: int


class PeriodOut(BaseModel):
    number: int
    start: date
    end: date


class TimerOut(BaseModel):
    kind: str
    key: str
    due_on: date
    provisional: bool


class BanOut(BaseModel):
    ground: str
    level: str
    first_day: date
    last_day: date | None = Field(description="None: a permanent ban (不得再次申报)")
    ended_on: date | None


class ComplaintOut(BaseModel):
    id: str
    received_on: date
    summary: str
    valid: bool | None
    verified_on: date | None


class NoticeOut(BaseModel):
    number: int
    approved_on: date
    first_day: date
    last_day: date
    provisional: bool
    running: bool
    ended_on: date | None
    outcome: str | None


class ObjectionOut(BaseModel):
    id: str
    notice: int
    received_on: date
    summary: str
    decision: str | None
    decided_on: date | None


class InstalmentOut(BaseModel):
    number: int
    due_on: date
    amount_fen: int = Field(description="The instalment, in fen (分; 1 元 = 100 分)")
    status: str
    paid_on: date | None = Field(description="The day it was paid in full")
    paid_fen: int = Field(description="Paid so far, in fen (分) (R20: a part payment leaves it due)")
    outstanding_fen: int = Field(description="Still to pay, in fen (分); 0 once paid or cancelled")
    grade: str | None = Field(description="The assessment grade that earned it (R20); null: the grant on recognition")


class ClawbackOut(BaseModel):
    """R20: money a revocation on a clawback ground made owed back (追回/退回)."""

    ground: str
    since: date
    owed_fen: int = Field(description="Owed back, in fen (分; 1 元 = 100 分)")
    repaid_fen: int = Field(description="Repaid so far, in fen (分)")
    outstanding_fen: int = Field(description="Still owed back, in fen (分)")
    repaid_on: date | None
    due_on: date | None = Field(description="The last day to repay, where the policy sets one (clawback_within)")
    overdue: bool


class CaseOut(BaseModel):
    id: str
    state: str
    state_name: str
    version: int
    level: str
    jurisdiction: str
    programme: str
    reference: str | None = Field(description="The 受理编号 people say, <jurisdiction>-<year>-<nnnn> (issue 15); "
                                              "none for a case applied before it was introduced")
    base: dict[str, str]
    operator: dict[str, str]
    policy: PolicyRef
    applied_on: date
    last_on: date | None
    period: PeriodOut | None
    allowed_actions: list[str]
    timers: list[TimerOut]
    flags: list[str]
    ban: BanOut | None
    complaints: list[ComplaintOut]
    instalments: list[InstalmentOut]
    subsidy_tier: str | None = Field(description="The subsidy tier chosen at approval (R20), if the policy has tiers")
    clawback: ClawbackOut | None
    notice: NoticeOut | None = Field(default=None,
                                     description="The latest public notice (公示, R22), where the policy has one")
    objections: list[ObjectionOut] = Field(default_factory=list,
                                           description="Objections received during public notices (R22)")
    upcoming_reminders: list[dict[str, Any]] = Field(description="Reminder steps still ahead")
    reminders: list[dict[str, Any]] = Field(default_factory=list, description="Reminders not yet delivered, or failed")


class CasePage(BaseModel):
    items: list[CaseSummary]
    total: int
    # issue 16: counting stops at 10,000; true when there are more than `total`
    total_capped: bool = False
    limit: int
    # the cursor of the next page (pass it as `after`), null on the last; `next` is its address
    next_after: str | None = None
    next: str | None = None


class EventOut(BaseModel):
    seq: int
    act: str
    on: date
    recorded_at: datetime
    actor: str
    reason: str
    rule: str
    policy: PolicyRef
    payload: dict[str, Any]
    prev_hash: str
    hash: str

    @classmethod
    def of(cls, e: Event) -> EventOut:
        return cls(seq=e.seq, act=e.act, on=e.on, recorded_at=e.recorded_at, actor=e.actor, reason=e.reason,
                   rule=e.rule, policy=PolicyRef(id=e.policy_id, version=e.policy_version), payload=dict(e.payload),
                   prev_hash=e.prev_hash, hash=e.hash)

    @field_serializer("recorded_at")
    def _as_hashed(self, moment: datetime) -> str:
        # as in the hashed text (+00:00, not pydantic's Z): an auditor recomputing a hash over the
        # served fields must see what was hashed
        return moment.isoformat()


class BanInForceOut(BaseModel):
    case_id: str | None
    ground: str
    level: str
    first_day: date
    last_day: date | None = Field(description="None: a permanent ban")
    eligible_from: date | None = Field(description="None: never, under a permanent ban")


class EligibilityOut(BaseModel):
    credit_code: str
    level: str
    on: date
    eligible: bool
    bans: list[BanInForceOut]


class PolicySummaryOut(BaseModel):
    id: str
    version: int
    title: str
    jurisdiction: str
    level: str
    programme: str = Field(description="The programme the policy runs (R23); 'base': the 创业孵化基地 itself")
    effective_from: date
    effective_to: date | None
    in_force: bool

    @classmethod
    def of(cls, p: Policy, today: date) -> PolicySummaryOut:
        return cls(id=p.id, version=p.version, title=p.title, jurisdiction=p.jurisdiction, level=p.level,
                   programme=p.programme, effective_from=p.effective_from, effective_to=p.effective_to,
                   in_force=p.in_force_on(today))