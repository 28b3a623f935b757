"""Outbound channels: other systems and duty rooms told of ticket steps (webhooks, WeCom group robots).

A subscription belongs to one organisation and hears the steps of the tickets that organisation may
see (第八条): a unit those it is a party to (as each kind declares), a district regulator its district's,
the city regulator all. It chooses its events by kind and step: `<kind>.accept`, `<kind>.*`, `*`.
What a channel carries is the same for every subscriber and never personal data: the ticket's number,
kind, state, elevator code and district, the step and its time, and a link that needs a sign-in.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum

from domain.kinds import TicketKind
from domain.permissions import VISIBLE_BY_RELATION, Principal
from domain.roles import OrganisationKind, Role
from domain.scopes import Relation

ANY = "*"
_STEP = re.compile(r"[a-z][a-z0-9_]{0,59}")
# The city regulator's audience; a district regulator's is `district:<name>`, a unit's `org:<id>`.
CITY_AUDIENCE = "city"
# Who manages an organisation's subscriptions: its staff who answer for its duty (never the public, a
# machine, or the platform operator, which sees that tickets exist but not what happens in them).
MANAGER_ROLES = frozenset({Role.DISPATCHER, Role.SAFETY_MANAGER, Role.REGULATOR, Role.BUREAU_HEAD})


class Channel(StrEnum):
    # An HTTPS endpoint of another system, each body signed with the subscription's secret.
    WEBHOOK = "webhook"
    # A WeCom (企业微信) group robot of a duty room: its URL carries its key, the body is markdown.
    WECOM = "wecom"


class SubscriptionState(StrEnum):
    ACTIVE = "active"
    # Failed too often in a row: its deliveries wait, nothing is sent until someone resumes it.
    PAUSED = "paused"
    REMOVED = "removed"


@dataclass(frozen=True)
class EventFilter:
    """Which steps a subscription hears: a kind (or every kind) and a step of it (or every step)."""

    kind: str
    step: str

    @classmethod
    def parse(cls, text: str) -> EventFilter:
        """`<kind>.<step>`, `<kind>.*` or `*`; raises ValueError naming what is wrong."""
        if text == ANY:
            return cls(ANY, ANY)
        kind, dot, step = text.partition(".")
        if not dot:
            raise ValueError(f"{text!r} is not <kind>.<step>, <kind>.* or *")
        if kind not in {member.value for member in TicketKind}:
            raise ValueError(f"{kind!r} is no ticket kind")
        if step != ANY and not _STEP.fullmatch(step):
            raise ValueError(f"{step!r} is no step name (lower-case letters, digits and _)")
        return cls(kind, step)

    def __str__(self) -> str:
        return ANY if self.kind == ANY else f"{self.kind}.{self.step}"

    def matches(self, kind: str, step: str) -> bool:
        return self.kind in (ANY, kind) and self.step in (ANY, step)


def event_name(kind: str, step: str) -> str:
    return f"{kind}.{step}"


def ticket_audiences(kind: TicketKind, district: str, parties: Iterable[tuple[Relation, str]]) -> list[str]:
    """Every audience that may hear of the ticket's steps, as `subscriber_audience` names them."""
    audiences = [CITY_AUDIENCE]
    if district:
        audiences.append(f"district:{district}")
    audiences += sorted(
        {f"org:{org}" for relation, org in parties if kind in VISIBLE_BY_RELATION.get(relation, frozenset())}
    )
    return audiences


def subscriber_audience(principal: Principal) -> str:
    """What the principal's organisation may hear of: the tickets its people may see."""
    if principal.organisation_kind is OrganisationKind.CITY_REGULATOR:
        return CITY_AUDIENCE
    if principal.organisation_kind is OrganisationKind.DISTRICT_REGULATOR:
        return f"district:{principal.district}"
    return f"org:{principal.organisation_id}"


def may_manage(principal: Principal) -> bool:
    return (
        principal.key_scopes is None
        and principal.organisation_kind is not OrganisationKind.PLATFORM_OPERATOR
        and bool(principal.roles & MANAGER_ROLES)
    )


@dataclass(frozen=True)
class ChannelPolicy:
    """How deliveries are retried, and when a subscriber that keeps failing is paused."""

    first_retry: timedelta = timedelta(seconds=10)
    longest_retry: timedelta = timedelta(hours=1)
    # Attempts in a row that failed, over all of the subscription's deliveries, before it is paused.
    pause_after: int = 8
    # A delivery not made by then is given up (kept, with its reason): a receiver back after three days
    # reads what it missed from the API instead.
    give_up_after: timedelta = timedelta(days=3)
    request_timeout: timedelta = timedelta(seconds=10)
    batch: int = 50
    poll_seconds: float = 1.0
    lease: timedelta = timedelta(seconds=60)

    def retry_after(self, attempts: int) -> timedelta:
        wait: timedelta = self.first_retry * 2 ** max(attempts - 1, 0)
        return min(wait, self.longest_retry)
