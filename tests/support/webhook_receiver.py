"""A real HTTP receiver on loopback for webhook and WeCom-robot deliveries: records, answers as told."""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType


@dataclass(frozen=True)
class Received:
    path: str
    headers: dict[str, str]
    body: bytes
    # What the receiver answered.
    status: int

    def json(self) -> dict[str, object]:
        value = json.loads(self.body)
        assert isinstance(value, dict)
        return value


class WebhookReceiver:
    """Answers 200 (or, for WeCom, 200 with errcode 0) unless told to refuse the next requests."""

    def __init__(self, *, wecom: bool = False) -> None:
        self._wecom = wecom
        self._lock = threading.Lock()
        self._received: list[Received] = []
        self._refusals: deque[int] = deque()
        self.always_refuse: int | None = None
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                body = self.rfile.read(length)
                status, answer = receiver._answer()
                receiver._record(Received(self.path, dict(self.headers.items()), body, status))
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, format: str, *args: object) -> None:
                return

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}/hook"

    @property
    def received(self) -> list[Received]:
        with self._lock:
            return list(self._received)

    def refuse_next(self, count: int, status: int = 500) -> None:
        with self._lock:
            self._refusals.extend([status] * count)

    def _answer(self) -> tuple[int, bytes]:
        with self._lock:
            refused = self._refusals.popleft() if self._refusals else self.always_refuse
        if self._wecom:
            # The robot answers 200 whatever happened; the error is in the body.
            if refused is not None:
                return 200, json.dumps({"errcode": 93000, "errmsg": "invalid webhook url"}).encode()
            return 200, b'{"errcode":0,"errmsg":"ok"}'
        if refused is not None:
            return refused, b'{"error":"refused"}'
        return 200, b"{}"

    def _record(self, received: Received) -> None:
        with self._lock:
            self._received.append(received)

    async def wait_for(
        self,
        predicate: Callable[[list[Received]], bool],
        timeout: float = 20.0,  # noqa: ASYNC109
    ) -> list[Received]:
        deadline = time.monotonic() + timeout
        while not predicate(self.received):
            if time.monotonic() > deadline:
                raise AssertionError(f"the receiver did not get what was expected: {self.received}")
            await asyncio.sleep(0.05)
        return self.received

    def __enter__(self) -> WebhookReceiver:
        self._thread.start()
        return self

    def __exit__(
        self, _type: type[BaseException] | None, _value: BaseException | None, _tb: TracebackType | None
    ) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)
