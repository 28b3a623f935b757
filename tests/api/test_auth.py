"""Signing in (issue 6): passwords and token pairs, tokens that do not hold, refresh, sign-out, API keys."""

from __future__ import annotations

import base64
import os
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from pydantic import SecretStr

from api.app import create_app
from api.security import InvalidToken, issue_token, read_token
from elevator_orders.settings import InsecureSettings, Settings
from store.accounts import AccountRepository
from store.database import Database
from store.db import make_engine
from store.seed import DEMO_PASSWORD
from tests.api.conftest import PUDONG_A, Api, new_ref

USER = "u-safety-lujiazui"
ADMIN = "u-operator-admin"
WRONG_CREDENTIALS = "用户名或密码错误"


async def _sign_in(http: httpx.AsyncClient, username: str, password: str = DEMO_PASSWORD) -> httpx.Response:
    return await http.post("/auth/token", data={"username": username, "password": password})


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def _me(http: httpx.AsyncClient, token: str) -> httpx.Response:
    return await http.get("/auth/me", headers=_bearer(token))


def _real_secret() -> SecretStr:
    return SecretStr(base64.b64encode(os.urandom(32)).decode())


@pytest.fixture
async def accounts(settings: Settings) -> AsyncIterator[AccountRepository]:
    engine = make_engine(settings.effective_database_url)
    try:
        yield AccountRepository(Database(engine))
    finally:
        await engine.dispose()


async def test_the_demo_password_gives_a_token_pair_that_says_who_i_am(
    api_without_temporal: httpx.AsyncClient,
) -> None:
    signed_in = await _sign_in(api_without_temporal, USER)

    assert signed_in.status_code == 200, signed_in.text
    pair = signed_in.json()
    assert pair["token_type"] == "bearer"
    assert pair["expires_in"] == 15 * 60
    assert pair["access_token"] != pair["refresh_token"]
    me = await _me(api_without_temporal, pair["access_token"])
    assert me.status_code == 200, me.text
    assert me.json() == {
        "user_id": USER,
        "name": "刘经理",
        "organisation_id": "uu-lujiazui",
        "organisation_kind": "use_unit",
        "district": "pudong",
        "roles": ["safety_manager"],
    }


async def test_a_wrong_password_and_an_unknown_user_get_the_same_answer(
    api_without_temporal: httpx.AsyncClient,
) -> None:
    wrong_password = await _sign_in(api_without_temporal, USER, "not-the-password")
    unknown_user = await _sign_in(api_without_temporal, "u-nobody")

    for refused in (wrong_password, unknown_user):
        assert refused.status_code == 401
        assert refused.json() == {"detail": WRONG_CREDENTIALS}
        assert refused.headers["WWW-Authenticate"] == "Bearer"
    assert (await api_without_temporal.get("/auth/me")).status_code == 401


def _tampered(token: str) -> str:
    """The token with one character of its signature changed (not the last: its low bits are padding)."""
    head, _, signature = token.rpartition(".")
    flipped = "A" if signature[5] != "A" else "B"
    return f"{head}.{signature[:5]}{flipped}{signature[6:]}"


async def test_tokens_that_do_not_hold_are_401(
    api_without_temporal: httpx.AsyncClient, settings: Settings
) -> None:
    long_ago = datetime.now(UTC) - timedelta(hours=2)
    good = issue_token(settings, USER, "access").token
    other_secret = settings.model_copy(update={"jwt_secret": _real_secret()})
    not_tokens = {
        "expired": issue_token(settings, USER, "access", now=long_ago).token,
        "tampered": _tampered(good),
        "signed with another secret": issue_token(other_secret, USER, "access").token,
        "a refresh token": issue_token(settings, USER, "refresh").token,
        "not a token at all": "not-a-jwt",
    }

    assert (await _me(api_without_temporal, good)).status_code == 200
    for what, token in not_tokens.items():
        refused = await _me(api_without_temporal, token)
        assert refused.status_code == 401, what
        assert refused.json()["detail"].startswith("invalid access token"), what


