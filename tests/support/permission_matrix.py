"""The permission table of issue 6 as the matrix tests read it: who stands where, what the table grants.

`table_grants` restates `domain.permissions.ACTIONS` in the plainest terms (a grant names a role and the
organisations its scope covers on the ticket), so the tests compare the API and the workflows against the
table itself, not against the code that enforces it.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Collection, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from api.ticket_actions import ACTION_BODIES
from domain.deadline_policy import TimeUnit
from domain.kinds import TicketKind
from domain.permissions import ACTIONS
from domain.policies import policy_table
from domain.roles import Role
from domain.scopes import Scope
from elevator_orders.settings import Settings
from store.db import make_engine, make_sessionmaker
from store.migrate import upgrade_to_head_async
from store.models import Ticket
from store.seed import seed_demo_data
from tests.support.payload_keys import TEST_PAYLOAD_ENCRYPTION_KEY
from tests.support.smtp import MailCatcher

# The city regulator's organisation; a district's regulator is `reg-<district>` (store/seed.py).
CITY_REGULATOR_ORG = "city-regulator"

# Seeded users by role: "in_scope" is the role's organisation serving Pudong elevator 31011500001 (its use
# unit, its maintenance unit, the Pudong regulator, the city's inspection agency, the 110 platform);
# "out_of_scope" the same role in another organisation. Roles held in one organisation only have no
# out-of-scope user; the public has no account at all.
SCOPED_USERS: dict[Role, dict[str, str | None]] = {
    Role.DISPATCHER: {"in_scope": "u-dispatcher"},
    Role.RESCUER: {"in_scope": "u-rescuer-shenda", "out_of_scope": "u-rescuer-rs-xuhui"},
    Role.MAINTAINER: {"in_scope": "u-maintainer-shenda", "out_of_scope": "u-maintainer-pujiang"},
    Role.INSPECTOR: {"in_scope": "u-inspector"},
    Role.SAFETY_MANAGER: {"in_scope": "u-safety-lujiazui", "out_of_scope": "u-safety-xujiahui"},
    Role.REGULATOR: {
        "in_scope": "u-regulator-pudong",
        "out_of_scope": "u-regulator-xuhui",
        # The city regulator sees everything but acts on none of the district's steps.
        "city": "u-regulator-city",
    },
    # The Pudong bureau head also holds the regulator role (store/seed.py); the Xuhui one does not.
    Role.BUREAU_HEAD: {"in_scope": "u-bureau-head-pudong", "out_of_scope": "u-bureau-head-xuhui"},
    Role.OPERATOR_ADMIN: {"in_scope": "u-operator-admin"},
    Role.MONITORING_SYSTEM: {"in_scope": "u-monitoring"},
    Role.PUBLIC: {"anonymous": None},
}


@dataclass(frozen=True)
class TicketFacts:
    """What of a ticket decides the table's answer: its kind, state, district and organisations."""

    ticket_id: str
    kind: TicketKind
    state: str
    district: str
    use_unit_id: str
    maintenance_unit_id: str
    assigned_unit_id: str
    reporter_unit_id: str
    details: Mapping[str, Any]

    @classmethod
    def from_api(cls, body: Mapping[str, Any]) -> TicketFacts:
        return cls(
            ticket_id=body["ticket_id"],
            kind=TicketKind(body["kind"]),
            state=body["state"],
            district=body["district"],
            use_unit_id=body["use_unit_id"],
            maintenance_unit_id=body["maintenance_unit_id"],
            assigned_unit_id=body["assigned_unit_id"],
            reporter_unit_id=str(body["details"].get("reporter_unit_id") or ""),
            details=body["details"],
        )

    @classmethod
    def from_row(cls, ticket: Ticket) -> TicketFacts:
        return cls(
            ticket_id=ticket.ticket_id,
            kind=TicketKind(ticket.kind),
            state=ticket.state,
            district=ticket.district,
            use_unit_id=ticket.use_unit_id,
            maintenance_unit_id=ticket.maintenance_unit_id,
            assigned_unit_id=ticket.assigned_unit_id,
            reporter_unit_id=str(ticket.details.get("reporter_unit_id") or ""),
            details=ticket.details,
        )


def organisations_in_scope(scope: Scope, ticket: TicketFacts) -> frozenset[str] | None:
    """The organisations a grant's scope covers on this ticket; None: every organisation."""
    covered = {
        Scope.USE_UNIT: ticket.use_unit_id,
        Scope.MAINTENANCE_UNIT: ticket.maintenance_unit_id,
        Scope.ASSIGNED: ticket.assigned_unit_id,
        Scope.REPORTER: ticket.reporter_unit_id,
        Scope.DISTRICT: f"reg-{ticket.district}",
        Scope.CITY: CITY_REGULATOR_ORG,
    }
    if scope is Scope.ANY:
        return None
    return frozenset({covered[scope]} - {""})


