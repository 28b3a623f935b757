"""Temporal's production server on the session's throwaway PostgreSQL, for the deployment tests."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from tests.support.temporal_cluster import (
    Databases,
    RunningCluster,
    drop_databases,
    new_databases,
    running_cluster,
    server_build,
    setup_schema,
)


@pytest.fixture
async def databases(postgres_server_url: str) -> AsyncIterator[Databases]:
    databases = new_databases(postgres_server_url)
    try:
        yield databases
    finally:
        await drop_databases(databases)


@pytest.fixture
def cluster(databases: Databases, tmp_path: Path) -> Iterator[RunningCluster]:
    build = server_build()
    setup_schema(build, databases)
    with running_cluster(build, databases, tmp_path / "log") as cluster:
        yield cluster
