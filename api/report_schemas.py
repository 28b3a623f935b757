"""Bodies of reports (举报): filing one from the QR page, the reporter's identity, telling the reporter."""

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from api.schemas import ElevatorCodeIn, TicketCreated

# A mainland mobile number, or a landline with its area code (021-12345678).
PHONE_PATTERN = r"^(1[3-9]\d{9}|0\d{2,3}-?\d{7,8})$"


class ReportCreate(BaseModel):
    """A suspected violation reported from the elevator's QR page; no sign-in."""

    model_config = ConfigDict(extra="forbid")

    elevator_code: ElevatorCodeIn
    text: str = Field(min_length=1, max_length=2000, description="举报内容")
    suspect: Literal["use_unit", "maintenance_unit"] = Field(
        default="use_unit",
        description="被举报单位: the use unit (使用管理单位) or the maintenance unit (维保单位)",
    )
    anonymous: bool = Field(
        default=False, description="匿名举报: no name, no phone, nobody is told the outcome"
    )
    reporter_name: str | None = Field(
        default=None, min_length=2, max_length=50, description="举报人姓名; required unless anonymous"
    )
    reporter_phone: str | None = Field(
        default=None, pattern=PHONE_PATTERN, description="举报人联系电话; required unless anonymous"
    )


class ReportCreated(TicketCreated):
    tracking_token: str | None = Field(
        description=(
            "Follow the report at GET /track/{token}. Shown this once and never stored: a repeated "
            "submission answers null"
        )
    )


class ReporterIdentityOut(BaseModel):
    """举报人信息: for the regulators of the elevator's district and the city regulator only."""

    ticket_id: str
    name: str
    phone: str


class InformReporterBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    note: str = Field(
        min_length=1,
        max_length=2000,
        description="How and what the real-name reporter was told (告知方式和内容), without their name or phone",
    )


# The bodies of the actions only this kind takes (`api/ticket_actions.py` gathers them).
ACTION_BODIES: dict[str, type[BaseModel]] = {
    "inform_reporter": InformReporterBody,
}

# What each of those actions is, as the OpenAPI document describes it.
ACTION_DOCS: dict[str, str] = {
    "inform_reporter": "Report: the district regulator records how and what the real-name reporter was told; it closes.",
}
