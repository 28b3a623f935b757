"""Bodies of the complaint (投诉): its creation from the QR page and the regulator's actions on it."""

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from api.schemas import ElevatorCodeIn, TicketCreated

# A mainland mobile (optionally +86) or a landline, with or without its area code and extension.
PHONE_PATTERN = r"^(?:(?:\+86)?1[3-9][0-9]{9}|(?:0[0-9]{2,3}-?)?[2-9][0-9]{6,7}(?:-[0-9]{1,6})?)$"

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]


class ComplaintCreate(BaseModel):
    """A complaint from the elevator's QR page: no sign-in, but a real name and a phone (SAMR rules)."""

    model_config = ConfigDict(extra="forbid")

    elevator_code: ElevatorCodeIn
    complaint: Text = Field(max_length=2000, description="投诉内容: what happened")
    request: Text = Field(max_length=1000, description="诉求: what the complainant asks for")
    complainant_name: Text = Field(
        max_length=50, description="投诉人姓名; kept apart from the ticket, never shown on it"
    )
    complainant_phone: str = Field(
        pattern=PHONE_PATTERN,
        description="投诉人联系电话 (mobile or landline); kept apart from the ticket, never shown on it",
    )
    also_report: bool = Field(
        default=False,
        description=(
            "投诉并举报: the same filing also reports a violation; it runs as a second, linked report "
            "ticket (SAMR Order 20 Art 7)"
        ),
    )
    report_suspect: Literal["use_unit", "maintenance_unit"] = Field(
        default="use_unit", description="With also_report: the unit the report is about"
    )


class ComplaintCreated(TicketCreated):
    tracking_token: str | None = Field(
        description=(
            "The complainant's token for GET /track/{token}; given once, on the submission that opened "
            "the complaint (a repeat with the same Idempotency-Key answers null: only its digest is kept)"
        )
    )
    report_ticket_id: str | None = Field(
        default=None, description="With also_report: the report ticket that runs beside the complaint"
    )
    report_tracking_token: str | None = Field(
        default=None, description="With also_report: the token to follow the report with, given once"
    )


class RejectBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: str = Field(
        min_length=1, max_length=2000, description="不予受理的理由, as the complainant is told"
    )


class RecordResultBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    agreed: bool = Field(description="达成调解协议; false once mediation has ended without agreement")
    result: str = Field(min_length=1, max_length=2000, description="处理结果, as the parties are told")


class ReferViolationBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    summary: str = Field(min_length=1, max_length=2000, description="The violation found (违法线索)")
    suspect: Literal["use_unit", "maintenance_unit"] = Field(
        description="Whom the clue is against: the use-management unit or the maintenance unit"
    )


# The bodies of the actions only this kind takes (`api/ticket_actions.py` gathers them).
ACTION_BODIES: dict[str, type[BaseModel]] = {
    "reject": RejectBody,
    "record_result": RecordResultBody,
    "refer_violation": ReferViolationBody,
}

# What each of those actions is, as the OpenAPI document describes it.
ACTION_DOCS: dict[str, str] = {
    "reject": "Complaint: the district regulator does not accept it (不予受理), with the reason the complainant is told.",
    "record_result": "Complaint: the regulator records the mediation's result (agreed or not); the complainant evaluates it.",
    "refer_violation": "Complaint: a violation found splits off a violation clue (违法线索); the complaint goes on.",
}
