"""The pages: each turns a request into the same service calls the JSON API makes.

Sign-in (api/web/signin.py, services.signin) ends in a fresh API token, kept in an HttpOnly,
SameSite=Strict cookie; every page authenticates it with services.users.authenticate,
so the pages have exactly the API's users, roles and jurisdictions. SameSite=Strict does not keep
out a page of the same host on another port, so every form carries a token and every post's
origin is checked (api/web/csrf.py); over HTTPS (settings.https) the cookies are Secure and
__Host- prefixed, so no other origin can set or overwrite them either.
"""
from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import parse_qsl, quote, urlencode

from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates

from api.act_models import REASON_LIMIT
from api.deps import RuntimeDep, client_address
from api.downloads import dossier_file
from api.limits import limiter_of
from api.views import case_view
from api.web import csrf, forms, names
from api.web.case_facts import named_facts
from api.web.diagram import lifecycle_svg, path_of
from api.web.i18n import DEFAULT, LANGS, Translator
from services import audit, cases, users
from services.dossier import dossier
from services.money import fen_to_yuan
from services.ports import CaseNotFound
from services.rounds import closing_soon
from services.security_log import logged_export
from services.text import normalise
from services.timer_queries import my_reminders, reminders_of
from services.users import Unauthenticated, User
from services.values import Origin
from services.work_queue import HORIZON, kinds_offered, kinds_to_offer, queue_page
from statemachines import jurisdiction as divisions
from statemachines.errors import DomainError

HERE = Path(__file__).parent
COOKIE, LANG_COOKIE, LOGIN_COOKIE = "incubase_session", "incubase_lang", "incubase_login"
# what a sign-in form may hold: no username is longer (api/routes/admin.py), and a password of
# megabytes would only make scrypt work for nothing
USERNAME_LIMIT, PASSWORD_LIMIT = 63, 1024

templates = Jinja2Templates(directory=HERE / "templates")
# a jurisdiction as people read it: 520000 贵州省, 440306 广东省深圳市宝安区
templates.env.globals["division"] = divisions.label
# an amount kept in fen, as people read it: ¥5,000.00
templates.env.filters["yuan"] = lambda fen: f"¥{fen_to_yuan(fen)}"
names.install(templates.env)  # people, moments, timers, flags, clauses and policies in words (issue 15)
router = APIRouter(include_in_schema=False)


class SignInFirst(Exception):
    def __init__(self, next_url: str) -> None:
        self.next_url = next_url


class UnknownPage(Exception):
    """A list's page marker (`after`) that no page of it gave."""


@dataclass(frozen=True)
class WebSettings:
    """What the pages take from the settings."""

    session: timedelta
    https: bool = False
    queue_page_size: int = 100
    queue_count_cap: int | None = None  # None: services.case_listing.count_cap (tests set a small one)

    def cookie(self, name: str) -> str:
        # __Host-: only a secure origin of exactly this host may set it, for the whole site and no
        # other domain, so a sibling subdomain or an http:// page cannot plant or replace it
        return f"__Host-{name}" if self.https else name


def install(app: FastAPI, web: WebSettings) -> None:
    """Mounts the pages, their static files, and the redirect to the sign-in page."""
    app.state.web = web
    app.include_router(router)
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")

    async def to_login(request: Request, exc: SignInFirst) -> RedirectResponse:
        return RedirectResponse(f"/login?next={quote(exc.next_url)}", status_code=303)

    async def cross_site(request: Request, exc: csrf.CrossSiteRequest) -> HTMLResponse:
        return refusal_page(request, 403, "cross-site", str(exc))

    async def unknown_page(request: Request, exc: UnknownPage) -> HTMLResponse:
        return refusal_page(request, 400, "bad-page", str(exc))

    app.add_exception_handler(SignInFirst, to_login)
    app.add_exception_handler(csrf.CrossSiteRequest, cross_site)
    app.add_exception_handler(UnknownPage, unknown_page)


