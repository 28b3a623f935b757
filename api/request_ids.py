"""Every request gets an id (the caller's X-Request-ID if it is a plausible one): in the answer and the logs."""

from __future__ import annotations

import re
import uuid

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from elevator_orders.logs import REQUEST_ID

HEADER = b"x-request-id"
# A load balancer's or a client's id is kept if it looks like one; anything else could forge log lines.
_PLAUSIBLE = re.compile(rb"^[A-Za-z0-9._:-]{1,64}$")


class RequestIdMiddleware:
    """A pure ASGI middleware: the id is set for the request's logs and echoed in X-Request-ID."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        given = next((value for name, value in scope["headers"] if name == HEADER), b"")
        request_id = given if _PLAUSIBLE.match(given) else uuid.uuid4().hex.encode()
        token = REQUEST_ID.set(request_id.decode())

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), (HEADER, request_id)]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            REQUEST_ID.reset(token)
