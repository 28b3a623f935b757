"""The HTTP API in-process, against the real Temporal dev server, a worker, SQLite and SMTP.

`api` drives the app over httpx. Its teardown calls off every ticket the test left open and waits
until each ticket's workflow run has finished, so the next test (which shares the Temporal server and
the per-elevator workflow ids) never joins a rescue of this one.
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from temporalio.client import Client, WorkflowExecutionStatus
from temporalio.service import RPCError
from temporalio.testing import WorkflowEnvironment

from api.app import create_app
from domain.catalog import is_final
from domain.kinds import TicketKind
from elevator_orders.clock import Clock, system_clock
from elevator_orders.settings import Settings
from elevator_orders.temporal import data_converter
from tests.support.auth import signed_in_as_named_user
from tests.support.clock import SettableClock
from tests.support.ports import free_port
from tests.support.smtp import MailCatcher
from worker.main import running_worker
from workflows.hazard_monitoring import monitoring_watch_id

MONITORING = "u-monitoring"
DISPATCHER = "u-dispatcher"
RESCUER_SHENDA = "u-rescuer-shenda"
RESCUER_PUJIANG = "u-rescuer-pujiang"
SAFETY_LUJIAZUI = "u-safety-lujiazui"
# The city regulator sees every ticket: tests read the read model through the API as this user.
READER = "u-regulator-city"

# The seeded registry: elevator -> (district, maintenance unit, use unit).
PUDONG_A = "31011500001"
PUDONG_B = "31011500002"
XUHUI = "31010400001"
JINGAN = "31010600001"
SEEDED_ELEVATORS = {
    PUDONG_A: ("pudong", "mu-shenda", "uu-lujiazui"),
    PUDONG_B: ("pudong", "mu-shenda", "uu-lujiazui"),
    XUHUI: ("xuhui", "mu-pujiang", "uu-xujiahui"),
    JINGAN: ("jingan", "mu-pujiang", "uu-jingan"),
}

_RUN_FINISH_TIMEOUT_SECONDS = 60.0


def new_ref() -> str:
    return f"alarm-{uuid.uuid4().hex}"


def safety_manager_of(use_unit_id: str) -> str:
    """The seeded safety manager (安全管理员) of a use unit, e.g. uu-lujiazui -> u-safety-lujiazui."""
    return f"u-safety-{use_unit_id.removeprefix('uu-')}"


async def _no_server_errors(response: httpx.Response) -> None:
    """Every request of these tests fails here if the app answers 500: errors must be deliberate."""
    if response.status_code >= 500 and response.status_code != 503:
        await response.aread()
        raise AssertionError(
            f"{response.request.method} {response.request.url.path} answered "
            f"{response.status_code}: {response.text}"
        )


def _http_client(app: FastAPI, settings: Settings, clock: Clock = system_clock) -> httpx.AsyncClient:
    # raise_app_exceptions=False: an unhandled error reaches the test as the 500 a user would see.
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    return httpx.AsyncClient(
        transport=transport,
        base_url="http://test",
        event_hooks={"request": [signed_in_as_named_user(settings, clock)], "response": [_no_server_errors]},
    )


@dataclass
class Api:
    """The app under test, and shortcuts for the calls most tests make."""

    http: httpx.AsyncClient
    temporal: Client
    settings: Settings
    mail: MailCatcher
    clock: SettableClock

    async def report(
        self,
        elevator_code: str,
        ref: str | None,
        *,
        source: str = "alarm",
        user: str | None = MONITORING,
        headers: dict[str, str] | None = None,
        **fields: Any,
    ) -> httpx.Response:
        body: dict[str, Any] = {"elevator_code": elevator_code, "source": source, **fields}
        if ref is not None:
            body["ref"] = ref
        all_headers = dict(headers or {})
        if user is not None:
            all_headers["X-User-Id"] = user
        return await self.http.post("/tickets/rescue", json=body, headers=all_headers)

    async def open(self, elevator_code: str, ref: str | None = None) -> str:
        """Open a rescue from a monitoring alarm and return its ticket id."""
        response = await self.report(elevator_code, ref or new_ref(), alarm_type="用户报警")
        assert response.status_code == 201, response.text
        ticket_id: str = response.json()["ticket_id"]
        return ticket_id

    async def act(
        self, ticket_id: str, action: str, user: str | None, body: dict[str, Any] | None = None
    ) -> httpx.Response:
        headers = {"X-User-Id": user} if user is not None else {}
        return await self.http.post(f"/tickets/{ticket_id}/{action}", json=body or {}, headers=headers)

    async def read(self, path: str, user: str = READER, **kwargs: Any) -> httpx.Response:
        """GET as a signed-in user (the city regulator, who sees everything, unless told otherwise)."""
        return await self.http.get(path, headers={"X-User-Id": user}, **kwargs)

    async def ticket(self, ticket_id: str, user: str = READER) -> dict[str, Any]:
        response = await self.http.get(f"/tickets/{ticket_id}", headers={"X-User-Id": user})
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    async def cancel(self, ticket_id: str, reason: str = "测试结束") -> dict[str, Any]:
        response = await self.act(ticket_id, "cancel", DISPATCHER, {"reason": reason})
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    async def run_finished(self, ticket_id: str) -> None:
        """Wait until the workflow run that owns the ticket has completed."""
        ticket = await self.ticket(ticket_id)
        handle = self.temporal.get_workflow_handle(ticket["workflow_id"], run_id=ticket["run_id"])
        await asyncio.wait_for(handle.result(), _RUN_FINISH_TIMEOUT_SECONDS)

    async def finish_everything(self) -> None:
        """Call off or confirm whatever is still open, then wait for every run to complete."""
        # The watch over monitoring devices runs until stopped (devices were heard from in the test).
        watch = self.temporal.get_workflow_handle(monitoring_watch_id(self.settings.temporal_task_queue))
        with contextlib.suppress(RPCError):
            if (await watch.describe()).status is WorkflowExecutionStatus.RUNNING:
                await watch.terminate(reason="test finished")
        response = await self.http.get("/tickets", params={"limit": 200}, headers={"X-User-Id": READER})
        assert response.status_code == 200, response.text
        for item in response.json()["items"]:
            if is_final(TicketKind(item["kind"]), item["state"]):
                await self.run_finished(item["ticket_id"])
                continue
            if item["kind"] != "rescue":
                # Other kinds have no one action that ends them from every state; a test that left one
                # open has already failed, so end its run rather than let it outlive this worker.
                handle = self.temporal.get_workflow_handle(item["workflow_id"], run_id=item["run_id"])
                await handle.terminate(reason="test finished with the ticket open")
                continue
            if item["state"] == "released":
                confirm = await self.act(
                    item["ticket_id"], "confirm", safety_manager_of(item["use_unit_id"]), {}
                )
                assert confirm.status_code == 200, confirm.text
            else:
                await self.cancel(item["ticket_id"])
            await self.run_finished(item["ticket_id"])


@pytest.fixture
def clock() -> SettableClock:
    return SettableClock()


@pytest.fixture
async def api(
    dev_server: WorkflowEnvironment, settings: Settings, mail_catcher: MailCatcher, clock: SettableClock
) -> AsyncIterator[Api]:
    """The app with its lifespan running, a worker on the test's own task queue, and an httpx client."""
    app = create_app(settings, dev_server.client, clock)
    async with (
        running_worker(dev_server.client, settings),
        app.router.lifespan_context(app),
        _http_client(app, settings, clock) as http,
    ):
        driver = Api(http=http, temporal=dev_server.client, settings=settings, mail=mail_catcher, clock=clock)
        try:
            yield driver
        finally:
            # Tickets are closed on Temporal's time, with tokens issued on it.
            clock.follow_real_time()
            await driver.finish_everything()


@pytest.fixture
async def api_without_temporal(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    """The app wired to a Temporal address where nothing listens (a lazy client, as in production)."""
    temporal = await Client.connect(
        f"127.0.0.1:{free_port()}", lazy=True, data_converter=data_converter(settings)
    )
    app = create_app(settings, temporal)
    async with app.router.lifespan_context(app), _http_client(app, settings) as http:
        yield http
