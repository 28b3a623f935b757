"""What every public page shares: the car as 第十条 makes it public, the page frame, refusals in Chinese."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import Depends, FastAPI, HTTPException, Path, Request, status
from fastapi.responses import HTMLResponse
from temporalio.client import WorkflowUpdateFailedError, WorkflowUpdateRPCTimeoutOrCancelledError
from temporalio.service import RPCError

from api.deps import AppResources, Resources
from api.errors import TemporalUnavailable, TicketNotActionable
from api.pages import public_forms
from api.pages.rendering import render
from api.rate_limit import public_rate_limit
from domain.alarms import ServiceMode
from domain.calendar import CHINA_TIME
from domain.kind_registry import KINDS
from domain.policies import policy_table
from store.models import Elevator

logger = logging.getLogger(__name__)

ElevatorCode = Annotated[str, Path(min_length=1, max_length=64)]
Token = Annotated[str, Path(min_length=1, max_length=200)]

# Whatever keeps a ticket from being opened or acted on just now: told as a sentence, never a trace.
WORKFLOW_FAILURES = (
    TemporalUnavailable,
    RPCError,
    WorkflowUpdateRPCTimeoutOrCancelledError,
    WorkflowUpdateFailedError,
    TicketNotActionable,
)
# The token is the only key to a filing: pages that show it are never cached nor sent on as a referrer.
PRIVATE_HEADERS = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}


@dataclass(frozen=True)
class PublicElevator:
    """What 第十条 makes public about a car, as the QR page shows it."""

    code: str
    registration_code: str
    equipment_code: str
    address: str
    building: str
    use_unit: str
    maintenance_unit: str
    last_maintenance: date | None
    inspection_valid_until: date | None
    # China's date when the page is shown: an inspection date before it has run out.
    today: date
    # What the car's monitoring device last said it is doing instead of carrying passengers (检修, 停电...),
    # and since when (China time); None while it runs normally or no device has said.
    service_mode: str | None = None
    service_mode_since: str | None = None

    @property
    def path(self) -> str:
        return f"/e/{quote(self.code, safe='')}"

    @property
    def inspection_expired(self) -> bool:
        return self.inspection_valid_until is not None and self.inspection_valid_until < self.today


async def _last_maintenance(resources: AppResources, elevator_code: str) -> datetime | None:
    """When the car's latest visit its use unit confirmed was done, by the kind whose visits date it."""
    for spec in KINDS:
        if spec.last_visit is not None:
            visit = spec.last_visit
            return await resources.tickets.latest_detail_time(
                elevator_code, spec.kind, visit.state, visit.detail
            )
    return None


async def public_elevator(resources: AppResources, elevator: Elevator) -> PublicElevator:
    use_unit = await resources.registry.organisation(elevator.use_unit_id)
    maintenance_unit = await resources.registry.organisation(elevator.maintenance_unit_id)
    performed = await _last_maintenance(resources, elevator.code)
    return PublicElevator(
        code=elevator.code,
        registration_code=elevator.registration_code,
        equipment_code=elevator.equipment_code,
        address=elevator.address,
        building=elevator.building,
        use_unit=use_unit.name if use_unit else "",
        maintenance_unit=maintenance_unit.name if maintenance_unit else "",
        last_maintenance=performed.astimezone(CHINA_TIME).date() if performed else None,
        inspection_valid_until=elevator.inspection_valid_until,
        today=resources.clock().astimezone(CHINA_TIME).date(),
        **_service_mode(elevator),
    )


def _service_mode(elevator: Elevator) -> dict[str, str]:
    if elevator.service_mode in (None, ServiceMode.NORMAL.value) or elevator.service_mode_at is None:
        return {}
    return {
        "service_mode": ServiceMode(elevator.service_mode).label_zh,
        "service_mode_since": elevator.service_mode_at.astimezone(CHINA_TIME).strftime("%Y-%m-%d %H:%M"),
    }


def page(request: Request, resources: AppResources, template: str, **context: Any) -> HTMLResponse:
    # Limits are stated from the policy rows in force, as the deadlines are counted (`limit("report.verify")`).
    policies = policy_table(resources.settings.policy_overrides)
    return render(
        request,
        template,
        rescue_hotline=resources.settings.rescue_hotline,
        limit=lambda key: policies[key].limit_zh,
        **context,
    )


async def form_page(
    request: Request,
    resources: AppResources,
    template: str,
    elevator: Elevator,
    typed: dict[str, str],
    *,
    title: str,
    status_code: int = status.HTTP_200_OK,
    errors: dict[str, str] | None = None,
    error: str | None = None,
    **context: Any,
) -> HTMLResponse:
    """A public form on `elevator`, again with what the visitor typed and what was wrong with it."""
    return page(
        request,
        resources,
        template,
        status_code=status_code,
        title=title,
        elevator=await public_elevator(resources, elevator),
        submission=public_forms.submission_id(typed),
        typed=typed,
        errors=errors or {},
        error=error,
        **context,
    )


def not_found(request: Request, resources: AppResources, message: str) -> HTMLResponse:
    return page(
        request,
        resources,
        "public/not_found.html",
        status_code=status.HTTP_404_NOT_FOUND,
        title="未找到",
        message=message,
    )


UNKNOWN_ELEVATOR = "未找到这部电梯。请核对电梯内张贴的智慧电梯码，或重新扫码。"


class UnknownElevator(Exception):
    """A public page was asked for an elevator the registry does not hold."""


async def _known_elevator(code: ElevatorCode, resources: Resources) -> Elevator:
    elevator = await resources.registry.elevator(code)
    if elevator is None:
        raise UnknownElevator(code)
    return elevator


# The elevator a public page's `{code}` names; a code the registry does not hold gets the 404 page.
KnownElevator = Annotated[Elevator, Depends(_known_elevator)]


async def _unknown_elevator_page(request: Request, _error: Exception) -> HTMLResponse:
    return not_found(request, request.app.state.resources, UNKNOWN_ELEVATOR)


def install_public_page_errors(app: FastAPI) -> None:
    """The public pages' own refusals: an unknown elevator gets the page that says so."""
    app.add_exception_handler(UnknownElevator, _unknown_elevator_page)


UNKNOWN_TOKEN = "未找到与此查询链接对应的事项。请核对链接是否完整。"


async def too_many(request: Request, bucket: str) -> str | None:
    """The public rate limit of `bucket` (the JSON API's own): None if allowed, else the Chinese refusal."""
    try:
        await public_rate_limit(bucket)(request)
    except HTTPException as refused:
        return str(refused.detail)
    return None


def unavailable_message(error: Exception) -> str:
    logger.warning("public page could not reach the workflow service: %s", error)
    return "系统暂时繁忙，未能提交，请稍后再试。"


async def form_values(request: Request) -> dict[str, str]:
    return public_forms.values(await request.form())
