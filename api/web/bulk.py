"""Decisions of a round (issue 15), for supervisors: the rounds with inspected cases, a round's cases with
a checkbox each and one form (批复文号, date, reason, approve or refuse), and a page saying what became
of each case. The same service call as POST /api/v1/rounds/{policy}/{year}/decisions; a form sent
twice finds its cases decided under the number and says so, nothing recorded twice."""
from __future__ import annotations

from datetime import date

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import HTMLResponse

from api.act_models import REASON_LIMIT
from api.deps import RuntimeDep
from api.web import forms
from api.web.i18n import Translator
from api.web.routes import Form, PageUser, lang_of, render
from services import bulk_decisions
from services.authz import ACT_ROLES
from services.bulk_decisions import Pick
from services.users import User
from statemachines.errors import DomainError

router = APIRouter(include_in_schema=False)
PICK = "pick."  # a checkbox per case: pick.<case id> = the version the page showed
NUMBER_LIMIT = 100  # the API's limit of a 批复文号 (api/routes/decisions.py)


def install(app: FastAPI) -> None:
    app.include_router(router)


def _deciders(user: User) -> bool:
    return bool(user.scopes(ACT_ROLES["approve"]))


def _forbidden(request: Request, user: User) -> HTMLResponse:
    return render(request, "forbidden.html", {"needed": ACT_ROLES["approve"][0]}, status=403, user=user)


@router.get("/decisions")
def rounds_page(request: Request, rt: RuntimeDep, user: PageUser) -> HTMLResponse:
    if not _deciders(user):
        return _forbidden(request, user)
    return render(request, "decisions.html", {"rounds": bulk_decisions.rounds_waiting(rt, user)}, user=user)


@router.get("/decisions/{policy_id}/{year}")
def round_page(policy_id: str, year: int, request: Request, rt: RuntimeDep, user: PageUser) -> HTMLResponse:
    if not _deciders(user):
        return _forbidden(request, user)
    return _round_form(request, rt, user, policy_id, year)


def _round_form(request: Request, rt, user: User, policy_id: str, year: int, *, values: dict[str, str] | None = None,
                errors: dict[str, str] | None = None, status: int = 200) -> HTMLResponse:
    try:
        waiting = bulk_decisions.inspected_in_round(rt, user, policy_id, year)
    except DomainError:
        return render(request, "not_found.html", {"case_id": policy_id}, status=404, user=user)
    policy = rt.policies.versions(policy_id)[-1]
    return render(request, "round_decisions.html", {
        "policy": policy, "year": year, "waiting": waiting, "values": values or {}, "errors": errors or {},
        "today": rt.today(), "reason_limit": REASON_LIMIT, "number_limit": NUMBER_LIMIT, "pick": PICK,
    }, status=status, user=user)


@router.post("/decisions/{policy_id}/{year}")
def decide_round(policy_id: str, year: int, request: Request, rt: RuntimeDep, user: PageUser,
                 form: Form) -> HTMLResponse:
    if not _deciders(user):
        return _forbidden(request, user)
    t = Translator(lang_of(request))
    picks = [Pick(name[len(PICK):], _version(value)) for name, value in form.items() if name.startswith(PICK)]
    on, errors = _day(form.get("on", ""), t)
    if not picks:
        errors["cases"] = t("nothing_picked")
    if len(form.get("decision_number", "")) > NUMBER_LIMIT:
        errors["decision_number"] = t("too_long").replace("{max_length}", str(NUMBER_LIMIT))
    if len(form.get("reason", "")) > REASON_LIMIT:
        errors["reason"] = t("too_long").replace("{max_length}", str(REASON_LIMIT))
    if errors or on is None:
        return _round_form(request, rt, user, policy_id, year, values=form, errors=errors, status=422)
    decision = form.get("decision", "")
    try:
        result = bulk_decisions.decide(rt, user, policy_id=policy_id, year=year, decision=decision, picks=picks,
                                       decision_number=form.get("decision_number", ""), on=on,
                                       reason=form.get("reason", ""))
    except DomainError as exc:
        return _round_form(request, rt, user, policy_id, year, values=form,
                           errors={_field(exc): forms.message_of(exc, t)}, status=422)
    shown = {o.case_id: o for o in result.outcomes}
    with rt.reads() as uow:
        found = {c.id: c for c in uow.cases.many(list(shown))}
    return render(request, "round_result.html", {
        "policy": rt.policies.versions(policy_id)[-1], "year": year, "result": result, "cases": found,
        "counts": result.counts(), "message": lambda exc: forms.message_of(exc, t),
    }, user=user)


def _field(exc: DomainError) -> str:
    named = forms.field_of(exc)
    return named if named in ("decision_number", "reason", "on", "decision", "cases") else "_form"


def _version(text: str) -> int | None:
    # ASCII digits only: '²'.isdigit() is true and int('²') fails
    return int(text) if text.isascii() and text.isdigit() and len(text) <= 10 else None


def _day(text: str, t: Translator) -> tuple[date | None, dict[str, str]]:
    try:
        return date.fromisoformat(text.strip()), {}
    except ValueError:
        return None, {"on": t("invalid_date")}
