"""Who may do what, in one table (第七条): role x action x scope, for every kind of ticket.

The API enforces this table before it sends an action; each workflow's Update validator checks the
same rule again with the acting user's organisation, so a client that reaches Temporal directly gets
no further. A scope says which tickets a grant covers: those of the actor's own organisation in a given
relation (the unit assigned, the use unit, the reporting unit), those of its district, or all.
"""

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from enum import StrEnum

from domain.kinds import TicketKind
from domain.roles import OrganisationKind, Role


class Relation(StrEnum):
    """How an organisation takes part in a ticket; the read model keeps one row per party."""

    USE_UNIT = "use_unit"
    MAINTENANCE_UNIT = "maintenance_unit"
    # The unit the ticket is assigned to now or was before (a rescue re-dispatched, a directive's addressee).
    ASSIGNED = "assigned"
    # The organisation that reported the matter (a hazard's maintenance unit or inspection agency).
    REPORTER = "reporter"


class Scope(StrEnum):
    USE_UNIT = "use_unit"
    MAINTENANCE_UNIT = "maintenance_unit"
    ASSIGNED = "assigned"
    REPORTER = "reporter"
    # The district regulator of the elevator's district.
    DISTRICT = "district"
    # The city regulator: every ticket.
    CITY = "city"
    # Whoever holds the role, e.g. the emergency platform's dispatcher.
    ANY = "any"


@dataclass(frozen=True)
class Grant:
    role: Role
    scope: Scope
    # The states the grant applies in; None: every state (whether the action applies is the workflow's).
    states: frozenset[str] | None = None


@dataclass(frozen=True)
class Principal:
    """The signed-in user (or API key) behind a request, with what decides its scope."""

    user_id: str
    name: str
    organisation_id: str
    organisation_kind: OrganisationKind
    # The district of a district regulator (or a unit); "" for city-wide organisations.
    district: str
    roles: frozenset[Role]
    # An API key's scopes ("rescue:report"); None for a user, who is limited by roles alone.
    key_scopes: frozenset[str] | None = None


@dataclass(frozen=True)
class TicketScope:
    """What of a ticket decides who may see it and act on it."""

    kind: TicketKind
    state: str
    district: str
    parties: Mapping[Relation, Collection[str]]


def _grants(role: Role, scope: Scope) -> tuple[Grant, ...]:
    return (Grant(role, scope),)


DISTRICT_REGULATOR = _grants(Role.REGULATOR, Scope.DISTRICT)
USE_UNIT_MANAGER = _grants(Role.SAFETY_MANAGER, Scope.USE_UNIT)
ASSIGNED_MAINTAINER = _grants(Role.MAINTAINER, Scope.ASSIGNED)
HAZARD_REPORTER = (Grant(Role.MAINTAINER, Scope.REPORTER), Grant(Role.INSPECTOR, Scope.REPORTER))


def _clock(pausers: tuple[Grant, ...]) -> dict[str, tuple[Grant, ...]]:
    """The clock actions of a stepped kind: the district regulator extends (延期); `pausers` pause."""
    return {"extend": DISTRICT_REGULATOR, "pause": pausers, "resume": pausers}


def _regulator_steps(*actions: str) -> dict[str, tuple[Grant, ...]]:
    return {action: DISTRICT_REGULATOR for action in actions}


ACTIONS: dict[TicketKind, dict[str, tuple[Grant, ...]]] = {
    TicketKind.RESCUE: {
        "accept": _grants(Role.RESCUER, Scope.ASSIGNED),
        "arrive": _grants(Role.RESCUER, Scope.ASSIGNED),
        "release": _grants(Role.RESCUER, Scope.ASSIGNED),
        "confirm": USE_UNIT_MANAGER,
        "dispute": USE_UNIT_MANAGER,
        "cancel": _grants(Role.DISPATCHER, Scope.ANY),
    },
    TicketKind.FAULT_REPAIR: {
        "accept": ASSIGNED_MAINTAINER,
        "arrive": ASSIGNED_MAINTAINER,
        "report_not_fixable": ASSIGNED_MAINTAINER,
        "fix": ASSIGNED_MAINTAINER,
        "confirm": USE_UNIT_MANAGER,
        "dispute": USE_UNIT_MANAGER,
        "cancel": USE_UNIT_MANAGER,
        **_clock(ASSIGNED_MAINTAINER),
    },
    TicketKind.MAINTENANCE_RECORD: {
        "confirm": USE_UNIT_MANAGER,
        "dispute": USE_UNIT_MANAGER,
        # The maintenance unit revises or withdraws its own record; the unit assigned is the use unit, to confirm.
        "resubmit": _grants(Role.MAINTAINER, Scope.MAINTENANCE_UNIT),
        "withdraw": _grants(Role.MAINTAINER, Scope.MAINTENANCE_UNIT),
        **_clock(USE_UNIT_MANAGER),
    },
    TicketKind.HAZARD: {
        "submit_rectification": USE_UNIT_MANAGER,
        "verify_pass": HAZARD_REPORTER,
        "verify_fail": HAZARD_REPORTER,
        "withdraw": HAZARD_REPORTER,
        "extend": DISTRICT_REGULATOR,
        # Whoever must act now stops its own clock: the use unit while rectifying, the reporter verifying.
        "pause": (
            Grant(Role.SAFETY_MANAGER, Scope.USE_UNIT, frozenset({"rectifying"})),
            *(Grant(g.role, g.scope, frozenset({"rectified"})) for g in HAZARD_REPORTER),
        ),
        "resume": (
            Grant(Role.SAFETY_MANAGER, Scope.USE_UNIT, frozenset({"rectifying"})),
            *(Grant(g.role, g.scope, frozenset({"rectified"})) for g in HAZARD_REPORTER),
        ),
    },
    TicketKind.FEEDBACK: {"answer": USE_UNIT_MANAGER, **_clock(USE_UNIT_MANAGER)},
    TicketKind.COMPLAINT: {
        **_regulator_steps("accept", "reject", "record_result", "refer_violation"),
        **_clock(DISTRICT_REGULATOR),
    },
    TicketKind.REPORT: {
        **_regulator_steps("open_case", "decline_case", "inform_reporter"),
        **_clock(DISTRICT_REGULATOR),
    },
    TicketKind.VIOLATION_CLUE: {
        **_regulator_steps("open_case", "decline_case", "record_penalty", "record_no_penalty"),
        **_clock(DISTRICT_REGULATOR),
    },
    TicketKind.DIRECTIVE: {
        "sign": (Grant(Role.SAFETY_MANAGER, Scope.ASSIGNED), Grant(Role.MAINTAINER, Scope.ASSIGNED)),
        "submit_rectification": (
            Grant(Role.SAFETY_MANAGER, Scope.ASSIGNED),
            Grant(Role.MAINTAINER, Scope.ASSIGNED),
        ),
        **_regulator_steps("record_refusal", "verify_pass", "verify_fail", "withdraw"),
        **_clock(DISTRICT_REGULATOR),
    },
}