def test_a_token_read_before_still_expires_on_time(settings: Settings) -> None:
    issued_at = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
    token = issue_token(settings, USER, "access", now=issued_at)
    lifetime = token.expires_at - issued_at

    # The first reads verify the signature and keep it; the expiry is checked again on every read.
    assert read_token(settings, token.token, "access", now=issued_at).user_id == USER
    assert read_token(settings, token.token, "access", now=token.expires_at - lifetime / 2).user_id == USER
    with pytest.raises(InvalidToken, match="expired"):
        read_token(settings, token.token, "access", now=token.expires_at)
    with pytest.raises(InvalidToken, match="refresh token is needed"):
        read_token(settings, token.token, "refresh", now=issued_at)


async def test_a_refresh_token_works_once(api_without_temporal: httpx.AsyncClient) -> None:
    pair = (await _sign_in(api_without_temporal, USER)).json()

    refreshed = await api_without_temporal.post(
        "/auth/refresh", json={"refresh_token": pair["refresh_token"]}
    )
    again = await api_without_temporal.post("/auth/refresh", json={"refresh_token": pair["refresh_token"]})

    assert refreshed.status_code == 200, refreshed.text
    assert (await _me(api_without_temporal, refreshed.json()["access_token"])).status_code == 200
    assert again.status_code == 401
    # The new refresh token is a new one, and works (once).
    newer = await api_without_temporal.post(
        "/auth/refresh", json={"refresh_token": refreshed.json()["refresh_token"]}
    )
    assert newer.status_code == 200, newer.text
    access_as_refresh = await api_without_temporal.post(
        "/auth/refresh", json={"refresh_token": pair["access_token"]}
    )
    assert access_as_refresh.status_code == 401


async def test_signing_out_revokes_every_refresh_token(api_without_temporal: httpx.AsyncClient) -> None:
    phone = (await _sign_in(api_without_temporal, USER)).json()
    laptop = (await _sign_in(api_without_temporal, USER)).json()

    signed_out = await api_without_temporal.post("/auth/logout", headers=_bearer(laptop["access_token"]))

    assert signed_out.status_code == 204
    for pair in (phone, laptop):
        refused = await api_without_temporal.post(
            "/auth/refresh", json={"refresh_token": pair["refresh_token"]}
        )
        assert refused.status_code == 401
    assert (await api_without_temporal.post("/auth/logout")).status_code == 401


async def test_a_deactivated_user_is_locked_out_at_once(
    api_without_temporal: httpx.AsyncClient, accounts: AccountRepository
) -> None:
    pair = (await _sign_in(api_without_temporal, USER)).json()
    assert (await _me(api_without_temporal, pair["access_token"])).status_code == 200

    await accounts.set_active(USER, False)

    assert (await _me(api_without_temporal, pair["access_token"])).status_code == 401
    refresh = await api_without_temporal.post("/auth/refresh", json={"refresh_token": pair["refresh_token"]})
    assert refresh.status_code == 401
    sign_in = await _sign_in(api_without_temporal, USER)
    assert (sign_in.status_code, sign_in.json()) == (401, {"detail": WRONG_CREDENTIALS})
    await accounts.set_active(USER, True)
    assert (await _sign_in(api_without_temporal, USER)).status_code == 200


def _alarm(ref: str | None = None) -> dict[str, Any]:
    return {"elevator_code": PUDONG_A, "source": "alarm", "ref": ref or new_ref(), "alarm_type": "用户报警"}


def _fault() -> dict[str, Any]:
    return {"elevator_code": PUDONG_A, "source": "alarm", "ref": new_ref(), "fault_type": "door_open_fault"}


