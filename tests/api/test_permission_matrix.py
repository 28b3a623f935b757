"""Who may do what (issue 6), over HTTP: every action of the permission table, for every role, generated.

For each kind of ticket (on Pudong elevator 31011500001), each action of `domain.permissions.ACTIONS`
and each role, a seeded user of the role in the organisation serving the elevator ("in_scope") and one
elsewhere ("out_of_scope") act on the ticket. The API must answer 403 exactly when the table grants that
user nothing on that ticket. A granted action answers 409 when the ticket's state does not take it (the
shared tickets stay in their first state), and 200 on a fresh ticket when it does. Anonymous callers get 401.

The tickets of the module are opened once; listing and reading are checked against `may_view` for a user
of every kind of organisation.
"""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from temporalio.service import RPCError
from temporalio.testing import WorkflowEnvironment

from api.app import create_app
from api.ticket_actions import ACTION_BODIES, UPDATES
from domain.catalog import is_final
from domain.kinds import TicketKind
from domain.permissions import ACTIONS, Principal, TicketScope, may_view, ticket_parties
from domain.roles import OrganisationKind, Role
from domain.scopes import Relation
from elevator_orders.settings import Settings
from tests.api.conftest import Api, _http_client
from tests.support.clock import SettableClock
from tests.support.maintenance import ITEMS, end_schedule
from tests.support.permission_matrix import (
    SCOPED_USERS,
    TicketFacts,
    module_settings,
    table_grants,
    valid_body,
)
from tests.support.rescue import ticket_when
from tests.support.smtp import MailCatcher
from worker.main import running_worker

ELEVATOR = "31011500001"  # Pudong: used by uu-lujiazui, maintained by mu-shenda, overseen by reg-pudong
# One rescue runs per elevator at a time: the fresh rescues of granted actions run here, one after another.
SPARE_ELEVATOR = "31011500002"
XUHUI_ELEVATOR = "31010400001"  # uu-xujiahui, mu-pujiang, reg-xuhui: a ticket outside Pudong for the listing
REGULATOR = "u-regulator-pudong"

# The tickets of the module by label: a kind, and for hazards and directives who reported or receives it.
TICKETS: dict[str, TicketKind] = {
    "rescue": TicketKind.RESCUE,
    "fault_repair": TicketKind.FAULT_REPAIR,
    "maintenance_record": TicketKind.MAINTENANCE_RECORD,
    # Reported by the inspection agency (insp-sh); the maintenance unit is then not the reporter.
    "hazard": TicketKind.HAZARD,
    "hazard_by_maintainer": TicketKind.HAZARD,
    "feedback": TicketKind.FEEDBACK,
    "complaint": TicketKind.COMPLAINT,
    "report": TicketKind.REPORT,
    "violation_clue": TicketKind.VIOLATION_CLUE,
    # Addressed to the use unit; the other one to the maintenance unit.
    "directive": TicketKind.DIRECTIVE,
    "directive_to_maintenance_unit": TicketKind.DIRECTIVE,
}

# Who each ticket is assigned to, and who reported it: what makes "in_scope" users in scope.
EXPECTED_PARTIES: dict[str, tuple[str, str]] = {
    "rescue": ("mu-shenda", ""),
    "fault_repair": ("mu-shenda", ""),
    # The use unit must act (confirm), so the read model shows it as assigned; the maintenance unit submitted.
    "maintenance_record": ("uu-lujiazui", ""),
    "hazard": ("uu-lujiazui", "insp-sh"),
    "hazard_by_maintainer": ("uu-lujiazui", "mu-shenda"),
    "feedback": ("uu-lujiazui", ""),
    "complaint": ("reg-pudong", ""),
    "report": ("reg-pudong", ""),
    "violation_clue": ("reg-pudong", ""),
    "directive": ("uu-lujiazui", ""),
    "directive_to_maintenance_unit": ("mu-shenda", ""),
}


@dataclass(frozen=True)
class Case:
    ticket: str
    action: str
    role: Role
    scope: str
    user: str | None

    @property
    def kind(self) -> TicketKind:
        return TICKETS[self.ticket]

    def __str__(self) -> str:
        return f"{self.ticket}-{self.action}-{self.role.value}-{self.scope}"


CASES = [
    Case(ticket, action, role, scope, user)
    for ticket, kind in TICKETS.items()
    for action in ACTIONS[kind]
    for role in Role
    for scope, user in SCOPED_USERS[role].items()
]


