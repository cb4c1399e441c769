"""The pages of signing in and of one's own account: the password, then the one-time code or the
enrolment of an authenticator, then a new password where the old one expired (services.signin);
signing out; changing one's password and turning on two-factor sign-in (/account).

The session is an API token with a fixed lifetime and an idle time-out, kept in an HttpOnly,
SameSite=Strict cookie. Between two steps the sign-in is a ticket, carried in the step's form
(random, one use, a few minutes, for the one client address): nothing of a half-done sign-in
is in a cookie. Every form before the session, the steps' too, carries the sign-in page's own
CSRF token (api/web/csrf.py: login CSRF); every form after it, the session's.
"""
from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from api.deps import RuntimeDep, client_address
from api.web import csrf
from api.web.i18n import Translator
from api.web.routes import (
    COOKIE,
    LOGIN_COOKIE,
    PASSWORD_LIMIT,
    USERNAME_LIMIT,
    Form,
    PageUser,
    _login_form,
    _safe_next,
    lang_of,
    login_form,
    render,
    session_token,
    set_cookie,
    web_settings,
)
from services import signin, two_factor, users
from services.lockout import LockedOut
from services.passwords import WeakPassword
from services.signin import SignInStep
from services.text import InvalidText, normalise
from services.users import Unauthenticated
from services.values import Origin
from statemachines.acts import BUSINESS_ZONE
from statemachines.errors import DomainError

router = APIRouter(include_in_schema=False)


def install(app: FastAPI) -> None:
    app.include_router(router)


def refusal(exc: DomainError, t: Translator) -> str:
    """A refusal as the person reads it, in the page's language."""
    if isinstance(exc, LockedOut):
        until = exc.lock.until.astimezone(BUSINESS_ZONE).strftime("%Y-%m-%d %H:%M")
        return t(f"locked.{exc.lock.scope}").format(until=until)
    if isinstance(exc, WeakPassword):
        return t(f"weak.{exc.details.get('reason')}").format(n=exc.details.get("min_length", ""))
    key = f"e.{exc.code}"
    # the sign-in pages' own words where they have them, else the catalogue's (never the English)
    return t(key) if t(key) != exc.code else exc.localized(t.lang)


LoginForm = Annotated[dict[str, str] | None, Depends(login_form)]


@router.get("/login")
def login_page(request: Request, next: str = "/queue") -> HTMLResponse:
    return _login_form(request, _safe_next(next))


@router.post("/login")
def login(request: Request, rt: RuntimeDep, form: LoginForm) -> Response:
    t = Translator(lang_of(request))
    if form is None:  # not posted from our own sign-in page: shown again with a fresh token
        return _login_form(request, "/queue", error=t("login_expired"), status=403)
    next_url = _safe_next(form.get("next"))
    try:
        username = normalise(form.get("username", ""), field="username")[:USERNAME_LIMIT]
    except InvalidText:
        username = ""
    try:
        step = signin.sign_in(rt, username, form.get("password", "")[:PASSWORD_LIMIT], client_address(request))
    except (signin.SignInFailed, LockedOut) as exc:
        error = t("wrong_login") if isinstance(exc, signin.SignInFailed) else refusal(exc, t)
        return _login_form(request, next_url, error=error, username=username,
                           status=429 if isinstance(exc, LockedOut) else 401)
    return _after(request, rt, step, next_url)


@router.post("/login/step")
def login_step(request: Request, rt: RuntimeDep, form: LoginForm) -> Response:
    """The next step of a started sign-in: the one-time code (or a recovery code), the first code of
    a new authenticator, or a new password."""
    t = Translator(lang_of(request))
    if form is None:
        return _login_form(request, "/queue", error=t("login_expired"), status=403)
    ticket, next_url = form.get("ticket", "")[:200], _safe_next(form.get("next"))
    stage = form.get("stage", "")
    new_password = form.get("new_password", "")[:PASSWORD_LIMIT]
    try:
        if stage == "password" and new_password != form.get("new_password_again", ""):
            raise _Mismatch()
        step = signin.proceed(rt, ticket, client_address(request), code=form.get("code", "")[:100],
                              new_password=new_password)
    except _Mismatch:
        return _step_page(request, stage, ticket, next_url, t("passwords_differ"), status=422)
    except (signin.SignInExpired, LockedOut) as exc:
        return _login_form(request, next_url, error=refusal(exc, t), status=429 if isinstance(exc, LockedOut) else 401)
    except DomainError as exc:  # a wrong code, a password the policy refuses: the same step again
        return _step_page(request, stage, ticket, next_url, refusal(exc, t), status=422)
    return _after(request, rt, step, next_url)


@router.post("/logout")
def logout(request: Request, rt: RuntimeDep, form: Form) -> RedirectResponse:
    # the session's token is revoked, not only forgotten: a copied cookie is worth nothing after;
    # and only from one of its own pages (the form's token), so no other site can sign anyone out
    if token := session_token(request):
        signin.sign_out(rt, token, client_address(request))
    response = RedirectResponse("/login", status_code=303)
    web = web_settings(request)
    response.delete_cookie(web.cookie(COOKIE), path="/", secure=web.https, httponly=True, samesite="strict")
    return response


