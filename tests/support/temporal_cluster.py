"""Temporal's production server (go.temporal.io/server) on PostgreSQL, as deploy/temporal/ runs it.

`make temporal-server` builds the server and its SQL tool from the Go module proxy into the user cache
(outside the repo, shared by all clones), with the release's PostgreSQL schemas. Here it runs on a
throwaway PostgreSQL: both of its databases set up by deploy/temporal/setup-schema.sh, the server
started with deploy/temporal/config.yaml on loopback ports of its own, the namespace created with the
Temporal CLI as an operator would.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import asyncpg
from sqlalchemy.engine import URL, make_url

from tests.support.ports import LOOPBACK, free_port
from tests.support.temporal_test_server import temporal_cli

SERVER_DIR_ENV_VAR = "TEMPORAL_SERVER_DIR"
TEMPORAL_SERVER_VERSION = "1.32.1"
DEPLOY_DIR = Path(__file__).resolve().parents[2] / "deploy" / "temporal"
CONFIG_FILE = DEPLOY_DIR / "config.yaml"
SCHEMA_SCRIPT = DEPLOY_DIR / "setup-schema.sh"
DYNAMIC_CONFIG_FILE = DEPLOY_DIR / "dynamicconfig.yaml"


def server_arguments(config_file: Path) -> list[str]:
    """How the server is started here and in docker-compose.yml: our config, no authorizer, all services."""
    return ["--config-file", str(config_file), "--allow-no-auth", "start"]


_START_TIMEOUT_SECONDS = 60.0
_STOP_TIMEOUT_SECONDS = 30.0
_POLL_SECONDS = 0.2
# Every port of the server: each service's gRPC and membership ports, the frontend's HTTP, the metrics.
_PORT_VARIABLES = (
    "TEMPORAL_FRONTEND_PORT",
    "TEMPORAL_HTTP_PORT",
    "TEMPORAL_FRONTEND_MEMBERSHIP_PORT",
    "TEMPORAL_HISTORY_PORT",
    "TEMPORAL_HISTORY_MEMBERSHIP_PORT",
    "TEMPORAL_MATCHING_PORT",
    "TEMPORAL_MATCHING_MEMBERSHIP_PORT",
    "TEMPORAL_WORKER_PORT",
    "TEMPORAL_WORKER_MEMBERSHIP_PORT",
    "TEMPORAL_METRICS_PORT",
)


@dataclass(frozen=True)
class ServerBuild:
    server: Path
    sql_tool: Path
    # The release's schema/postgresql/v12: `temporal/versioned` and `visibility/versioned`.
    schema_dir: Path


@dataclass(frozen=True)
class Databases:
    """Temporal's two databases on one PostgreSQL server, and how to reach it."""

    server: URL
    persistence: str
    visibility: str

    @property
    def environment(self) -> dict[str, str]:
        """What setup-schema.sh (temporal-sql-tool) and config.yaml read to reach them."""
        host, port = self.server.host or LOOPBACK, str(self.server.port or 5432)
        user, password = self.server.username or "", self.server.password or ""
        return {
            "SQL_HOST": host,
            "SQL_PORT": port,
            "SQL_USER": user,
            "SQL_PASSWORD": password,
            "TEMPORAL_DB_HOST": host,
            "TEMPORAL_DB_PORT": port,
            "TEMPORAL_DB_USER": user,
            "TEMPORAL_DB_PASSWORD": password,
            "TEMPORAL_DB": self.persistence,
            "TEMPORAL_VISIBILITY_DB": self.visibility,
        }

    def dsn(self, database: str) -> str:
        return self.server.set(drivername="postgresql", database=database).render_as_string(
            hide_password=False
        )


@dataclass(frozen=True)
class RunningCluster:
    address: str
    namespace: str
    metrics_url: str
    log_path: Path


def default_server_dir() -> Path:
    """Where the Makefile builds the server; kept in step with TEMPORAL_SERVER_DIR there."""
    cache_home = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return cache_home / "elevator-orders" / f"temporal-server-{TEMPORAL_SERVER_VERSION}"


