"""Bodies of sign-in, token refresh and API-key administration."""

from datetime import datetime
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, WithJsonSchema
from pydantic_core import PydanticCustomError

from domain.permissions import INTAKE_SCOPES


def _known_scope(scope: str) -> str:
    if scope not in INTAKE_SCOPES:
        expected = " or ".join(repr(known) for known in INTAKE_SCOPES)
        raise PydanticCustomError("literal_error", "Input should be {expected}", {"expected": expected})
    return scope


# What a machine client's key may do; each scope names the one kind of ticket it opens. The kinds that
# take machine intake say so in their specs; the schema lists the scopes as an enum, as before.
KeyScope = Annotated[
    str,
    AfterValidator(_known_scope),
    WithJsonSchema({"type": "string", "enum": list(INTAKE_SCOPES)}),
]


class TokenPair(BaseModel):
    access_token: str
    refresh_token: str
    token_type: Literal["bearer"] = "bearer"
    expires_in: int = Field(description="Seconds until the access token expires")


class RefreshBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    refresh_token: str = Field(min_length=1, max_length=2000)


class MeOut(BaseModel):
    user_id: str
    name: str
    organisation_id: str
    organisation_kind: str
    district: str
    roles: list[str]


class ApiKeyCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    organisation_id: str = Field(min_length=1, max_length=64)
    name: str = Field(min_length=1, max_length=100, description="Which client holds it, e.g. 某远程监测平台")
    scopes: list[KeyScope] = Field(min_length=1)


class ApiKeyOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: str
    organisation_id: str
    name: str
    scopes: list[str]
    created_at: datetime
    revoked_at: datetime | None
    replaces: str | None


class ApiKeyIssued(ApiKeyOut):
    key: str = Field(description="The key itself, shown this once: only its hash is kept")