class Matrix:
    """The module's app and tickets: one shared ticket per label, and fresh ones on demand."""

    def __init__(self, api: Api) -> None:
        self.api = api
        self.shared: dict[str, TicketFacts] = {}
        self._principals: dict[str, Principal] = {}

    async def open_shared(self) -> None:
        for label in TICKETS:
            self.shared[label] = await self.facts(await self.open(label))
        self.shared["rescue_in_xuhui"] = await self.facts(await self.api.open(XUHUI_ELEVATOR))

    async def open(self, label: str, elevator: str = ELEVATOR) -> str:
        """Open a ticket of `label` the way its users do; its id."""
        api, http = self.api, self.api.http
        if label == "rescue":
            return await api.open(elevator)
        if label == "violation_clue":
            report = await self.open("report", elevator)
            opened = await api.act(report, "open_case", REGULATOR, {"note": "核查属实"})
            assert opened.status_code == 200, opened.text
            clue_id: str = opened.json()["details"]["clue_ticket_id"]
            return clue_id
        path, user, body = _creation(label, elevator)
        headers = {"X-User-Id": user} if user else {}
        created = await http.post(path, json=body, headers=headers)
        assert created.status_code == 201, created.text
        ticket_id: str = created.json()["ticket_id"]
        return ticket_id

    async def facts(self, ticket_id: str) -> TicketFacts:
        return TicketFacts.from_api(await self.api.ticket(ticket_id))

    async def principal(self, user: str) -> Principal:
        """Who the API takes the user for, as GET /auth/me tells."""
        if user not in self._principals:
            response = await self.api.read("/auth/me", user=user)
            assert response.status_code == 200, response.text
            me = response.json()
            self._principals[user] = Principal(
                user_id=me["user_id"],
                name=me["name"],
                organisation_id=me["organisation_id"],
                organisation_kind=OrganisationKind(me["organisation_kind"]),
                district=me["district"],
                roles=frozenset(Role(role) for role in me["roles"]),
            )
        return self._principals[user]

    async def finish_rescue(self, ticket_id: str) -> None:
        """A fresh rescue holds its elevator: call it off (or confirm it) and wait until its run ends."""
        ticket = await self.api.ticket(ticket_id)
        if ticket["state"] == "released":
            confirmed = await self.api.act(ticket_id, "confirm", "u-safety-lujiazui", {})
            assert confirmed.status_code == 200, confirmed.text
        elif not is_final(TicketKind.RESCUE, ticket["state"]):
            await self.api.cancel(ticket_id)
        await self.api.run_finished(ticket_id)


def _creation(label: str, elevator: str) -> tuple[str, str | None, dict[str, Any]]:
    """The creation endpoint of a label, who calls it, and the body."""
    ref = uuid.uuid4().hex
    if label == "fault_repair":
        body = {"elevator_code": elevator, "source": "use_unit", "ref": ref, "fault_type": "door_close_fault"}
        return "/tickets/fault-repair", "u-safety-lujiazui", body
    if label == "maintenance_record":
        return (
            "/tickets/maintenance-record",
            "u-maintainer-shenda",
            {
                "elevator_code": elevator,
                "ref": ref,
                "level": "half_month",
                "performed_at": (datetime.now(UTC) - timedelta(hours=1)).isoformat(),
                "handler_name": "黄工",
                "items": ITEMS,
            },
        )
    if label in ("hazard", "hazard_by_maintainer"):
        reporter = "u-inspector" if label == "hazard" else "u-maintainer-shenda"
        body = {"elevator_code": elevator, "ref": ref, "hazard_type": "brake_abnormal", "severity": "serious"}
        return "/tickets/hazard", reporter, body
    if label == "feedback":
        return (
            "/tickets/feedback",
            None,
            {"elevator_code": elevator, "feedback_type": "suggestion", "text": "照明偏暗"},
        )
    if label == "complaint":
        return (
            "/tickets/complaint",
            None,
            {
                "elevator_code": elevator,
                "complaint": "电梯频繁停运",
                "request": "尽快修复",
                "complainant_name": "张小红",
                "complainant_phone": "13912345678",
            },
        )
    if label == "report":
        return (
            "/tickets/report",
            None,
            {
                "elevator_code": elevator,
                "text": "物业长期停用五方对讲",
                "reporter_name": "李雷",
                "reporter_phone": "13687654321",
            },
        )
    if label in ("directive", "directive_to_maintenance_unit"):
        addressee = "use_unit" if label == "directive" else "maintenance_unit"
        return (
            "/tickets/directive",
            REGULATOR,
            {
                "elevator_code": elevator,
                "addressee": addressee,
                "problems": "隐患逾期未整改",
                "article_violated": "《中华人民共和国特种设备安全法》第四十二条",
                "legal_basis": "《特种设备安全监督检查办法》第二十三条",
                "rectify_by": (date.today() + timedelta(days=30)).isoformat(),
            },
        )
    raise AssertionError(f"no creation for {label}")