def server_build() -> ServerBuild:
    configured = os.environ.get(SERVER_DIR_ENV_VAR)
    root = Path(configured) if configured else default_server_dir()
    build = ServerBuild(
        server=root / "bin" / "temporal-server",
        sql_tool=root / "bin" / "temporal-sql-tool",
        schema_dir=root / "schema" / "postgresql" / "v12",
    )
    if not (os.access(build.server, os.X_OK) and os.access(build.sql_tool, os.X_OK)):
        raise RuntimeError(
            f"Temporal's production server not found under {root}. Run `make temporal-server` to build it."
        )
    return build


def new_databases(server_url: str) -> Databases:
    """Names for Temporal's two databases that no other test uses (setup-schema.sh creates them)."""
    suffix = uuid.uuid4().hex[:12]
    return Databases(make_url(server_url), f"temporal_{suffix}", f"temporal_visibility_{suffix}")


def setup_schema(build: ServerBuild, databases: Databases) -> subprocess.CompletedProcess[str]:
    """Run deploy/temporal/setup-schema.sh as the compose schema job does; raise with its output if it fails."""
    environment = {
        **os.environ,
        **databases.environment,
        "TEMPORAL_SQL_TOOL": str(build.sql_tool),
        "TEMPORAL_SCHEMA_DIR": str(build.schema_dir),
    }
    done = subprocess.run([str(SCHEMA_SCRIPT)], env=environment, capture_output=True, text=True, timeout=120)
    if done.returncode != 0:
        raise RuntimeError(
            f"setup-schema.sh failed ({done.returncode}):\n{done.stdout[-4000:]}{done.stderr[-4000:]}"
        )
    return done


async def drop_databases(databases: Databases) -> None:
    admin = await asyncpg.connect(databases.dsn("postgres"))
    try:
        for name in (databases.persistence, databases.visibility):
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await admin.close()


def _wait_serving(address: str, process: subprocess.Popen[bytes], log_path: Path) -> None:
    deadline = time.monotonic() + _START_TIMEOUT_SECONDS
    while True:
        if process.poll() is not None:
            raise RuntimeError(
                f"temporal-server exited with {process.returncode}:\n{log_path.read_text()[-4000:]}"
            )
        health = subprocess.run(
            [str(temporal_cli()), "operator", "cluster", "health", "--address", address],
            capture_output=True,
            text=True,
            timeout=30,
        )
        if health.returncode == 0 and "SERVING" in health.stdout:
            return
        if time.monotonic() > deadline:
            raise RuntimeError(f"temporal-server not serving after {_START_TIMEOUT_SECONDS:.0f} s")
        time.sleep(_POLL_SECONDS)


def create_namespace(address: str, namespace: str) -> None:
    """As the compose namespace job does: the production server starts with no namespace of ours."""
    subprocess.run(
        [str(temporal_cli()), "operator", "namespace", "create", "--address", address, "-n", namespace],
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    )


@contextlib.contextmanager
def running_cluster(build: ServerBuild, databases: Databases, log_dir: Path) -> Iterator[RunningCluster]:
    """The server on `databases` (set up already) with deploy/temporal/config.yaml, until the block ends."""
    ports = {variable: str(free_port()) for variable in _PORT_VARIABLES}
    environment = {
        **os.environ,
        **databases.environment,
        **ports,
        "TEMPORAL_DYNAMIC_CONFIG": str(DYNAMIC_CONFIG_FILE),
    }
    log_dir.mkdir(parents=True, exist_ok=True)
    log_path = log_dir / "temporal-server.log"
    with log_path.open("ab") as log:
        process = subprocess.Popen(
            [str(build.server), *server_arguments(CONFIG_FILE)],
            env=environment,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    address = f"{LOOPBACK}:{ports['TEMPORAL_FRONTEND_PORT']}"
    try:
        _wait_serving(address, process, log_path)
        create_namespace(address, "default")
        yield RunningCluster(
            address=address,
            namespace="default",
            metrics_url=f"http://{LOOPBACK}:{ports['TEMPORAL_METRICS_PORT']}/metrics",
            log_path=log_path,
        )
    finally:
        process.terminate()
        try:
            process.wait(timeout=_STOP_TIMEOUT_SECONDS)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
