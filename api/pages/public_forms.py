"""The public forms of the QR page: what a passenger typed, checked by the JSON API's own schemas.

Each form is read into the same body the JSON API takes, so the two never disagree on what is valid;
a refusal becomes one sentence in Chinese per form field, shown beside the field with its value kept.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Generic, Literal, TypeVar

from pydantic import BaseModel, ValidationError

from api.complaint_schemas import ComplaintCreate
from api.feedback_schemas import FeedbackCreate
from api.report_schemas import ReportCreate
from api.rescue_schemas import RescueCreate
from api.tracking_schemas import EvaluateBody

Body = TypeVar("Body", bound=BaseModel)
FilingKind = Literal["complaint", "report"]

# A form's own id, rendered as a hidden field: a double tap or a resent form opens one ticket, not two.
_SUBMISSION_PATTERN = re.compile(r"^[A-Za-z0-9._:-]{8,120}$")

PHONE_HINT = "11 位手机号，或带区号的固定电话"
MESSAGES: dict[str, str] = {
    "kind": "请选择投诉或举报",
    "complaint_text": "请填写投诉内容（不超过 2000 字）",
    "report_text": "请填写举报内容（不超过 2000 字）",
    "request": "请填写您的诉求（不超过 1000 字）",
    "suspect": "请选择被举报的单位",
    "complaint_name": "请填写您的真实姓名（不超过 50 字）",
    "report_name": "实名举报请填写您的真实姓名（2 至 50 字），或选择匿名举报",
    "phone": f"请填写正确的手机号或固定电话（{PHONE_HINT}）",
    "report_phone": f"实名举报请填写正确的手机号或固定电话（{PHONE_HINT}），或选择匿名举报",
    "callback_phone": "请填写能接通的电话号码，救援人员会回拨给您",
    "description": "情况说明不超过 500 字",
    "feedback_type": "请选择评价或建议",
    "rating": "请为电梯打分（1 至 5 星）",
    "feedback_text": "请填写内容（不超过 1000 字）",
    "satisfied": "请选择满意或不满意",
    "evaluation_rating": "请为处理结果打分（1 至 5 星）",
    "evaluation_text": "评价内容不超过 500 字",
}
CHECK_FIELDS = "请按红字提示修改后再提交"


@dataclass
class Checked(Generic[Body]):
    """A form read into the JSON API's body, or the Chinese message of each form field that failed."""

    body: Body | None
    errors: dict[str, str] = field(default_factory=dict)


def values(form: Mapping[str, object]) -> dict[str, str]:
    """The text fields of a submitted form, trimmed, as they are shown again when something is wrong."""
    return {name: value.strip() for name, value in form.items() if isinstance(value, str)}


def submission_id(typed: Mapping[str, str]) -> str:
    """The form's hidden id if it is a plausible one, else a new one (the form was not ours)."""
    given = typed.get("submission", "")
    return given if _SUBMISSION_PATTERN.match(given) else new_submission_id()


def new_submission_id() -> str:
    return uuid.uuid4().hex


def _phone(typed: Mapping[str, str], name: str) -> str:
    # People type mobile numbers in groups ("139 1234 5678"); the schemas want the digits.
    return re.sub(r"\s+", "", typed.get(name, ""))


def _check(build: Callable[[], Body], form_field_of: Mapping[str, tuple[str, str]]) -> Checked[Body]:
    """Build the body; each schema field that fails names its form field and that field's message."""
    try:
        return Checked(build())
    except ValidationError as error:
        errors: dict[str, str] = {}
        for problem in error.errors():
            schema_field = str(problem["loc"][0]) if problem["loc"] else ""
            form_field, message = form_field_of.get(schema_field, ("", CHECK_FIELDS))
            errors.setdefault(form_field, MESSAGES.get(message, message))
        return Checked(None, errors)


def complaint(elevator_code: str, typed: Mapping[str, str]) -> Checked[ComplaintCreate]:
    """投诉: a real name and a phone are required (SAMR Order 20)."""
    return _check(
        lambda: ComplaintCreate(
            elevator_code=elevator_code,
            complaint=typed.get("text", ""),
            request=typed.get("request", ""),
            complainant_name=typed.get("name", ""),
            complainant_phone=_phone(typed, "phone"),
        ),
        {
            "elevator_code": ("", CHECK_FIELDS),
            "complaint": ("text", "complaint_text"),
            "request": ("request", "request"),
            "complainant_name": ("name", "complaint_name"),
            "complainant_phone": ("phone", "phone"),
        },
    )