def table_grants(
    kind: TicketKind, action: str, roles: Collection[Role], organisation_id: str, ticket: TicketFacts
) -> bool:
    """Whether some grant of the table lets one of `roles` in `organisation_id` take `action` now."""
    for grant in ACTIONS[kind][action]:
        if grant.role not in roles:
            continue
        if grant.states is not None and ticket.state not in grant.states:
            continue
        organisations = organisations_in_scope(grant.scope, ticket)
        if organisations is None or organisation_id in organisations:
            return True
    return False


def valid_body(action: str) -> dict[str, Any]:
    """A body the action's schema and the workflow's validator accept (JSON), whoever sends it."""
    now = datetime.now(UTC)
    bodies: dict[str, dict[str, Any]] = {
        "accept": {"note": "已接单"},
        "arrive": {"note": "已到场"},
        "release": {"people_freed": 1, "handler_name": "李师傅"},
        "report_not_fixable": {
            "plan": "更换曳引机主板，需厂家供货",
            "planned_fix_by": (now + timedelta(days=3)).isoformat(),
        },
        "fix": {"fault_type": "door_close_fault", "handler_name": "黄工", "description": "更换门机皮带"},
        "confirm": {"remark": "已核实"},
        "dispute": {"reason": "现场仍有异响"},
        "cancel": {"reason": "误报"},
        # Later than any deadline the tickets of these tests run on.
        "extend": {"due_at": (now + timedelta(days=400)).isoformat(), "reason": "需厂家配件"},
        "pause": {"reason": "检验检测期间"},
        "resume": {"note": "检验完毕"},
        "resubmit": {"items": ["曳引机", "制动器"], "remarks": "补记制动器检查"},
        "withdraw": {"reason": "误报"},
        "answer": {"answer": "已安排维保单位检查照明"},
        "submit_rectification": {"evidence": "已更换制动器闸瓦并经检测合格"},
        "verify_pass": {"remark": "验证通过"},
        "verify_fail": {
            "reason": "闸瓦间隙仍超标",
            "rectify_by": (date.today() + timedelta(days=30)).isoformat(),
        },
        "open_case": {"note": "核查属实，予以立案"},
        "decline_case": {"reason": "经核查不存在违法行为"},
        "inform_reporter": {"note": "电话告知举报人：已立案调查"},
        "record_penalty": {
            "decision_number": "沪市监浦处〔2026〕1号",
            "legal_basis": "《中华人民共和国特种设备安全法》第八十八条",
            "amount_yuan": "30000.00",
        },
        "record_no_penalty": {"reason": "情节轻微并及时改正"},
        "reject": {"reason": "不属于本局管辖"},
        "record_result": {"agreed": True, "result": "物业同意三日内修复并书面说明"},
        "refer_violation": {"summary": "使用单位未按规定维护保养", "suspect": "use_unit"},
        "sign": {"note": "已签收"},
        "record_refusal": {"note": "2026年3月2日于物业办公室拒签，见证人：王某"},
    }
    if action in bodies:
        return bodies[action]
    # A kind's own action whose body has no required field (a remark at most) needs no line here.
    body = ACTION_BODIES[action]
    if any(field.is_required() for field in body.model_fields.values()):
        raise KeyError(f"{action!r} takes required fields: add a valid body for it to valid_body()")
    return {}


def slow_clocks() -> dict[str, float]:
    """Policy overrides that keep every minute- and hour-long clock from running out during a test module.

    A rescue left waiting 5 minutes would be re-dispatched to the rescue station, and its parties change.
    """
    return {
        key: policy.limit * 100
        for key, policy in policy_table().items()
        if policy.unit in (TimeUnit.MINUTES, TimeUnit.HOURS)
    }


@asynccontextmanager
async def module_settings(directory: Path) -> AsyncIterator[tuple[Settings, MailCatcher]]:
    """Settings for a whole test module (a migrated, seeded database and a mail server of its own)."""
    url = f"sqlite+aiosqlite:///{directory / 'orders.db'}"
    await upgrade_to_head_async(url)
    engine = make_engine(url)
    try:
        await seed_demo_data(make_sessionmaker(engine))
    finally:
        await engine.dispose()
    with MailCatcher() as mail:
        yield (
            Settings(
                _env_file=None,
                var_dir=directory / "var",
                database_url=url,
                smtp_host=mail.host,
                smtp_port=mail.port,
                temporal_task_queue=f"test-{uuid.uuid4().hex}",
                public_rate_per_minute=100_000,
                payload_encryption_key=TEST_PAYLOAD_ENCRYPTION_KEY,
                policy_overrides=slow_clocks(),
            ),
            mail,
        )
