"""评价建议 from a car's QR page."""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import quote

from fastapi import APIRouter, Request, status
from fastapi.responses import HTMLResponse

from api.audit import audit
from api.deps import AppResources, Resources
from api.feedback_schemas import FeedbackCreate
from api.feedback_service import receive_feedback
from api.pages import public_forms
from api.pages.public_common import (
    WORKFLOW_FAILURES,
    ElevatorCode,
    KnownElevator,
    form_page,
    form_values,
    page,
    too_many,
    unavailable_message,
)
from api.pages.public_forms import Checked
from domain.feedback import FeedbackType, feedback_ticket_id
from store.audit import Outcome
from store.models import Elevator

router = APIRouter(include_in_schema=False)

_FEEDBACK_TYPE = "请选择评价或建议"
_RATING = "请为电梯打分（1 至 5 星）"
_TEXT = "请填写内容（不超过 1000 字）"


def feedback(elevator_code: str, typed: Mapping[str, str]) -> Checked[FeedbackCreate]:
    """评价建议: an evaluation gives 1 to 5 stars; a suggestion needs none."""
    feedback_type = typed.get("feedback_type", "")
    rating = typed.get("rating", "")
    checked = public_forms.check(
        lambda: FeedbackCreate(
            elevator_code=elevator_code,
            feedback_type=feedback_type,
            rating=(rating or None) if feedback_type == "evaluation" else None,
            text=typed.get("text", ""),
        ),
        {
            "elevator_code": ("", public_forms.CHECK_FIELDS),
            "feedback_type": ("feedback_type", _FEEDBACK_TYPE),
            "rating": ("rating", _RATING),
            "text": ("text", _TEXT),
        },
    )
    if (
        checked.body is not None
        and checked.body.feedback_type == "evaluation"
        and checked.body.rating is None
    ):
        # The JSON API asks the same (api/routers/feedback.py).
        return Checked(None, {"rating": _RATING})
    return checked


async def _feedback_form(
    request: Request,
    resources: AppResources,
    elevator: Elevator,
    typed: dict[str, str],
    *,
    status_code: int = status.HTTP_200_OK,
    errors: dict[str, str] | None = None,
    error: str | None = None,
) -> HTMLResponse:
    return await form_page(
        request,
        resources,
        "public/feedback_form.html",
        elevator,
        typed,
        title="评价建议",
        status_code=status_code,
        errors=errors,
        error=error,
    )


@router.get("/e/{code}/feedback", response_class=HTMLResponse)
async def feedback_form(request: Request, elevator: KnownElevator, resources: Resources) -> HTMLResponse:
    """A passenger rates the elevator (1-5 stars) or suggests something; no name, no phone."""
    return await _feedback_form(request, resources, elevator, {"feedback_type": "evaluation"})


@router.post("/e/{code}/feedback", response_class=HTMLResponse)
async def send_feedback(
    request: Request, code: ElevatorCode, elevator: KnownElevator, resources: Resources
) -> HTMLResponse:
    typed = await form_values(request)
    if refused := await too_many(request, "feedback"):
        return await _feedback_form(
            request, resources, elevator, typed, status_code=status.HTTP_429_TOO_MANY_REQUESTS, error=refused
        )
    checked = feedback(code, typed)
    if checked.body is None:
        return await _feedback_form(
            request,
            resources,
            elevator,
            typed,
            status_code=status.HTTP_422_UNPROCESSABLE_CONTENT,
            errors=checked.errors,
            error=public_forms.CHECK_FIELDS,
        )
    ref = public_forms.submission_id(typed)
    body = checked.body
    if await resources.tickets.get(feedback_ticket_id(code, ref)) is None:
        try:
            registered = await receive_feedback(
                resources.temporal,
                resources.settings.temporal_task_queue,
                elevator_code=code,
                ref=ref,
                feedback_type=FeedbackType(body.feedback_type),
                text=body.text,
                rating=body.rating,
                mail_grace_seconds=resources.settings.mail_grace_seconds,
                clock=resources.clock,
            )
        except WORKFLOW_FAILURES as failure:
            return await _feedback_form(
                request,
                resources,
                elevator,
                typed,
                status_code=status.HTTP_503_SERVICE_UNAVAILABLE,
                error=unavailable_message(failure),
            )
        if not registered.duplicate:
            await audit(resources, request, None, outcome=Outcome.OK, ticket_id=registered.ticket_id)
    return page(
        request,
        resources,
        "public/feedback_sent.html",
        title="感谢您的反馈",
        suggestion=body.feedback_type == "suggestion",
        elevator_path=f"/e/{quote(code, safe='')}",
    )
