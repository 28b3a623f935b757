"""Bodies of the actions on violation clues and reports: a case opened (立案) or not, a penalty decided."""

from decimal import Decimal

from pydantic import BaseModel, ConfigDict, Field


class OpenCaseBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    note: str = Field(default="", max_length=2000, description="立案意见")


class DeclineCaseBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: str = Field(min_length=1, max_length=2000, description="不予立案的理由")


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
