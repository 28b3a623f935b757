"""Staff sign-in for the pages: a session cookie, CSRF protection, and where a signed-in user lands.

`POST /login` checks the password as `POST /auth/token` does and sets `eo_session`: an HttpOnly,
SameSite=Lax cookie holding a signed session token (JWT of type "session"). Its id is kept like a
refresh token's, so `POST /logout` ends the session at once, not only in this browser. Every form
carries `csrf_token` = HMAC-SHA256(JWT secret, session id); every POST under /app and /logout checks
it, so a page on another site cannot act in a signed-in user's name even where SameSite does not hold.

The sign-in form is guarded too (login CSRF: another site signing a visitor in as someone else, so
that what the visitor then reports is filed under that account). GET /login sets `eo_login`, a random
nonce in a SameSite=Strict cookie, and the form carries HMAC(JWT secret, "login:" + nonce); POST /login
refuses a form whose token does not match the cookie this browser holds.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, FastAPI, Form, HTTPException, Request, status
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from api.audit import audit, remember_claimed_actor, remember_principal
from api.deps import AppResources, Resources
from api.pages.rendering import render
from api.rate_limit import public_rate_limit
from api.security import InvalidToken, issue_token, read_token, verify_password
from domain.permissions import Principal
from elevator_orders.settings import Settings
from store.audit import Outcome

SESSION_COOKIE = "eo_session"
LOGIN_COOKIE = "eo_login"
# Long enough to fill in the form after a coffee; a stale form is answered with a fresh one.
_LOGIN_COOKIE_SECONDS = 2 * 3600
CSRF_FIELD = "csrf_token"
HOME = "/app"
STALE_PAGE = "页面已过期，请刷新后重试"
WRONG_CREDENTIALS = "用户名或密码错误"
# Longer than any user id or sane password: such a form is refused like wrong credentials, unread.
_MAX_CREDENTIAL_LENGTH = 200

router = APIRouter(include_in_schema=False)


@dataclass(frozen=True)
class StaffSession:
    """A signed-in staff member on the pages: who, the session's id, and the CSRF token of its forms."""

    principal: Principal
    session_id: str
    csrf_token: str


class SignInRequired(Exception):
    """No valid session: a page sends the browser to /login, then back to `next_path`."""

    def __init__(self, next_path: str, *, fragment: bool = False) -> None:
        super().__init__(next_path)
        self.next_path = next_path
        # A fragment fetched by a page's script gets a bare 401; the script reloads the whole page.
        self.fragment = fragment


class PageRefused(Exception):
    """A request the pages turn away with a sentence a person understands (e.g. a stale form)."""

    def __init__(self, status_code: int, message: str) -> None:
        super().__init__(message)
        self.status_code = status_code
        self.message = message


def csrf_token(settings: Settings, session_id: str) -> str:
    secret = settings.jwt_secret.get_secret_value().encode()
    return hmac.new(secret, session_id.encode(), hashlib.sha256).hexdigest()


def _login_token(settings: Settings, nonce: str) -> str:
    # Its own message prefix, so that a login token can never pass as a session's CSRF token.
    return csrf_token(settings, f"login:{nonce}")


def _login_nonce(request: Request) -> str:
    """This browser's sign-in nonce: the one its cookie holds, else a fresh one (set by `_login_page`)."""
    held = request.cookies.get(LOGIN_COOKIE, "")
    return held if 20 <= len(held) <= 100 else secrets.token_urlsafe(32)


def _login_page(
    request: Request, settings: Settings, *, status_code: int = 200, **context: Any
) -> HTMLResponse:
    """The sign-in form, with the token of this browser's nonce (and the cookie holding the nonce)."""
    nonce = _login_nonce(request)
    response = render(
        request,
        "staff/login.html",
        status_code=status_code,
        title="工作人员登录",
        csrf_token=_login_token(settings, nonce),
        **context,
    )
    response.set_cookie(
        LOGIN_COOKIE,
        nonce,
        max_age=_LOGIN_COOKIE_SECONDS,
        path="/login",
        httponly=True,
        samesite="strict",
        secure=settings.environment != "development",
    )
    return response


def _login_form_is_ours(request: Request, settings: Settings, form_token: str) -> bool:
    nonce = request.cookies.get(LOGIN_COOKIE)
    if not nonce:
        return False
    return hmac.compare_digest(form_token.encode(), _login_token(settings, nonce).encode())


def safe_next(path: str | None) -> str:
    """Where to go after signing in: a page of this site under /app, never another site."""
    if path and path.startswith(HOME) and not path.startswith("//") and "\\" not in path:
        return path
    return HOME


async def _session_of(request: Request, resources: AppResources) -> StaffSession | None:
    token = request.cookies.get(SESSION_COOKIE)
    if not token:
        return None
    try:
        claims = read_token(resources.settings, token, "session", now=resources.clock())
    except InvalidToken:
        return None
    # The audit trail names whom a refused session claimed to be, as it does for a bearer token.
    remember_claimed_actor(request, claims.user_id)
    account = await resources.accounts.account(claims.user_id)
    if account is None or not account.active:
        return None
    if not await resources.accounts.session_live(claims.jti, claims.user_id, resources.clock()):
        return None
    remember_principal(request, account.principal)
    return StaffSession(
        principal=account.principal,
        session_id=claims.jti,
        csrf_token=csrf_token(resources.settings, claims.jti),
    )


def _here(request: Request) -> str:
    query = request.url.query
    return request.url.path + (f"?{query}" if query else "")


