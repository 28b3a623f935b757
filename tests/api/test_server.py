"""The API's own server (`elevator-orders api`) answers HTTP as configured, parser included."""

from __future__ import annotations

import asyncio
import time

import httpx
from temporalio.client import Client

from api.app import create_app
from api.server import api_server
from elevator_orders.settings import Settings
from elevator_orders.temporal import data_converter
from tests.support.ports import free_port


async def test_the_api_server_answers_over_a_real_socket(settings: Settings) -> None:
    temporal = await Client.connect(
        f"127.0.0.1:{free_port()}", lazy=True, data_converter=data_converter(settings)
    )
    port = free_port()
    server = api_server(create_app(settings, temporal), "127.0.0.1", port, log_level="warning")
    serving = asyncio.create_task(server.serve())
    try:
        deadline = time.monotonic() + 30
        while not server.started:
            assert time.monotonic() < deadline, "the API server did not start within 30 s"
            assert not serving.done(), "the API server stopped before it started"
            await asyncio.sleep(0.05)
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as http:
            health = await http.get("/healthz")
            # A malformed request line is the parser's to refuse, before the app sees it.
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
            writer.write(b"NOT A REQUEST\r\n\r\n")
            await writer.drain()
            refusal = await reader.read(200)
            writer.close()
    finally:
        server.should_exit = True
        await serving

    assert server.config.http == "httptools"
    assert health.status_code == 200
    assert health.json() == {"status": "ok"}
    assert refusal.startswith(b"HTTP/1.1 400")
