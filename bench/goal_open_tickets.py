"""Goal 3: many open tickets waiting on days-long legal clocks; memory, and throughput while they wait.

General hazards (一般隐患: 15 working days to rectify) are opened through the workflow service, as the
API opens them, on the shared dev server. The worker runs as its own process (`elevator-orders worker`)
so that its RSS is its own. Opening throughput is measured with no ticket waiting, then again with all
of them waiting, by the same closed loop.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

from common import Bench, GoalResult, app_process, at_least, at_most, closed_loop, ratio, wait_for_log
from mail_sink import LeanSmtpSink
from sqlalchemy import func, select
from temporalio.client import Client

from api.hazard_service import NewHazard, open_hazard
from domain.hazard import HazardSeverity
from domain.registry import OrganisationRef
from domain.roles import Actor, Role
from elevator_orders.settings import Settings, child_environment
from store.db import make_engine, make_sessionmaker
from store.migrate import upgrade_to_head_async
from store.models import Ticket
from store.seed import seed_demo_data

FULL_WAITING = 100_000
SHORT_WAITING = 1_500
FULL_PROBE = 1_000
SHORT_PROBE = 150
LOAD_CONCURRENCY = 50
PROBE_CONCURRENCY = 20
# See Settings.worker_max_cached_workflows: bounded, so that the worker's memory does not grow with the
# number of waiting tickets; the SDK's own default, which holds a storm's worth of active tickets.
CACHED_WORKFLOWS = 1000
GIB = 1024**3
MIB = 1024**2
WORKER_START_SECONDS = 60

# The seeded pudong car and its maintenance unit's maintainer (who reports hazards on it).
ELEVATOR = "31011500001"
REPORTER = Actor(
    user_id="u-maintainer-shenda", name="维保员", organisation_id="mu-shenda", role=Role.MAINTAINER
)
REPORTER_UNIT = OrganisationRef(
    id="mu-shenda", name="上海申达电梯维保有限公司", email="mu-shenda@demo.elevator-orders.example"
)


@dataclass(frozen=True)
class Memory:
    worker_rss: int
    server_rss: int
    database_bytes: int


def rss_bytes(pid: int) -> int:
    """Resident set size of a process, from /proc/<pid>/status (VmRSS, in kB)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise RuntimeError(f"no VmRSS for process {pid}")


def temporal_server_pid() -> int:
    """The dev server the benchmark started: our child process running the Temporal CLI."""
    me = str(os.getpid())
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        with contextlib.suppress(OSError):
            status = (entry / "status").read_text()
            parent = next(line.split()[1] for line in status.splitlines() if line.startswith("PPid:"))
            command = (entry / "cmdline").read_bytes().split(b"\0")
            if parent == me and command and command[0].endswith(b"temporal") and b"start-dev" in command:
                return int(entry.name)
    raise RuntimeError("the Temporal dev server is not a child of this process")


def database_bytes(path: Path) -> int:
    """The SQLite read model on disk, with its write-ahead log."""
    return sum(p.stat().st_size for p in path.parent.glob(path.name + "*"))


async def open_hazards(client: Client, task_queue: str, count: int, concurrency: int) -> float:
    """Open `count` general hazards; returns the wall time in seconds."""
    batch = uuid.uuid4().hex[:8]

    async def one(index: int) -> None:
        await open_hazard(
            client,
            task_queue,
            NewHazard(
                elevator_code=ELEVATOR,
                ref=f"bench-{batch}-{index}",
                reporter=REPORTER,
                reporter_unit=REPORTER_UNIT,
                hazard_type="brake_abnormal",
                severity=HazardSeverity.GENERAL,
                description="制动器磨损，需限期整改（压测）",
            ),
        )

    return await closed_loop(range(count), concurrency, one)


@contextlib.asynccontextmanager
async def open_tickets_stack(bench: Bench) -> AsyncIterator[tuple[subprocess.Popen[bytes], str, Path]]:
    """A fresh SQLite read model, a mail sink and the worker process on a task queue of its own."""
    database = bench.workdir / f"open-tickets-{uuid.uuid4().hex[:8]}.db"
    url = f"sqlite+aiosqlite:///{database}"
    await upgrade_to_head_async(url)
    engine = make_engine(url)
    try:
        await seed_demo_data(make_sessionmaker(engine))
    finally:
        await engine.dispose()
    queue = f"bench-open-{uuid.uuid4().hex[:8]}"
    config = bench.env.client.service_client.config
    with LeanSmtpSink() as mail:
        settings = Settings(
            _env_file=None,
            database_url=url,
            temporal_namespace=bench.env.client.namespace,
            temporal_task_queue=queue,
            smtp_host=mail.host,
            smtp_port=mail.port,
            var_dir=bench.workdir / "var",
            worker_max_cached_workflows=CACHED_WORKFLOWS,
        )
        env = child_environment(settings) | {"TEMPORAL_ADDRESS": config.target_host}
        with app_process("worker", env, bench.workdir) as worker:
            await wait_for_log(worker, "worker polling task queue", WORKER_START_SECONDS)
            yield worker.running, queue, database


