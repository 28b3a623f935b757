"""The supervisory directive (安全监察指令书): draft one from an escalated ticket, issue it, print it."""

import uuid
from datetime import UTC, date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Header, HTTPException, Response, status
from fastapi.responses import HTMLResponse

from activities.official_calendar import load_working_day_calendar
from api.deps import CurrentActor, Resources
from api.directive_schemas import DirectiveCreate, DirectiveCreated, DirectiveDraft
from api.directive_service import NewDirective, issue_directive
from api.errors import field_error
from api.schemas import ErrorOut
from domain import directive as rules
from domain.catalog import state_label
from domain.directive import Addressee
from domain.districts import DISTRICTS_ZH
from domain.kinds import TicketKind
from domain.policies import policy_table
from domain.registry import ElevatorRegistration
from domain.roles import Actor, OrganisationKind, Role
from notifications.documents import DirectiveDocument, DocumentRenderer, ServiceRecord
from store.models import Ticket

router = APIRouter(tags=["directive"])

_ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorOut},
    403: {"model": ErrorOut},
    404: {"model": ErrorOut},
    503: {"model": ErrorOut, "description": "Temporal is unreachable"},
}
_documents = DocumentRenderer()


def _require_district_regulator(actor: Actor, registration: ElevatorRegistration) -> None:
    regulator = registration.district_regulator
    if actor.role is not Role.REGULATOR or actor.organisation_id != regulator.id:
        raise HTTPException(
            status.HTTP_403_FORBIDDEN, detail=f"directives on this elevator are issued by {regulator.name}"
        )


async def _ticket(resources: Resources, ticket_id: str) -> Ticket:
    ticket = await resources.tickets.get(ticket_id)
    if ticket is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail=f"no ticket {ticket_id!r}")
    return ticket


async def _registration(resources: Resources, elevator_code: str) -> ElevatorRegistration:
    registration = await resources.registry.registration(elevator_code)
    if registration is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail=f"no registered elevator {elevator_code!r}")
    return registration


def _today() -> date:
    return rules.china_date(datetime.now(UTC))


@router.get("/tickets/{ticket_id}/directive-draft", response_model=DirectiveDraft, responses=_ERRORS)
async def directive_draft(ticket_id: str, resources: Resources, actor: CurrentActor) -> DirectiveDraft:
    """A directive prefilled from a ticket (usually one escalated to the regulator's queue)."""
    ticket = await _ticket(resources, ticket_id)
    registration = await _registration(resources, ticket.elevator_code)
    _require_district_regulator(actor, registration)
    kind = TicketKind(ticket.kind)
    defaults = rules.draft_defaults(kind)
    unit = defaults.addressee.unit(registration)
    settings = resources.settings
    working_days = int(policy_table(settings.policy_overrides)[rules.RECTIFY_POLICY_KEY].limit)
    calendar = load_working_day_calendar(settings.working_day_fallback_file)
    return DirectiveDraft(
        from_ticket_id=ticket.ticket_id,
        elevator_code=ticket.elevator_code,
        addressee=defaults.addressee.value,
        addressee_unit_id=unit.id,
        addressee_unit_name=unit.name,
        problems=rules.draft_problems(
            kind,
            ticket.ticket_id,
            state_label(kind, ticket.state),
            ticket.flags,
            ticket.due_at,
            ticket.details,
        ),
        article_violated=defaults.article_violated,
        legal_basis=defaults.legal_basis,
        rectify_by=rules.default_rectify_by(calendar, working_days, datetime.now(UTC)),
    )


