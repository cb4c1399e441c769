"""The pages: each turns a request into the same service calls the JSON API makes.

Sign-in (api/web/signin.py, services.signin) ends in a fresh API token, kept in an HttpOnly,
SameSite=Strict cookie; every page authenticates it with services.users.authenticate, so the
pages have exactly the API's users, roles and jurisdictions. SameSite=Strict is also what keeps
another site from posting a form with the cookie (no separate CSRF token).
"""
from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import parse_qsl, quote, urlencode

from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates

from api.deps import RuntimeDep, client_address
from api.downloads import dossier_file
from api.views import case_view
from api.web import forms
from api.web.diagram import lifecycle_svg, path_of
from api.web.i18n import DEFAULT, LANGS, Translator
from services import audit, cases, users
from services.dossier import dossier
from services.ports import CaseFilter, CaseNotFound
from services.queries import every_case
from services.security_log import logged_export
from services.stats import statistics
from services.timer_queries import reminders_of
from services.users import Unauthenticated, User
from services.values import Origin
from services.work_queue import kinds_offered, kinds_to_offer, work_queue
from statemachines import jurisdiction as divisions
from statemachines.errors import DomainError
from statemachines.lifecycle import STATES
from statemachines.policy import LEVELS

HERE = Path(__file__).parent
COOKIE, LANG_COOKIE = "incubase_session", "incubase_lang"

templates = Jinja2Templates(directory=HERE / "templates")
# a jurisdiction as people read it: 520000 贵州省, 440306 广东省深圳市宝安区
templates.env.globals["division"] = divisions.label
router = APIRouter(include_in_schema=False)


class SignInFirst(Exception):
    def __init__(self, next_url: str) -> None:
        self.next_url = next_url


def install(app: FastAPI) -> None:
    """Mounts the pages, their static files, and the redirect to the sign-in page."""
    app.include_router(router)
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")

    async def to_login(request: Request, exc: SignInFirst) -> RedirectResponse:
        return RedirectResponse(f"/login?next={quote(exc.next_url)}", status_code=303)

    app.add_exception_handler(SignInFirst, to_login)


# --- request helpers -----------------------------------------------------------------------

def lang_of(request: Request) -> str:
    asked = request.query_params.get("lang") or request.cookies.get(LANG_COOKIE)
    return asked if asked in LANGS else DEFAULT


def page_user(request: Request, rt: RuntimeDep) -> User:
    try:
        return users.authenticate(rt, request.cookies.get(COOKIE))
    except Unauthenticated:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        raise SignInFirst(target) from None


PageUser = Annotated[User, Depends(page_user)]


async def posted_form(request: Request) -> dict[str, str]:
    """An url-encoded form body (read here, so the pages need no multipart library)."""
    body = (await request.body()).decode("utf-8", errors="replace")
    return dict(parse_qsl(body, keep_blank_values=True))


Form = Annotated[dict[str, str], Depends(posted_form)]


def render(request: Request, name: str, context: dict[str, Any], status: int = 200,
           user: User | None = None) -> HTMLResponse:
    t = Translator(lang_of(request))
    other = "en" if t.lang == "zh" else "zh"
    lang_url = request.url.path + "?" + urlencode({**request.query_params, "lang": other})
    response = templates.TemplateResponse(request, name, {"t": t, "user": user, "path": request.url.path,
                                                          "lang_url": lang_url, **context}, status_code=status)
    if request.query_params.get("lang") in LANGS:
        response.set_cookie(LANG_COOKIE, t.lang, max_age=365 * 86400, samesite="strict")
    return response


def _diagram(t: Translator, events, rt) -> str:
    """The lifecycle with the path these events took, in the page's language."""
    return lifecycle_svg(path_of(events, rt.policies.get), label=t.state, act_label=lambda a: t(f"a.{a}"),
                         title=t("lifecycle"))


def _safe_next(url: str | None) -> str:
    return url if url and url.startswith("/") and not url.startswith("//") else "/queue"


# --- sign-in -------------------------------------------------------------------------------

@router.get("/")
def home() -> RedirectResponse:
    return RedirectResponse("/queue", status_code=303)


# /login, its second step and /logout: api/web/signin.py


# --- work queue ----------------------------------------------------------------------------

@router.get("/queue")
def queue(request: Request, rt: RuntimeDep, user: PageUser, kind: str = "", q: str = "") -> HTMLResponse:
    kinds = kinds_offered(rt)
    kind = kind if kind in kinds else ""
    items, counts = work_queue(rt, user, rt.today(), kind=kind or None, q=q)
    return render(request, "queue.html", {"items": items, "counts": counts, "kind": kind,
                                          "kinds": [k for k in kinds_to_offer(counts, kind) if k in kinds],
                                          "q": q, "today": rt.today()}, user=user)


# --- case ----------------------------------------------------------------------------------