def refusal_page(request: Request, status: int, code: str, detail: str,
                 headers: dict[str, str] | None = None) -> HTMLResponse:
    """A whole request refused (cross-site, too large, unstorable text, too many): a page saying
    what happened and what to do, in the page's language, with the technical detail below."""
    t = Translator(lang_of(request))
    seconds = (headers or {}).get("Retry-After", "")
    response = render(request, "refused.html", {
        "status": status, "code": code, "title": t(f"e.{code}"), "detail": detail,
        "explanation": t(f"x.{code}").replace("{seconds}", seconds), "back": _back(request),
    }, status=status)
    response.headers.update(headers or {})
    return response


def _back(request: Request) -> str:
    """Where 'back' leads: the page a refused form was on, if it is one of ours, else the queue."""
    referer = request.headers.get("referer", "")
    own = csrf.own_origin(request, https=web_settings(request).https)
    return _safe_next(referer[len(own):]) if referer.startswith(own + "/") else "/queue"


# --- request helpers -----------------------------------------------------------------------

def web_settings(request: Request) -> WebSettings:
    return getattr(request.app.state, "web", None) or WebSettings(session=timedelta(hours=12))


def lang_of(request: Request) -> str:
    asked = request.query_params.get("lang") or request.cookies.get(web_settings(request).cookie(LANG_COOKIE))
    return asked if asked in LANGS else DEFAULT


def session_token(request: Request) -> str | None:
    return request.cookies.get(web_settings(request).cookie(COOKIE))


def page_user(request: Request, rt: RuntimeDep) -> User:
    try:
        user = users.authenticate(rt, session_token(request))
    except Unauthenticated:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        raise SignInFirst(target) from None
    if (limiter := limiter_of(request)) is not None:
        limiter.charge(request, user.id)  # an expensive page counts against the user (api/limits.py)
    return user


PageUser = Annotated[User, Depends(page_user)]


async def _read_form(request: Request) -> dict[str, str]:
    """An url-encoded form body (read here, so the pages need no multipart library), after the
    check that it was posted from a page of this service."""
    csrf.check_origin(request, https=web_settings(request).https)
    body = (await request.body()).decode("utf-8", errors="replace")
    return dict(parse_qsl(body, keep_blank_values=True))


async def posted_form(request: Request) -> dict[str, str]:
    """A form posted by a signed-in page: its origin checked and its token the session's."""
    form = await _read_form(request)
    csrf.check_token(session_token(request), form.get(csrf.FIELD))
    return form


Form = Annotated[dict[str, str], Depends(posted_form)]


def set_cookie(request: Request, response: Response, name: str, value: str, *, max_age: int | None,
               httponly: bool = True) -> None:
    web = web_settings(request)
    response.set_cookie(web.cookie(name), value, max_age=max_age, path="/", secure=web.https, httponly=httponly,
                        samesite="strict")


def render(request: Request, name: str, context: dict[str, Any], status: int = 200,
           user: User | None = None) -> HTMLResponse:
    t = Translator(lang_of(request))
    other = "en" if t.lang == "zh" else "zh"
    lang_url = request.url.path + "?" + urlencode({**request.query_params, "lang": other})
    token = session_token(request)
    rt = request.app.state.runtime
    response = templates.TemplateResponse(request, name, {
        "t": t, "user": user, "path": request.url.path, "lang_url": lang_url,
        "training_day": rt.today() if rt.training else None,
        "csrf": csrf.token_for(token) if token and user else "", **context}, status_code=status)
    if request.query_params.get("lang") in LANGS:
        set_cookie(request, response, LANG_COOKIE, t.lang, max_age=365 * 86400)
    return response


def _diagram(t: Translator, events, rt) -> str:
    """The lifecycle with the path these events took, in the page's language."""
    return lifecycle_svg(path_of(events, rt.policies.get), label=t.state, act_label=lambda a: t(f"a.{a}"),
                         title=t("lifecycle"))


def _safe_next(url: str | None) -> str:
    # a browser reads /\\evil.example as //evil.example: no backslash, no control character either
    safe = url and url.startswith("/") and not url.startswith("//") and "\\" not in url and url.isprintable()
    return url if safe and url else "/queue"


