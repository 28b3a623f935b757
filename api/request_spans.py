"""A span per API request, the parent of the spans of the workflow and activities it sets going.

Installed only when tracing is on (elevator_orders/tracing.py). The span is named after the route
(`POST /tickets/{ticket_id}/{action}`), never the path: paths carry ids, and routes keep traces groupable.
"""

from __future__ import annotations

from opentelemetry.trace import SpanKind, Status, StatusCode, Tracer
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from elevator_orders.logs import REQUEST_ID


class RequestSpans:
    """A pure ASGI middleware: the request's span is current while the app handles it."""

    def __init__(self, app: ASGIApp, tracer: Tracer) -> None:
        self.app = app
        self.tracer = tracer

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        method = scope["method"]
        with self.tracer.start_as_current_span(method, kind=SpanKind.SERVER) as span:
            span.set_attribute("http.request.method", method)
            request_id = REQUEST_ID.get()
            if request_id:
                span.set_attribute("elevator_orders.request_id", request_id)

            async def send_with_status(message: Message) -> None:
                if message["type"] == "http.response.start":
                    code = int(message["status"])
                    span.set_attribute("http.response.status_code", code)
                    if code >= 500:
                        span.set_status(Status(StatusCode.ERROR))
                await send(message)

            try:
                await self.app(scope, receive, send_with_status)
            finally:
                route = scope.get("route")
                template = getattr(route, "path", None)
                if template:
                    span.set_attribute("http.route", template)
                    span.update_name(f"{method} {template}")
