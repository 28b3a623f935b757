"""Bodies of the supervisory directive (安全监察指令书): the draft, issuing one, signing for it, a refusal."""

from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from api.schemas import ElevatorCodeIn, TicketCreated

AddresseeIn = Literal["use_unit", "maintenance_unit"]


class DirectiveDraft(BaseModel):
    """A directive prefilled from an escalated ticket; the regulator edits it and issues it."""

    from_ticket_id: str
    elevator_code: str
    addressee: AddresseeIn
    addressee_unit_id: str
    addressee_unit_name: str
    problems: str = Field(description="存在的问题")
    article_violated: str = Field(description="违反的条款")
    legal_basis: str = Field(description="责令改正的依据")
    rectify_by: date = Field(description="于X年X月X日前改正: the policy default, 15 working days from today")


class DirectiveCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    elevator_code: ElevatorCodeIn
    addressee: AddresseeIn = Field(description="use_unit 使用管理单位 | maintenance_unit 维护保养单位")
    problems: str = Field(min_length=1, max_length=4000, description="存在的问题")
    article_violated: str = Field(min_length=1, max_length=1000, description="违反的条款")
    legal_basis: str = Field(min_length=1, max_length=1000, description="责令改正的依据")
    rectify_by: date = Field(description="于X年X月X日前改正: must be later than today (China time)")
    from_ticket_id: str | None = Field(
        default=None, min_length=1, max_length=200, description="The escalated ticket it is issued from"
    )


class DirectiveCreated(TicketCreated):
    document_number: str


class SignBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    note: str = Field(default="", max_length=500)


class RefusalBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    note: str = Field(
        min_length=1, max_length=1000, description="拒绝签收的情况: when, where, who witnessed it (留置送达)"
    )


# The bodies of the actions only this kind takes (`api/ticket_actions.py` gathers them).
ACTION_BODIES: dict[str, type[BaseModel]] = {
    "sign": SignBody,
    "record_refusal": RefusalBody,
}

# What each of those actions is, as the OpenAPI document describes it.
ACTION_DOCS: dict[str, str] = {
    "sign": "Directive: the addressed unit signs for the directive (签收); its rectification is under way.",
    "record_refusal": "Directive: the regulator records that the unit refused to sign; it is served anyway (留置送达).",
}
