"""`/app`: where a signed-in staff member lands, by role; others get the tickets they may see."""

from __future__ import annotations

from fastapi import APIRouter, Request, status
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from api.deps import Resources
from api.pages.session import StaffSessionDep, staff_page
from api.pages.staff_views import listed_views
from domain.permissions import Principal
from domain.roles import Role
from store.ticket_filters import TicketFilter

router = APIRouter(include_in_schema=False)

_LIST_LIMIT = 50


def landing_page(principal: Principal) -> str | None:
    """The page a role works on; None for roles without one of their own."""
    if Role.RESCUER in principal.roles:
        return "/app/rescuer"
    if Role.SAFETY_MANAGER in principal.roles:
        return "/app/inbox"
    if principal.roles & {Role.MAINTAINER, Role.INSPECTOR}:
        return "/app/maintenance"
    if principal.roles & {Role.REGULATOR, Role.BUREAU_HEAD}:
        return "/app/regulator"
    return None


@router.get("/app", response_class=HTMLResponse)
async def staff_home(request: Request, resources: Resources, session: StaffSessionDep) -> Response:
    landing = landing_page(session.principal)
    if landing is not None:
        return RedirectResponse(landing, status_code=status.HTTP_303_SEE_OTHER)
    tickets = await listed_views(
        resources, TicketFilter(open_only=True, visible_to=session.principal), limit=_LIST_LIMIT
    )
    return staff_page(request, "staff/home.html", session, title="我的工单", open_tickets=tickets)