# --- sign-in -------------------------------------------------------------------------------

@router.get("/")
def home() -> RedirectResponse:
    return RedirectResponse("/queue", status_code=303)


# /login, its steps and /logout: api/web/signin.py; the sign-in form's own CSRF token is here

def _login_form(request: Request, next_url: str, *, error: str | None = None, username: str = "",
                status: int = 200) -> HTMLResponse:
    """The sign-in form with a token of its own cookie's (login CSRF: no other site can sign a
    browser in as someone else); the cookie is made when the browser has none yet."""
    held = request.cookies.get(web_settings(request).cookie(LOGIN_COOKIE)) if status != 403 else None
    secret = held or csrf.new_secret()  # a refused form (403) gets a fresh one: its cookie may be planted
    response = render(request, "login.html", {"next": next_url, "error": error, "username": username,
                                              "csrf": csrf.token_for(secret)}, status=status)
    if secret != held:
        set_cookie(request, response, LOGIN_COOKIE, secret, max_age=int(web_settings(request).session.total_seconds()))
    return response


async def login_form(request: Request) -> dict[str, str] | None:
    """The sign-in form; None where it was not posted from our own sign-in page (login CSRF)."""
    try:
        form = await _read_form(request)
        csrf.check_token(request.cookies.get(web_settings(request).cookie(LOGIN_COOKIE)), form.get(csrf.FIELD))
    except csrf.CrossSiteRequest:
        return None
    return form


# --- work queue ----------------------------------------------------------------------------

@router.get("/queue")
def queue(request: Request, rt: RuntimeDep, user: PageUser, kind: str = "", q: str = "",
          after: str = "") -> HTMLResponse:
    kinds = kinds_offered(rt)
    kind = kind if kind in kinds else ""
    q = normalise(q, field="q")
    found = queue_page(rt, user, rt.today(), kind=kind or None, q=q, after=_cursor(after) if after else None,
                       size=web_settings(request).queue_page_size, cap=web_settings(request).queue_count_cap)
    page, more, counts = found.items, found.more, found.counts
    base = {k: v for k, v in (("kind", kind), ("q", q)) if v}
    return render(request, "queue.html", {
        "items": page, "counts": counts, "kind": kind, "total": found.total, "group_totals": found.group_totals,
        # issue 16: a count past its cap is a floor, shown as "more than" it
        "counts_more": found.counts_more, "groups_more": found.groups_more, "total_more": found.total_more,
        "partial": found.partial,
        "kinds": [k for k in kinds_to_offer(counts, kind) if k in kinds], "q": q, "today": rt.today(),
        # issue 15: the application rounds closing within the queue's horizon, above the cases' work
        "rounds": closing_soon(rt, user, rt.today(), HORIZON),
        "first_url": "/queue?" + urlencode(base) if after else None,
        "next_url": "/queue?" + urlencode({**base, "after": _marker(page[-1].order)}) if more else None,
    }, user=user)


def _marker(order: tuple[Any, ...]) -> str:
    """A page's end as a link can carry it: the order of its last item (keyset paging)."""
    return base64.urlsafe_b64encode(json.dumps(order, ensure_ascii=False).encode("utf-8")).decode("ascii")


# the shape of Item.order: group, due date, kind, base, case, detail
_ORDER_TYPES = (int, str, int, str, str, str)


def _cursor(marker: str) -> tuple[Any, ...]:
    try:
        order = json.loads(base64.urlsafe_b64decode(marker.encode("ascii")))
    except ValueError:
        order = None
    if not (isinstance(order, list) and len(order) == len(_ORDER_TYPES)
            and all(type(v) is kind for v, kind in zip(order, _ORDER_TYPES, strict=True))):
        raise UnknownPage(f"after={marker!r} is not a page marker of the work queue")
    return tuple(order)


# --- my reminders --------------------------------------------------------------------------

REMINDERS_PAGE = 100


