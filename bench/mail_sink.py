"""The benchmark's SMTP server: real SMTP on loopback, counting what it accepts and doing nothing more.

The tests' MailCatcher (aiosmtpd) spent 1.2 ms of CPU on each mail, 6 ms a 困人救援 lifecycle, on the
machine the product is measured on; the product's cost is its SMTP client's, which is the same whatever
answers. This server speaks the part of SMTP the product uses (EHLO/HELO, MAIL, RCPT, DATA, RSET, NOOP,
QUIT), refuses the rest with 502, and keeps each message's bytes so that a run can still read them.
"""

from __future__ import annotations

import asyncio
import threading
import time

from tests.support.ports import LOOPBACK, free_port

_TERMINATOR = b"\r\n.\r\n"
_POLL_SECONDS = 0.01


class LeanSmtpSink:
    """An SMTP server on its own thread and loop; use as `with LeanSmtpSink() as sink:`."""

    def __init__(self) -> None:
        self.host = LOOPBACK
        self.port = free_port()
        self._lock = threading.Lock()
        self._messages: list[bytes] = []
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._ready = threading.Event()

    @property
    def thread(self) -> threading.Thread | None:
        """The thread the server runs in (benchmarks read its CPU time)."""
        return self._thread

    @property
    def received(self) -> int:
        with self._lock:
            return len(self._messages)

    @property
    def messages(self) -> list[bytes]:
        with self._lock:
            return list(self._messages)

    async def wait_for_count(self, count: int, timeout: float = 10.0) -> None:  # noqa: ASYNC109
        """Poll until at least `count` messages were accepted; fail after `timeout` seconds."""
        deadline = time.monotonic() + timeout
        while self.received < count:
            if time.monotonic() >= deadline:
                raise AssertionError(f"{self.received} of {count} mails within {timeout:g}s")
            await asyncio.sleep(_POLL_SECONDS)

    def keep(self, message: bytes) -> None:
        with self._lock:
            self._messages.append(message)

    def __enter__(self) -> LeanSmtpSink:
        self._thread = threading.Thread(target=self._serve, name="mail-sink", daemon=True)
        self._thread.start()
        if not self._ready.wait(timeout=10):
            raise RuntimeError("the mail sink did not start")
        return self

    def __exit__(self, *_: object) -> None:
        if self._loop is not None and self._thread is not None:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(timeout=10)

    def _serve(self) -> None:
        loop = asyncio.new_event_loop()
        self._loop = loop
        server = loop.run_until_complete(
            loop.create_server(lambda: _SmtpSession(self), self.host, self.port, reuse_address=True)
        )
        self._ready.set()
        try:
            loop.run_forever()
        finally:
            server.close()
            loop.run_until_complete(server.wait_closed())
            loop.close()


class _SmtpSession(asyncio.Protocol):
    """One SMTP connection: commands line by line, then the message until a line with a single dot."""

    def __init__(self, sink: LeanSmtpSink) -> None:
        self._sink = sink
        self._transport: asyncio.Transport | None = None
        self._buffer = b""
        self._in_data = False

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self._transport = transport
        transport.write(b"220 bench-sink ESMTP\r\n")

    def data_received(self, data: bytes) -> None:
        self._buffer += data
        while self._transport is not None and not self._transport.is_closing():
            if self._in_data:
                # The message's first line has no CRLF before it: search as if it had one.
                end = (b"\r\n" + self._buffer).find(_TERMINATOR)
                if end < 0:
                    return
                message, self._buffer = self._buffer[:end], self._buffer[end + len(_TERMINATOR) - 2 :]
                # Dot-stuffing undone (RFC 5321 4.5.2): a line that began with a dot was sent with two.
                self._sink.keep((b"\r\n" + message).replace(b"\r\n..", b"\r\n.")[2:])
                self._in_data = False
                self._transport.write(b"250 OK: message accepted\r\n")
                continue
            line_end = self._buffer.find(b"\r\n")
            if line_end < 0:
                return
            line, self._buffer = self._buffer[:line_end], self._buffer[line_end + 2 :]
            self._command(line)

    def _command(self, line: bytes) -> None:
        assert self._transport is not None
        verb = line[:4].upper()
        if verb == b"EHLO":
            self._transport.write(b"250-bench-sink\r\n250-8BITMIME\r\n250 SMTPUTF8\r\n")
        elif verb in (b"HELO", b"MAIL", b"RCPT", b"RSET", b"NOOP"):
            self._transport.write(b"250 OK\r\n")
        elif verb == b"DATA":
            self._in_data = True
            self._transport.write(b"354 End data with <CR><LF>.<CR><LF>\r\n")
        elif verb == b"QUIT":
            self._transport.write(b"221 Bye\r\n")
            self._transport.close()
        else:
            self._transport.write(b"502 Command not implemented\r\n")