def report(elevator_code: str, typed: Mapping[str, str]) -> Checked[ReportCreate]:
    """举报: anonymous, or with a real name and a phone; an anonymous report keeps no name or phone typed."""
    anonymous = typed.get("anonymous") == "on"
    checked = _check(
        lambda: ReportCreate(
            elevator_code=elevator_code,
            text=typed.get("text", ""),
            suspect=typed.get("suspect", "use_unit"),
            anonymous=anonymous,
            reporter_name=None if anonymous else typed.get("name") or None,
            reporter_phone=None if anonymous else _phone(typed, "phone") or None,
        ),
        {
            "elevator_code": ("", CHECK_FIELDS),
            "text": ("text", "report_text"),
            "suspect": ("suspect", "suspect"),
            "reporter_name": ("name", "report_name"),
            "reporter_phone": ("phone", "report_phone"),
        },
    )
    if checked.body is not None and not anonymous:
        # The JSON API asks the same of a real-name report (api/routers/report.py).
        if checked.body.reporter_name is None:
            checked.errors["name"] = MESSAGES["report_name"]
        if checked.body.reporter_phone is None:
            checked.errors["phone"] = MESSAGES["report_phone"]
        if checked.errors:
            checked.body = None
    return checked


def filing_kind(typed: Mapping[str, str]) -> FilingKind | None:
    kinds: dict[str, FilingKind] = {"complaint": "complaint", "report": "report"}
    return kinds.get(typed.get("kind", "complaint"))


def rescue(elevator_code: str, typed: Mapping[str, str], ref: str) -> Checked[RescueCreate]:
    """困人报警: the call-back phone is what lets the rescuers reach the people in the car."""
    phone = _phone(typed, "callback_phone")
    if not phone:
        return Checked(None, {"callback_phone": MESSAGES["callback_phone"]})
    return _check(
        lambda: RescueCreate(
            elevator_code=elevator_code,
            source="qr",
            ref=ref,
            alarm_type="乘客扫码报警",
            description=typed.get("description", ""),
            callback_phone=phone,
        ),
        {
            "elevator_code": ("", CHECK_FIELDS),
            "callback_phone": ("callback_phone", "callback_phone"),
            "description": ("description", "description"),
        },
    )


def feedback(elevator_code: str, typed: Mapping[str, str]) -> Checked[FeedbackCreate]:
    """评价建议: an evaluation gives 1 to 5 stars; a suggestion needs none."""
    feedback_type = typed.get("feedback_type", "")
    rating = typed.get("rating", "")
    checked = _check(
        lambda: FeedbackCreate(
            elevator_code=elevator_code,
            feedback_type=feedback_type,
            rating=(rating or None) if feedback_type == "evaluation" else None,
            text=typed.get("text", ""),
        ),
        {
            "elevator_code": ("", CHECK_FIELDS),
            "feedback_type": ("feedback_type", "feedback_type"),
            "rating": ("rating", "rating"),
            "text": ("text", "feedback_text"),
        },
    )
    if (
        checked.body is not None
        and checked.body.feedback_type == "evaluation"
        and checked.body.rating is None
    ):
        # The JSON API asks the same (api/routers/feedback.py).
        return Checked(None, {"rating": MESSAGES["rating"]})
    return checked


def evaluation(typed: Mapping[str, str]) -> Checked[EvaluateBody]:
    """The complainant's evaluation of the result: 满意 or 不满意, and 1 to 5 stars."""
    satisfied = {"yes": True, "no": False}.get(typed.get("satisfied", ""))
    return _check(
        lambda: EvaluateBody(
            satisfied=satisfied,
            rating=typed.get("rating") or None,
            text=typed.get("text", ""),
        ),
        {
            "satisfied": ("satisfied", "satisfied"),
            "rating": ("rating", "evaluation_rating"),
            "text": ("text", "evaluation_text"),
        },
    )
