"""Servers the dev stack starts as processes of its own, which must not outlive it.

`make run` starts the Temporal dev server in a session of its own, so that Ctrl-C reaches only the stack,
which stops its worker first and the server last. A session of its own also means a SIGKILL of
`make run`'s process group does not reach the server: left running, it would hold the ports and the next
`make run` could not start. So the server is asked to die with its parent (Linux's parent-death signal),
and its pid is written down, so that a start after a stop that still left one (a machine without that
signal, a crash in between) ends the one left over first.
"""

from __future__ import annotations

import contextlib
import ctypes
import logging
import os
import signal
import time
from collections.abc import Callable
from pathlib import Path

logger = logging.getLogger(__name__)

_PR_SET_PDEATHSIG = 1
_LEFTOVER_STOP_SECONDS = 10.0
_POLL_SECONDS = 0.1


def dying_with_this_process() -> Callable[[], None]:
    """A `preexec_fn` after which the child gets SIGTERM when this process ends, however it ends."""
    parent = os.getpid()
    libc = ctypes.CDLL(None, use_errno=True)

    def set_parent_death_signal() -> None:
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)
        # The parent may have died between fork and prctl: the signal would never come.
        if os.getppid() != parent:
            os._exit(1)

    return set_parent_death_signal


def record_pid(pid_file: Path, pid: int) -> None:
    pid_file.write_text(f"{pid}\n", encoding="ascii")


def forget_pid(pid_file: Path) -> None:
    pid_file.unlink(missing_ok=True)


def stop_leftover(pid_file: Path, marker: str) -> bool:
    """End the process `pid_file` names if it still runs with `marker` in its command line; True if it did.

    The marker (the server's database file) tells our server from whatever process took its pid since.
    """
    try:
        pid = int(pid_file.read_text(encoding="ascii").strip())
    except (OSError, ValueError):
        return False
    if not _runs_with(pid, marker):
        forget_pid(pid_file)
        return False
    logger.warning("stopping a Temporal dev server (pid %d) left running by an earlier stack", pid)
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + _LEFTOVER_STOP_SECONDS
    while _runs_with(pid, marker):
        if time.monotonic() > deadline:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
            break
        time.sleep(_POLL_SECONDS)
    forget_pid(pid_file)
    return True


def _runs_with(pid: int, marker: str) -> bool:
    try:
        command_line = Path(f"/proc/{pid}/cmdline").read_bytes()
        status = Path(f"/proc/{pid}/stat").read_text(encoding="ascii", errors="replace")
    except OSError:
        return False
    # A zombie (state Z after the pid and name) no longer holds ports.
    state = status.rsplit(")", 1)[-1].split()[0] if ")" in status else ""
    return state != "Z" and marker.encode() in command_line
