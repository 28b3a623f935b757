"""Replicas on Temporal's production server: two workers and two API processes, one worker killed mid-way.

Everything goes through HTTP, requests alternating between the two API processes, with the read model on
PostgreSQL and mail to a real SMTP server. A rescue and a hazard each run to their end, exactly once:
every step in the timeline once, every mail once.
"""

from __future__ import annotations

import asyncio
import itertools
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from elevator_orders.settings import Settings
from tests.support.auth import bearer
from tests.support.browser import environment_without_settings
from tests.support.outbox import outbox_rows
from tests.support.ports import LOOPBACK, free_port
from tests.support.smtp import MailCatcher
from tests.support.temporal_cluster import RunningCluster

_READY_TIMEOUT_SECONDS = 60.0
_DONE_TIMEOUT_SECONDS = 90.0
_POLL_SECONDS = 0.2
ELEVATOR = "31011500001"


def _process_environment(settings: Settings, cluster: RunningCluster, api_port: int) -> dict[str, str]:
    """The settings of this test as the processes read them: from the environment, as in production."""
    environment = environment_without_settings()
    environment.update(
        DATABASE_URL=settings.effective_database_url,
        TEMPORAL_ADDRESS=cluster.address,
        TEMPORAL_NAMESPACE=cluster.namespace,
        TEMPORAL_TASK_QUEUE=settings.temporal_task_queue,
        SMTP_HOST=settings.smtp_host,
        SMTP_PORT=str(settings.smtp_port),
        JWT_SECRET=settings.jwt_secret.get_secret_value(),
        PAYLOAD_ENCRYPTION_KEY=settings.payload_encryption_key.get_secret_value(),
        VAR_DIR=str(settings.var_dir),
        API_HOST=LOOPBACK,
        API_PORT=str(api_port),
        PUBLIC_RATE_PER_MINUTE="100000",
        PYTHONUNBUFFERED="1",
    )
    return environment


