"""The 智慧电梯码 itself: one car's code as PNG or SVG, and a building's codes on one A4 sheet."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import APIRouter, Path, Request
from fastapi.responses import HTMLResponse, Response
from markupsafe import Markup

from api.deps import AppResources, Resources
from api.pages import qr_codes
from api.pages.public_common import (
    KnownElevator,
    not_found,
    page,
)

_QR_CACHE = {"Cache-Control": "public, max-age=3600"}
router = APIRouter(include_in_schema=False)


def _page_url(resources: AppResources, code: str) -> str:
    return qr_codes.elevator_page_url(resources.settings.effective_public_base_url, code)


@router.get("/e/{code}/qr.png", response_model=None)
async def qr_png(elevator: KnownElevator, resources: Resources) -> Response:
    """The elevator's 智慧电梯码 as a PNG image."""
    return Response(
        qr_codes.png(_page_url(resources, elevator.code)), media_type="image/png", headers=_QR_CACHE
    )


@router.get("/e/{code}/qr.svg", response_model=None)
async def qr_svg(elevator: KnownElevator, resources: Resources) -> Response:
    """The elevator's 智慧电梯码 as an SVG document, for print."""
    return Response(
        qr_codes.svg(_page_url(resources, elevator.code), title=f"智慧电梯码 {elevator.code}"),
        media_type="image/svg+xml",
        headers=_QR_CACHE,
    )


@dataclass(frozen=True)
class SheetEntry:
    code: str
    registration_code: str
    address: str
    qr_svg: Markup


@router.get("/qr-sheet/{building}", response_class=HTMLResponse)
async def qr_sheet(
    request: Request, building: Annotated[str, Path(min_length=1, max_length=200)], resources: Resources
) -> HTMLResponse:
    """A printable A4 sheet of the building's 智慧电梯码, one per car, to stick inside each car."""
    elevators = await resources.registry.elevators_in_building(building)
    if not elevators:
        return not_found(request, resources, f"未找到楼宇“{building}”的电梯。")
    entries = [
        SheetEntry(
            code=elevator.code,
            registration_code=elevator.registration_code,
            address=elevator.address,
            # segno writes this markup itself, escaping the title: it is safe to put in the page as is.
            qr_svg=Markup(
                qr_codes.inline_svg(_page_url(resources, elevator.code), f"智慧电梯码 {elevator.code}")
            ),
        )
        for elevator in elevators
    ]
    return page(
        request,
        resources,
        "public/qr_sheet.html",
        title=f"{building} 智慧电梯码",
        building=building,
        entries=entries,
    )
