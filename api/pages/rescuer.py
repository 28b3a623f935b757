"""The rescuer's phone page: rescues dispatched to my unit, live countdowns, one tap per step.

`/app/rescuer` lists the open rescues assigned to the signed-in rescuer's organisation, people still
trapped first, with countdowns to the accept and arrival limits (`rescue.accept`, `rescue.arrive`).
A small script (static/staff.js) ticks the countdowns every second and fetches `/app/rescuer/list`
every 5 seconds to swap in the list as it stands now: a re-dispatch or a cancellation shows by itself.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Any

from fastapi import APIRouter, Request, status
from fastapi.responses import HTMLResponse

from api.deps import Resources
from api.pages.session import (
    FragmentSession,
    PageRefused,
    StaffSession,
    staff_page,
)
from api.pages.staff_views import TicketView, listed_views
from api.pages.work_page import WorkPage, add_work_page
from api.ticket_actions import action_bodies
from domain.kinds import TicketKind
from domain.rescue import ReportSource, RescueState
from domain.roles import Role
from store.ticket_filters import TicketFilter

router = APIRouter(prefix="/app/rescuer", include_in_schema=False)

ACTIONS = action_bodies("accept", "arrive", "release")
REFRESH_SECONDS = 5
_LIST_LIMIT = 50


def _require_rescuer(session: StaffSession) -> None:
    if Role.RESCUER not in session.principal.roles:
        raise PageRefused(status.HTTP_403_FORBIDDEN, "此页面供救援人员使用，请从首页进入您的工作台")


async def _my_rescues(resources: Resources, session: StaffSession) -> list[TicketView]:
    principal = session.principal
    views = await listed_views(
        resources,
        TicketFilter(
            kind=TicketKind.RESCUE.value,
            assigned_unit_id=principal.organisation_id,
            open_only=True,
            visible_to=principal,
        ),
        limit=_LIST_LIMIT,
    )
    # People still trapped first, the longest waiting first; released rescues wait for the use unit.
    return sorted(views, key=lambda view: (not RescueState(view.state).people_trapped, view.opened_at))


def countdown_text(deadline: datetime | None, now: datetime) -> str:
    """What a countdown shows before its script runs: 剩余 mm:ss, or 已超时 mm:ss once late."""
    if deadline is None:
        return ""
    seconds = int((deadline - now).total_seconds())
    minutes, rest = divmod(abs(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    clock = f"{hours}:{minutes:02d}:{rest:02d}" if hours else f"{minutes:02d}:{rest:02d}"
    return f"已超时 {clock}" if seconds < 0 else f"剩余 {clock}"


def list_version(tickets: list[TicketView]) -> str:
    """A fingerprint of what the list shows: the page's script swaps the list in only when it changes."""
    shown = [
        (
            t.ticket_id,
            t.state,
            t.overdue,
            sorted(t.flags),
            sorted(t.deadlines.items()),
            sorted(t.details.items()),
        )
        for t in tickets
    ]
    return hashlib.sha256(repr(shown).encode()).hexdigest()[:16]


def _list_context(session: StaffSession, tickets: list[TicketView], now: datetime) -> dict[str, Any]:
    return {
        "tickets": tickets,
        "version": list_version(tickets),
        "now": now,
        "countdown": lambda deadline: countdown_text(deadline, now),
        "source_labels": {source.value: source.label_zh for source in ReportSource},
        "handler_name": session.principal.name,
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
    tickets = await _my_rescues(resources, session)
    return staff_page(
        request,
        "rescuer/page.html",
        session,
        status_code=status_code,
        title="救援工单",
        error=error,
        notice=notice_text,
        refresh_seconds=REFRESH_SECONDS,
        **_list_context(session, tickets, resources.clock()),
    )


add_work_page(router, WorkPage(name="rescuer", require=_require_rescuer, render=_page, actions=ACTIONS))


@router.get("/list", response_class=HTMLResponse)
async def rescuer_list(request: Request, resources: Resources, session: FragmentSession) -> HTMLResponse:
    """The list alone, as the page's script swaps it in every few seconds."""
    _require_rescuer(session)
    tickets = await _my_rescues(resources, session)
    return staff_page(
        request, "rescuer/_list.html", session, **_list_context(session, tickets, resources.clock())
    )
