"""`make run` after an unclean stop: nothing of the earlier stack holds its ports, and the stack comes up."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

import httpx

from elevator_orders.devstack import temporal_cli
from tests.support.browser import RunningStack, launch_stack, stack_environment, wait_until_healthy
from tests.support.ports import LOOPBACK, free_port

_GONE_TIMEOUT_SECONDS = 20.0
_POLL_SECONDS = 0.1


def _start(var_dir: Path, env: dict[str, str], api_port: int) -> tuple[RunningStack, subprocess.Popen[bytes]]:
    """`elevator-orders dev` as `make run` starts it: the leader of a process group of its own."""
    stack, process = launch_stack(var_dir, env, api_port, own_session=True)
    try:
        wait_until_healthy(stack, process)
    except BaseException:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
        raise
    return stack, process


def _stop(process: subprocess.Popen[bytes]) -> int:
    process.send_signal(signal.SIGINT)
    return process.wait(timeout=30)


def _gone(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[-1].split()[0]
    except OSError:
        return True
    return state == "Z"


def _wait_gone(pid: int) -> None:
    deadline = time.monotonic() + _GONE_TIMEOUT_SECONDS
    while not _gone(pid):
        assert time.monotonic() < deadline, f"process {pid} still runs"
        time.sleep(_POLL_SECONDS)


def test_killing_the_stacks_process_group_takes_its_temporal_server_along(tmp_path: Path) -> None:
    api_port = free_port()
    env = stack_environment(tmp_path, api_port, journeys=False)
    stack, first = _start(tmp_path, env, api_port)
    server_pid = int((tmp_path / "temporal.pid").read_text())
    # By the way: its /metrics carries the SDK's metrics of the stack's worker beside the business figures.
    page = httpx.get(f"{stack.base_url}/metrics", timeout=10).text
    assert "elevator_orders_open_tickets" in page
    assert "temporal_" in page

    os.killpg(first.pid, signal.SIGKILL)
    first.wait()

    _wait_gone(server_pid)
    # The same ports again: the next `make run` starts.
    _, second = _start(tmp_path, env, api_port)
    assert _stop(second) == 0
    assert not (tmp_path / "temporal.pid").exists()


def test_a_server_left_running_by_an_earlier_stack_is_stopped_before_the_next_one_starts(
    tmp_path: Path,
) -> None:
    api_port = free_port()
    env = stack_environment(tmp_path, api_port, journeys=False)
    # As a stack on a machine without Linux's parent-death signal would leave it: running, in a session of
    # its own, on the stack's ports and database, its pid in the stack's pid file.
    leftover = subprocess.Popen(
        [
            str(temporal_cli()),
            *("server", "start-dev", "--headless", "--ip", LOOPBACK),
            *("--db-filename", str(tmp_path / "temporal.db")),
            *("--port", env["TEMPORAL_DEV_PORT"], "--log-level", "error"),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        (tmp_path / "temporal.pid").write_text(f"{leftover.pid}\n")
        _, stack = _start(tmp_path, env, api_port)
        assert leftover.wait(timeout=5) is not None
        assert _stop(stack) == 0
    finally:
        leftover.kill()
        leftover.wait()
