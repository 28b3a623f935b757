"""The production shape on loopback, each part stoppable: Temporal (file-backed dev server), PostgreSQL, an
SMTP sink, two workers and the API, each in a process of its own."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path

import httpx
from temporalio.client import Client

from api.security import issue_token
from elevator_orders.devstack import TEMPORAL_SQLITE_PRAGMAS
from elevator_orders.settings import Settings, child_environment
from elevator_orders.temporal import connect_client
from store.db import make_engine, make_sessionmaker
from store.migrate import upgrade_to_head_async
from store.seed import seed_demo_data
from tests.support.elevators import pudong_car
from tests.support.ports import LOOPBACK, free_port
from tests.support.postgres import RestartablePostgres
from tests.support.smtp import MailCatcher
from tests.support.temporal_test_server import temporal_cli


class TemporalServer:
    """`temporal server start-dev` on a file: stopped and started again, it keeps every history."""

    def __init__(self, workdir: Path, port: int) -> None:
        self.port = port
        self._command = [
            str(temporal_cli()),
            "server",
            "start-dev",
            "--db-filename",
            str(workdir / "temporal.db"),
            *TEMPORAL_SQLITE_PRAGMAS,
            "--ip",
            LOOPBACK,
            "--port",
            str(port),
            "--headless",
            "--log-level",
            "error",
        ]
        self._log = workdir / "temporal.log"
        self._process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        with self._log.open("ab") as log:
            self._process = subprocess.Popen(self._command, stdout=log, stderr=subprocess.STDOUT)

    def stop(self) -> None:
        if self._process is not None and self._process.poll() is None:
            self._process.send_signal(signal.SIGTERM)
            try:
                self._process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()


class AppProcess:
    """`elevator-orders <command>` with the stack's environment."""

    def __init__(
        self, command: str, environment: dict[str, str], workdir: Path, log: Path | None = None
    ) -> None:
        """Output goes to `log` (appended to: processes may share one), or to a file of its own in `workdir`."""
        self.command = command
        self._environment = environment
        self._workdir = workdir
        self.log = log or workdir / f"{command}-{uuid.uuid4().hex[:6]}.log"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        with self.log.open("ab") as output:
            self.process = subprocess.Popen(
                [str(Path(sys.executable).parent / "elevator-orders"), self.command],
                cwd=self._workdir,
                env={**os.environ, **self._environment},
                stdout=output,
                stderr=subprocess.STDOUT,
            )

    @property
    def running(self) -> subprocess.Popen[bytes]:
        """The process started last; an error before `start`."""
        if self.process is None:
            raise RuntimeError(f"{self.command} was not started")
        return self.process

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def check_running(self) -> None:
        """Raise, with what the process printed, if it has exited."""
        if self.running.poll() is not None:
            raise RuntimeError(f"{self.command} exited with {self.running.returncode}:\n{self.output()}")

    @contextlib.contextmanager
    def started(self) -> Iterator[AppProcess]:
        """Started for the block, stopped (SIGTERM, then SIGKILL after 30 s) when it ends."""
        self.start()
        try:
            yield self
        finally:
            self.stop()

    def kill(self) -> None:
        """SIGKILL: no shutdown hooks, no flushing, the crash a power cut causes."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


@dataclass
class MailSink:
    """The SMTP server mail goes to; stopped, it refuses connections, and started again on its port."""

    port: int
    catchers: list[MailCatcher] = field(default_factory=list)

    def start(self) -> None:
        catcher = MailCatcher(port=self.port)
        catcher.start()
        self.catchers.append(catcher)

    def stop(self) -> None:
        self.catchers[-1].stop()

    @property
    def messages(self) -> list[EmailMessage]:
        return [message for catcher in self.catchers for message in catcher.messages]


@dataclass
class Stack:
    settings: Settings
    postgres: RestartablePostgres
    temporal: TemporalServer
    mail: MailSink
    api: AppProcess
    workers: list[AppProcess]
    environment: dict[str, str]
    workdir: Path
    base_url: str
    elevators: list[str]

    def auth(self, user_id: str) -> dict[str, str]:
        token = issue_token(self.settings, user_id, "access").token
        return {"Authorization": f"Bearer {token}"}

    def replace_worker(self, index: int) -> None:
        """Kill one worker mid-flight and start a new one in its place."""
        self.workers[index].kill()
        self.workers[index] = AppProcess("worker", self.environment, self.workdir)
        self.workers[index].start()

    async def client(self) -> Client:
        return await connect_client(self.settings)


async def wait_answering(url: str, timeout: float = 60.0) -> None:  # noqa: ASYNC109
    deadline = time.monotonic() + timeout
    async with httpx.AsyncClient(trust_env=False) as http:
        while True:
            with contextlib.suppress(httpx.HTTPError):
                if (await http.get(url)).status_code < 500:
                    return
            if time.monotonic() > deadline:
                raise RuntimeError(f"{url} did not answer within {timeout:g} s")
            await asyncio.sleep(0.2)


async def wait_for_temporal(settings: Settings, timeout: float = 60.0) -> None:  # noqa: ASYNC109
    deadline = time.monotonic() + timeout
    while True:
        try:
            await connect_client(settings)
            return
        except RuntimeError:
            if time.monotonic() > deadline:
                raise
            await asyncio.sleep(0.2)


async def _elevators(url: str, count: int) -> list[str]:
    """One elevator per lifecycle, like the seeded pudong ones: a rescue is one per car at a time."""
    engine = make_engine(url)
    codes = [f"3101159{n:04d}" for n in range(count)]
    try:
        sessions = make_sessionmaker(engine)
        await seed_demo_data(sessions)
        async with sessions.begin() as session:
            session.add_all(
                pudong_car(
                    code,
                    registration_code=f"梯11沪F{code[-4:]}",
                    address=f"浦东新区陆家嘴环路 2000 号 {code[-4:]} 梯",
                    building="陆家嘴花园 故障演练楼",
                )
                for code in codes
            )
    finally:
        await engine.dispose()
    return codes


@contextlib.asynccontextmanager
async def running_stack(
    postgres: RestartablePostgres, workdir: Path, lifecycles: int
) -> AsyncIterator[Stack]:
    await upgrade_to_head_async(postgres.url)
    elevators = await _elevators(postgres.url, lifecycles)
    temporal_port, api_port = free_port(), free_port()
    mail = MailSink(free_port())
    mail.start()
    settings = Settings(
        _env_file=None,
        var_dir=workdir / "var",
        database_url=postgres.url,
        smtp_host=LOOPBACK,
        smtp_port=mail.port,
        temporal_address=f"{LOOPBACK}:{temporal_port}",
        temporal_task_queue=f"faults-{uuid.uuid4().hex[:8]}",
        api_host=LOOPBACK,
        api_port=api_port,
        public_rate_per_minute=10_000_000,
        access_token_minutes=24 * 60,
    )
    environment = child_environment(settings)
    temporal = TemporalServer(workdir, temporal_port)
    temporal.start()
    api = AppProcess("api", environment, workdir)
    workers = [AppProcess("worker", environment, workdir) for _ in range(2)]
    try:
        await wait_for_temporal(settings)
        for worker in workers:
            worker.start()
        api.start()
        base_url = f"http://{LOOPBACK}:{api_port}"
        await wait_answering(f"{base_url}/healthz")
        yield Stack(
            settings, postgres, temporal, mail, api, workers, environment, workdir, base_url, elevators
        )
    finally:
        api.stop()
        for worker in workers:
            worker.stop()
        temporal.stop()
        with contextlib.suppress(Exception):
            mail.stop()
