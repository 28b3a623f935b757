"""Every action and every refusal through the API leaves one row in the audit trail, and no personal data."""

from __future__ import annotations

from collections.abc import AsyncIterator
from types import SimpleNamespace
from typing import cast

import httpx
import pytest
from fastapi import FastAPI, Request

from api.audit import AuditTrail, audit
from api.deps import AppResources
from elevator_orders.settings import Settings
from store.audit import AuditLog, Outcome, payload_digest
from store.database import Database
from store.db import make_engine
from store.models import AuditRecord
from tests.api.conftest import DISPATCHER, MONITORING, PUDONG_B, SAFETY_LUJIAZUI, XUHUI, Api

OUTSIDER = "u-safety-xujiahui"
OPERATOR_ADMIN = "u-operator-admin"
RESCUE_CREATION = "POST /tickets/rescue"
CANCEL = "POST /tickets/{ticket_id}/cancel"


@pytest.fixture
async def audit_log(api: Api) -> AsyncIterator[AuditLog]:
    """The trail the app writes, read through a connection of the test's own."""
    engine = make_engine(api.settings.effective_database_url)
    try:
        yield AuditLog(Database(engine))
    finally:
        await engine.dispose()


def _fields(row: AuditRecord) -> tuple[str, str, str | None, str]:
    return (row.actor, row.action, row.ticket_id, row.outcome)


async def test_a_ticket_action_and_a_denied_one_are_each_one_row(api: Api, audit_log: AuditLog) -> None:
    ticket_id = await api.open(PUDONG_B)

    refused = await api.act(ticket_id, "cancel", OUTSIDER, {"reason": "不是我们的电梯"})
    await api.cancel(ticket_id)

    assert refused.status_code == 403, refused.text
    rows = await audit_log.rows(ticket_id)
    assert [_fields(row) for row in rows] == [
        (MONITORING, RESCUE_CREATION, ticket_id, "ok"),
        (OUTSIDER, CANCEL, ticket_id, "denied"),
        (DISPATCHER, CANCEL, ticket_id, "ok"),
    ]
    created, denied, cancelled = rows
    assert (created.organisation_id, created.role) == ("emergency-110", "monitoring_system")
    assert (denied.organisation_id, denied.role) == ("uu-xujiahui", "safety_manager")
    assert (cancelled.organisation_id, cancelled.role) == ("emergency-110", "dispatcher")
    # httpx's in-process transport calls from this address.
    assert {row.source_address for row in rows} == {"127.0.0.1"}
    assert cancelled.payload_digest == payload_digest({"reason": "测试结束"})
    assert (await audit_log.verify()).intact


async def test_reading_a_ticket_of_another_unit_is_a_denied_row(api: Api, audit_log: AuditLog) -> None:
    ticket_id = await api.open(PUDONG_B)

    response = await api.read(f"/tickets/{ticket_id}", user=OUTSIDER)

    assert response.status_code == 403, response.text
    rows = [row for row in await audit_log.rows(ticket_id) if row.actor == OUTSIDER]
    assert [_fields(row) for row in rows] == [(OUTSIDER, "GET /tickets/{ticket_id}", ticket_id, "denied")]
    await api.cancel(ticket_id)


async def test_a_failed_sign_in_is_a_row_naming_whom_it_tried_to_be(api: Api, audit_log: AuditLog) -> None:
    response = await api.http.post(
        "/auth/token", data={"username": DISPATCHER, "password": "not-the-password"}
    )

    assert response.status_code == 401, response.text
    row = (await audit_log.rows())[-1]
    assert _fields(row) == (DISPATCHER, "POST /auth/token", None, "denied")
    # The form holds the password: not even its digest is kept.
    assert row.payload_digest is None


async def test_a_token_that_does_not_hold_is_a_denied_row(api: Api, audit_log: AuditLog) -> None:
    response = await api.http.get("/tickets", headers={"Authorization": "Bearer not-a-token"})

    assert response.status_code == 401, response.text
    row = (await audit_log.rows())[-1]
    assert _fields(row) == ("unknown", "GET /tickets", None, "denied")


async def test_a_complaint_is_a_public_row_without_the_complainants_name_or_phone(
    api: Api, audit_log: AuditLog
) -> None:
    body = {
        "elevator_code": XUHUI,
        "complaint": "电梯经常停运，物业不处理",
        "request": "尽快维修",
        "complainant_name": "王小明",
        "complainant_phone": "13912345678",
    }

    response = await api.http.post("/tickets/complaint", json=body)
    token = response.json()["tracking_token"]
    too_early = await api.http.post(f"/track/{token}/evaluate", json={"satisfied": True, "rating": 5})

    assert (response.status_code, too_early.status_code) == (201, 409), too_early.text
    ticket_id = response.json()["ticket_id"]
    [row] = await audit_log.rows(ticket_id)
    assert _fields(row) == ("public", "POST /tickets/complaint", ticket_id, "ok")
    assert row.payload_digest == payload_digest(body)
    evaluation = (await audit_log.rows())[-1]
    assert _fields(evaluation) == ("public", "POST /track/{token}/evaluate", None, "failed")
    for record in await audit_log.rows():
        written = " ".join(str(getattr(record, column.key)) for column in AuditRecord.__table__.columns)
        assert "王小明" not in written
        assert "13912345678" not in written
        assert token not in written


