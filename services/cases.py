"""One function per act a caseworker or supervisor records.

Each opens a unit of work, loads the case (locked for the transaction), applies the act
through the domain, and writes the events, the new case state and the rescheduled timers in
one transaction. A stale `expected_version` is refused before anything is written.
"""
from __future__ import annotations

import functools
import uuid
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from services import authz, idempotency, rounds, users
from services.idempotency import IdempotentRequest, StoredAnswer
from services.ports import UnitOfWork
from services.runtime import Runtime
from services.text import normalise
from services.users import User
from statemachines import acts, catalogue
from statemachines import jurisdiction as divisions
from statemachines.case import Case
from statemachines.credit_code import CreditCode
from statemachines.errors import IllegalTransition, InvalidAct, NotDue, StaleVersion
from statemachines.events import Event
from statemachines.policy import LEVELS, Policy
from statemachines.programmes import DEFAULT_PROGRAMME
from statemachines.states import IN_FORCE, OPEN_STATES
from statemachines.timers import Timer, timers_for


@dataclass(frozen=True)
class ActResult:
    case: Case
    events: list[Event]
    answer: StoredAnswer | None = None  # the stored answer of an idempotent request
    replayed: bool = False  # True when this repeats an earlier request: nothing was written
    timers: tuple[Timer, ...] = ()  # the timers the case owes after the act, as written with it


def new_id() -> str:
    return uuid.uuid4().hex


def open_case(rt: Runtime, *, operator_name: str, credit_code: str, base_name: str, base_address: str,
              level: str, jurisdiction: str, on: date, actor: str, reason: str,
              window_exception: str | None = None, case_id: str | None = None, contact_email: str | None = None,
              user: User | None = None, once: IdempotentRequest | None = None,
              prerequisite_document: str | None = None, programme: str = DEFAULT_PROGRAMME) -> ActResult:
    """R1–R3: a new application in the year's round, to the programme's policy (R23)."""
    code = CreditCode.parse(credit_code).value
    # the base is found again by its operator and its name (R3: one open case per base and level),
    # so the names are compared as normalised, whoever calls: 创业园 with a zero-width space or
    # full-width letters is the same base
    operator_name = normalise(operator_name, field="operator_name")
    base_name, base_address = normalise(base_name, field="base_name"), normalise(base_address, field="base_address")
    for field, value in (("operator_name", operator_name), ("base_name", base_name)):
        if not value:
            raise InvalidAct(key="apply.required", field=field)
    if level not in LEVELS:
        raise InvalidAct(key="apply.level", field="level", levels=list(LEVELS), given=level)
    divisions.validate(jurisdiction)
    if user is not None:
        authz.require_act(user, "apply", jurisdiction)
        if window_exception is not None:
            authz.require_act(user, "window_exception", jurisdiction)
    policy = rt.policies.select(jurisdiction, level, on, programme)
    with rt.uow() as uow:
        if once is not None and (answer := idempotency.prior(uow, once)) is not None:
            return ActResult(uow.cases.get(answer.body["id"]), [], answer, replayed=True)
        party = uow.cases.register_party(
            credit_code=code, operator_name=operator_name, base_name=base_name,
            base_address=base_address, jurisdiction=jurisdiction, new_id=new_id(),
            contact_email=users.email_address(contact_email, "operator.contact_email"))
        case, events = acts.open_application(
            case_id=case_id or new_id(), base_id=party.base_id, base_name=base_name, operator_code=code,
            level=level, jurisdiction=jurisdiction, policy=policy, calendar=rt.calendar,
            ctx=acts.Recording(actor, on, reason, rt.clock()),
            open_cases=uow.cases.of_base(party.base_id, level, OPEN_STATES, programme),
            bans=uow.cases.bans(code, party.base_id, level),
            window_exception=window_exception,
            prerequisite_cases=(uow.cases.of_base(party.base_id, policy.prerequisite_level, IN_FORCE,
                                                  policy.prerequisite_programme)
                                if policy.prerequisite_level else ()),
            announced=rounds.announced_windows(uow, policy), prerequisite_document=prerequisite_document,
            hash_algorithm=uow.deployment.hash_algorithm(),
            reference=uow.cases.next_reference(jurisdiction, on.year),
        )
        timers = tuple(timers_for(case, policy, rt.calendar))
        uow.cases.add(case, events, list(timers), policy_of=rt.policies.get)
        result = _answered(uow, once, ActResult(case, events, timers=timers), rt)
        uow.commit()
    return result


def _answered(uow: UnitOfWork, once: IdempotentRequest | None, result: ActResult, rt: Runtime) -> ActResult:
    if once is None:
        return result
    return replace(result, answer=idempotency.remember(uow, once, result, rt.clock()))


