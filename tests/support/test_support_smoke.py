"""The test infrastructure itself: when these fail, the fix is `make test-server` / `make postgres`,
not a change to the code under test, and the message says so before a hundred fixtures fail."""

from __future__ import annotations

import os
import socket
import subprocess
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import asyncpg
import pytest
from temporalio.testing import WorkflowEnvironment

from domain.calendar import CHINA_TIME
from tests.support.clock import AS_OF_VARIABLE, SettableClock, as_of_offset
from tests.support.ports import LOOPBACK, free_port
from tests.support.postgres import URL_ENV_VAR, throwaway_postgres
from tests.support.temporal_test_server import temporal_cli, time_skipping_wrapper


async def test_throwaway_postgres_accepts_connections_and_is_gone_after_exit() -> None:
    with throwaway_postgres() as url:
        dsn = url.replace("postgresql+asyncpg://", "postgresql://", 1)
        conn = await asyncpg.connect(dsn)
        try:
            assert await conn.fetchval("select 1") == 1
        finally:
            await conn.close()
    if os.environ.get(URL_ENV_VAR):
        return  # an externally provided server is not ours to stop
    with pytest.raises(ConnectionRefusedError):
        await asyncpg.connect(dsn, timeout=10)


async def test_time_skipping_server_skips_time() -> None:
    env = await WorkflowEnvironment.start_time_skipping(
        test_server_existing_path=str(time_skipping_wrapper())
    )
    try:
        before = await env.get_current_time()
        await env.sleep(timedelta(days=15))
        assert await env.get_current_time() - before >= timedelta(days=15)
    finally:
        await env.shutdown()


def test_temporal_cli_is_the_pinned_one() -> None:
    result = subprocess.run(
        [str(temporal_cli()), "--version"], capture_output=True, text=True, check=True, timeout=30
    )
    assert "1.9.1" in result.stdout


async def test_the_shared_time_skipping_server_and_test_clocks_run_on_the_day_set(
    time_skipping_server: WorkflowEnvironment, monkeypatch: pytest.MonkeyPatch
) -> None:
    # `TESTS_AS_OF` moves both by the same whole days; unset, both read today.
    today = datetime.now(UTC).astimezone(CHINA_TIME).date()
    as_of = date.fromisoformat(os.environ.get(AS_OF_VARIABLE) or today.isoformat())

    server_day = (await time_skipping_server.get_current_time()).astimezone(CHINA_TIME).date()
    assert server_day >= as_of, "the server starts on the day set; tests only sleep it forward"
    assert SettableClock()().astimezone(CHINA_TIME).date() in (as_of, as_of + timedelta(days=1))

    monkeypatch.setenv(AS_OF_VARIABLE, (today + timedelta(days=100)).isoformat())
    assert as_of_offset() == timedelta(days=100)
    monkeypatch.setenv(AS_OF_VARIABLE, (today - timedelta(days=1)).isoformat())
    with pytest.raises(ValueError, match="in the past"):
        as_of_offset()


def test_free_ports_are_ones_the_kernel_never_hands_out_itself() -> None:
    low, high = (int(part) for part in Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split())
    ports = {free_port() for _ in range(20)}
    assert all(not low <= port <= high for port in ports)
    for port in ports:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            sock.bind((LOOPBACK, port))  # still free: nothing was left listening on it


@pytest.mark.parametrize("database_backend", ["sqlite", "postgresql"], indirect=True)
async def test_a_test_gets_the_database_backend_it_asks_for(database_backend: str, database_url: str) -> None:
    assert database_url.startswith({"sqlite": "sqlite+", "postgresql": "postgresql+"}[database_backend])
