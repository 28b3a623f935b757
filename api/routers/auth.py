"""Signing in (OAuth2 password flow), refreshing and signing out; who am I."""

from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Request, status
from fastapi.security import OAuth2PasswordRequestForm

from api.audit import remember_claimed_actor, remember_principal
from api.auth_schemas import MeOut, RefreshBody, TokenPair
from api.deps import CurrentPrincipal, Resources
from api.rate_limit import public_rate_limit
from api.schemas import ErrorOut
from api.security import InvalidToken, issue_token, read_token, verify_password

router = APIRouter(prefix="/auth", tags=["auth"])

_FAILED: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorOut, "description": "Wrong credentials, or an expired or used refresh token"}
}


async def _pair(resources: Resources, user_id: str) -> TokenPair:
    settings = resources.settings
    now = resources.clock()
    access = issue_token(settings, user_id, "access", now=now)
    refresh = issue_token(settings, user_id, "refresh", now=now)
    await resources.accounts.keep_refresh_token(refresh.jti, user_id, refresh.expires_at)
    return TokenPair(
        access_token=access.token,
        refresh_token=refresh.token,
        expires_in=int(settings.access_token_minutes * 60),
    )


# Password guessing is the abuse sign-in invites: the same per-address budget as every public endpoint.
@router.post(
    "/token",
    response_model=TokenPair,
    responses=_FAILED,
    tags=["public"],
    dependencies=[Depends(public_rate_limit("sign_in"))],
)
async def sign_in(
    form: Annotated[OAuth2PasswordRequestForm, Depends()], request: Request, resources: Resources
) -> TokenPair:
    """Sign in with user id and password; the access token lasts minutes, the refresh token days."""
    # The audit trail names whom a failed sign-in tried to be.
    remember_claimed_actor(request, form.username)
    account = await resources.accounts.account(form.username)
    # The same answer for an unknown user, a wrong password and a deactivated account.
    valid = verify_password(form.password, account.password_hash if account else None)
    if account is None or not valid or not account.active:
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            detail="用户名或密码错误",
            headers={"WWW-Authenticate": "Bearer"},
        )
    remember_principal(request, account.principal)
    return await _pair(resources, account.principal.user_id)


@router.post(
    "/refresh",
    response_model=TokenPair,
    responses=_FAILED,
    tags=["public"],
    dependencies=[Depends(public_rate_limit("sign_in"))],
)
async def refresh(body: RefreshBody, request: Request, resources: Resources) -> TokenPair:
    """A new pair for a live refresh token; each refresh token works once."""
    try:
        claims = read_token(resources.settings, body.refresh_token, "refresh", now=resources.clock())
    except InvalidToken as error:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, detail=f"invalid refresh token: {error}") from error
    remember_claimed_actor(request, claims.user_id)
    account = await resources.accounts.account(claims.user_id)
    live = await resources.accounts.use_refresh_token(claims.jti, claims.user_id, resources.clock())
    if account is None or not account.active or not live:
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED, detail="this refresh token is used, revoked or expired"
        )
    remember_principal(request, account.principal)
    return await _pair(resources, claims.user_id)


@router.post("/logout", status_code=status.HTTP_204_NO_CONTENT)
async def sign_out(principal: CurrentPrincipal, resources: Resources) -> None:
    """Revoke every refresh token of the signed-in user; access tokens run out within minutes."""
    await resources.accounts.revoke_refresh_tokens(principal.user_id, resources.clock())


@router.get("/me", response_model=MeOut)
async def me(principal: CurrentPrincipal) -> MeOut:
    return MeOut(
        user_id=principal.user_id,
        name=principal.name,
        organisation_id=principal.organisation_id,
        organisation_kind=principal.organisation_kind.value,
        district=principal.district,
        roles=sorted(role.value for role in principal.roles),
    )