# Which parties see which kinds (第八条: a unit obtains what concerns it). Regulators see their district,
# the city regulator everything. A report, a clue and a complaint's text could name the person behind
# them: reports and clues are for regulators only, a complaint for the use unit it is mediated with.
_WORK_KINDS = frozenset(
    {
        TicketKind.RESCUE,
        TicketKind.FAULT_REPAIR,
        TicketKind.MAINTENANCE_RECORD,
        TicketKind.HAZARD,
        TicketKind.FEEDBACK,
    }
)
VISIBLE_BY_RELATION: dict[Relation, frozenset[TicketKind]] = {
    Relation.USE_UNIT: _WORK_KINDS | {TicketKind.COMPLAINT},
    Relation.MAINTENANCE_UNIT: _WORK_KINDS,
    Relation.ASSIGNED: _WORK_KINDS | {TicketKind.DIRECTIVE},
    Relation.REPORTER: _WORK_KINDS,
}
# Roles that see every ticket of some kinds, wherever it is: the 110 platform's dispatchers see rescues.
VISIBLE_BY_ROLE: dict[Role, frozenset[TicketKind]] = {Role.DISPATCHER: frozenset({TicketKind.RESCUE})}

REGULATOR_ORGANISATIONS = frozenset({OrganisationKind.DISTRICT_REGULATOR, OrganisationKind.CITY_REGULATOR})


def in_scope(principal: Principal, scope: Scope, ticket: TicketScope) -> bool:
    if scope is Scope.ANY:
        return True
    if scope is Scope.CITY:
        return principal.organisation_kind is OrganisationKind.CITY_REGULATOR
    if scope is Scope.DISTRICT:
        return (
            principal.organisation_kind is OrganisationKind.DISTRICT_REGULATOR
            and principal.district == ticket.district
        )
    return principal.organisation_id in ticket.parties.get(Relation(scope.value), ())


def acting_role(principal: Principal, kind: TicketKind, action: str, ticket: TicketScope) -> Role | None:
    """The role in which the principal may take `action` on the ticket, or None if it may not."""
    for grant in ACTIONS.get(kind, {}).get(action, ()):
        if grant.role not in principal.roles:
            continue
        if grant.states is not None and ticket.state not in grant.states:
            continue
        if in_scope(principal, grant.scope, ticket):
            return grant.role
    return None


def may_view(principal: Principal, ticket: TicketScope) -> bool:
    """Whether the principal may read the ticket with its timeline."""
    if principal.organisation_kind is OrganisationKind.CITY_REGULATOR:
        return True
    if principal.organisation_kind is OrganisationKind.DISTRICT_REGULATOR:
        return principal.district == ticket.district
    if any(ticket.kind in VISIBLE_BY_ROLE.get(role, frozenset()) for role in principal.roles):
        return True
    return any(
        principal.organisation_id in ticket.parties.get(relation, ())
        for relation, kinds in VISIBLE_BY_RELATION.items()
        if ticket.kind in kinds
    )


def reads_metadata_only(principal: Principal) -> bool:
    """The platform operator administers accounts and sees that tickets exist, never their content (第十四条)."""
    return principal.organisation_kind is OrganisationKind.PLATFORM_OPERATOR


def is_regulator(principal: Principal) -> bool:
    """Staff of a market-regulation bureau: the only ones who may read who filed a report (举报人)."""
    return principal.organisation_kind in REGULATOR_ORGANISATIONS and bool(
        principal.roles & {Role.REGULATOR, Role.BUREAU_HEAD}
    )


def ticket_parties(
    use_unit_id: str, maintenance_unit_id: str, assigned_unit_id: str, details: Mapping[str, object]
) -> list[tuple[Relation, str]]:
    """The organisations a ticket involves, as a projection of it shows them."""
    parties = [
        (Relation.USE_UNIT, use_unit_id),
        (Relation.MAINTENANCE_UNIT, maintenance_unit_id),
        (Relation.ASSIGNED, assigned_unit_id),
        (Relation.REPORTER, str(details.get("reporter_unit_id") or "")),
    ]
    return [(relation, org) for relation, org in parties if org]
