"""Following a filing by its token, and the complainant's evaluation of the result."""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import quote

from fastapi import APIRouter, HTTPException, Request, status
from fastapi.responses import HTMLResponse, RedirectResponse
from temporalio.client import WorkflowUpdateFailedError
from temporalio.exceptions import ApplicationError

from api import tracking_service
from api.deps import AppResources, Resources
from api.errors import TicketNotActionable
from api.pages import public_forms
from api.pages.public_common import (
    PRIVATE_HEADERS,
    UNKNOWN_TOKEN,
    WORKFLOW_FAILURES,
    Token,
    form_values,
    not_found,
    page,
    too_many,
    unavailable_message,
)
from api.pages.public_forms import Checked
from api.tracking_schemas import EvaluateBody

router = APIRouter(include_in_schema=False)

_SATISFIED = "请选择满意或不满意"
_RATING = "请为处理结果打分（1 至 5 星）"
_TEXT = "评价内容不超过 500 字"


def evaluation(typed: Mapping[str, str]) -> Checked[EvaluateBody]:
    """The complainant's evaluation of the result: 满意 or 不满意, and 1 to 5 stars."""
    satisfied = {"yes": True, "no": False}.get(typed.get("satisfied", ""))
    return public_forms.check(
        lambda: EvaluateBody(
            satisfied=satisfied,
            rating=typed.get("rating") or None,
            text=typed.get("text", ""),
        ),
        {
            "satisfied": ("satisfied", _SATISFIED),
            "rating": ("rating", _RATING),
            "text": ("text", _TEXT),
        },
    )


async def _tracking_page(
    request: Request,
    resources: AppResources,
    token: str,
    *,
    status_code: int = status.HTTP_200_OK,
    typed: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    error: str | None = None,
    notice: str | None = None,
) -> HTMLResponse:
    try:
        ticket = await tracking_service.tracked_ticket(resources, token)
    except HTTPException:
        return not_found(request, resources, UNKNOWN_TOKEN)
    tracked = await tracking_service.present_tracking(resources, ticket)
    response = page(
        request,
        resources,
        "public/tracking.html",
        status_code=status_code,
        title=f"{tracked.kind_label}办理进度",
        tracked=tracked,
        token_path=f"/t/{quote(token, safe='')}",
        can_evaluate="evaluate" in tracked.public_actions,
        typed=typed or {},
        errors=errors or {},
        error=error,
        notice=notice,
    )
    response.headers.update(PRIVATE_HEADERS)
    return response


@router.get("/t/{token}", response_class=HTMLResponse)
async def tracking_page(request: Request, token: Token, resources: Resources) -> HTMLResponse:
    """Where a 投诉 or 举报 stands, and its public steps; the result of a 投诉 is evaluated here."""
    if refused := await too_many(request, "track"):
        return page(
            request,
            resources,
            "public/not_found.html",
            status_code=status.HTTP_429_TOO_MANY_REQUESTS,
            title="请稍后再试",
            message=refused,
        )
    return await _tracking_page(request, resources, token)


@router.get("/t/{token}/evaluate")
async def evaluation_page(token: Token) -> RedirectResponse:
    """The evaluation is a form on the tracking page."""
    return RedirectResponse(f"/t/{quote(token, safe='')}", status_code=status.HTTP_303_SEE_OTHER)


@router.post("/t/{token}/evaluate", response_class=HTMLResponse)
async def evaluate_result(request: Request, token: Token, resources: Resources) -> HTMLResponse:
    """满意/不满意 and 1-5 stars on the result of a 投诉, which closes with it."""
    typed = await form_values(request)
    if refused := await too_many(request, "track"):
        return await _tracking_page(
            request,
            resources,
            token,
            status_code=status.HTTP_429_TOO_MANY_REQUESTS,
            typed=typed,
            error=refused,
        )
    checked = evaluation(typed)
    if checked.body is None:
        return await _tracking_page(
            request,
            resources,
            token,
            status_code=status.HTTP_422_UNPROCESSABLE_CONTENT,
            typed=typed,
            errors=checked.errors,
            error=public_forms.CHECK_FIELDS,
        )
    try:
        await tracking_service.evaluate(resources, token, checked.body)
    except HTTPException:
        return not_found(request, resources, UNKNOWN_TOKEN)
    except (TicketNotActionable, WorkflowUpdateFailedError) as refused_action:
        return await _tracking_page(
            request,
            resources,
            token,
            status_code=status.HTTP_409_CONFLICT,
            error=_evaluation_refused(refused_action),
        )
    except WORKFLOW_FAILURES as failure:
        return await _tracking_page(
            request,
            resources,
            token,
            status_code=status.HTTP_503_SERVICE_UNAVAILABLE,
            typed=typed,
            error=unavailable_message(failure),
        )
    return await _tracking_page(request, resources, token, notice="感谢您的评价，已记录。")


def _evaluation_refused(error: TicketNotActionable | WorkflowUpdateFailedError) -> str:
    cause = error.cause if isinstance(error, WorkflowUpdateFailedError) else None
    if isinstance(cause, ApplicationError) and cause.type == "InvalidInput":
        return "评价内容有误，请检查后再提交。"
    return "此事项当前不能评价：可能已经评价过，或尚未办理完毕。"