@router.post(
    "/tickets/directive",
    response_model=DirectiveCreated,
    status_code=status.HTTP_201_CREATED,
    responses={
        200: {"model": DirectiveCreated, "description": "This request had issued it before"},
        **_ERRORS,
    },
)
async def create_directive(
    body: DirectiveCreate,
    response: Response,
    resources: Resources,
    actor: CurrentActor,
    idempotency_key: Annotated[str | None, Header(max_length=120, pattern=r"^[A-Za-z0-9._:-]+$")] = None,
) -> DirectiveCreated:
    """Issue a directive: the district regulator of the elevator, to its use unit or maintenance unit."""
    registration = await resources.registry.registration(body.elevator_code)
    if registration is None:
        raise field_error("elevator_code", f"no registered elevator {body.elevator_code!r}")
    _require_district_regulator(actor, registration)
    if body.rectify_by <= _today():
        raise field_error("rectify_by", "the date to correct by must be later than today (China time)")
    if body.from_ticket_id is not None:
        source = await resources.tickets.get(body.from_ticket_id)
        if source is None:
            raise field_error("from_ticket_id", f"no ticket {body.from_ticket_id!r}")
        if source.elevator_code != body.elevator_code:
            raise field_error("from_ticket_id", f"ticket {body.from_ticket_id!r} is on another elevator")
    # A client that retries after a timeout sends the same Idempotency-Key: one directive, not two.
    ref = idempotency_key or uuid.uuid4().hex
    ticket_id = rules.directive_ticket_id(body.elevator_code, ref)
    known = await resources.tickets.get(ticket_id)
    if known is None:
        registered = await issue_directive(
            resources.temporal,
            resources.settings.temporal_task_queue,
            NewDirective(
                elevator_code=body.elevator_code,
                ref=ref,
                issuer=actor,
                addressee=Addressee(body.addressee),
                problems=body.problems,
                article_violated=body.article_violated,
                legal_basis=body.legal_basis,
                rectify_by=body.rectify_by,
                from_ticket_id=body.from_ticket_id,
            ),
            mail_grace_seconds=resources.settings.mail_grace_seconds,
        )
        duplicate = registered.duplicate
        # The answer to the start comes once the directive is stored, with its number.
        known = await resources.tickets.get(ticket_id)
        assert known is not None
    else:
        duplicate = True
    if duplicate:
        response.status_code = status.HTTP_200_OK
    return DirectiveCreated(
        ticket_id=known.ticket_id,
        state=known.state,
        duplicate=duplicate,
        document_number=str(known.details["document_number"]),
    )


@router.get(
    "/tickets/{ticket_id}/document",
    response_class=HTMLResponse,
    responses={200: {"content": {"text/html": {}}, "description": "The printable directive"}, **_ERRORS},
)
async def directive_document(ticket_id: str, resources: Resources, actor: CurrentActor) -> HTMLResponse:
    """The directive as a printable HTML document (A4): its regulator, the city bureau, or the addressed unit."""
    ticket = await _ticket(resources, ticket_id)
    if ticket.kind != TicketKind.DIRECTIVE.value:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail=f"ticket {ticket_id!r} is not a directive")
    details = ticket.details
    if not await _may_read_document(resources, actor, details):
        raise HTTPException(
            status.HTTP_403_FORBIDDEN,
            detail="a directive is read by its regulator, the city bureau and the unit it is addressed to",
        )
    elevator = await resources.registry.elevator(ticket.elevator_code)
    issued_rectify_by = date.fromisoformat(str(details["issued_rectify_by"]))
    current_rectify_by = date.fromisoformat(str(details["rectify_by"]))
    document = DirectiveDocument(
        document_number=str(details["document_number"]),
        issuer_name=str(details["issuer_unit_name"]),
        addressee_name=str(details["addressee_unit_name"]),
        addressee_label=str(details["addressee_label"]),
        elevator_code=ticket.elevator_code,
        registration_code=elevator.registration_code if elevator else "",
        elevator_address=str(details["elevator_address"]),
        problems=str(details["problems"]),
        article_violated=str(details["article_violated"]),
        legal_basis=str(details["legal_basis"]),
        rectify_by=issued_rectify_by,
        issued_on=rules.china_date(datetime.fromisoformat(str(details["issued_at"]))),
        appeal_rights=rules.appeal_rights_zh(
            str(details["issuer_unit_name"]), DISTRICTS_ZH.get(ticket.district, "")
        ),
        service=_service_record(details),
        later_rectify_by=current_rectify_by if current_rectify_by != issued_rectify_by else None,
    )
    return HTMLResponse(_documents.directive(document))


async def _may_read_document(resources: Resources, actor: Actor, details: dict[str, Any]) -> bool:
    if actor.organisation_id == details.get("addressee_unit_id"):
        return True
    if actor.role is not Role.REGULATOR:
        return False
    if actor.organisation_id == details.get("issuer_unit_id"):
        return True
    organisation = await resources.registry.organisation(actor.organisation_id)
    return organisation is not None and organisation.kind == OrganisationKind.CITY_REGULATOR.value


def _service_record(details: dict[str, Any]) -> ServiceRecord:
    if details.get("signed_at"):
        return ServiceRecord(
            kind="signed",
            at=datetime.fromisoformat(str(details["signed_at"])),
            by=str(details.get("signed_by", "")),
        )
    if details.get("refused_at"):
        return ServiceRecord(
            kind="refused",
            at=datetime.fromisoformat(str(details["refused_at"])),
            by=str(details.get("refusal_recorded_by", "")),
            note=str(details.get("refusal_note", "")),
        )
    return ServiceRecord(kind="awaiting")
