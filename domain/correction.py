"""What a kind proposes when a regulator orders correction of one of its tickets (责令改正).

A regulator drafts an order to correct (安全监察指令书) from an overdue ticket. Who answers for the ticket,
the duty it breached and the basis to order correction differ by kind, so each kind's spec declares them
(`KindSpec.correction`); a kind that declares nothing gets the use unit's general duty.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from domain.registry import ElevatorRegistration, OrganisationRef
from domain.roles import Role

SAFETY_LAW = "《中华人民共和国特种设备安全法》"
SMART_ELEVATOR_MEASURES = "《上海市智慧电梯信息管理办法》（沪市监规范〔2024〕13号）"
ORDER_57 = "《特种设备安全监督检查办法》第二十三条、第三十条"


class Addressee(StrEnum):
    """Which unit of the elevator an order to correct is addressed to."""

    USE_UNIT = "use_unit"
    MAINTENANCE_UNIT = "maintenance_unit"

    @property
    def label_zh(self) -> str:
        return {"use_unit": "使用管理单位", "maintenance_unit": "维护保养单位"}[self.value]

    @property
    def role(self) -> Role:
        """The role that signs and answers for the unit: its safety manager, or its maintainer."""
        return Role.SAFETY_MANAGER if self is Addressee.USE_UNIT else Role.MAINTAINER

    def unit(self, registration: ElevatorRegistration) -> OrganisationRef:
        return registration.use_unit if self is Addressee.USE_UNIT else registration.maintenance_unit


def content_line(details: Mapping[str, object]) -> str | None:
    """The line quoting what the ticket is about, from the first of its texts it holds."""
    content = next((details[key] for key in ("description", "text", "summary") if details.get(key)), None)
    return f"工单内容：{content}" if content else None


@dataclass(frozen=True)
class CorrectionDefaults:
    """What a draft proposes for a ticket of one kind; the regulator edits it before issuing."""

    addressee: Addressee
    article_violated: str
    legal_basis: str
    # The line of 存在的问题 that says what the ticket is about, from its details (None: no such line).
    describe: Callable[[Mapping[str, object]], str | None] = content_line
    # The step each of the kind's overdue flags names, as the draft says what was missed.
    overdue_steps_zh: Mapping[str, str] = field(default_factory=dict)
    # The draft states only what the regulator's own check found: quoting the ticket, or even naming
    # it, could identify who filed it (a whistleblower, 举报人).
    own_finding_only: bool = False


# A kind that declares no correction: the use unit answers for the elevator's safe use.
GENERAL_DUTY = CorrectionDefaults(
    Addressee.USE_UNIT,
    f"{SAFETY_LAW}第十三条第一款（使用单位及其主要负责人对其使用的特种设备安全负责）",
    ORDER_57,
)
