"""The public tracking page: a complainant or reporter follows their ticket with the token they were given."""

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path

from api.deps import Resources
from api.rate_limit import public_rate_limit
from api.schemas import ErrorOut
from api.tracking_schemas import EvaluateBody, TrackingOut
from api.tracking_service import evaluate, present_tracking, tracked_ticket

router = APIRouter(prefix="/track", tags=["public"], dependencies=[Depends(public_rate_limit("track"))])

Token = Annotated[str, Path(min_length=1, max_length=200, description="The tracking token given at creation")]

_NOT_FOUND: dict[int | str, dict[str, Any]] = {
    404: {"model": ErrorOut, "description": "No ticket follows this token"}
}


@router.get("/{token}", response_model=TrackingOut, responses=_NOT_FOUND)
async def track(token: Token, resources: Resources) -> TrackingOut:
    """Where the ticket stands and what was decided; no one involved is named."""
    return await present_tracking(resources, await tracked_ticket(resources, token))


@router.post(
    "/{token}/evaluate",
    response_model=TrackingOut,
    responses={
        **_NOT_FOUND,
        409: {"model": ErrorOut, "description": "Nothing to evaluate yet, or already evaluated"},
        503: {"model": ErrorOut, "description": "Temporal is unreachable"},
    },
)
async def evaluate_result(token: Token, body: EvaluateBody, resources: Resources) -> TrackingOut:
    """The complainant evaluates the result (满意/不满意, 1-5 stars); the ticket closes."""
    return await evaluate(resources, token, body)
