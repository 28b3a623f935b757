"""A real SMTP server for tests, on a free loopback port, that keeps every message it accepts.

aiosmtpd serves from its own event loop in a thread, so the message list is guarded by a lock and
tests read snapshots of it. `fail_next()` makes the server refuse messages with a temporary error,
which is how retry paths are exercised against real SMTP rather than a mock.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from types import TracebackType

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session

from tests.support.ports import LOOPBACK, free_port

ACCEPTED_REPLY = "250 OK: message accepted"
TEMPORARY_FAILURE_REPLY = "451 4.3.0 Temporary failure, please retry"
_POLL_INTERVAL_SECONDS = 0.01


class _CatchingHandler:
    """aiosmtpd handler that hands each message to the catcher and relays its reply."""

    def __init__(self, catcher: MailCatcher) -> None:
        self._catcher = catcher

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        """Let the catcher keep or refuse the message."""
        if self._catcher.delay_seconds:
            # A slow server: lets a test stop a sender in the middle of a batch.
            await asyncio.sleep(self._catcher.delay_seconds)
        return self._catcher._receive(envelope.original_content or b"", session.peer)


class MailCatcher:
    """An SMTP server that collects messages; use as `with MailCatcher() as catcher:`."""

    def __init__(self, host: str = LOOPBACK, port: int | None = None) -> None:
        self.host = host
        self.port = port if port is not None else free_port()
        self._lock = threading.Lock()
        self._messages: list[EmailMessage] = []
        # Accepted as bytes on the server thread and parsed when read: a sink that parsed MIME as it
        # received would put its own cost into the benchmarks' CPU figures.
        self._raw: list[bytes] = []
        self._pending_failures: list[str] = []
        self._refused = 0
        # The client's address of each accepted message: one per connection it came over.
        self._peers: set[object] = set()
        self._controller: Controller | None = None
        # Seconds the server waits before answering each message's data.
        self.delay_seconds = 0.0

    @property
    def messages(self) -> list[EmailMessage]:
        """A snapshot of the messages accepted so far, oldest first."""
        with self._lock:
            raw, self._raw = self._raw, []
            self._messages.extend(BytesParser(policy=policy.default).parsebytes(data) for data in raw)
            return list(self._messages)

    @property
    def received(self) -> int:
        """How many messages were accepted so far (without parsing them)."""
        with self._lock:
            return len(self._messages) + len(self._raw)

    async def wait_for_count(self, count: int, timeout: float = 10.0) -> None:  # noqa: ASYNC109
        """Poll until at least `count` messages were accepted; fail after `timeout` seconds."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while self.received < count:
            if loop.time() >= deadline:
                raise AssertionError(f"{self.received} of {count} mails within {timeout:g}s")
            await asyncio.sleep(_POLL_INTERVAL_SECONDS)

    @property
    def connections(self) -> int:
        """Over how many SMTP connections the accepted messages came (distinct client addresses)."""
        with self._lock:
            return len(self._peers)

    @property
    def refused(self) -> int:
        """How many messages were refused because of `fail_next`."""
        with self._lock:
            return self._refused

    @property
    def thread(self) -> threading.Thread | None:
        """The thread the server runs in while it serves (benchmarks read its CPU time)."""
        return self._controller._thread if self._controller is not None else None

    def clear(self) -> None:
        """Forget every message accepted so far."""
        with self._lock:
            self._messages.clear()
            self._raw.clear()
            self._peers.clear()

    def fail_next(self, count: int = 1, reply: str = TEMPORARY_FAILURE_REPLY) -> None:
        """Refuse the next `count` messages with `reply` instead of keeping them."""
        with self._lock:
            self._pending_failures.extend([reply] * count)

    # A plain `timeout` argument reads better in tests than wrapping every wait in `asyncio.timeout`.
    async def wait_for(
        self,
        predicate: Callable[[list[EmailMessage]], bool],
        timeout: float = 10.0,  # noqa: ASYNC109
    ) -> list[EmailMessage]:
        """Poll until `predicate(messages)` holds and return those messages; fail after `timeout` seconds."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            messages = self.messages
            if predicate(messages):
                return messages
            if loop.time() >= deadline:
                received = "; ".join(f"to {m['To']!s}: {m['Subject']!s}" for m in messages) or "nothing"
                raise AssertionError(
                    f"No matching mail within {timeout:g}s on {self.host}:{self.port}; "
                    f"received {len(messages)}: {received}"
                )
            await asyncio.sleep(_POLL_INTERVAL_SECONDS)

    def start(self) -> None:
        """Start serving in a background thread."""
        if self._controller is not None:
            raise RuntimeError("MailCatcher is already running")
        controller = Controller(_CatchingHandler(self), hostname=self.host, port=self.port)
        controller.start()
        self._controller = controller

    def stop(self) -> None:
        """Stop serving; the messages stay readable."""
        if self._controller is None:
            return
        self._controller.stop()
        self._controller = None

    def __enter__(self) -> MailCatcher:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    def _receive(self, data: bytes, peer: object) -> str:
        """Keep one message, or refuse it if a failure was requested; runs on the server thread."""
        with self._lock:
            if self._pending_failures:
                self._refused += 1
                return self._pending_failures.pop(0)
        with self._lock:
            self._raw.append(data)
            self._peers.add(peer)
        return ACCEPTED_REPLY
