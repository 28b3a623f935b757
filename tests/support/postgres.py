"""A throwaway PostgreSQL server for tests.

Each `throwaway_postgres()` gets its own data directory on a free loopback port and is gone afterwards,
so tests never depend on (or damage) a system cluster. Durability is switched off: a test database
that loses its last commit in a crash is worth nothing anyway, and fsync dominates start-up and commits.
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import shlex
import shutil
import signal
import socket
import stat
import subprocess
import tempfile
import uuid
from collections.abc import AsyncIterator, Iterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import asyncpg
from sqlalchemy.engine import make_url

URL_ENV_VAR = "TEST_DATABASE_URL_POSTGRES"
SERVER_USER = "postgres"
_START_ATTEMPTS = 3


class PostgresUnavailableError(RuntimeError):
    pass


@dataclass(frozen=True)
class _Binaries:
    initdb: Path
    pg_ctl: Path


def find_binaries() -> _Binaries:
    """initdb and pg_ctl of the newest PostgreSQL installed the Debian way."""
    candidates: list[tuple[tuple[int, ...], Path]] = []
    for initdb in glob.glob("/usr/lib/postgresql/*/bin/initdb"):
        bin_dir = Path(initdb).parent
        version_text = bin_dir.parent.name
        try:
            version = tuple(int(part) for part in version_text.split("."))
        except ValueError:
            continue
        if (bin_dir / "pg_ctl").is_file():
            candidates.append((version, bin_dir))
    if not candidates:
        raise PostgresUnavailableError(
            "No PostgreSQL server found under /usr/lib/postgresql/*/bin. "
            "Run `make postgres` to install it, or set "
            f"{URL_ENV_VAR} to the URL of an existing server."
        )
    bin_dir = max(candidates)[1]
    return _Binaries(initdb=bin_dir / "initdb", pg_ctl=bin_dir / "pg_ctl")


def _free_loopback_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _as_server_user(command: Sequence[str]) -> list[str]:
    """PostgreSQL refuses to run as root, so root hands its commands to the `postgres` system user."""
    if os.geteuid() != 0:
        return list(command)
    if shutil.which("runuser"):
        return ["runuser", "-u", SERVER_USER, "--", *command]
    return ["su", SERVER_USER, "-s", "/bin/sh", "-c", shlex.join(command)]


def _others_can_traverse(path: Path) -> bool:
    return all(os.stat(directory).st_mode & stat.S_IXOTH for directory in (path, *path.parents))


def _give_to_server_user(path: Path) -> None:
    if os.geteuid() != 0:
        return
    try:
        user = pwd.getpwnam(SERVER_USER)
    except KeyError:
        raise PostgresUnavailableError(
            f"Running as root but there is no {SERVER_USER!r} system user to run PostgreSQL as. "
            "Run `make postgres` (the Debian package creates it)."
        ) from None
    os.chown(path, user.pw_uid, user.pw_gid)


def _make_root_dir() -> Path:
    base = Path(tempfile.gettempdir())
    if os.geteuid() == 0 and not _others_can_traverse(base):
        # The server user must reach its data directory; a private TMPDIR such as /root/tmp would not do.
        base = Path("/tmp")
    root = Path(tempfile.mkdtemp(prefix="elevator-orders-pg-", dir=base))
    try:
        _give_to_server_user(root)
    except BaseException:
        shutil.rmtree(root, ignore_errors=True)
        raise
    return root


def _run(command: Sequence[str], cwd: Path, what: str) -> None:
    # cwd inside our own directory: the server user may not be allowed into the caller's (e.g. /root).
    result = subprocess.run(
        _as_server_user(command), cwd=cwd, capture_output=True, text=True, check=False, timeout=120
    )
    if result.returncode != 0:
        raise PostgresUnavailableError(
            f"{what} failed (exit {result.returncode}): {shlex.join(command)}\n{result.stdout}{result.stderr}"
        )


def _init_cluster(binaries: _Binaries, root: Path, data_dir: Path) -> None:
    base = [str(binaries.initdb), "-D", str(data_dir), "--auth=trust", "-U", "postgres", "-E", "UTF8"]
    # --no-sync: a throwaway cluster need not wait for its files to reach the disk.
    try:
        _run([*base, "--locale=C.UTF-8", "--no-sync"], root, "initdb")
    except PostgresUnavailableError:
        # Older C libraries have no C.UTF-8 locale; plain C still stores UTF8 fine.
        shutil.rmtree(data_dir, ignore_errors=True)
        _run([*base, "--locale=C", "--no-sync"], root, "initdb")


def _start(
    binaries: _Binaries,
    root: Path,
    data_dir: Path,
    socket_dir: Path,
    log_file: Path,
    port: int | None = None,
    *,
    durable: bool = False,
) -> int:
    """Start the server on `port` (a restart), or on a free port found here.

    Not `durable`, a commit returns before its WAL is written: fast, and harmless for a server that is
    never stopped while in use. One that is (an outage on purpose) must be durable, or an immediate stop
    loses commits it already acknowledged (`make faults` lost a ticket that way).
    """
    attempt = 1
    fixed = port
    while True:
        # Another process may take the port between our probe and the server's bind: retry on a new one.
        port = fixed or _free_loopback_port()
        # pg_ctl hands -o to a shell, hence the quoting.
        options = (
            f"-p {port} -c listen_addresses=127.0.0.1 -k {shlex.quote(str(socket_dir))} "
            "-c fsync=off -c full_page_writes=off" + ("" if durable else " -c synchronous_commit=off")
        )
        # -l: without a log file the server would inherit our pipes and subprocess.run would never return.
        command = [str(binaries.pg_ctl), "-w", "-t", "60", "-D", str(data_dir), "-l", str(log_file)]
        try:
            _run([*command, "-o", options, "start"], root, "pg_ctl start")
            return port
        except PostgresUnavailableError as error:
            log = log_file.read_text(errors="replace") if log_file.exists() else ""
            if "already in use" in log and attempt < _START_ATTEMPTS and fixed is None:
                attempt += 1
                continue
            raise PostgresUnavailableError(f"{error}\nserver log:\n{log}") from None


def _stop(binaries: _Binaries, root: Path, data_dir: Path) -> None:
    try:
        # immediate: nothing in a throwaway cluster is worth a clean shutdown checkpoint.
        _run(
            [str(binaries.pg_ctl), "-D", str(data_dir), "-m", "immediate", "-w", "stop"], root, "pg_ctl stop"
        )
    except (PostgresUnavailableError, subprocess.TimeoutExpired):
        # Its data directory is about to be deleted, so a server left running would never be found again.
        with contextlib.suppress(OSError, ValueError, IndexError):
            pid = int((data_dir / "postmaster.pid").read_text().splitlines()[0])
            os.kill(pid, signal.SIGQUIT)
        raise


@contextlib.contextmanager
def throwaway_postgres() -> Iterator[str]:
    """Yield an SQLAlchemy URL of a fresh PostgreSQL server, stopped and deleted on exit.

    With $TEST_DATABASE_URL_POSTGRES set, yield that URL instead and start nothing.
    """
    configured = os.environ.get(URL_ENV_VAR)
    if configured:
        yield configured
        return

    binaries = find_binaries()
    root = _make_root_dir()
    data_dir = root / "data"
    socket_dir = root / "socket"
    log_file = root / "server.log"
    started = False
    try:
        _init_cluster(binaries, root, data_dir)
        socket_dir.mkdir()
        _give_to_server_user(socket_dir)
        port = _start(binaries, root, data_dir, socket_dir, log_file)
        started = True
        yield f"postgresql+asyncpg://postgres@127.0.0.1:{port}/postgres"
    finally:
        try:
            if started:
                _stop(binaries, root, data_dir)
        finally:
            shutil.rmtree(root, ignore_errors=True)


@asynccontextmanager
async def fresh_database(server_url: str) -> AsyncIterator[str]:
    """A new, empty database on a throwaway server, dropped afterwards; yields its SQLAlchemy URL."""
    name = f"t_{uuid.uuid4().hex}"
    admin_dsn = make_url(server_url).set(drivername="postgresql").render_as_string(hide_password=False)
    admin = await asyncpg.connect(admin_dsn)
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    try:
        yield make_url(server_url).set(database=name).render_as_string(hide_password=False)
    finally:
        admin = await asyncpg.connect(admin_dsn)
        try:
            # FORCE: a connection a failed test left open must not keep the database alive.
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await admin.close()


@dataclass
class RestartablePostgres:
    """A throwaway server the caller stops and starts again on the same port (an outage of the read model)."""

    url: str
    _binaries: _Binaries
    _root: Path
    _port: int

    def stop(self) -> None:
        _stop(self._binaries, self._root, self._root / "data")

    def start(self) -> None:
        root = self._root
        _start(
            self._binaries,
            root,
            root / "data",
            root / "socket",
            root / "server.log",
            port=self._port,
            durable=True,
        )


@contextlib.contextmanager
def restartable_postgres() -> Iterator[RestartablePostgres]:
    """Like `throwaway_postgres`, with `stop()` and `start()`; deleted on exit."""
    binaries = find_binaries()
    root = _make_root_dir()
    data_dir = root / "data"
    socket_dir = root / "socket"
    try:
        _init_cluster(binaries, root, data_dir)
        socket_dir.mkdir()
        _give_to_server_user(socket_dir)
        port = _start(binaries, root, data_dir, socket_dir, root / "server.log", durable=True)
        server = RestartablePostgres(
            f"postgresql+asyncpg://postgres@127.0.0.1:{port}/postgres", binaries, root, port
        )
        try:
            yield server
        finally:
            with contextlib.suppress(PostgresUnavailableError, subprocess.TimeoutExpired):
                server.stop()
    finally:
        shutil.rmtree(root, ignore_errors=True)