async def test_an_export_and_a_refused_one_are_each_a_row(api: Api, audit_log: AuditLog) -> None:
    exported = await api.read("/exports/tickets.csv", user=SAFETY_LUJIAZUI, params={"kind": "feedback"})
    refused = await api.read("/exports/tickets.json", user=OPERATOR_ADMIN)

    assert (exported.status_code, refused.status_code) == (200, 403)
    *_, export_row, refusal_row = await audit_log.rows()
    assert _fields(export_row) == (SAFETY_LUJIAZUI, "GET /exports/tickets.csv", None, "ok")
    assert export_row.payload_digest == payload_digest({"kind": ["feedback"]})
    assert _fields(refusal_row) == (OPERATOR_ADMIN, "GET /exports/tickets.json", None, "denied")


async def test_api_keys_issued_and_revoked_are_rows_naming_the_key(api: Api, audit_log: AuditLog) -> None:
    issued = await api.http.post(
        "/api-keys",
        json={"organisation_id": "emergency-110", "name": "审计测试", "scopes": ["rescue:report"]},
        headers={"X-User-Id": OPERATOR_ADMIN},
    )
    key_id = issued.json()["id"]
    revoked = await api.http.delete(f"/api-keys/{key_id}", headers={"X-User-Id": OPERATOR_ADMIN})
    refused = await api.http.post(
        "/tickets/rescue",
        json={"elevator_code": PUDONG_B, "source": "alarm", "ref": "alarm-revoked-key"},
        headers={"X-API-Key": issued.json()["key"]},
    )

    assert (issued.status_code, revoked.status_code, refused.status_code) == (201, 204, 401)
    *_, issue_row, revoke_row, refusal_row = await audit_log.rows()
    assert (issue_row.action, issue_row.outcome, issue_row.target) == ("POST /api-keys", "ok", None)
    assert (revoke_row.action, revoke_row.outcome) == ("DELETE /api-keys/{key_id}", "ok")
    assert (revoke_row.actor, revoke_row.target) == (OPERATOR_ADMIN, f"key_id={key_id}")
    assert _fields(refusal_row) == (f"api-key:{key_id}", RESCUE_CREATION, None, "denied")
    written = " ".join(str(getattr(issue_row, column.key)) for column in AuditRecord.__table__.columns)
    assert issued.json()["key"] not in written


async def test_reading_a_whistleblowers_identity_is_a_row_and_so_is_a_refused_read(
    api: Api, audit_log: AuditLog
) -> None:
    regulator = "u-regulator-pudong"
    created = await api.http.post(
        "/tickets/report",
        json={
            "elevator_code": PUDONG_B,
            "text": "物业长期停用电梯五方对讲",
            "reporter_name": "李雷",
            "reporter_phone": "13687654321",
        },
    )
    ticket_id = created.json()["ticket_id"]

    read = await api.http.get(f"/tickets/{ticket_id}/reporter", headers={"X-User-Id": regulator})
    refused = await api.http.get(f"/tickets/{ticket_id}/reporter", headers={"X-User-Id": SAFETY_LUJIAZUI})
    declined = await api.act(ticket_id, "decline_case", regulator, {"reason": "经核查，对讲已恢复"})
    # A real-name reporter is told the outcome; that closes the report.
    informed = await api.act(ticket_id, "inform_reporter", regulator, {"note": "电话告知举报人：不予立案"})

    assert (created.status_code, read.status_code, refused.status_code) == (201, 200, 403)
    assert (declined.status_code, informed.status_code) == (200, 200), informed.text
    reporter = "GET /tickets/{ticket_id}/reporter"
    assert [_fields(row) for row in await audit_log.rows(ticket_id)] == [
        ("public", "POST /tickets/report", ticket_id, "ok"),
        (regulator, reporter, ticket_id, "ok"),
        (SAFETY_LUJIAZUI, reporter, ticket_id, "denied"),
        (regulator, "POST /tickets/{ticket_id}/decline_case", ticket_id, "ok"),
        (regulator, "POST /tickets/{ticket_id}/inform_reporter", ticket_id, "ok"),
    ]
    await api.run_finished(ticket_id)


async def test_an_endpoint_that_audits_itself_gets_its_one_row(settings: Settings) -> None:
    engine = make_engine(settings.effective_database_url)
    audit_log = AuditLog(Database(engine))
    app = FastAPI()
    app.add_middleware(AuditTrail)
    app.state.resources = cast(AppResources, SimpleNamespace(settings=settings, audit=audit_log))

    @app.post("/exports/{ticket_id}/special")
    async def special(ticket_id: str, request: Request) -> dict[str, str]:
        # What an endpoint knows better than the middleware: here, an outcome of its own.
        await audit(
            app.state.resources, request, None, outcome=Outcome.FAILED, ticket_id=ticket_id, payload=[1]
        )
        return {"ticket_id": "another"}

    try:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as http:
            response = await http.post("/exports/t-1/special", json={"x": 1})
        rows = await audit_log.rows()
    finally:
        await engine.dispose()

    assert response.status_code == 200
    assert [_fields(row) for row in rows] == [
        ("public", "POST /exports/{ticket_id}/special", "t-1", "failed")
    ]
    assert rows[0].payload_digest == payload_digest([1])