@router.get("/reminders")
def reminders_page(request: Request, rt: RuntimeDep, user: PageUser, page: str = "1") -> HTMLResponse:
    """The signed-in user's in-app reminders and escalations (issue 15), escalations first, then the
    newest; REMINDERS_PAGE a page."""
    if not (page.isascii() and page.isdigit() and 1 <= int(page) <= 100_000):
        raise UnknownPage(f"page={page!r} is not a page of the reminders")
    number = int(page)
    rows = my_reminders(rt, user, limit=REMINDERS_PAGE + 1, offset=(number - 1) * REMINDERS_PAGE)
    return render(request, "reminders.html", {
        "rows": rows[:REMINDERS_PAGE], "page": number, "more": len(rows) > REMINDERS_PAGE, "today": rt.today(),
    }, user=user)


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
    facts = named_facts(rt, case, events)
    policy = facts["policy"]
    reminders = [r for r in reminders_of(rt, case_id) if r["status"] in ("pending", "sending", "failed")]
    acts = [(name, forms.fields_for(name, case, policy)) for name in view["allowed_actions"]]
    known = {"on", "reason", *(f.name for f in forms.FIELDS.get(act or "", ()))}
    errors = errors or {}
    # issue 15: after an act the page opens at its notice, which says what was recorded (the act's
    # latest event: a `done` naming no act of the case shows none)
    done = request.query_params.get("done")
    recorded = next((e for e in reversed(events) if e.act == done), None) if done else None
    return render(request, "case.html", {
        "case": case, "view": view, "policy": policy, "events": events, "reminders": reminders, "acts": acts,
        "act": act, "values": values or {}, "errors": errors,
        "general_errors": [msg for field, msg in errors.items() if field not in known],
        "today": rt.today(), "done": recorded, "reason_limit": REASON_LIMIT,
        "svg": _diagram(t, events, rt), **facts,
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
        # ASCII digits only: '²'.isdigit() is true and int('²') fails
        known = version.isascii() and version.isdigit() and len(version) <= 10
        cases.ACTS[act](rt, case_id, on=on, reason=reason, actor=user.username, user=user,
                        expected_version=int(version) if known else None, **fields)
    except forms.FormErrors as exc:
        return _case_page(request, rt, user, case_id, act=act, values=form, errors=exc.errors, status=422)
    except CaseNotFound:
        return render(request, "not_found.html", {"case_id": case_id}, status=404, user=user)
    except DomainError as exc:
        return _case_page(request, rt, user, case_id, act=act, values=form,
                          errors={forms.field_of(exc): forms.message_of(exc, t)}, status=422)
    return RedirectResponse(f"/cases/{case_id}?done={act}#done", status_code=303)


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
    view, facts = None, {"people": {}}
    if then is not None:
        view = case_view(rt, then, user)
        view.pop("allowed_actions")  # acts are recorded on the case as it is now
        facts = named_facts(rt, then, shown)
    return render(request, "audit.html", {
        "case_id": case_id, "base_name": events[0].payload.get("base_name", "") if events else "",
        "day": day, "view": view, "events": shown, "dates": dates, "position": dates.index(day),
        "report": report, "today": rt.today(),
        "svg": _diagram(t, shown, rt), **facts,
    }, user=user)


@router.get("/cases/{case_id}/dossier.{fmt}")
def dossier_download(case_id: str, fmt: str, request: Request, rt: RuntimeDep, user: PageUser) -> Response:
    origin = Origin(user.username, client_address(request))  # every download on the security log
    return logged_export(rt, origin, "dossier", case_id,
                         lambda: dossier_file(dossier(rt, case_id, user), case_id, fmt, attach_json=True,
                                              lang=lang_of(request)), format=fmt)


# --- dashboard -----------------------------------------------------------------------------

# /dashboard and its export: api/web/dashboard.py

# the years the dashboard offers: this business year back to the first the service has rules for
# (Guizhou's policy from 2022; the official calendars from 2020)
FIRST_YEAR = 2020


def offered_years(rt) -> list[int]:
    return list(range(rt.today().year, FIRST_YEAR - 1, -1))