async def _staff_session(request: Request, resources: Resources) -> StaffSession:
    session = await _session_of(request, resources)
    if session is None:
        # After signing in, a form's POST cannot be replayed: the user lands on the page it came from.
        target = _here(request) if request.method == "GET" else HOME
        raise SignInRequired(target)
    return session


StaffSessionDep = Annotated[StaffSession, Depends(_staff_session)]


async def _fragment_session(request: Request, resources: Resources) -> StaffSession:
    session = await _session_of(request, resources)
    if session is None:
        raise SignInRequired(HOME, fragment=True)
    return session


FragmentSession = Annotated[StaffSession, Depends(_fragment_session)]


async def _checked_session(
    session: StaffSessionDep, form_token: Annotated[str, Form(alias=CSRF_FIELD)] = ""
) -> StaffSession:
    if not hmac.compare_digest(form_token.encode(), session.csrf_token.encode()):
        raise PageRefused(status.HTTP_403_FORBIDDEN, STALE_PAGE)
    return session


# Every POST of the pages: a valid session, and the CSRF token of the form it rendered.
CheckedSession = Annotated[StaffSession, Depends(_checked_session)]


def staff_page(
    request: Request, template: str, session: StaffSession, status_code: int = 200, **context: Any
) -> HTMLResponse:
    """A staff page: the signed-in user and the CSRF token its forms carry are in every one."""
    return render(
        request,
        template,
        status_code=status_code,
        user=session.principal,
        csrf_token=session.csrf_token,
        **context,
    )


@router.get("/login", response_class=HTMLResponse)
async def login_form(
    request: Request, resources: Resources, next: str = HOME, signed_out: bool = False
) -> HTMLResponse:
    return _login_page(
        request,
        resources.settings,
        next=safe_next(next),
        notice="您已退出登录" if signed_out else None,
    )


@router.post("/login", response_class=HTMLResponse)
async def sign_in(
    request: Request,
    resources: Resources,
    username: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = HOME,
    form_token: Annotated[str, Form(alias=CSRF_FIELD)] = "",
) -> Response:
    def form_again(message: str, status_code: int) -> HTMLResponse:
        return _login_page(
            request,
            resources.settings,
            status_code=status_code,
            next=safe_next(next),
            username=username[:_MAX_CREDENTIAL_LENGTH],
            error=message,
        )

    # Password guessing: the same per-address budget as POST /auth/token.
    try:
        await public_rate_limit("sign_in")(request)
    except HTTPException as refused:
        return form_again(str(refused.detail), refused.status_code)
    username = username.strip()
    remember_claimed_actor(request, username[:_MAX_CREDENTIAL_LENGTH] or "unknown")
    if not _login_form_is_ours(request, resources.settings, form_token):
        # Sent from another site, or a form older than its cookie: the password is not even looked at.
        return form_again(STALE_PAGE, status.HTTP_403_FORBIDDEN)
    too_long = len(username) > _MAX_CREDENTIAL_LENGTH or len(password) > _MAX_CREDENTIAL_LENGTH
    account = None if too_long or not username else await resources.accounts.account(username)
    # The same answer, after the same work, for an unknown user, a wrong password and a deactivated account.
    valid = verify_password(password[:_MAX_CREDENTIAL_LENGTH], account.password_hash if account else None)
    if account is None or not valid or not account.active:
        return form_again(WRONG_CREDENTIALS, status.HTTP_401_UNAUTHORIZED)
    remember_principal(request, account.principal)
    settings = resources.settings
    issued = issue_token(settings, account.principal.user_id, "session", now=resources.clock())
    await resources.accounts.keep_refresh_token(issued.jti, account.principal.user_id, issued.expires_at)
    response = RedirectResponse(safe_next(next), status_code=status.HTTP_303_SEE_OTHER)
    response.set_cookie(
        SESSION_COOKIE,
        issued.token,
        max_age=int(settings.session_hours * 3600),
        path="/",
        httponly=True,
        samesite="lax",
        secure=settings.environment != "development",
    )
    return response


@router.post("/logout")
async def sign_out(session: CheckedSession, resources: Resources) -> RedirectResponse:
    await resources.accounts.end_session(session.session_id, resources.clock())
    response = RedirectResponse("/login?signed_out=1", status_code=status.HTTP_303_SEE_OTHER)
    response.delete_cookie(
        SESSION_COOKIE,
        path="/",
        httponly=True,
        samesite="lax",
        secure=resources.settings.environment != "development",
    )
    return response


async def _sign_in_required(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, SignInRequired)
    if request.method not in ("GET", "HEAD"):
        # A form sent without a session is a refusal, whatever page the browser is shown next.
        resources: AppResources = request.app.state.resources
        await audit(resources, request, None, outcome=Outcome.DENIED)
    if exc.fragment:
        return Response(status_code=status.HTTP_401_UNAUTHORIZED)
    return RedirectResponse(
        f"/login?next={quote(exc.next_path, safe='/')}", status_code=status.HTTP_303_SEE_OTHER
    )


async def _page_refused(request: Request, exc: Exception) -> HTMLResponse:
    assert isinstance(exc, PageRefused)
    return render(
        request, "staff/problem.html", status_code=exc.status_code, title="无法完成操作", error=exc.message
    )


def install_page_errors(app: FastAPI) -> None:
    """The pages' own refusals: to /login without a session; a page with a sentence otherwise."""
    app.add_exception_handler(SignInRequired, _sign_in_required)
    app.add_exception_handler(PageRefused, _page_refused)
