"""Bodies of the violation clue's own actions (违法线索): a penalty decided, or none."""

from decimal import Decimal

from pydantic import BaseModel, ConfigDict, Field


class PenaltyBody(BaseModel):
    """行政处罚信息: what the penalty decision says."""

    model_config = ConfigDict(extra="forbid")
    decision_number: str = Field(min_length=1, max_length=100, description="处罚决定书文号")
    legal_basis: str = Field(
        min_length=1, max_length=1000, description="处罚依据, e.g. 《特种设备安全法》第八十八条"
    )
    amount_yuan: Decimal = Field(ge=0, le=100_000_000, decimal_places=2, description="罚款金额（元）")
    note: str = Field(default="", max_length=2000)


class NoPenaltyBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: str = Field(min_length=1, max_length=2000, description="不予行政处罚的理由")


# The bodies of the actions only this kind takes (`api/ticket_actions.py` gathers them).
ACTION_BODIES: dict[str, type[BaseModel]] = {
    "record_penalty": PenaltyBody,
    "record_no_penalty": NoPenaltyBody,
}

# What each of those actions is, as the OpenAPI document describes it.
ACTION_DOCS: dict[str, str] = {
    "record_penalty": "Violation clue: the case is decided with a penalty (行政处罚信息: decision number, basis, amount).",
    "record_no_penalty": "Violation clue: the case is decided without a penalty (不予行政处罚), with the reason.",
}
