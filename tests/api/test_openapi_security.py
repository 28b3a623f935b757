"""The OpenAPI document as a security checklist: every operation is public on purpose or asks for a credential."""

from __future__ import annotations

from typing import Any

from tests.api.conftest import Api

HTTP_METHODS = {"get", "put", "post", "delete", "patch", "head", "options", "trace"}
# The schemes api/deps.py declares: a user's bearer token, or a machine client's API key.
CREDENTIAL_SCHEMES = {"OAuth2PasswordBearer", "APIKeyHeader"}


def _operations(openapi: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (method.upper(), path, operation)
        for path, item in openapi["paths"].items()
        for method, operation in item.items()
        if method in HTTP_METHODS
    ]


async def _openapi(api: Api) -> dict[str, Any]:
    response = await api.http.get("/openapi.json")
    assert response.status_code == 200
    body: dict[str, Any] = response.json()
    return body


async def test_every_operation_is_public_or_asks_for_a_credential(api: Api) -> None:
    openapi = await _openapi(api)
    schemes = openapi["components"]["securitySchemes"]
    assert set(schemes) == CREDENTIAL_SCHEMES
    unguarded = [
        f"{method} {path}"
        for method, path, operation in _operations(openapi)
        if "public" not in operation.get("tags", [])
        and not any(set(requirement) & CREDENTIAL_SCHEMES for requirement in operation.get("security", []))
    ]
    assert unguarded == []


async def test_no_public_operation_acts_on_a_ticket(api: Api) -> None:
    public = [
        f"{method} {path}"
        for method, path, operation in _operations(await _openapi(api))
        if "public" in operation.get("tags", [])
    ]
    assert "GET /healthz" in public
    assert [operation for operation in public if operation.split(" ")[1].startswith("/tickets/{")] == []
