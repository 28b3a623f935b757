"""API keys of machine clients (remote-monitoring platforms posting alarms): issued, rotated, revoked.

The platform operator's account administrators manage them; the key itself is shown once.
"""

from typing import Any

from fastapi import APIRouter, HTTPException, status

from api.auth_schemas import ApiKeyCreate, ApiKeyIssued, ApiKeyOut
from api.deps import CurrentPrincipal, Resources
from api.errors import field_error
from api.schemas import ErrorOut
from api.security import new_api_key
from domain.permissions import Principal
from domain.roles import OrganisationKind, Role
from store.models import ApiKey

router = APIRouter(prefix="/api-keys", tags=["api keys"])

_ERRORS: dict[int | str, dict[str, Any]] = {403: {"model": ErrorOut}, 404: {"model": ErrorOut}}


def _require_admin(principal: Principal) -> None:
    if principal.organisation_kind is not OrganisationKind.PLATFORM_OPERATOR or (
        Role.OPERATOR_ADMIN not in principal.roles
    ):
        raise HTTPException(
            status.HTTP_403_FORBIDDEN, detail="API keys are managed by the platform's account administrators"
        )


async def _issue(
    resources: Resources, organisation_id: str, name: str, scopes: list[str], replaces: str | None
) -> ApiKeyIssued:
    issued = new_api_key()
    key = ApiKey(
        id=issued.key_id,
        organisation_id=organisation_id,
        name=name,
        scopes=list(scopes),
        secret_hash=issued.secret_hash,
        created_at=resources.clock(),
        replaces=replaces,
    )
    await resources.accounts.add_api_key(key)
    return ApiKeyIssued(**ApiKeyOut.model_validate(key).model_dump(), key=issued.plaintext)


@router.post("", response_model=ApiKeyIssued, status_code=status.HTTP_201_CREATED, responses=_ERRORS)
async def create_api_key(
    body: ApiKeyCreate, principal: CurrentPrincipal, resources: Resources
) -> ApiKeyIssued:
    _require_admin(principal)
    if await resources.registry.organisation(body.organisation_id) is None:
        raise field_error("organisation_id", f"no organisation {body.organisation_id!r}")
    return await _issue(resources, body.organisation_id, body.name, list(body.scopes), replaces=None)


@router.get("", response_model=list[ApiKeyOut], responses=_ERRORS)
async def list_api_keys(principal: CurrentPrincipal, resources: Resources) -> list[ApiKeyOut]:
    _require_admin(principal)
    return [ApiKeyOut.model_validate(key) for key in await resources.accounts.api_keys()]


@router.post(
    "/{key_id}/rotate", response_model=ApiKeyIssued, status_code=status.HTTP_201_CREATED, responses=_ERRORS
)
async def rotate_api_key(key_id: str, principal: CurrentPrincipal, resources: Resources) -> ApiKeyIssued:
    """A new key with the same owner and scopes; the old one stops working at once."""
    _require_admin(principal)
    found = await resources.accounts.api_key(key_id)
    if found is None or found[0].revoked_at is not None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail=f"no live API key {key_id!r}")
    old = found[0]
    await resources.accounts.revoke_api_key(key_id, resources.clock())
    return await _issue(resources, old.organisation_id, old.name, list(old.scopes), replaces=old.id)


@router.delete("/{key_id}", status_code=status.HTTP_204_NO_CONTENT, responses=_ERRORS)
async def revoke_api_key(key_id: str, principal: CurrentPrincipal, resources: Resources) -> None:
    _require_admin(principal)
    if not await resources.accounts.revoke_api_key(key_id, resources.clock()):
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail=f"no live API key {key_id!r}")