@pytest.fixture(scope="module")
async def matrix(
    dev_server: WorkflowEnvironment, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Matrix]:
    async with module_settings(tmp_path_factory.mktemp("permission-matrix")) as (settings, mail):
        clock = SettableClock()
        app = create_app(settings, dev_server.client, clock)
        async with (
            running_worker(dev_server.client, settings),
            app.router.lifespan_context(app),
            _http_client(app, settings) as http,
        ):
            api = Api(http=http, temporal=dev_server.client, settings=settings, mail=mail, clock=clock)
            matrix = Matrix(api)
            try:
                await matrix.open_shared()
                yield matrix
            finally:
                await api.finish_everything()
                with contextlib.suppress(RPCError):
                    await end_schedule(dev_server.client, ELEVATOR)


def test_the_table_and_the_workflows_name_the_same_actions() -> None:
    for kind, actions in ACTIONS.items():
        assert set(actions) == set(UPDATES[kind]), kind
        for action in actions:
            ACTION_BODIES[action].model_validate(valid_body(action))


async def test_the_tickets_stand_where_the_matrix_assumes(matrix: Matrix) -> None:
    for label, (assigned, reporter) in EXPECTED_PARTIES.items():
        facts = matrix.shared[label]
        assert (facts.kind, facts.district, facts.use_unit_id, facts.maintenance_unit_id) == (
            TICKETS[label],
            "pudong",
            "uu-lujiazui",
            "mu-shenda",
        ), label
        assert (facts.assigned_unit_id, facts.reporter_unit_id) == (assigned, reporter), label


@pytest.mark.parametrize("case", CASES, ids=str)
async def test_the_api_refuses_exactly_what_the_table_does_not_grant(case: Case, matrix: Matrix) -> None:
    shared = matrix.shared[case.ticket]
    body = valid_body(case.action)
    if case.user is None:
        anonymous = await matrix.api.act(shared.ticket_id, case.action, None, body)
        assert anonymous.status_code == 401, anonymous.text
        return
    principal = await matrix.principal(case.user)
    granted = table_grants(case.kind, case.action, principal.roles, principal.organisation_id, shared)
    if not granted:
        refused = await matrix.api.act(shared.ticket_id, case.action, case.user, body)
        assert refused.status_code == 403, refused.text
        return
    if case.action not in (await matrix.api.ticket(shared.ticket_id))["allowed_actions"]:
        # Permitted, but not in this state: the workflow says so, and names the state.
        not_now = await matrix.api.act(shared.ticket_id, case.action, case.user, body)
        assert not_now.status_code == 409, not_now.text
        assert not_now.json()["detail"]["state"] == shared.state
        return
    elevator = SPARE_ELEVATOR if case.kind is TicketKind.RESCUE else ELEVATOR
    fresh = await matrix.open(case.ticket, elevator)
    try:
        done = await matrix.api.act(fresh, case.action, case.user, body)
        assert done.status_code == 200, done.text
    finally:
        if case.kind is TicketKind.RESCUE:
            await matrix.finish_rescue(fresh)


# A user of every kind of organisation, on both sides of the district line where there are two.
LISTING_USERS = [
    "u-maintainer-shenda",
    "u-maintainer-pujiang",
    "u-rescuer-rs-pudong",
    "u-safety-lujiazui",
    "u-safety-xujiahui",
    "u-inspector",
    "u-regulator-pudong",
    "u-regulator-xuhui",
    "u-bureau-head-pudong",
    "u-regulator-city",
    "u-dispatcher",
    "u-operator-admin",
]


