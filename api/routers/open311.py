"""Open311 GeoReport v2 at /open311/v2/: the city's other systems (the 12345 hotline) file and follow requests.

Every endpoint answers JSON or XML by its suffix (`services.json`, `requests/{id}.xml`); errors are the
spec's list of {code, description} with its status codes: 403 without a valid `api_key` on a filing,
400 for an unknown service or a missing required value, 404 for an unknown request.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

import orjson
from fastapi import APIRouter, Depends, FastAPI, HTTPException, Request, Response, status
from starlette.datastructures import FormData

from api.deps import AppResources, Resources, key_principal
from api.open311_models import FilingRefused, Open311Filing
from api.open311_service import (
    OPEN311_SCOPE,
    SERVICE_OF_KIND,
    SERVICES,
    ServiceEntry,
    definition_json,
    request_json,
    service_json,
    xml_document,
    xml_element,
)
from api.rate_limit import public_rate_limit
from api.tracking_tokens import tracking_digest
from domain.calendar import CHINA_TIME
from domain.kinds import TicketKind
from store.models import Ticket
from store.ticket_filters import TicketFilter
from store.ticket_listing import TicketRow

# Public in the OpenAPI sense: GeoReport reads need nothing, and a filing carries its `api_key` in the form.
router = APIRouter(prefix="/open311/v2", tags=["open311", "public"])
# Reading needs no key (GeoReport's GETs are public), so it is limited per address like the QR pages.
_PUBLIC = [Depends(public_rate_limit("open311"))]

# GET requests without dates covers the last 90 days, and answers at most 1000 (the spec's defaults).
DEFAULT_WINDOW = timedelta(days=90)
MAX_REQUESTS = 1000


class Open311Error(Exception):
    def __init__(self, status_code: int, description: str) -> None:
        super().__init__(description)
        self.status_code = status_code
        self.description = description


def _answer(
    format: str, item_tag: str, items: Sequence[Mapping[str, Any]], status_code: int = 200
) -> Response:
    if format == "xml":
        return Response(xml_document(item_tag, items), status_code, media_type="application/xml")
    return Response(orjson.dumps(list(items)), status_code, media_type="application/json")


async def _error(request: Request, error: Exception) -> Response:
    """An Open311Error any endpoint raises, as the spec's list of errors in the endpoint's format."""
    assert isinstance(error, Open311Error)
    format = request.path_params.get("format", "json")
    body = [{"code": error.status_code, "description": error.description}]
    # An unknown format is answered in JSON: the caller could not be understood either way.
    return _answer(format if format == "xml" else "json", "error", body, error.status_code)


def install_open311_errors(app: FastAPI) -> None:
    app.add_exception_handler(Open311Error, _error)


def _format(format: str) -> str:
    if format not in ("json", "xml"):
        raise Open311Error(status.HTTP_400_BAD_REQUEST, f"format must be json or xml, not {format!r}")
    return format


@router.get("/services.{format}", dependencies=_PUBLIC)
async def services(format: str) -> Response:
    """The services requests may be filed under."""
    return _answer(_format(format), "service", [service_json(e.service) for e in SERVICES.values()])


@router.get("/services/{service_code}.{format}", dependencies=_PUBLIC)
async def service_definition(service_code: str, format: str) -> Response:
    """A service's attributes: what a filing under it gives besides its location and description."""
    entry = _service(service_code)
    definition = definition_json(entry.service)
    if _format(format) == "xml":
        return Response(xml_element("service_definition", definition), media_type="application/xml")
    return Response(orjson.dumps(definition), media_type="application/json")


@router.post("/requests.{format}")
async def post_request(format: str, request: Request, resources: Resources) -> Response:
    """File a request (form-encoded): `api_key`, `service_code`, the car (`address_id` = its code, or
    `attribute[elevator_code]`, or its `address_string`), `description`, the service's `attribute[...]`;
    the person's name and phone are kept apart from the ticket and never shown by the GET endpoints."""
    format = _format(format)
    form = await request.form()
    platform = await _filing_system(request, resources, str(form.get("api_key", "")))
    entry = _service(str(form.get("service_code", "")))
    attributes = _attributes(form)
    for attribute in entry.service.attributes:
        if attribute.required and not attributes.get(attribute.code, "").strip():
            raise Open311Error(status.HTTP_400_BAD_REQUEST, f"attribute[{attribute.code}] is required")
    elevator_code = await _elevator(resources, form, attributes)
    filing = Open311Filing(
        service_code=entry.service.service_code,
        elevator_code=elevator_code,
        ref=_ref(platform, entry.service.service_code, elevator_code, form),
        description=str(form.get("description", "")),
        attributes=attributes,
        name=f"{form.get('last_name', '')}{form.get('first_name', '')}".strip(),
        phone=str(form.get("phone", "")),
        email=str(form.get("email", "")),
    )
    try:
        filed = await entry.file(resources, filing)
    except FilingRefused as refused:
        raise Open311Error(status.HTTP_400_BAD_REQUEST, str(refused)) from refused
    answer: dict[str, Any] = {"service_request_id": filed.ticket_id, "service_notice": filed.notice}
    if filed.token:
        answer["token"] = filed.token
    return _answer(format, "request", [answer], status.HTTP_201_CREATED)


