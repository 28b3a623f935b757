"""Loopback ports for servers the tests start, chosen where no other process will be handed them."""

from __future__ import annotations

import random
import socket
from pathlib import Path

LOOPBACK = "127.0.0.1"
_EPHEMERAL_RANGE = Path("/proc/sys/net/ipv4/ip_local_port_range")
_LOWEST_PORT = 20_000
_ATTEMPTS = 200


def _ephemeral_range() -> tuple[int, int]:
    try:
        low, high = (int(part) for part in _EPHEMERAL_RANGE.read_text().split())
    except (OSError, ValueError):
        return 32_768, 60_999  # Linux's default
    return low, high


def _candidates() -> list[int]:
    # Below the range only: Temporal's server stores its membership ports as a signed 16-bit number.
    low, _ = _ephemeral_range()
    return list(range(_LOWEST_PORT, min(low, 32_768)))


def free_port() -> int:
    """A loopback TCP port nothing listens on, outside the kernel's ephemeral range.

    A port the kernel handed out for bind(0) and that was then released can be handed out again at
    once, as the source port of any outgoing connection or to another server's bind(0) (the Temporal
    dev server picks its internal ports that way); a server started on it a moment later then fails
    with "address already in use". The kernel never hands out ports outside its ephemeral range.
    """
    candidates = _candidates()
    for port in random.sample(candidates, min(_ATTEMPTS, len(candidates))):
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            try:
                sock.bind((LOOPBACK, port))
            except OSError:
                continue
            return port
    raise RuntimeError(f"no free loopback port among {_ATTEMPTS} tried outside the ephemeral range")
