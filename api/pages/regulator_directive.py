"""The 指令书's part of the regulator's dashboard: issuing one from an overdue ticket, and the re-checks.

From an overdue ticket the district regulator drafts a supervisory directive (the same draft as
GET /tickets/{id}/directive-draft) and issues it (the same path as POST /tickets/directive). Directives
whose units reported their rectification wait on the dashboard for the re-check: pass, or fail with a
new date.
"""

from __future__ import annotations

import re
import uuid
from datetime import date, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Form, HTTPException, Request, status
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from api.audit import audit
from api.deps import Resources, actor_of
from api.directive_schemas import DirectiveCreate, DirectiveDraft
from api.directive_service import draft_directive, issue_requested_directive, today_in_china
from api.pages.regulator_access import require_regulator
from api.pages.session import CheckedSession, PageRefused, StaffSession, StaffSessionDep, staff_page
from api.pages.staff_actions import Refusal, explain, form_body, invalid_fields
from api.pages.staff_views import TicketView, listed_views, ticket_views
from api.ticket_actions import action_bodies
from domain import directive as directive_rules
from domain.kinds import TicketKind
from domain.permissions import Principal
from domain.policies import policy_table
from domain.roles import OrganisationKind, Role
from store.audit import Outcome
from store.ticket_filters import TicketFilter

router = APIRouter()

# The re-check's forms on the dashboard.
ACTIONS = action_bodies("verify_pass", "verify_fail")
_LIST_LIMIT = 100
_REQUEST_KEY = re.compile(r"^[A-Za-z0-9._:-]{1,120}$")
NOT_ISSUER = "只有该电梯所在区的市场监管部门可以对其下达安全监察指令书"
RECTIFY_BY_TOO_EARLY = "改正期限须晚于今天"


def issues_directives(principal: Principal, view: TicketView | None = None) -> bool:
    """A district regulator issues directives on its district's elevators (not from a directive itself)."""
    if principal.organisation_kind is not OrganisationKind.DISTRICT_REGULATOR:
        return False
    if Role.REGULATOR not in principal.roles:
        return False
    return view is None or view.kind != TicketKind.DIRECTIVE.value


def _default_new_date(resources: Resources) -> date:
    """A failed re-check's new date, proposed as a new directive's: the policy's working days from today."""
    settings = resources.settings
    working_days = int(policy_table(settings.policy_overrides)[directive_rules.RECTIFY_POLICY_KEY].limit)
    return directive_rules.default_rectify_by(resources.working_days, working_days, resources.clock())


async def dashboard(resources: Resources, principal: Principal, overdue: list[TicketView]) -> dict[str, Any]:
    """Which overdue tickets the regulator may issue a directive from, and the directives to re-check."""
    rechecking = await listed_views(
        resources,
        TicketFilter(kind=TicketKind.DIRECTIVE.value, state="rechecking", visible_to=principal),
        limit=_LIST_LIMIT,
    )
    return {
        "may_issue": {view.ticket_id: issues_directives(principal, view) for view in overdue},
        "rechecking": rechecking,
        "reviews_of": lambda view: (
            Role.REGULATOR in principal.roles
            and view.details.get("issuer_unit_id") == principal.organisation_id
        ),
        "new_date": _default_new_date(resources),
    }


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
    require_regulator(session)
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
    require_regulator(session)
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