class Replicas:
    """`elevator-orders worker` and `elevator-orders api` processes, as many as asked, stopped at the end."""

    def __init__(self, settings: Settings, cluster: RunningCluster, log_dir: Path) -> None:
        self._settings = settings
        self._cluster = cluster
        self._log_dir = log_dir
        self.processes: list[subprocess.Popen[bytes]] = []
        log_dir.mkdir(parents=True, exist_ok=True)

    def start(self, command: str, name: str, api_port: int = 0) -> subprocess.Popen[bytes]:
        with (self._log_dir / f"{name}.log").open("ab") as log:
            process = subprocess.Popen(
                [str(Path(sys.executable).parent / "elevator-orders"), command],
                env=_process_environment(self._settings, self._cluster, api_port or free_port()),
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
            )
        self.processes.append(process)
        return process

    def logs(self) -> str:
        return "\n".join(
            f"----- {path.name} -----\n{path.read_text(errors='replace')[-3000:]}"
            for path in sorted(self._log_dir.glob("*.log"))
        )

    def stop(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in self.processes:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


@pytest.fixture
def replicas(settings: Settings, cluster: RunningCluster, tmp_path: Path) -> Iterator[Replicas]:
    running = Replicas(settings, cluster, tmp_path / "replicas")
    try:
        yield running
    finally:
        running.stop()


async def _wait_ready(http: httpx.AsyncClient, replicas: Replicas) -> None:
    deadline = time.monotonic() + _READY_TIMEOUT_SECONDS
    while True:
        try:
            if (await http.get("/readyz")).status_code == 200:
                return
        except httpx.TransportError:
            pass
        assert time.monotonic() < deadline, f"{http.base_url} not ready\n{replicas.logs()}"
        await asyncio.sleep(_POLL_SECONDS)


class SpreadClient:
    """Each request to the next API process in turn, as a load balancer would send them."""

    def __init__(self, settings: Settings, apis: list[httpx.AsyncClient]) -> None:
        self._settings = settings
        self._next = itertools.cycle(apis)
        self.answered_by: dict[str, int] = {str(api.base_url): 0 for api in apis}

    async def post(self, path: str, user: str, body: dict[str, Any]) -> httpx.Response:
        api = next(self._next)
        self.answered_by[str(api.base_url)] += 1
        return await api.post(path, json=body, headers=bearer(self._settings, user))

    async def get(self, path: str, user: str) -> httpx.Response:
        api = next(self._next)
        self.answered_by[str(api.base_url)] += 1
        return await api.get(path, headers=bearer(self._settings, user))


async def _closed(client: SpreadClient, ticket_id: str, replicas: Replicas) -> dict[str, Any]:
    deadline = time.monotonic() + _DONE_TIMEOUT_SECONDS
    while True:
        answer = await client.get(f"/tickets/{ticket_id}", "u-regulator-pudong")
        ticket: dict[str, Any] = answer.json()
        if ticket.get("state") == "closed":
            return ticket
        assert time.monotonic() < deadline, f"{ticket_id} not closed: {ticket}\n{replicas.logs()}"
        await asyncio.sleep(_POLL_SECONDS)


async def _all_sent(database_url: str, ticket_ids: list[str], replicas: Replicas) -> list[str]:
    """The idempotency keys of the tickets' mails, once the outbox has every one of them stamped sent."""
    deadline = time.monotonic() + _DONE_TIMEOUT_SECONDS
    while True:
        rows = [row for ticket_id in ticket_ids for row in await outbox_rows(database_url, ticket_id)]
        if rows and all(row.sent_at is not None for row in rows):
            return [row.idempotency_key for row in rows]
        assert time.monotonic() < deadline, f"mails still unsent\n{replicas.logs()}"
        await asyncio.sleep(_POLL_SECONDS)


@pytest.mark.parametrize("database_backend", ["postgresql"], indirect=True)
async def test_two_workers_and_two_apis_finish_each_ticket_exactly_once_when_a_worker_dies(
    replicas: Replicas, settings: Settings, mail_catcher: MailCatcher
) -> None:
    started = time.monotonic()
    doomed = replicas.start("worker", "worker-a")
    replicas.start("worker", "worker-b")
    api_ports = [free_port(), free_port()]
    for number, port in enumerate(api_ports):
        replicas.start("api", f"api-{number}", api_port=port)
    apis = [httpx.AsyncClient(base_url=f"http://{LOOPBACK}:{port}", timeout=30.0) for port in api_ports]
    try:
        for api in apis:
            await _wait_ready(api, replicas)
        client = SpreadClient(settings, apis)

        alarm = f"A-{uuid.uuid4().hex[:12]}"
        opened = await client.post(
            "/tickets/rescue",
            "u-monitoring",
            {"elevator_code": ELEVATOR, "source": "alarm", "ref": alarm, "alarm_type": "用户报警"},
        )
        assert opened.status_code == 201, opened.text
        rescue_id = opened.json()["ticket_id"]
        assert (await client.post(f"/tickets/{rescue_id}/accept", "u-rescuer-shenda", {})).status_code == 200

        # A worker dies without a word: its workflow tasks and activities go to the other one.
        doomed.kill()
        doomed.wait()

        for action, user, body in (
            ("arrive", "u-rescuer-shenda", {}),
            ("release", "u-rescuer-shenda", {"people_freed": 2, "handler_name": "李师傅"}),
            ("confirm", "u-safety-lujiazui", {"remark": "已核实"}),
        ):
            answer = await client.post(f"/tickets/{rescue_id}/{action}", user, body)
            assert answer.status_code == 200, f"{action}: {answer.text}"

        hazard_ref = f"JY-{uuid.uuid4().hex[:8]}"
        reported = await client.post(
            "/tickets/hazard",
            "u-inspector",
            {"elevator_code": ELEVATOR, "ref": hazard_ref, "hazard_type": "rope_wear", "severity": "serious"},
        )
        assert reported.status_code == 201, reported.text
        hazard_id = reported.json()["ticket_id"]
        rectified = await client.post(
            f"/tickets/{hazard_id}/submit_rectification", "u-safety-lujiazui", {"evidence": "已更换钢丝绳"}
        )
        assert rectified.status_code == 200, rectified.text
        assert (await client.post(f"/tickets/{hazard_id}/verify_pass", "u-inspector", {})).status_code == 200

        rescue = await _closed(client, rescue_id, replicas)
        hazard = await _closed(client, hazard_id, replicas)
        queued = await _all_sent(settings.effective_database_url, [rescue_id, hazard_id], replicas)
        messages = await mail_catcher.wait_for(
            lambda ms: len(ms) >= len(queued), timeout=_DONE_TIMEOUT_SECONDS
        )
    finally:
        for api in apis:
            await api.aclose()

    for ticket, steps in (
        (rescue, ["accept", "arrive", "release", "confirm"]),
        (hazard, ["submit_rectification", "verify_pass"]),
    ):
        actions = [event["action"] for event in ticket["timeline"]]
        assert [action for action in actions if action in steps] == steps, actions
    # Every mail the two tickets queued arrived, once: the one SMTP server saw each key once.
    keys = [str(message["X-Idempotency-Key"]).strip() for message in messages]
    assert sorted(keys) == sorted(queued)
    assert all(count > 0 for count in client.answered_by.values()), client.answered_by
    print(f"replicas end to end: {time.monotonic() - started:.1f} s")