async def _stored_tickets(url: str) -> int:
    engine = make_engine(url)
    try:
        async with make_sessionmaker(engine)() as session:
            return int(await session.scalar(select(func.count()).select_from(Ticket)) or 0)
    finally:
        await engine.dispose()


def _memory(worker_pid: int, server_pid: int, database: Path) -> Memory:
    return Memory(rss_bytes(worker_pid), rss_bytes(server_pid), database_bytes(database))


async def run(bench: Bench) -> list[GoalResult]:
    waiting = FULL_WAITING if bench.full else SHORT_WAITING
    probe = FULL_PROBE if bench.full else SHORT_PROBE
    client = bench.env.client
    server_pid = temporal_server_pid()
    async with open_tickets_stack(bench) as (worker, queue, database):
        await open_hazards(client, queue, 20, PROBE_CONCURRENCY)  # warm-up: imports, sandbox, connections
        idle = _memory(worker.pid, server_pid, database)
        before = probe / await open_hazards(client, queue, probe, PROBE_CONCURRENCY)
        # Loaded in tenths, with the memory after each: where it grows, and whether it levels off.
        load_seconds = 0.0
        growth: list[tuple[int, Memory]] = []
        for tenth in range(1, 11):
            load_seconds += await open_hazards(client, queue, waiting // 10, LOAD_CONCURRENCY)
            growth.append((waiting // 10 * tenth, _memory(worker.pid, server_pid, database)))
            print(f"  {growth[-1][0]:,} waiting after {load_seconds:.0f} s", flush=True)
        loaded = growth[-1][1]
        after = probe / await open_hazards(client, queue, probe, PROBE_CONCURRENCY)
        final = _memory(worker.pid, server_pid, database)
        stored = await _stored_tickets(f"sqlite+aiosqlite:///{database}")
    throughput_ratio = ratio(after, before)
    peak_worker = max(loaded.worker_rss, final.worker_rss)
    rows = [
        ["idle (after warm-up)", idle.worker_rss / MIB, idle.server_rss / MIB, idle.database_bytes / MIB],
        [
            f"{waiting:,} waiting",
            loaded.worker_rss / MIB,
            loaded.server_rss / MIB,
            loaded.database_bytes / MIB,
        ],
        [
            f"after the probe ({stored:,} stored)",
            final.worker_rss / MIB,
            final.server_rss / MIB,
            final.database_bytes / MIB,
        ],
    ]
    print(
        f"open tickets: loaded {waiting:,} hazards in {load_seconds:.0f} s ({waiting / load_seconds:.1f}/s)"
    )
    print(f"  opening throughput: {before:.1f}/s with none waiting, {after:.1f}/s with {waiting:,} waiting")
    for row in rows:
        print(f"  {row[0]:32} worker {row[1]:7.0f} MiB  server {row[2]:7.0f} MiB  database {row[3]:7.1f} MiB")
    bench.report.section(
        f"Many open tickets ({waiting:,} general hazards waiting 15 working days)",
        f"Worker in its own process (`elevator-orders worker`, max_cached_workflows={CACHED_WORKFLOWS}), "
        f"Temporal dev server ({'histories in a file' if bench.full else 'in-memory persistence, so its RSS holds the histories'}), "
        "SQLite read model. "
        f"Loaded at concurrency {LOAD_CONCURRENCY} in {load_seconds:.0f} s. Opening throughput at "
        f"concurrency {PROBE_CONCURRENCY}, {probe} tickets: {before:.1f}/s with none waiting, {after:.1f}/s "
        f"with {waiting:,} waiting (ratio {throughput_ratio:.2f}).\n\n"
        + bench.report.table(["moment", "worker RSS MiB", "server RSS MiB", "database MiB"], rows)
        + "\n"
        + bench.report.plot(
            "open-tickets-memory",
            "Memory while the waiting tickets are loaded",
            "tickets waiting",
            "RSS MiB",
            {
                "worker": ([n for n, _ in growth], [m.worker_rss / MIB for _, m in growth]),
                "Temporal dev server": ([n for n, _ in growth], [m.server_rss / MIB for _, m in growth]),
            },
        ),
    )
    return [
        at_most(
            "open-tickets-rss",
            round(peak_worker / GIB, 3),
            1.0,
            f"worker RSS GiB with {waiting:,} waiting; server {final.server_rss / GIB:.2f} GiB, "
            f"database {final.database_bytes / MIB:.0f} MiB",
        ),
        at_least(
            "open-tickets-throughput-ratio",
            round(throughput_ratio, 2),
            0.8,
            f"{after:.1f}/s with {waiting:,} waiting vs {before:.1f}/s with none",
        ),
    ]
