"""The work page of maintenance units and inspection agencies: what waits for the unit, by deadline.

`/app/maintenance`, for a maintenance unit's maintainers (维保人员) and an inspection agency's inspectors
(检验人员): the tickets whose next step is the unit's, as each kind declares it (`awaiting` in its spec):
a 安全监察指令书 addressed to the unit (sign for it, then report the rectification), a 隐患 the unit
reported whose rectification the use unit submitted (verify it: pass, or fail with a reason), a 维保记录
the use unit disputed (revise and resubmit, the dispute's reason beside it). Below: the other open
tickets the unit may see.
"""

from __future__ import annotations

from fastapi import APIRouter, Request, status
from fastapi.responses import HTMLResponse

from api.deps import Resources
from api.pages.session import PageRefused, StaffSession, staff_page
from api.pages.staff_views import TicketView, awaiting_views, listed_views
from api.pages.work_page import WorkPage, add_work_page
from api.ticket_actions import action_bodies
from domain.catalog import entered_by
from domain.kinds import TicketKind
from domain.roles import Role
from store.ticket_filters import TicketFilter

router = APIRouter(prefix="/app/maintenance", include_in_schema=False)

ACTIONS = action_bodies("sign", "submit_rectification", "verify_pass", "verify_fail", "resubmit")
# One queue of a unit's pending work fits on a page; the regulator's listing pages through the rest.
_LIMIT = 500
_OPEN_LIMIT = 50


# Who works the page, and how it is headed for them.
TITLES: dict[Role, str] = {Role.MAINTAINER: "维保单位待办", Role.INSPECTOR: "检验机构待办"}


def _require_maintainer_or_inspector(session: StaffSession) -> None:
    if not session.principal.roles & TITLES.keys():
        raise PageRefused(
            status.HTTP_403_FORBIDDEN, "此页面供维保单位和检验机构的工作人员使用，请从首页进入您的工作台"
        )


def _title(session: StaffSession) -> str:
    return next(title for role, title in TITLES.items() if role in session.principal.roles)


async def _pending(resources: Resources, session: StaffSession) -> list[TicketView]:
    return await awaiting_views(resources, session.principal, frozenset(TITLES), limit=_LIMIT)


async def _dispute_reasons(resources: Resources, tickets: list[TicketView]) -> dict[str, str]:
    """Why each ticket a dispute sent back to the unit (a maintenance record) waits: the dispute's reason."""
    disputed = [
        view.ticket_id for view in tickets if "dispute" in entered_by(TicketKind(view.kind), view.state)
    ]
    timelines = await resources.tickets.timelines(disputed) if disputed else {}
    return {
        ticket_id: next((event.note for event in reversed(events) if event.action == "dispute"), "")
        for ticket_id, events in timelines.items()
    }


async def _page(
    request: Request,
    resources: Resources,
    session: StaffSession,
    *,
    status_code: int = 200,
    error: str | None = None,
    notice_text: str | None = None,
) -> HTMLResponse:
    pending = await _pending(resources, session)
    return staff_page(
        request,
        "maintenance/page.html",
        session,
        status_code=status_code,
        title=_title(session),
        for_maintainers=Role.MAINTAINER in session.principal.roles,
        error=error,
        notice=notice_text,
        pending=pending,
        dispute_reasons=await _dispute_reasons(resources, pending),
        open_tickets=await listed_views(
            resources, TicketFilter(open_only=True, visible_to=session.principal), limit=_OPEN_LIMIT
        ),
    )


add_work_page(
    router,
    WorkPage(name="maintenance", require=_require_maintainer_or_inspector, render=_page, actions=ACTIONS),
)
