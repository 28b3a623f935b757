"""A local SMTP server for development that files every message it receives as an .eml file."""

from __future__ import annotations

import itertools
import os
import threading
from datetime import UTC, datetime
from pathlib import Path

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session


class _EmlWriter:
    """aiosmtpd handler that writes each message to `<directory>/<timestamp>-<n>.eml`."""

    def __init__(self, directory: Path) -> None:
        self._directory = directory
        self._counter = itertools.count(1)
        self._lock = threading.Lock()

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        """Store the message, then accept it."""
        self._write(envelope)
        return "250 OK: message stored"

    def _write(self, envelope: Envelope) -> None:
        """Write the message; blocking is fine because the controller's loop serves nothing else."""
        with self._lock:
            number = next(self._counter)
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
        path = self._directory / f"{stamp}-{number}.eml"
        # The envelope is not in the headers (think Bcc), so record it the way aiosmtpd's Mailbox does.
        envelope_headers = f"X-MailFrom: {envelope.mail_from}\r\nX-RcptTo: {', '.join(envelope.rcpt_tos)}\r\n"
        content = envelope_headers.encode("utf-8") + (envelope.original_content or b"")
        # Write then rename, so anyone watching the directory never opens a half-written file.
        partial = path.with_suffix(".eml.partial")
        partial.write_bytes(content)
        os.replace(partial, path)


class DevMailSink:
    """Runs an SMTP server on host:port that saves all mail under `directory`."""

    def __init__(self, host: str, port: int, directory: Path) -> None:
        self.host = host
        self.port = port
        self.directory = directory
        self._controller: Controller | None = None

    def start(self) -> None:
        """Create the directory and start listening in a background thread."""
        if self._controller is not None:
            raise RuntimeError("DevMailSink is already running")
        self.directory.mkdir(parents=True, exist_ok=True)
        controller = Controller(_EmlWriter(self.directory), hostname=self.host, port=self.port)
        controller.start()
        self._controller = controller

    def stop(self) -> None:
        """Stop listening; a sink that is not running is left alone."""
        if self._controller is None:
            return
        self._controller.stop()
        self._controller = None