@router.get("/requests.{format}", dependencies=_PUBLIC)
async def get_requests(format: str, request: Request, resources: Resources) -> Response:
    """Requests by `service_request_id` (comma-separated), or by `service_code`, `start_date`, `end_date`
    (ISO 8601; the last 90 days by default) and `status` (open or closed)."""
    format = _format(format)
    query = request.query_params
    wanted_status = query.get("status")
    if wanted_status not in (None, "open", "closed"):
        raise Open311Error(status.HTTP_400_BAD_REQUEST, "status must be open or closed")
    rows: list[Ticket] | list[TicketRow]
    if ids := query.get("service_request_id"):
        found = [await resources.tickets.get(ticket_id) for ticket_id in ids.split(",")[:MAX_REQUESTS]]
        rows = [t for t in found if t is not None and TicketKind(t.kind) in SERVICE_OF_KIND]
    else:
        code = query.get("service_code")
        kinds = [_service(code).kind] if code else list(SERVICE_OF_KIND)
        end = _date(query.get("end_date"), "end_date") or resources.clock()
        start = _date(query.get("start_date"), "start_date") or end - DEFAULT_WINDOW
        listed: list[TicketRow] = []
        for kind in kinds:
            page = await resources.tickets.list(
                TicketFilter(kind=kind.value, opened_from=start, opened_to=end),
                limit=MAX_REQUESTS,
                offset=0,
            )
            listed += page.items
        rows = listed
    views = [await _view(resources, row) for row in rows]
    if wanted_status:
        views = [view for view in views if view["status"] == wanted_status]
    return _answer(format, "request", views[:MAX_REQUESTS])


def _date(text: str | None, name: str) -> datetime | None:
    if not text:
        return None
    try:
        at = datetime.fromisoformat(text)
    except ValueError as error:
        raise Open311Error(status.HTTP_400_BAD_REQUEST, f"{name} must be an ISO 8601 time") from error
    return at if at.tzinfo else at.replace(tzinfo=CHINA_TIME)


@router.get("/requests/{service_request_id}.{format}", dependencies=_PUBLIC)
async def get_request(service_request_id: str, format: str, resources: Resources) -> Response:
    """One request, as a list of one (the spec's shape)."""
    format = _format(format)
    row = await resources.tickets.get(service_request_id)
    if row is None or TicketKind(row.kind) not in SERVICE_OF_KIND:
        raise Open311Error(status.HTTP_404_NOT_FOUND, f"no request {service_request_id!r}")
    return _answer(format, "request", [await _view(resources, row)])


@router.get("/tokens/{token}.{format}", dependencies=_PUBLIC)
async def get_token(token: str, format: str, resources: Resources) -> Response:
    """The request a filing's token names."""
    format = _format(format)
    ticket = await resources.tickets.by_tracking_digest(tracking_digest(token))
    if ticket is None or TicketKind(ticket.kind) not in SERVICE_OF_KIND:
        raise Open311Error(status.HTTP_404_NOT_FOUND, "no request for this token")
    return _answer(format, "request", [{"service_request_id": ticket.ticket_id, "token": token}])


def _service(service_code: str) -> ServiceEntry:
    entry = SERVICES.get(service_code)
    if entry is None:
        known = ", ".join(SERVICES)
        raise Open311Error(
            status.HTTP_400_BAD_REQUEST, f"unknown service_code {service_code!r}; known: {known}"
        )
    return entry


async def _filing_system(request: Request, resources: AppResources, api_key: str) -> str:
    """The organisation whose key files the request; 403 without a valid key holding the Open311 scope."""
    try:
        principal = await key_principal(request, resources, api_key)
    except HTTPException as error:
        raise Open311Error(
            status.HTTP_403_FORBIDDEN, "a valid api_key is required to file a request"
        ) from error
    if principal.key_scopes is None or OPEN311_SCOPE not in principal.key_scopes:
        raise Open311Error(status.HTTP_403_FORBIDDEN, f"this api_key may not file requests ({OPEN311_SCOPE})")
    return principal.organisation_id


def _attributes(form: FormData) -> dict[str, str]:
    return {
        key[len("attribute[") : -1]: str(value)
        for key, value in form.items()
        if key.startswith("attribute[") and key.endswith("]")
    }


async def _elevator(resources: AppResources, form: FormData, attributes: Mapping[str, str]) -> str:
    code = str(form.get("address_id", "") or attributes.get("elevator_code", "")).strip()
    if code:
        if not await resources.registry.is_registered(code):
            raise Open311Error(status.HTTP_400_BAD_REQUEST, f"no registered elevator {code!r}")
        return code
    address = str(form.get("address_string", "")).strip()
    if address:
        elevator = await resources.registry.elevator_at(address)
        if elevator is None:
            raise Open311Error(status.HTTP_400_BAD_REQUEST, "address_string names no registered elevator")
        return elevator.code
    raise Open311Error(
        status.HTTP_400_BAD_REQUEST,
        "a location is required: address_id (the elevator code) or address_string",
    )


def _ref(platform: str, service_code: str, elevator_code: str, form: FormData) -> str:
    """The same filing sent again (a retry) names the same ticket: the ref is a digest of what it says."""
    said = "\x1f".join(
        [platform, service_code, elevator_code]
        + [f"{key}={value}" for key, value in sorted(form.items()) if key != "api_key"]
    )
    return "o311-" + hashlib.sha256(said.encode()).hexdigest()[:24]


async def _view(resources: AppResources, row: Ticket | TicketRow) -> dict[str, Any]:
    elevator = await resources.registry.elevator(row.elevator_code)
    return request_json(row, elevator.address if elevator else "")