def _scope(ticket: dict[str, Any]) -> TicketScope:
    parties: dict[Relation, set[str]] = {}
    for relation, organisation in ticket_parties(
        ticket["use_unit_id"], ticket["maintenance_unit_id"], ticket["assigned_unit_id"], ticket["details"]
    ):
        parties.setdefault(relation, set()).add(organisation)
    return TicketScope(
        kind=TicketKind(ticket["kind"]), state=ticket["state"], district=ticket["district"], parties=parties
    )


@pytest.mark.parametrize("user", LISTING_USERS)
async def test_listing_and_reading_show_what_may_view_allows(user: str, matrix: Matrix) -> None:
    everything = await matrix.api.read("/tickets", params={"limit": 200})
    assert everything.status_code == 200, everything.text
    assert everything.json()["total"] <= 200
    tickets = {item["ticket_id"]: item for item in everything.json()["items"]}
    principal = await matrix.principal(user)
    visible = {ticket_id for ticket_id, item in tickets.items() if may_view(principal, _scope(item))}

    listed = await matrix.api.read("/tickets", user=user, params={"limit": 200})
    assert listed.status_code == 200, listed.text
    items = listed.json()["items"]
    if principal.organisation_kind is OrganisationKind.PLATFORM_OPERATOR:
        # The operator sees that tickets exist and where they stand, never their content (第十四条).
        assert {item["ticket_id"] for item in items} == set(tickets)
        assert all(item["details"] == {} for item in items)
        visible = set()
    else:
        assert {item["ticket_id"] for item in items} == visible
    for ticket_id in tickets:
        read = await matrix.api.read(f"/tickets/{ticket_id}", user=user)
        assert read.status_code == (200 if ticket_id in visible else 403), (ticket_id, read.text)


async def test_reports_and_violation_clues_stay_with_the_regulators(matrix: Matrix) -> None:
    report, clue = matrix.shared["report"].ticket_id, matrix.shared["violation_clue"].ticket_id
    # The use unit a report is about never reads it, nor the clue the report became.
    for ticket_id in (report, clue):
        refused = await matrix.api.read(f"/tickets/{ticket_id}", user="u-safety-lujiazui")
        assert refused.status_code == 403, refused.text
    non_regulators = [
        "u-maintainer-shenda",
        "u-rescuer-shenda",
        "u-inspector",
        "u-dispatcher",
        "u-monitoring",
    ]
    for user in [*non_regulators, "u-operator-admin", "u-regulator-xuhui", "u-bureau-head-xuhui"]:
        refused = await matrix.api.read(f"/tickets/{clue}", user=user)
        assert refused.status_code == 403, (user, refused.text)
    for user in ("u-regulator-pudong", "u-bureau-head-pudong", "u-regulator-city"):
        read = await matrix.api.read(f"/tickets/{clue}", user=user)
        assert read.status_code == 200, (user, read.text)


async def test_a_unit_a_rescue_was_taken_from_no_longer_works_it(
    dev_server: WorkflowEnvironment, settings: Settings, mail_catcher: MailCatcher
) -> None:
    # Accept within 3 seconds, or the rescue goes to the district's rescue station (改派).
    quick = settings.model_copy(update={"policy_overrides": {"rescue.accept": 0.05}})
    clock = SettableClock()
    app = create_app(quick, dev_server.client, clock)
    async with (
        running_worker(dev_server.client, quick),
        app.router.lifespan_context(app),
        _http_client(app, quick) as http,
    ):
        api = Api(http=http, temporal=dev_server.client, settings=quick, mail=mail_catcher, clock=clock)
        try:
            # The module's own rescue holds ELEVATOR until the module ends.
            ticket_id = await api.open(SPARE_ELEVATOR)
            await ticket_when(
                quick.effective_database_url, ticket_id, lambda t: t.assigned_unit_id == "rs-pudong"
            )

            # The maintenance unit still reads the rescue it was dispatched first, but works it no more.
            assert (await api.read(f"/tickets/{ticket_id}", user="u-rescuer-shenda")).status_code == 200
            former = await api.act(ticket_id, "accept", "u-rescuer-shenda", {})
            assert former.status_code == 403, former.text
            # Refused by the API's own check, before anything reaches the workflow.
            assert "无权对本工单执行" in former.json()["detail"]
            station = await api.act(ticket_id, "accept", "u-rescuer-rs-pudong", {})
            assert station.status_code == 200, station.text
        finally:
            await api.finish_everything()
