"""A test that hangs fails on its own, with every asyncio task's stack, instead of stalling the whole run.

CI has a fixed time budget: one test waiting forever (a swallowed cancel, a worker that never shuts down)
used to run it out with no hint of where. The guard cancels only the hung test's task, so the run goes on.

It also ends what a test left running on the shared dev server, on that test's own task queue. Ticket
workflow ids are per elevator: a run left open on a queue nobody polls any more is joined by the next test
that raises an alarm on the same car, and that test waits on it forever.
"""

from __future__ import annotations

import asyncio
import os
import sys
import threading
from collections.abc import Iterator

import pytest
from temporalio.client import Client
from temporalio.service import RPCError

# Far above any test's honest duration (the slowest take well under a minute), far below CI's budget.
LIMIT_SECONDS = float(os.environ.get("TEST_HANG_LIMIT_SECONDS", "300"))
_loops: list[asyncio.AbstractEventLoop] = []


@pytest.fixture(scope="session", autouse=True)
async def _session_loop() -> None:
    """Remember the loop every test runs on (one per session), for the guard's timer thread."""
    _loops.append(asyncio.get_running_loop())


def _dump_and_cancel(loop: asyncio.AbstractEventLoop, test_name: str) -> None:
    print(f"\n=== {test_name} ran over {LIMIT_SECONDS:g} s: asyncio tasks ===", file=sys.stderr)
    for task in asyncio.all_tasks(loop):
        task.print_stack(file=sys.stderr)
    for task in asyncio.all_tasks(loop):
        if getattr(task.get_coro(), "__name__", None) == test_name:
            task.cancel(f"ran over the hang guard's {LIMIT_SECONDS:g} s")


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Iterator[None]:
    name = getattr(item, "originalname", item.name)

    def expire() -> None:
        if _loops and not _loops[-1].is_closed():
            _loops[-1].call_soon_threadsafe(_dump_and_cancel, _loops[-1], name)

    timer = threading.Timer(LIMIT_SECONDS, expire)
    timer.daemon = True
    timer.start()
    try:
        return (yield)
    finally:
        timer.cancel()


async def _end_runs_left_on(client: Client, task_queue: str) -> None:
    query = f"TaskQueue = '{task_queue}' AND ExecutionStatus = 'Running'"
    async for execution in client.list_workflows(query):
        handle = client.get_workflow_handle(execution.id, run_id=execution.run_id)
        try:
            await handle.terminate(reason="the test that started it has ended")
        except RPCError:
            # It ended on its own between the listing and now.
            continue


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item: pytest.Item, nextitem: pytest.Item | None) -> Iterator[None]:
    # The test's values are taken before its fixtures are torn down; the runs are ended after, so that a
    # fixture that closes its own tickets properly (through the API) gets to do so first. After the last
    # test the server itself is going away, and there is no next test to protect.
    values = getattr(item, "funcargs", {})
    server, settings = values.get("dev_server"), values.get("settings")
    try:
        return (yield)
    finally:
        loop = _loops[-1] if _loops else None
        if (
            server is not None
            and settings is not None
            and nextitem is not None
            and loop
            and not loop.is_closed()
        ):
            loop.run_until_complete(_end_runs_left_on(server.client, settings.temporal_task_queue))
