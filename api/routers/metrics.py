"""GET /metrics: the API process's Prometheus page (elevator_orders/metrics.py); not in the OpenAPI document.

Counts and durations only, never a ticket's content: still, a deployment routes it to its Prometheus, not
to the public.
"""

from __future__ import annotations

from fastapi import APIRouter, Response

from api.deps import Resources
from elevator_orders.metrics import CONTENT_TYPE, metrics_page

router = APIRouter(include_in_schema=False)


@router.get("/metrics")
async def metrics(resources: Resources) -> Response:
    page = await metrics_page(resources.database, resources.clock(), resources.settings.sdk_metrics_port)
    return Response(content=page, media_type=CONTENT_TYPE)
