"""The use-management unit's inbox: what awaits my confirmation, by deadline, and my elevators.

Awaiting the unit's safety manager: the tickets whose next step is the use unit's, as each kind declares
it (`awaiting` in its spec: confirm a release or a fix, dispute a record, answer a passenger, submit a
rectification, sign for an order addressed to the unit). Below: the unit's elevators with their open
tickets.
"""

from __future__ import annotations

from collections import defaultdict

from fastapi import APIRouter, Request, status
from fastapi.responses import HTMLResponse

from api.deps import Resources
from api.pages.session import PageRefused, StaffSession, staff_page
from api.pages.staff_views import TicketView, awaiting_views, listed_views
from api.pages.work_page import WorkPage, add_work_page
from api.ticket_actions import action_bodies
from domain.roles import Role
from store.models import Elevator
from store.ticket_filters import TicketFilter

router = APIRouter(prefix="/app/inbox", include_in_schema=False)

_WORKED_BY = frozenset({Role.SAFETY_MANAGER})
ACTIONS = action_bodies("confirm", "dispute", "sign", "submit_rectification", "answer")
_LIMIT = 500


def _require_safety_manager(session: StaffSession) -> None:
    if Role.SAFETY_MANAGER not in session.principal.roles:
        raise PageRefused(
            status.HTTP_403_FORBIDDEN, "此页面供使用管理单位的安全管理员使用，请从首页进入您的工作台"
        )


async def _open_tickets(resources: Resources, session: StaffSession) -> list[TicketView]:
    principal = session.principal
    return await listed_views(
        resources,
        TicketFilter(use_unit_id=principal.organisation_id, open_only=True, visible_to=principal),
        limit=_LIMIT,
    )


async def _my_elevators(resources: Resources, organisation_id: str) -> list[Elevator]:
    return [e for e in await resources.registry.elevators() if e.use_unit_id == organisation_id]


async def _page(
    request: Request,
    resources: Resources,
    session: StaffSession,
    *,
    status_code: int = 200,
    error: str | None = None,
    notice_text: str | None = None,
) -> HTMLResponse:
    open_tickets = await _open_tickets(resources, session)
    awaiting = await awaiting_views(resources, session.principal, _WORKED_BY, limit=_LIMIT)
    by_elevator: dict[str, list[TicketView]] = defaultdict(list)
    for view in open_tickets:
        by_elevator[view.elevator_code].append(view)
    return staff_page(
        request,
        "inbox/page.html",
        session,
        status_code=status_code,
        title="待办事项",
        error=error,
        notice=notice_text,
        inbox=awaiting,
        elevators=await _my_elevators(resources, session.principal.organisation_id),
        open_by_elevator=by_elevator,
    )


add_work_page(router, WorkPage(name="inbox", require=_require_safety_manager, render=_page, actions=ACTIONS))
