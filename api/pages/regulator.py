"""The regulator's dashboard: open and overdue tickets, tickets gone overdue per day, and each kind's part.

A district regulator sees its district; the city regulator (and a bureau head) every ticket it may see.
A kind adds its own part in `api/pages/regulator_<kind>.py`: what the page shows of it (`dashboard`)
and, if it has them, its routes (`router`) and the forms the dashboard takes for it (`ACTIONS`). Each
ticket links to its workflow in the Temporal Web UI.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from api.deps import Resources
from api.pages.charts import overdue_chart, overdue_days
from api.pages.regulator_access import require_regulator
from api.pages.session import StaffSession, staff_page
from api.pages.staff_views import district_label, listed_views
from api.pages.work_page import WorkPage, add_work_page
from domain.calendar import CHINA_TIME
from domain.kinds import TicketKind
from domain.permissions import Principal
from domain.roles import OrganisationKind
from elevator_orders.kind_lookup import kind_modules
from store.ticket_filters import TicketFilter

router = APIRouter(prefix="/app/regulator", include_in_schema=False)

# Timeline events that mark a ticket going overdue: the escalation ladder's, and the kinds' own breaches.
OVERDUE_EVENTS = frozenset({"escalated", "arrival_overdue", "confirmation_overdue", "rectify_overdue"})
CHART_DAYS = 14
_LIST_LIMIT = 100
# The kinds' own parts of the dashboard, in the registry's order.
SECTIONS = [module for _, module in kind_modules("api.pages.regulator_{kind}", every_kind=False)]


def _scope_label(principal: Principal) -> str:
    if principal.organisation_kind is OrganisationKind.DISTRICT_REGULATOR:
        return district_label(principal.district)
    return "全市"


async def _page(
    request: Request,
    resources: Resources,
    session: StaffSession,
    *,
    status_code: int = 200,
    error: str | None = None,
    notice_text: str | None = None,
) -> HTMLResponse:
    principal = session.principal
    counts = await resources.tickets.open_counts(principal)
    overdue = await listed_views(
        resources, TicketFilter(overdue=True, open_only=True, visible_to=principal), limit=_LIST_LIMIT
    )
    sections: dict[str, Any] = {}
    for section in SECTIONS:
        sections |= await section.dashboard(resources, principal, overdue)
    now = resources.clock()
    today = now.astimezone(CHINA_TIME).date()
    since = now - timedelta(days=CHART_DAYS + 1)
    events = await resources.tickets.events_since(OVERDUE_EVENTS, since, principal)
    return staff_page(
        request,
        "regulator/page.html",
        session,
        status_code=status_code,
        title="监管工作台",
        error=error,
        notice=notice_text,
        scope_label=_scope_label(principal),
        counts=[
            {
                "district": district_label(row.district),
                "kind": TicketKind(row.kind).label_zh,
                "open": row.open,
                "overdue": row.overdue,
            }
            for row in counts
        ],
        totals={"open": sum(r.open for r in counts), "overdue": sum(r.overdue for r in counts)},
        overdue=sorted(overdue, key=lambda view: view.due_at or view.opened_at),
        overdue_chart=overdue_chart(overdue_days(events, today, CHART_DAYS)),
        chart_days=CHART_DAYS,
        **sections,
    )


add_work_page(
    router,
    WorkPage(
        name="regulator",
        require=require_regulator,
        render=_page,
        actions={
            action: body for section in SECTIONS for action, body in getattr(section, "ACTIONS", {}).items()
        },
    ),
)
# A part with routes of its own (the 指令书's issue form) brings its `router`.
for _section in SECTIONS:
    if hasattr(_section, "router"):
        router.include_router(_section.router)
