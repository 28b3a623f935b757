"""Actions on a ticket of any kind: each becomes an Update of the ticket's own workflow run."""

import inspect
from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import APIRouter, Response
from pydantic import BaseModel

from api.deps import CurrentPrincipal, Resources
from api.presenters import present_ticket
from api.schemas import ErrorOut, TicketDetailOut
from api.ticket_actions import ACTION_BODIES, ACTION_DOCS
from api.ticket_service import take_action
from domain.permissions import Principal

router = APIRouter(prefix="/tickets", tags=["actions"])

_ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorOut},
    403: {
        "model": ErrorOut,
        "description": "The acting user's role or organisation may not take this action",
    },
    404: {"model": ErrorOut},
    409: {
        "model": ErrorOut,
        "description": "Not allowed in the ticket's current state; names the allowed actions",
    },
    503: {"model": ErrorOut, "description": "Temporal is unreachable"},
}


async def _act(
    resources: Resources, ticket_id: str, action: str, principal: Principal, body: BaseModel
) -> Response:
    await take_action(resources, principal, ticket_id, action, body)
    return await present_ticket(resources, principal, ticket_id)


def _endpoint(action: str, body_model: type[BaseModel]) -> Callable[..., Awaitable[Response]]:
    """POST /tickets/{ticket_id}/<action>, its body validated as `body_model`."""

    async def endpoint(
        ticket_id: str, body: BaseModel, resources: Resources, actor: CurrentPrincipal
    ) -> Response:
        return await _act(resources, ticket_id, action, actor, body)

    # FastAPI reads the body's model from the signature: each action's own, not BaseModel.
    signature = inspect.signature(endpoint)
    parameters = [
        parameter.replace(annotation=body_model) if parameter.name == "body" else parameter
        for parameter in signature.parameters.values()
    ]
    endpoint.__signature__ = signature.replace(parameters=parameters)  # type: ignore[attr-defined]
    return endpoint


# Every action any kind takes, each with the body and the description its kind (or the shared table) gives.
for _action, _body in ACTION_BODIES.items():
    router.add_api_route(
        f"/{{ticket_id}}/{_action}",
        _endpoint(_action, _body),
        methods=["POST"],
        name=_action,
        description=ACTION_DOCS[_action],
        response_model=TicketDetailOut,
        responses=_ERRORS,
    )