def record(act: str, rt: Runtime, case_id: str, *, actor: str, on: date, reason: str,
           expected_version: int | None = None, user: User | None = None, once: IdempotentRequest | None = None,
           **fields: Any) -> ActResult:
    """Records one act on a case (catalogue.CASE_ACTS): in one transaction, the case locked."""
    decide = acts.DECIDE[act]
    fields = PREPARE[act](rt, fields) if act in PREPARE else fields
    with rt.uow() as uow:
        case = uow.cases.get(case_id, for_update=True)
        if user is not None:
            authz.require_read(user, case_id, case.jurisdiction)
        if once is not None and (answer := idempotency.prior(uow, once)) is not None:
            return ActResult(case, [], answer, replayed=True)
        if user is not None:
            authz.require_act(user, act, case.jurisdiction)
        if expected_version is not None and expected_version != case.version:
            raise StaleVersion(case_id, expected_version, case.version)
        version = case.version
        policy = rt.policies.get(case.policy_id, case.policy_version)
        if act in CONTEXT:
            fields = {**fields, **CONTEXT[act](uow, case, policy)}
        try:
            events = decide(case, policy, rt.calendar, acts.Recording(actor, on, reason, rt.clock()), **fields)
        except (IllegalTransition, NotDue) as refusal:
            if user is None:
                raise
            raise _for_user(refusal, authz.permitted_acts(user, case, policy, rt.today())) from None
        timers = tuple(timers_for(case, policy, rt.calendar))
        uow.cases.save(case, version, events, list(timers), policy_of=rt.policies.get)
        result = _answered(uow, once, ActResult(case, events, timers=timers), rt)
        uow.commit()
    return result


def _for_user(refusal: IllegalTransition | NotDue, permitted: list[str]) -> IllegalTransition | NotDue:
    """The same refusal, naming the acts legal now that this user may record, as the case view does."""
    if isinstance(refusal, IllegalTransition):
        return IllegalTransition(refusal.act, refusal.state, permitted)
    return NotDue(key=refusal.key, rule=refusal.rule, **{**refusal.params, "allowed_actions": permitted})


def _inspecting_users(rt: Runtime, fields: dict[str, Any]) -> dict[str, Any]:
    """R5: the inspectors named are users, by username (four eyes compares people)."""
    return {**fields, "inspectors": users.inspecting_users(rt, fields.get("inspectors") or ())}


def _complaint_id(rt: Runtime, fields: dict[str, Any]) -> dict[str, Any]:
    return {**fields, "complaint_id": fields.get("complaint_id") or new_id()[:12]}


def _objection_id(rt: Runtime, fields: dict[str, Any]) -> dict[str, Any]:
    return {**fields, "objection_id": fields.get("objection_id") or new_id()[:12]}


# what the service adds to an act's fields before the domain decides it
PREPARE: dict[str, Callable[[Runtime, dict[str, Any]], dict[str, Any]]] = {
    "inspect": _inspecting_users,
    "record_complaint": _complaint_id,
    "record_objection": _objection_id,
}


def _round_quota(uow: UnitOfWork, case: Case, policy: Policy) -> dict[str, Any]:
    quota = rounds.quota_of(uow, case, policy) if case.state == "inspected" else None
    return {} if quota is None else {"round_quota": quota}


def _combined_with(uow: UnitOfWork, case: Case, policy: Policy) -> dict[str, Any]:
    """R23: the base's recognitions in force, at any level, of the programmes whose money the
    policy's is not paid on top of, and which hold money (an instalment not cancelled)."""
    if not policy.subsidy_not_combined_with:
        return {}
    found = [other for programme in policy.subsidy_not_combined_with for level in LEVELS
             for other in uow.cases.of_base(case.base_id, level, IN_FORCE, programme)]
    holding = [other for other in found
               if any(i.status != "cancelled" for i in uow.cases.get(other).instalments)]
    return {"combined_with": holding}


def _approval_context(uow: UnitOfWork, case: Case, policy: Policy) -> dict[str, Any]:
    return {**_round_quota(uow, case, policy), **_combined_with(uow, case, policy)}


# what the storage adds to an act's fields, read in the act's own transaction (the case locked)
CONTEXT: dict[str, Callable[[UnitOfWork, Case, Policy], dict[str, Any]]] = {
    "approve": _approval_context,
    "record_assessment": _combined_with,
    "record_rectification": _combined_with,
}
ACTS: dict[str, Callable[..., ActResult]] = {a.name: functools.partial(record, a.name) for a in catalogue.CASE_ACTS}


def get_case(rt: Runtime, case_id: str, user: User | None = None) -> Case:
    with rt.reads() as uow:
        case = uow.cases.get(case_id)
    if user is not None:
        authz.require_read(user, case_id, case.jurisdiction)
    return case


def history(rt: Runtime, case_id: str, user: User | None = None) -> list[Event]:
    with rt.reads() as uow:
        case = uow.cases.get(case_id)
        if user is not None:
            authz.require_read(user, case_id, case.jurisdiction)
        return uow.cases.events(case_id)
