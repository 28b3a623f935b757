"""Open311 GeoReport v2 as the kinds declare it: their services, and a filing handed to one of them.

A kind the public files through the city's other systems (the 12345 hotline) declares `OPEN311` (its
service) and `file_from_open311` in `api/<kind>_service.py`; `api/open311_service.py` gathers them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime


class FilingRefused(Exception):
    """A filing the service cannot take as sent (a required attribute missing, a value not allowed)."""


@dataclass(frozen=True)
class Open311Value:
    key: str
    name: str


@dataclass(frozen=True)
class Open311Attribute:
    """One of a service's attributes (GeoReport v2 service definition)."""

    code: str
    description: str
    datatype: str = "string"
    required: bool = False
    # Only for singlevaluelist / multivaluelist.
    values: tuple[Open311Value, ...] = ()
    datatype_description: str = ""
    # True for an attribute the person files, false for one the system sets (GeoReport's `variable`).
    variable: bool = True


@dataclass(frozen=True)
class Open311Service:
    service_code: str
    service_name: str
    description: str
    keywords: tuple[str, ...] = ()
    group: str = "电梯"
    attributes: tuple[Open311Attribute, ...] = ()


@dataclass(frozen=True)
class Open311Filing:
    """A request as the service takes it: the car found from its location, the person's contact kept apart."""

    service_code: str
    elevator_code: str
    # The filing system's own id of the request (its account or device id and time): a retry names the
    # same ticket.
    ref: str
    description: str
    attributes: Mapping[str, str] = field(default_factory=dict)
    name: str = ""
    phone: str = ""
    email: str = ""
    requested_at: datetime | None = None


@dataclass(frozen=True)
class Open311Filed:
    ticket_id: str
    # The tracking token the person follows the request with; None when this filing had opened it before.
    token: str | None
    notice: str = ""
