"""The regulator's dashboard: open and overdue tickets, directives, rectification reviews, charts.

A district regulator sees its district; the city regulator (and a bureau head) every ticket it may see.
From an overdue ticket the district regulator drafts a supervisory directive (the same draft as
GET /tickets/{id}/directive-draft) and issues it (the same path as POST /tickets/directive). Directives
whose units reported their rectification wait here for the re-check: pass, or fail with a new date.
Each ticket links to its workflow in the Temporal Web UI.
"""

from __future__ import annotations

import re
import uuid
from datetime import date, datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Form, HTTPException, Request, status
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from api.audit import audit
from api.deps import Resources, actor_of
from api.directive_schemas import DirectiveCreate, DirectiveDraft
from api.directive_service import draft_directive, issue_requested_directive, today_in_china
from api.pages.charts import Arrival, BarChart, arrival_chart, overdue_chart, overdue_days
from api.pages.session import CheckedSession, PageRefused, StaffSession, StaffSessionDep, staff_page
from api.pages.staff_actions import Refusal, explain, form_body, invalid_fields
from api.pages.staff_views import TicketView, district_label, listed_views, ticket_views
from api.pages.work_page import WorkPage, add_work_page
from api.ticket_actions import action_bodies
from domain import directive as directive_rules
from domain.kinds import TicketKind
from domain.permissions import Principal
from domain.policies import policy_table
from domain.roles import OrganisationKind, Role
from store.audit import Outcome
from store.ticket_filters import TicketFilter

router = APIRouter(prefix="/app/regulator", include_in_schema=False)

ACTIONS = action_bodies("verify_pass", "verify_fail")
# Timeline events that mark a ticket going overdue: the escalation ladder's, and the rescue's own breaches.
OVERDUE_EVENTS = frozenset({"escalated", "arrival_overdue", "confirmation_overdue", "rectify_overdue"})
CHART_DAYS = 14
RECENT_ARRIVALS = 20
_LIST_LIMIT = 100
_RESCUE_SCAN = 200
_REQUEST_KEY = re.compile(r"^[A-Za-z0-9._:-]{1,120}$")
NOT_ISSUER = "只有该电梯所在区的市场监管部门可以对其下达安全监察指令书"
RECTIFY_BY_TOO_EARLY = "改正期限须晚于今天"


def _require_regulator(session: StaffSession) -> None:
    principal = session.principal
    regulator_org = principal.organisation_kind in (
        OrganisationKind.DISTRICT_REGULATOR,
        OrganisationKind.CITY_REGULATOR,
    )
    if not regulator_org or not principal.roles & {Role.REGULATOR, Role.BUREAU_HEAD}:
        raise PageRefused(status.HTTP_403_FORBIDDEN, "此页面供市场监管部门使用，请从首页进入您的工作台")


def issues_directives(principal: Principal, view: TicketView | None = None) -> bool:
    """A district regulator issues directives on its district's elevators (not from a directive itself)."""
    if principal.organisation_kind is not OrganisationKind.DISTRICT_REGULATOR:
        return False
    if Role.REGULATOR not in principal.roles:
        return False
    return view is None or view.kind != TicketKind.DIRECTIVE.value


def _scope_label(principal: Principal) -> str:
    if principal.organisation_kind is OrganisationKind.DISTRICT_REGULATOR:
        return district_label(principal.district)
    return "全市"


async def _arrivals(resources: Resources, principal: Principal) -> list[Arrival]:
    page = await resources.tickets.list(
        TicketFilter(kind=TicketKind.RESCUE.value, visible_to=principal), limit=_RESCUE_SCAN, offset=0
    )
    arrivals = []
    for ticket in page.items:
        minutes = ticket.details.get("arrival_minutes")
        if isinstance(minutes, int | float):
            alarm_at = ticket.details.get("alarm_at")
            at = datetime.fromisoformat(alarm_at) if isinstance(alarm_at, str) else ticket.opened_at
            arrivals.append(Arrival(ticket_id=ticket.ticket_id, alarm_at=at, minutes=float(minutes)))
    # The page lists newest first: the chart takes the most recent ones.
    return sorted(arrivals, key=lambda arrival: arrival.alarm_at)[-RECENT_ARRIVALS:]


async def charts(resources: Resources, principal: Principal) -> tuple[BarChart, BarChart]:
    """Arrival minutes of recent rescues against the limit; tickets gone overdue per day, 14 days."""
    arrive_limit = policy_table(resources.settings.policy_overrides)["rescue.arrive"].duration()
    arrivals = arrival_chart(await _arrivals(resources, principal), arrive_limit.total_seconds() / 60)
    today = today_in_china(resources.clock)
    since = resources.clock() - timedelta(days=CHART_DAYS + 1)
    events = await resources.tickets.events_since(OVERDUE_EVENTS, since, principal)
    return arrivals, overdue_chart(overdue_days(events, today, CHART_DAYS))


def _default_new_date(resources: Resources) -> date:
    """A failed re-check's new date, proposed as a new directive's: the policy's working days from today."""
    settings = resources.settings
    working_days = int(policy_table(settings.policy_overrides)[directive_rules.RECTIFY_POLICY_KEY].limit)
    return directive_rules.default_rectify_by(resources.working_days, working_days, resources.clock())


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
    rechecking = await listed_views(
        resources,
        TicketFilter(kind=TicketKind.DIRECTIVE.value, state="rechecking", visible_to=principal),
        limit=_LIST_LIMIT,
    )
    arrivals, overdue_per_day = await charts(resources, principal)
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
        may_issue={view.ticket_id: issues_directives(principal, view) for view in overdue},
        rechecking=rechecking,
        reviews_of=lambda view: (
            Role.REGULATOR in principal.roles
            and view.details.get("issuer_unit_id") == principal.organisation_id
        ),
        new_date=_default_new_date(resources),
        arrival_chart=arrivals,
        overdue_chart=overdue_per_day,
        chart_days=CHART_DAYS,
    )