# --- one's own account: password and two-factor sign-in -------------------------------------

@router.get("/account")
def account_page(request: Request, rt: RuntimeDep, user: PageUser) -> HTMLResponse:
    return _account(request, rt, user)


@router.post("/account/password")
def change_password(request: Request, rt: RuntimeDep, user: PageUser, form: Form) -> HTMLResponse:
    t = Translator(lang_of(request))
    new = form.get("new_password", "")[:1000]
    if new != form.get("new_password_again", ""):
        return _account(request, rt, user, password_error=t("passwords_differ"), status=422)
    try:
        users.change_own_password(rt, user, form.get("current_password", "")[:1000], new,
                                  Origin(user.username, client_address(request)), session_token(request))
    except Unauthenticated:
        return _account(request, rt, user, password_error=t("wrong_current_password"), status=422)
    except DomainError as exc:
        return _account(request, rt, user, password_error=refusal(exc, t), status=422)
    response = _account(request, rt, user, done=t("password_changed"))
    return response


@router.post("/account/two-factor")
def begin_two_factor(request: Request, rt: RuntimeDep, user: PageUser, form: Form) -> HTMLResponse:
    t = Translator(lang_of(request))
    try:
        secret = two_factor.begin(rt, user, Origin(user.username, client_address(request)))
    except DomainError as exc:
        return _account(request, rt, user, two_factor_error=refusal(exc, t), status=409)
    return _account(request, rt, user, secret=secret, uri=two_factor.provisioning_uri(rt, user.username, secret))


@router.post("/account/two-factor/confirm")
def confirm_two_factor(request: Request, rt: RuntimeDep, user: PageUser, form: Form) -> HTMLResponse:
    t = Translator(lang_of(request))
    try:
        codes = two_factor.turn_on(rt, user, form.get("code", "")[:100],
                                      Origin(user.username, client_address(request)))
    except DomainError as exc:
        secret = two_factor.pending_secret(rt, user)  # the same secret again, for another try
        return _account(request, rt, user, two_factor_error=refusal(exc, t), status=422, secret=secret,
                        uri=two_factor.provisioning_uri(rt, user.username, secret) if secret else None)
    return _account(request, rt, user, recovery_codes=codes, done=t("two_factor_on"))


def _account(request: Request, rt, user, *, status: int = 200, **context: Any) -> HTMLResponse:
    state = two_factor.state(rt, user)
    return render(request, "account.html", {
        "enrolled": state.enrolled, "codes_left": state.codes_left,
        "required": two_factor.requires_two_factor(rt, user), "min_length": rt.security.password_min_length,
        "secret": None, "uri": None, "recovery_codes": None, "done": None, "password_error": None,
        "two_factor_error": None, **context}, status=status, user=user)


# --- helpers -------------------------------------------------------------------------------

class _Mismatch(Exception):
    pass


def _after(request: Request, rt, step: SignInStep, next_url: str) -> Response:
    """The session cookie and the page asked for, or the page of the next step."""
    if step.stage != "done":
        return _step_page(request, step.stage, step.ticket or "", next_url, None, step=step)
    assert step.token is not None
    lifetime = int(rt.security.session_lifetime.total_seconds())
    if step.recovery_codes:  # shown this once, with the way on
        response: Response = render(request, "signin_step.html", {
            "stage": "codes", "ticket": "", "next": next_url, "error": None, "step": step, "secret": None,
            "uri": None, "min_length": rt.security.password_min_length}, user=step.user)
    else:
        response = RedirectResponse(next_url, status_code=303)
    set_cookie(request, response, COOKIE, step.token, max_age=lifetime)
    web = web_settings(request)
    response.delete_cookie(web.cookie(LOGIN_COOKIE), path="/", secure=web.https, httponly=True, samesite="strict")
    return response


def _step_page(request: Request, stage: str, ticket: str, next_url: str, error: str | None,
               *, step: SignInStep | None = None, status: int = 200) -> HTMLResponse:
    rt = request.app.state.runtime
    secret, uri = (step.secret, step.uri) if step else (None, None)
    if stage == "enrol" and secret is None:  # a wrong first code: the same secret again
        held = signin.enrolling_secret(rt, ticket, client_address(request))
        if held is not None:
            secret, uri = held[1], two_factor.provisioning_uri(rt, *held)
    return render(request, "signin_step.html", {
        "stage": stage if stage in signin.STAGES else "totp", "ticket": ticket, "next": next_url, "error": error,
        "step": step, "secret": secret, "uri": uri, "min_length": rt.security.password_min_length,
        "csrf": _login_token(request)}, status=status)


def _login_token(request: Request) -> str:
    """The sign-in page's CSRF token, for the forms of the steps before the session (login CSRF)."""
    secret = request.cookies.get(web_settings(request).cookie(LOGIN_COOKIE))
    return csrf.token_for(secret) if secret else ""
