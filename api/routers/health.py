"""Whether the API process is up (`/healthz`), and whether it can serve (`/readyz`): for load balancers.

A replica that cannot reach its database or Temporal is up but not ready: a load balancer stops sending
it requests until it is, without restarting it. The answers name what is unreachable, never why: the
endpoints are public, and the reason (addresses, driver messages) goes to the log.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import timedelta

from fastapi import APIRouter, status
from fastapi.responses import JSONResponse

from api.deps import AppResources, Resources

logger = logging.getLogger(__name__)

router = APIRouter(tags=["health", "public"])

# A check that takes longer than this counts as failed: a load balancer polls every few seconds.
_CHECK_TIMEOUT_SECONDS = 2.0


@router.get("/healthz")
async def healthz() -> dict[str, str]:
    return {"status": "ok"}


async def _database(resources: AppResources) -> None:
    await resources.database.ping()


async def _temporal(resources: AppResources) -> None:
    serving = await resources.temporal.service_client.check_health(
        timeout=timedelta(seconds=_CHECK_TIMEOUT_SECONDS)
    )
    if not serving:
        raise RuntimeError("Temporal's workflow service is not serving")


_CHECKS: dict[str, Callable[[AppResources], Awaitable[None]]] = {"database": _database, "temporal": _temporal}


async def _check(name: str, resources: AppResources) -> str:
    try:
        await asyncio.wait_for(_CHECKS[name](resources), _CHECK_TIMEOUT_SECONDS)
    except Exception:  # any failure means not ready; the reason is logged, not answered
        logger.warning("readiness check %s failed", name, exc_info=True)
        return "unreachable"
    return "ok"


@router.get(
    "/readyz",
    responses={
        status.HTTP_503_SERVICE_UNAVAILABLE: {"description": "The database or Temporal is unreachable"}
    },
)
async def readyz(resources: Resources) -> JSONResponse:
    results = await asyncio.gather(*(_check(name, resources) for name in _CHECKS))
    checks = dict(zip(_CHECKS, results, strict=True))
    ready = all(result == "ok" for result in checks.values())
    return JSONResponse(
        {"status": "ready" if ready else "not_ready", "checks": checks},
        status_code=status.HTTP_200_OK if ready else status.HTTP_503_SERVICE_UNAVAILABLE,
    )
