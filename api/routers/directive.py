"""The supervisory directive (安全监察指令书): draft one from an escalated ticket, issue it, print it."""

from datetime import date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Header, HTTPException, Response, status
from fastapi.responses import HTMLResponse

from api.deps import CurrentActor, Resources
from api.directive_schemas import DirectiveCreate, DirectiveCreated, DirectiveDraft
from api.directive_service import draft_directive, issue_requested_directive
from api.schemas import ErrorOut
from domain import directive as rules
from domain.districts import DISTRICTS_ZH
from domain.kinds import TicketKind
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


async def _ticket(resources: Resources, ticket_id: str) -> Ticket:
    ticket = await resources.tickets.get(ticket_id)
    if ticket is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail=f"no ticket {ticket_id!r}")
    return ticket


@router.get("/tickets/{ticket_id}/directive-draft", response_model=DirectiveDraft, responses=_ERRORS)
async def directive_draft(ticket_id: str, resources: Resources, actor: CurrentActor) -> DirectiveDraft:
    """A directive prefilled from a ticket (usually one escalated to the regulator's queue)."""
    return await draft_directive(resources, actor, ticket_id)


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
    created = await issue_requested_directive(resources, actor, body, idempotency_key)
    if created.duplicate:
        response.status_code = status.HTTP_200_OK
    return created


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