async def test_api_keys_are_issued_used_rotated_and_revoked(api: Api) -> None:
    request = {"organisation_id": "emergency-110", "name": "某远程监测平台", "scopes": ["rescue:report"]}
    refused = await api.http.post("/api-keys", json=request, headers={"X-User-Id": USER})
    assert refused.status_code == 403
    # Only kinds that take machine intake have a scope: a hazard is reported by people.
    unknown = {**request, "scopes": ["hazard:report"]}
    no_such_scope = await api.http.post("/api-keys", json=unknown, headers={"X-User-Id": ADMIN})
    assert no_such_scope.status_code == 422
    assert no_such_scope.json()["detail"][0]["loc"] == ["body", "scopes", 0]
    assert "'rescue:report' or 'fault_repair:report'" in no_such_scope.json()["detail"][0]["msg"]

    issued = await api.http.post("/api-keys", json=request, headers={"X-User-Id": ADMIN})
    assert issued.status_code == 201, issued.text
    key_id, key = issued.json()["id"], issued.json()["key"]
    assert key.startswith(f"eo_{key_id}_")
    listed = await api.http.get("/api-keys", headers={"X-User-Id": ADMIN})
    assert [item["id"] for item in listed.json()] == [key_id]
    assert key not in listed.text, "the key is shown once, when issued"
    with_key = {"X-API-Key": key}

    alarm = await api.http.post("/tickets/rescue", json=_alarm(), headers=with_key)
    assert alarm.status_code == 201, alarm.text
    rescue = await api.ticket(alarm.json()["ticket_id"])
    assert rescue["timeline"][0]["actor_role"] == "monitoring_system"
    lacks_scope = await api.http.post("/tickets/fault-repair", json=_fault(), headers=with_key)
    assert lacks_scope.status_code == 403
    assert "fault_repair:report" in lacks_scope.json()["detail"]
    assert (await api.http.get("/tickets", headers=with_key)).status_code == 403
    assert (await api.http.get(f"/tickets/{alarm.json()['ticket_id']}", headers=with_key)).status_code == 403

    rotated = await api.http.post(f"/api-keys/{key_id}/rotate", headers={"X-User-Id": ADMIN})
    assert rotated.status_code == 201, rotated.text
    new_key = rotated.json()["key"]
    assert rotated.json()["replaces"] == key_id
    assert (await api.http.post("/tickets/rescue", json=_alarm(), headers=with_key)).status_code == 401
    # A second alarm of the same entrapment joins the rescue already open.
    joined = await api.http.post("/tickets/rescue", json=_alarm(), headers={"X-API-Key": new_key})
    assert joined.status_code == 200, joined.text
    assert joined.json()["ticket_id"] == alarm.json()["ticket_id"]

    revoked = await api.http.delete(f"/api-keys/{rotated.json()['id']}", headers={"X-User-Id": ADMIN})
    assert revoked.status_code == 204
    assert (
        await api.http.post("/tickets/rescue", json=_alarm(), headers={"X-API-Key": new_key})
    ).status_code == 401
    for malformed in ("not-a-key", "eo_", f"eo_{key_id}", f"xx_{key_id}_secret", f"eo_{key_id}_wrong"):
        refused = await api.http.post("/tickets/rescue", json=_alarm(), headers={"X-API-Key": malformed})
        assert refused.status_code == 401, malformed


def test_production_refuses_the_development_jwt_secret() -> None:
    with pytest.raises(InsecureSettings, match="JWT_SECRET"):
        create_app(Settings(_env_file=None, environment="production"))

    create_app(
        Settings(
            _env_file=None,
            environment="production",
            jwt_secret=_real_secret(),
            payload_encryption_key=_real_secret(),
        )
    )


async def test_the_docs_offer_the_password_flow(api_without_temporal: httpx.AsyncClient) -> None:
    openapi = (await api_without_temporal.get("/openapi.json")).json()
    docs = await api_without_temporal.get("/docs")

    password_flow = openapi["components"]["securitySchemes"]["OAuth2PasswordBearer"]
    assert password_flow["type"] == "oauth2"
    assert password_flow["flows"]["password"]["tokenUrl"] == "/auth/token"
    assert {"OAuth2PasswordBearer": []} in openapi["paths"]["/auth/me"]["get"]["security"]
    sign_in = openapi["paths"]["/auth/token"]["post"]["requestBody"]["content"]
    assert set(sign_in) == {"application/x-www-form-urlencoded"}
    assert docs.status_code == 200
    assert "swagger" in docs.text.lower()


def test_a_tokens_times_are_read_on_the_apps_clock(settings: Settings) -> None:
    # The app's clock, not the machine's, says whether a token is valid yet and still: they agree in
    # production; a test that sets the clock to another day signs in on that day.
    issued_at = datetime(2031, 1, 1, 9, 0, tzinfo=UTC)
    token = issue_token(settings, USER, "access", now=issued_at)

    assert read_token(settings, token.token, "access", now=issued_at).user_id == USER
    with pytest.raises(InvalidToken, match="not yet valid"):
        read_token(settings, token.token, "access", now=issued_at - timedelta(minutes=1))