add_work_page(router, WorkPage(name="regulator", require=_require_regulator, render=_page, actions=ACTIONS))


# --- Issuing a directive from a ticket ---------------------------------------------------------------


async def _draft(resources: Resources, session: StaffSession, ticket_id: str) -> DirectiveDraft:
    try:
        return await draft_directive(resources, actor_of(session.principal), ticket_id)
    except HTTPException as error:
        refusal = explain(error, kind=None, action="directive")
        assert refusal is not None
        message = NOT_ISSUER if error.status_code == status.HTTP_403_FORBIDDEN else refusal.message
        raise PageRefused(error.status_code, message) from error


async def _directive_form(
    request: Request,
    resources: Resources,
    session: StaffSession,
    draft: DirectiveDraft,
    *,
    values: dict[str, str] | None = None,
    status_code: int = 200,
    error: str | None = None,
) -> HTMLResponse:
    registration = await resources.registry.registration(draft.elevator_code)
    units = (
        {"use_unit": registration.use_unit.name, "maintenance_unit": registration.maintenance_unit.name}
        if registration
        else {draft.addressee: draft.addressee_unit_name}
    )
    source = await resources.tickets.get(draft.from_ticket_id)
    source_views = await ticket_views(resources, [source]) if source else []
    form = {
        "addressee": draft.addressee,
        "problems": draft.problems,
        "article_violated": draft.article_violated,
        "legal_basis": draft.legal_basis,
        "rectify_by": draft.rectify_by.isoformat(),
        # One key per form shown: sending the form twice issues one directive, not two.
        "request_key": uuid.uuid4().hex,
        **(values or {}),
    }
    return staff_page(
        request,
        "regulator/directive.html",
        session,
        status_code=status_code,
        title="下达安全监察指令书",
        error=error,
        draft=draft,
        source=source_views[0] if source_views else None,
        units=units,
        form=form,
        earliest=(today_in_china(resources.clock) + timedelta(days=1)).isoformat(),
    )


@router.get("/tickets/{ticket_id}/directive", response_class=HTMLResponse)
async def directive_form(
    ticket_id: str, request: Request, resources: Resources, session: StaffSessionDep
) -> HTMLResponse:
    """The directive prefilled from the ticket, for the regulator to edit and issue."""
    _require_regulator(session)
    draft = await _draft(resources, session, ticket_id)
    return await _directive_form(request, resources, session, draft)


@router.post("/tickets/{ticket_id}/directive")
async def issue_directive_from_ticket(
    ticket_id: str,
    request: Request,
    resources: Resources,
    session: CheckedSession,
    addressee: Annotated[str, Form()] = "",
    problems: Annotated[str, Form()] = "",
    article_violated: Annotated[str, Form()] = "",
    legal_basis: Annotated[str, Form()] = "",
    rectify_by: Annotated[str, Form()] = "",
    request_key: Annotated[str, Form()] = "",
) -> Response:
    """Issue the directive as the form says; the elevator and the source ticket are the ticket's own."""
    _require_regulator(session)
    draft = await _draft(resources, session, ticket_id)
    values = {
        "addressee": addressee,
        "problems": problems.strip(),
        "article_violated": article_violated.strip(),
        "legal_basis": legal_basis.strip(),
        "rectify_by": rectify_by,
        "request_key": request_key if _REQUEST_KEY.match(request_key) else uuid.uuid4().hex,
    }
    body = form_body(
        DirectiveCreate,
        {
            **{k: v for k, v in values.items() if k != "request_key"},
            "elevator_code": draft.elevator_code,
            "from_ticket_id": draft.from_ticket_id,
        },
    )
    refusal: Refusal | None = body if isinstance(body, Refusal) else None
    if isinstance(body, DirectiveCreate):
        try:
            created = await issue_requested_directive(
                resources, actor_of(session.principal), body, values["request_key"]
            )
        except RequestValidationError as error:
            fields = [str(e["loc"][-1]) for e in error.errors() if e.get("loc")]
            refusal = (
                Refusal(status.HTTP_422_UNPROCESSABLE_CONTENT, RECTIFY_BY_TOO_EARLY)
                if fields == ["rectify_by"]
                else invalid_fields(fields)
            )
        except Exception as error:
            refusal = explain(error, kind=None, action="directive")
            if refusal is None:
                raise
            if refusal.status_code == status.HTTP_403_FORBIDDEN:
                refusal = Refusal(refusal.status_code, NOT_ISSUER)
        else:
            await audit(
                resources,
                request,
                session.principal,
                outcome=Outcome.OK,
                action="POST /app/regulator/tickets/{ticket_id}/directive",
                ticket_id=created.ticket_id,
                target=f"from_ticket_id={ticket_id}"[:200],
                payload=body.model_dump(mode="json"),
            )
            return RedirectResponse("/app/regulator?done=directive", status_code=status.HTTP_303_SEE_OTHER)
    assert refusal is not None
    return await _directive_form(
        request,
        resources,
        session,
        draft,
        values=values,
        status_code=refusal.status_code,
        error=refusal.message,
    )
