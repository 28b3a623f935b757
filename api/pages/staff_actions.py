"""Taking an action from a staff page: the shared action path, with failures told as sentences in Chinese.

The pages send actions through `api.ticket_service.take_action`, so the permission table and the
workflow's validators decide exactly as for the JSON API. What the JSON API answers as 403/404/409/422/503
a page shows as a sentence a person understands. Each action appends its audit row here, with the
digest of the action's body (the middleware does not digest form bodies).
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any, get_origin

from fastapi import HTTPException, Request, status
from fastapi.exceptions import RequestValidationError
from fastapi.responses import RedirectResponse, Response
from pydantic import BaseModel, ValidationError
from temporalio.client import WorkflowUpdateFailedError, WorkflowUpdateRPCTimeoutOrCancelledError
from temporalio.exceptions import ApplicationError
from temporalio.service import RPCError, RPCStatusCode

from api.audit import audit
from api.deps import AppResources
from api.errors import TemporalUnavailable, TicketNotActionable
from api.pages.session import PageRefused, StaffSession
from api.ticket_service import take_action
from domain.catalog import action_label, state_label
from domain.kinds import TicketKind
from store.audit import Outcome

# Form fields, as the forms label them, for "please check ..." sentences.
FIELD_LABELS_ZH: dict[str, str] = {
    "people_freed": "解困人数",
    "handler_name": "处置人员",
    "released_at": "解困时间",
    "arrived_at": "到场时间",
    "reason": "理由",
    "remark": "备注",
    "note": "备注",
    "evidence": "整改情况",
    "answer": "答复内容",
    "items": "维保项目",
    "remarks": "更正说明",
    "rectify_by": "改正期限",
    "problems": "存在的问题",
    "article_violated": "违反的条款",
    "legal_basis": "责令改正的依据",
    "addressee": "受令单位",
    "elevator_code": "电梯",
    "from_ticket_id": "来源工单",
}

# What separates the items of a list typed into a form.
_ITEM_SEPARATORS = re.compile(r"[\n、；;]+")
UNAVAILABLE = "工单服务暂时不可用，请稍后重试"
NOT_FOUND = "找不到该工单，请刷新页面后重试"
FAILED = "操作未能完成，请稍后重试"


@dataclass(frozen=True)
class Refusal:
    """Why an action did not happen: the HTTP status the page is sent with, and the sentence it shows."""

    status_code: int
    message: str


def invalid_fields(fields: list[str]) -> Refusal:
    named = "、".join(dict.fromkeys(FIELD_LABELS_ZH.get(field, field) for field in fields))
    return Refusal(
        status.HTTP_422_UNPROCESSABLE_CONTENT,
        f"请检查填写的内容：{named}" if named else "请检查填写的内容后重试",
    )


def typed_items(text: str) -> list[str]:
    """A list typed into a textarea: one item per line, or separated by 、 as the pages print lists."""
    return [item.strip() for item in _ITEM_SEPARATORS.split(text) if item.strip()]


async def form_fields(request: Request, model: type[BaseModel]) -> dict[str, Any]:
    """The fields of `model` as the page's form sent them: text trimmed, a list typed one per line.

    A field left blank is left out, so the body's default holds or the refusal names it as missing.
    """
    form = await request.form()
    fields: dict[str, Any] = {}
    for name, info in model.model_fields.items():
        value = form.get(name)
        if not isinstance(value, str) or not value.strip():
            continue
        fields[name] = typed_items(value) if get_origin(info.annotation) is list else value.strip()
    return fields


def form_body(model: type[BaseModel], fields: Mapping[str, Any]) -> BaseModel | Refusal:
    """The action's body from a form's fields, or the refusal naming the fields that do not hold."""
    try:
        return model.model_validate(dict(fields))
    except ValidationError as error:
        return invalid_fields([str(e["loc"][-1]) for e in error.errors() if e["loc"]])


def _state_sentence(kind: str | None, state: str | None) -> str:
    label = state or ""
    if kind and state:
        with contextlib.suppress(ValueError):
            label = state_label(TicketKind(kind), state)
    if not label:
        return "该工单当前状态不能执行此操作，请刷新页面查看最新状态"
    return f"该工单当前状态为“{label}”，不能执行此操作"


def _action_label(kind: str | None, action: str) -> str:
    with contextlib.suppress(ValueError):
        return action_label(TicketKind(kind or ""), action)
    return action


def explain(error: Exception, *, kind: str | None, action: str) -> Refusal | None:
    """The refusal an exception of the action path stands for; None for one that is not a refusal."""
    forbidden = Refusal(
        status.HTTP_403_FORBIDDEN, f"您所在单位无权对该工单执行“{_action_label(kind, action)}”"
    )
    if isinstance(error, HTTPException):
        if error.status_code == status.HTTP_404_NOT_FOUND:
            return Refusal(error.status_code, NOT_FOUND)
        if error.status_code == status.HTTP_403_FORBIDDEN:
            return forbidden
        return Refusal(error.status_code, FAILED)
    if isinstance(error, RequestValidationError):
        return invalid_fields([str(e["loc"][-1]) for e in error.errors() if e.get("loc")])
    if isinstance(error, TicketNotActionable):
        return Refusal(status.HTTP_409_CONFLICT, _state_sentence(kind, error.state))
    if isinstance(error, WorkflowUpdateFailedError) and isinstance(error.cause, ApplicationError):
        cause = error.cause
        details = cause.details[0] if cause.details and isinstance(cause.details[0], dict) else {}
        if cause.type == "InvalidTransition":
            return Refusal(status.HTTP_409_CONFLICT, _state_sentence(kind, details.get("state")))
        if cause.type == "ActionNotPermitted":
            return forbidden
        if cause.type == "InvalidInput":
            field = details.get("field")
            return invalid_fields([str(field)] if field else [])
    if isinstance(error, (TemporalUnavailable, WorkflowUpdateRPCTimeoutOrCancelledError)):
        return Refusal(status.HTTP_503_SERVICE_UNAVAILABLE, UNAVAILABLE)
    if isinstance(error, RPCError):
        if error.status in (
            RPCStatusCode.UNAVAILABLE,
            RPCStatusCode.DEADLINE_EXCEEDED,
            RPCStatusCode.CANCELLED,
        ):
            return Refusal(status.HTTP_503_SERVICE_UNAVAILABLE, UNAVAILABLE)
        return Refusal(status.HTTP_502_BAD_GATEWAY, FAILED)
    return None


def _outcome(status_code: int) -> Outcome:
    if status_code in (401, 403):
        return Outcome.DENIED
    return Outcome.OK if status_code < 400 else Outcome.FAILED


async def act_from_page(
    request: Request,
    resources: AppResources,
    session: StaffSession,
    ticket_id: str,
    action: str,
    body: BaseModel | Refusal,
    *,
    audited_as: str,
) -> Refusal | None:
    """Take `action` on the ticket as the signed-in user; None once it took effect, else why not.

    `body` is the action's body, or the refusal of a form that did not make one (it is audited alike).
    `audited_as` is the audit row's action: the page route with the action named, e.g.
    `POST /app/rescuer/{ticket_id}/accept`, as the JSON API's routes name theirs.
    """
    refusal: Refusal | None = body if isinstance(body, Refusal) else None
    if isinstance(body, BaseModel):
        ticket = await resources.tickets.get(ticket_id)
        try:
            await take_action(resources, session.principal, ticket_id, action, body)
        except Exception as error:
            refusal = explain(error, kind=ticket.kind if ticket else None, action=action)
            if refusal is None:
                raise
    await audit(
        resources,
        request,
        session.principal,
        outcome=_outcome(refusal.status_code if refusal else 200),
        action=audited_as,
        ticket_id=ticket_id,
        payload=body.model_dump(mode="json") if isinstance(body, BaseModel) else None,
    )
    return refusal


async def act_and_return(
    request: Request,
    resources: AppResources,
    session: StaffSession,
    ticket_id: str,
    action: str,
    *,
    page: str,
    actions: Mapping[str, type[BaseModel]],
    show_refusal: Callable[[Refusal], Awaitable[Response]],
) -> Response:
    """A staff page's action form: take `action` with the body its form makes, then back to /app/<page>.

    Once it took effect: a redirect to the page with `done=<action>`; otherwise `show_refusal` renders the
    page with why not. An action the page does not offer is a 404.
    """
    if action not in actions:
        raise PageRefused(status.HTTP_404_NOT_FOUND, "没有这项操作，请刷新页面后重试")
    refusal = await act_from_page(
        request,
        resources,
        session,
        ticket_id,
        action,
        form_body(actions[action], await form_fields(request, actions[action])),
        audited_as=f"POST /app/{page}/{{ticket_id}}/{action}",
    )
    if refusal is not None:
        return await show_refusal(refusal)
    return RedirectResponse(f"/app/{page}?done={action}", status_code=status.HTTP_303_SEE_OTHER)
