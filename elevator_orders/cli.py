"""`elevator-orders`: one command for every process of the engine."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import os
import sys
from collections.abc import AsyncIterator, Callable, Coroutine
from typing import Any

import uvloop

from elevator_orders.clock import system_clock
from elevator_orders.logs import configure_logging
from elevator_orders.settings import Settings, get_settings
from elevator_orders.startup_heap import freeze_startup_objects, space_out_full_collections
from elevator_orders.tracing import process_tracer

logger = logging.getLogger("elevator_orders")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="elevator-orders", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser(
        "dev", help="Temporal dev server (unless TEMPORAL_ADDRESS is set), worker, API, demo data"
    )
    commands.add_parser("api", help="the HTTP API (uvicorn)")
    commands.add_parser("worker", help="the Temporal worker")
    commands.add_parser("migrate", help="bring the database to the newest schema")
    commands.add_parser("seed", help="insert the demo elevators, units and users (idempotent)")
    commands.add_parser("policies", help="print the policy table in force")
    audit = commands.add_parser("audit", help="the audit trail: `verify` checks its hash chain")
    audit.add_argument("audit_action", choices=["verify"], metavar="verify")
    audit.add_argument(
        "--kept-head",
        action="append",
        default=[],
        metavar="N:HASH",
        help="a head an earlier `verify` printed, kept outside the database: the trail must still pass it",
    )
    args = parser.parse_args(argv)
    settings = get_settings()
    configure_logging(settings.log_format)
    # A handler may return an exit status; None is success.
    handlers: dict[str, Callable[[Settings], Coroutine[Any, Any, int | None]]] = {
        "dev": _dev,
        "api": _api,
        "worker": _worker,
        "migrate": _migrate,
        "seed": _seed,
        "policies": _policies,
        "audit": lambda settings: _audit_verify(settings, args.kept_head),
    }
    exit_status: int | None = None
    # Ctrl-C is how a developer stops `dev`, `api` and `worker`: not an error.
    with contextlib.suppress(KeyboardInterrupt):
        # uvloop: the same asyncio, with its loop, transports and timers in C. `make bench`: 2 ms less CPU
        # per rescue lifecycle in the worker (44 ms against 46).
        exit_status = uvloop.run(handlers[args.command](settings))
    sys.stdout.flush()
    sys.stderr.flush()
    if exit_status:
        sys.exit(exit_status)
    if args.command in ("dev", "worker"):
        # The Temporal SDK can crash at interpreter exit after a client closes (sdk-python#300);
        # everything is flushed and closed by now, so leave without running interpreter teardown.
        os._exit(0)


async def _migrate(settings: Settings) -> None:
    from store.migrate import upgrade_to_head_async

    await upgrade_to_head_async(settings.effective_database_url)
    print(f"database at head: {settings.effective_database_url}")


async def _seed(settings: Settings) -> None:
    from store.db import make_engine, make_sessionmaker
    from store.migrate import upgrade_to_head_async
    from store.seed import seed_demo_data

    await upgrade_to_head_async(settings.effective_database_url)
    engine = make_engine(settings.effective_database_url)
    try:
        count = await seed_demo_data(make_sessionmaker(engine))
    finally:
        await engine.dispose()
    print(f"demo data in place ({count} rows)")


async def _audit_verify(settings: Settings, kept_heads: list[str]) -> int:
    from store.audit import AuditLog, KeptHead
    from store.database import Database
    from store.db import make_engine

    try:
        kept = [KeptHead.parse(text) for text in kept_heads]
    except ValueError as error:
        print(f"audit verify: {error}", file=sys.stderr)
        return 2
    engine = make_engine(settings.effective_database_url)
    database = Database(engine)
    try:
        verification = await AuditLog(database).verify(watch={head.rows for head in kept})
    finally:
        await database.dispose()
        await engine.dispose()
    if verification.broken is not None:
        print(
            f"audit trail BROKEN at row {verification.broken.seq}: {verification.broken.reason} "
            f"({verification.rows} rows before it hold)",
            file=sys.stderr,
        )
        return 1
    # A chain cut short or rewritten from some row on verifies again, but no longer passes a head kept.
    failed = [(head, reason) for head in kept if (reason := verification.misses(head)) is not None]
    for head, reason in failed:
        print(f"audit trail does NOT pass the kept head {head}: {reason}", file=sys.stderr)
    if failed:
        return 1
    print(
        f"audit trail intact: {verification.rows} rows; head {verification.head_hash}"
        f"{f'; passes {len(kept)} kept head(s)' if kept else ''}"
        f"\nkeep outside the database: --kept-head {verification.kept_head}"
    )
    return 0


async def _policies(settings: Settings) -> None:
    from domain.policies import policy_rules

    columns = ("种类", "kind", "step", "limit", "unit", "on breach", "reminder", "opens clue", "source")
    print("\t".join((*columns, "in force from", "checked against the text")))
    # Every rule's row: a ticket's clock is counted by the row in force on the day it was filed.
    for policy in policy_rules(settings.policy_overrides).every_row():
        reminder = f"at {policy.remind_at:.0%}" if policy.remind_at else "-"
        print(
            "\t".join(
                (
                    policy.kind.label_zh,
                    policy.kind.value,
                    policy.step,
                    f"{policy.limit:g}",
                    f"{policy.unit.value} ({policy.unit.label_zh})",
                    f"{policy.on_breach.value} ({policy.on_breach.label_zh})",
                    reminder,
                    "违法线索" if policy.opens_clue else "-",
                    policy.source,
                    policy.in_force_from.isoformat() if policy.in_force_from else "-",
                    "yes" if policy.checked else "no",
                )
            )
        )


async def _api(settings: Settings) -> None:
    from api.app import create_app
    from api.server import api_server

    with process_tracer(settings, "api") as tracer:
        server = api_server(create_app(settings, tracer=tracer), settings.api_host, settings.api_port)
        freeze_startup_objects()
        space_out_full_collections()
        await server.serve()


async def _worker(settings: Settings) -> None:
    from elevator_orders.temporal import connect_client
    from worker.main import running_worker
    from worker.schedules import ensure_credit_schedule

    with process_tracer(settings, "worker") as tracer:
        stop = asyncio.Event()
        _stop_on_signals(stop)
        # A worker started while Temporal restarts waits for it, as its running clients do, instead of
        # exiting (found by `make faults`: a replacement worker started during the outage died).
        while True:
            try:
                client = await connect_client(settings, tracer=tracer)
                break
            except RuntimeError as error:
                logger.warning("Temporal not reachable (%s); trying again in 1 s", error)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), 1.0)
                if stop.is_set():
                    return
        await ensure_credit_schedule(client, settings.temporal_task_queue)
        async with running_worker(client, settings), _worker_metrics(settings):
            freeze_startup_objects()
            space_out_full_collections()
            logger.info("worker polling task queue %s", settings.temporal_task_queue)
            await stop.wait()
        await asyncio.sleep(0.5)


@contextlib.asynccontextmanager
async def _worker_metrics(settings: Settings) -> AsyncIterator[None]:
    """GET /metrics on `worker_metrics_port`, when one is set: the worker has no API of its own."""
    if not settings.worker_metrics_port:
        yield
        return
    from elevator_orders.metrics import metrics_page, serve_metrics
    from store.database import Database
    from store.db import make_engine

    engine = make_engine(settings.effective_database_url)
    database = Database(engine)
    server = await serve_metrics(
        settings.worker_metrics_host,
        settings.worker_metrics_port,
        lambda: metrics_page(database, system_clock(), settings.sdk_metrics_port),
    )
    try:
        yield
    finally:
        server.close()
        await server.wait_closed()
        await database.dispose()
        await engine.dispose()


async def _dev(settings: Settings) -> None:
    from elevator_orders.devstack import run_dev_stack

    with process_tracer(settings, "dev") as tracer:
        await run_dev_stack(settings, tracer)


def _stop_on_signals(stop: asyncio.Event) -> None:
    import signal

    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
