"""A regulator's downloads for a month: its tickets with their times and lateness, and units' grades.

CSV (UTF-8 with BOM, for Excel) or XLSX. A district regulator gets its district's tickets, the city
regulator every district's; grades go to regulators whole and to a unit for itself only.
"""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, HTTPException, Response, status

from api.credit_schemas import Month
from api.credit_sheets import Sheet, csv_bytes, grade_sheets, ticket_sheet, xlsx
from api.deps import AppResources, CurrentPrincipal, Resources
from api.schemas import ErrorOut
from domain.credit_model import Period
from domain.permissions import Principal, is_regulator, reads_metadata_only
from domain.roles import OrganisationKind
from store.credit_grades import CreditStore
from store.month_tickets import month_tickets

router = APIRouter(prefix="/credit/exports", tags=["credit"])

_ERRORS: dict[int | str, dict[str, Any]] = {403: {"model": ErrorOut}}
_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
Format = Literal["csv", "xlsx"]
_SHEET_RESPONSES: dict[int | str, dict[str, Any]] = {
    **_ERRORS,
    200: {"content": {media_type: {} for media_type in _TYPES.values()}},
}


def _download(sheets: list[Sheet], name: str, format: Format) -> Response:
    # A CSV holds one sheet: the first (the tickets, or the grades without their lines).
    body = xlsx(sheets) if format == "xlsx" else csv_bytes(sheets[0])
    return Response(
        body,
        media_type=_TYPES[format],
        headers={"Content-Disposition": f'attachment; filename="{name}.{format}"'},
    )


@router.get("/tickets.{format}", responses=_SHEET_RESPONSES)
async def ticket_sheet_download(
    format: Format, month: Month, principal: CurrentPrincipal, resources: Resources
) -> Response:
    """The month's tickets: opened, accepted, on site and closed times, and the clocks each missed."""
    return await ticket_download(resources, principal, month, format)


async def ticket_download(
    resources: AppResources, principal: Principal, month: str, format: Format
) -> Response:
    if not is_regulator(principal):
        raise HTTPException(status.HTTP_403_FORBIDDEN, detail="the month's ticket sheet is for regulators")
    city = principal.organisation_kind is OrganisationKind.CITY_REGULATOR
    tickets = await month_tickets(resources.database, Period.of(month), None if city else principal.district)
    names = await CreditStore(resources.database).organisation_names()
    return _download([ticket_sheet(tickets, names)], f"tickets-{month}", format)


@router.get("/grades.{format}", responses=_SHEET_RESPONSES)
async def grade_sheet_download(
    format: Format, month: Month, principal: CurrentPrincipal, resources: Resources
) -> Response:
    """The month's grades with every figure, and (XLSX) the rules that cost each unit its points."""
    return await grade_download(resources, principal, month, format)


async def grade_download(
    resources: AppResources, principal: Principal, month: str, format: Format
) -> Response:
    if reads_metadata_only(principal):
        raise HTTPException(
            status.HTTP_403_FORBIDDEN, detail="the platform operator does not see units' grades"
        )
    store = CreditStore(resources.database)
    grades = await store.grades(month, None if is_regulator(principal) else principal.organisation_id)
    return _download(grade_sheets(grades, await store.organisation_names()), f"credit-{month}", format)
