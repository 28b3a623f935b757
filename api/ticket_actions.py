"""Which Update of which workflow each action on a ticket is, per kind, and how its body becomes the input."""

from typing import Any

from pydantic import BaseModel

from api import complaint_schemas as cp_schemas
from api import directive_schemas as dr_schemas
from api import report_schemas, schemas
from api import violation_clue_schemas as clue_schemas
from domain.kinds import TicketKind
from domain.roles import Actor
from workflows.kind_modules import kind_updates
from workflows.update_spec import UpdateTable

# Each kind's actions, as its workflow module declares them.
UPDATES: dict[TicketKind, UpdateTable] = kind_updates()

# The body each action takes, shared by every kind that has the action.
ACTION_BODIES: dict[str, type[BaseModel]] = {
    "accept": schemas.AcceptBody,
    "arrive": schemas.ArriveBody,
    "release": schemas.ReleaseBody,
    "report_not_fixable": schemas.NotFixableBody,
    "fix": schemas.FixBody,
    "confirm": schemas.ConfirmBody,
    "dispute": schemas.DisputeBody,
    "cancel": schemas.CancelBody,
    "extend": schemas.ExtendBody,
    "pause": schemas.PauseBody,
    "resume": schemas.ResumeBody,
    "resubmit": schemas.ResubmitBody,
    "withdraw": schemas.WithdrawBody,
    "answer": schemas.AnswerBody,
    "submit_rectification": schemas.RectificationBody,
    "verify_pass": schemas.VerifyPassBody,
    "verify_fail": schemas.VerifyFailBody,
    "open_case": clue_schemas.OpenCaseBody,
    "decline_case": clue_schemas.DeclineCaseBody,
    "inform_reporter": report_schemas.InformReporterBody,
    "record_penalty": clue_schemas.PenaltyBody,
    "record_no_penalty": clue_schemas.NoPenaltyBody,
    "reject": cp_schemas.RejectBody,
    "record_result": cp_schemas.RecordResultBody,
    "refer_violation": cp_schemas.ReferViolationBody,
    "sign": dr_schemas.SignBody,
    "record_refusal": dr_schemas.RefusalBody,
}


def update_for(kind: TicketKind, action: str, actor: Actor, body: BaseModel) -> tuple[Any, Any] | None:
    """The Update and its input, or None when this kind has no such action."""
    spec = UPDATES.get(kind, {}).get(action)
    return (spec.update, spec.build(actor, body)) if spec else None


def has_action(kind: TicketKind, action: str) -> bool:
    return action in UPDATES.get(kind, {})