def _case_page(request: Request, rt, user: User, case_id: str, *, act: str | None = None,
               values: dict[str, str] | None = None, errors: dict[str, str] | None = None,
               status: int = 200) -> HTMLResponse:
    t = Translator(lang_of(request))
    try:
        case = cases.get_case(rt, case_id, user)
        events = cases.history(rt, case_id, user)
    except CaseNotFound:
        return render(request, "not_found.html", {"case_id": case_id}, status=404, user=user)
    view = case_view(rt, case, user)
    policy = rt.policies.get(case.policy_id, case.policy_version)
    reminders = [r for r in reminders_of(rt, case_id) if r["status"] in ("pending", "sending", "failed")]
    acts = [(name, forms.fields_for(name, case, policy)) for name in view["allowed_actions"]]
    known = {"on", "reason", *(f.name for f in forms.FIELDS.get(act or "", ()))}
    errors = errors or {}
    return render(request, "case.html", {
        "case": case, "view": view, "policy": policy, "events": events, "reminders": reminders, "acts": acts,
        "act": act, "values": values or {}, "errors": errors,
        "general_errors": [msg for field, msg in errors.items() if field not in known],
        "today": rt.today(), "done": request.query_params.get("done"),
        "svg": _diagram(t, events, rt),
    }, status=status, user=user)


@router.get("/cases/{case_id}")
def case_page(case_id: str, request: Request, rt: RuntimeDep, user: PageUser) -> HTMLResponse:
    return _case_page(request, rt, user, case_id)


@router.post("/cases/{case_id}/acts/{act}")
def record_act(case_id: str, act: str, request: Request, rt: RuntimeDep, user: PageUser, form: Form) -> Response:
    if act not in forms.FIELDS:
        return render(request, "not_found.html", {"case_id": case_id}, status=404, user=user)
    t = Translator(lang_of(request))
    version = form.get("version", "")
    try:
        on, reason, fields = forms.parse(act, form, t)
        cases.ACTS[act](rt, case_id, on=on, reason=reason, actor=user.username, user=user,
                        expected_version=int(version) if version.isdigit() else None, **fields)
    except forms.FormErrors as exc:
        return _case_page(request, rt, user, case_id, act=act, values=form, errors=exc.errors, status=422)
    except CaseNotFound:
        return render(request, "not_found.html", {"case_id": case_id}, status=404, user=user)
    except DomainError as exc:
        return _case_page(request, rt, user, case_id, act=act, values=form,
                          errors={forms.field_of(exc): forms.message_of(exc, t)}, status=422)
    return RedirectResponse(f"/cases/{case_id}?done={act}#timeline", status_code=303)


# --- auditors ------------------------------------------------------------------------------

@router.get("/cases/{case_id}/audit")
def audit_page(case_id: str, request: Request, rt: RuntimeDep, user: PageUser, as_of: str = "") -> HTMLResponse:
    t = Translator(lang_of(request))
    try:
        day = date.fromisoformat(as_of) if as_of else rt.today()
    except ValueError:
        day = rt.today()
    try:
        events = cases.history(rt, case_id, user)
        then = audit.state_as_of(rt, case_id, day=day, user=user)
        report = audit.verify_case(rt, case_id, user)
    except CaseNotFound:
        return render(request, "not_found.html", {"case_id": case_id}, status=404, user=user)
    shown = [e for e in events if e.on <= day]
    dates = sorted({e.on for e in events} | {day})
    view = None
    if then is not None:
        view = case_view(rt, then, user)
        view.pop("allowed_actions")  # acts are recorded on the case as it is now
    return render(request, "audit.html", {
        "case_id": case_id, "base_name": events[0].payload.get("base_name", "") if events else "",
        "day": day, "view": view, "events": shown, "dates": dates, "position": dates.index(day),
        "report": report, "today": rt.today(),
        "svg": _diagram(t, shown, rt),
    }, user=user)


@router.get("/cases/{case_id}/dossier.{fmt}")
def dossier_download(case_id: str, fmt: str, request: Request, rt: RuntimeDep, user: PageUser) -> Response:
    origin = Origin(user.username, client_address(request))  # every download on the security log
    return logged_export(rt, origin, "dossier", case_id,
                         lambda: dossier_file(dossier(rt, case_id, user), case_id, fmt, attach_json=True), format=fmt)


# --- dashboard -----------------------------------------------------------------------------

@router.get("/dashboard")
def dashboard(request: Request, rt: RuntimeDep, user: PageUser, jurisdiction: str = "") -> HTMLResponse:
    scopes = user.scopes()
    jurisdiction = jurisdiction if jurisdiction in scopes else (scopes[0] if scopes else "")
    figures, grid, totals = None, {}, {}
    if jurisdiction:
        figures = statistics(rt, jurisdiction, rt.today().year, rt.today())
        for r in every_case(rt, CaseFilter(jurisdiction=jurisdiction, scopes=tuple(scopes))):
            grid[(r.state, r.level)] = grid.get((r.state, r.level), 0) + 1
            totals[r.state] = totals.get(r.state, 0) + 1
    return render(request, "dashboard.html", {
        "scopes": scopes, "jurisdiction": jurisdiction, "figures": figures, "grid": grid, "totals": totals,
        "states": [s for s in STATES if totals.get(s)] or list(STATES), "levels": LEVELS, "year": rt.today().year,
    }, user=user)
