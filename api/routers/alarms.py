"""Alarm intake for remote-monitoring platforms: a batch of alarms in, what each did out."""

from __future__ import annotations

from collections import Counter
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Response, status

from api.alarm_schemas import (
    AlarmBatchIn,
    AlarmBatchOut,
    HeartbeatBatchIn,
    HeartbeatsOut,
    UnknownCodeOut,
    UnknownCodesOut,
)
from api.alarm_service import mapping_for, receive_alarms, receive_heartbeats
from api.deps import OptionalPrincipal, Resources, actor_of
from api.schemas import ErrorOut
from domain.alarms import ALARM_INTAKE_SCOPE, Outcome
from domain.roles import Actor
from store.alarms import AlarmLog

router = APIRouter(prefix="/alarms", tags=["alarms"])

_ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorOut},
    403: {"model": ErrorOut, "description": f"Not an API key holding {ALARM_INTAKE_SCOPE!r}"},
}


async def _platform(principal: OptionalPrincipal) -> Actor:
    """The monitoring platform whose API key sent the request; alarms come from machines only."""
    if principal is None:
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED, detail="alarms need a monitoring platform's API key"
        )
    if principal.key_scopes is None or ALARM_INTAKE_SCOPE not in principal.key_scopes:
        raise HTTPException(
            status.HTTP_403_FORBIDDEN,
            detail=f"alarms need an API key holding the scope {ALARM_INTAKE_SCOPE!r}",
        )
    return actor_of(principal)


Platform = Annotated[Actor, Depends(_platform)]


@router.post(
    "",
    response_model=AlarmBatchOut,
    responses={
        207: {
            "model": AlarmBatchOut,
            "description": "Some alarms were refused; each answer says which and why",
        },
        **_ERRORS,
    },
)
async def post_alarms(
    body: AlarmBatchIn, response: Response, resources: Resources, platform: Platform
) -> AlarmBatchOut:
    """One alarm or a batch of up to 500: each opens or joins a ticket, sets the car's status, or is kept.

    The answer has one entry per alarm, in order: created, joined, status, noted, unknown_code, or
    rejected with the reason. A refused alarm never holds up the others (207 when any was refused). An
    alarm id sent again is answered as it was the first time, and does nothing more.
    """
    answers = await receive_alarms(resources, platform, body.items)
    counts = Counter(answer.outcome.value for answer in answers)
    if counts[Outcome.REJECTED.value]:
        response.status_code = status.HTTP_207_MULTI_STATUS
    return AlarmBatchOut(answers=answers, counts=dict(counts))


@router.post("/heartbeats", response_model=HeartbeatsOut, responses=_ERRORS)
async def post_heartbeats(body: HeartbeatBatchIn, resources: Resources, platform: Platform) -> HeartbeatsOut:
    """Devices saying they are alive (心跳), up to 500 at once; alarms count as heard from too.

    A device silent for longer than its policy row (远程监测离线, `elevator-orders policies`) opens a 隐患
    for the car's use unit; the next heartbeat settles it.
    """
    unregistered = await receive_heartbeats(
        resources, platform, [(b.elevator_code, b.at) for b in body.items]
    )
    return HeartbeatsOut(
        accepted=len(body.items) - sum(b.elevator_code in unregistered for b in body.items),
        unregistered=unregistered,
    )


@router.get("/unknown-codes", response_model=UnknownCodesOut, responses=_ERRORS)
async def unknown_codes(resources: Resources, platform: Platform) -> UnknownCodesOut:
    """The event codes this platform sent that its mapping does not know, most frequent first."""
    platform_id = platform.organisation_id
    codes = await AlarmLog(resources.database).unknown_codes(platform_id)
    return UnknownCodesOut(
        platform_id=platform_id,
        mapping=mapping_for(resources, platform_id).name,
        codes=[UnknownCodeOut(event_code=c.event_code, alarms=c.alarms, last_at=c.last_at) for c in codes],
    )
