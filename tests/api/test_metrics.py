"""GET /metrics: what an operator's Prometheus reads, the business figures moving with the tickets."""

from __future__ import annotations

import httpx
from prometheus_client.parser import text_string_to_metric_families
from temporalio.client import Client

from elevator_orders.metrics import metrics_page, serve_metrics, telemetry_runtime
from store.database import Database
from tests.api.conftest import Api
from tests.support.ports import LOOPBACK, free_port

RESCUER = "u-rescuer-shenda"
SAFETY_MANAGER = "u-safety-lujiazui"


def _samples(page: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(page)
        for sample in family.samples
    }


async def _figures(api: Api) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    answer = await api.http.get("/metrics")
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/plain")
    return _samples(answer.text)


OPEN_RESCUES = ("elevator_orders_open_tickets", (("district", "pudong"), ("kind", "rescue")))
ARRIVALS_WITHIN_30 = ("elevator_orders_rescue_arrival_minutes_bucket", (("le", "30.0"),))


async def test_the_business_figures_move_as_a_rescue_opens_and_closes(api: Api) -> None:
    before = await _figures(api)
    assert ("elevator_orders_mails_failed", ()) in before

    ticket_id = await api.open("31011500001")
    opened = await _figures(api)
    assert opened.get(OPEN_RESCUES, 0) == before.get(OPEN_RESCUES, 0) + 1

    for action, user, body in (
        ("accept", RESCUER, {}),
        ("arrive", RESCUER, {}),
        ("release", RESCUER, {"people_freed": 1, "handler_name": "李师傅"}),
        ("confirm", SAFETY_MANAGER, {}),
    ):
        assert (await api.act(ticket_id, action, user, body)).status_code == 200
    closed = await _figures(api)
    assert closed.get(OPEN_RESCUES, 0) == before.get(OPEN_RESCUES, 0)
    # One more rescue reached within 30 minutes of its alarm, in the last 7 days.
    assert closed[ARRIVALS_WITHIN_30] == before.get(ARRIVALS_WITHIN_30, 0) + 1
    assert (
        closed[("elevator_orders_rescue_accept_minutes_gcount", ())]
        == before.get(("elevator_orders_rescue_accept_minutes_gcount", ()), 0) + 1
    )


async def test_the_page_carries_the_sdks_own_metrics_when_it_exports_them(
    api: Api, database: Database
) -> None:
    port = free_port()
    client = await Client.connect(
        api.temporal.service_client.config.target_host, runtime=telemetry_runtime(port)
    )
    await client.count_workflows()  # a request the SDK counts
    page = (await metrics_page(database, api.clock(), port)).decode()
    names = {family.name for family in text_string_to_metric_families(page)}
    assert "elevator_orders_open_tickets" in names
    assert any(name.startswith("temporal_") for name in names), sorted(names)


async def test_a_worker_without_an_api_answers_get_metrics_on_its_own_port(
    database: Database, api: Api
) -> None:
    port = free_port()
    server = await serve_metrics(LOOPBACK, port, lambda: metrics_page(database, api.clock(), 0))
    try:
        async with httpx.AsyncClient(base_url=f"http://{LOOPBACK}:{port}") as http:
            metrics = await http.get("/metrics")
            elsewhere = await http.get("/")
    finally:
        server.close()
        await server.wait_closed()
    assert metrics.status_code == 200
    assert "elevator_orders_mails_pending" in metrics.text
    assert elsewhere.status_code == 404
