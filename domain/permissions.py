"""Who may do what (第七条): role x action x scope, for every kind of ticket, built from the kinds' own rules.

The API enforces this table before it sends an action; each workflow's Update validator checks the
same rule again with the acting user's organisation, so a client that reaches Temporal directly gets
no further. A scope says which tickets a grant covers: those of the actor's own organisation in a given
relation (the unit assigned, the use unit, the reporting unit), those of its district, or all.
"""

from collections.abc import Collection, Mapping
from dataclasses import dataclass

from domain.alarms import ALARM_INTAKE_SCOPE
from domain.kind_registry import KINDS
from domain.kinds import TicketKind
from domain.roles import OrganisationKind, Role
from domain.scopes import Grant, Relation, Scope


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
    # An API key's scopes (`INTAKE_SCOPES`); None for a user, who is limited by roles alone.
    key_scopes: frozenset[str] | None = None


@dataclass(frozen=True)
class TicketScope:
    """What of a ticket decides who may see it and act on it."""

    kind: TicketKind
    state: str
    district: str
    parties: Mapping[Relation, Collection[str]]


# Role x action x scope for every kind, read from each kind's own state machine and clock (its SPEC).
ACTIONS: dict[TicketKind, dict[str, tuple[Grant, ...]]] = {spec.kind: spec.grants() for spec in KINDS}

# Which parties and roles see which kinds (第八条), as each kind declares; regulators see their district.
VISIBLE_BY_RELATION: dict[Relation, frozenset[TicketKind]] = {
    relation: kinds
    for relation in Relation
    if (kinds := frozenset(spec.kind for spec in KINDS if relation in spec.visible_to))
}
VISIBLE_BY_ROLE: dict[Role, frozenset[TicketKind]] = {
    role: kinds
    for role in Role
    if (kinds := frozenset(spec.kind for spec in KINDS if role in spec.visible_to_roles))
}

# What a machine client's key may do: open tickets of a kind that takes machine intake, or post a
# monitoring platform's alarms (each opens what its event code says).
INTAKE_SCOPES: tuple[str, ...] = (
    *(spec.intake_scope for spec in KINDS if spec.machine_intake),
    ALARM_INTAKE_SCOPE,
    # The city's other systems (the 12345 hotline) filing requests through Open311.
    "open311:file",
)

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


def sees_workflow_links(principal: Principal) -> bool:
    """The platform operator's staff run the engine: only they get a ticket's link into Temporal's UI."""
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
