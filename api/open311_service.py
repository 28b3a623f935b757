"""Open311 GeoReport v2 over the kinds that declare a service: the documents it answers with.

Services come from each kind's `api/<kind>_service.py` (`OPEN311`, `file_from_open311`). A request is a
ticket of one of those kinds, shown as GeoReport shows requests: status, its Chinese step as the status
notes, times, and the car's public address (第十条). Never the person who filed it, nor what they wrote.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from xml.etree import ElementTree

from api.deps import AppResources
from api.open311_models import Open311Filed, Open311Filing, Open311Service
from domain.catalog import is_final, state_label
from domain.kinds import TicketKind
from elevator_orders.kind_lookup import kind_declarations
from store.models import Ticket
from store.ticket_listing import TicketRow

FileRequest = Callable[[AppResources, Open311Filing], Awaitable[Open311Filed]]
# The API-key scope of a system that files requests through Open311 (the 12345 hotline's).
OPEN311_SCOPE = "open311:file"  # one of domain.permissions.INTAKE_SCOPES
JURISDICTION = "shanghai.gov.cn"


@dataclass(frozen=True)
class ServiceEntry:
    kind: TicketKind
    service: Open311Service
    file: FileRequest


_FILERS: dict[TicketKind, FileRequest] = kind_declarations("api.{kind}_service", "file_from_open311")
SERVICES: Mapping[str, ServiceEntry] = {
    service.service_code: ServiceEntry(kind, service, _FILERS[kind])
    for kind, service in kind_declarations("api.{kind}_service", "OPEN311").items()
}
SERVICE_OF_KIND: Mapping[TicketKind, ServiceEntry] = {entry.kind: entry for entry in SERVICES.values()}


def service_json(service: Open311Service) -> dict[str, Any]:
    return {
        "service_code": service.service_code,
        "service_name": service.service_name,
        "description": service.description,
        "metadata": bool(service.attributes),
        "type": "realtime",
        "keywords": ",".join(service.keywords),
        "group": service.group,
    }


def definition_json(service: Open311Service) -> dict[str, Any]:
    return {
        "service_code": service.service_code,
        "attributes": [
            {
                "variable": attribute.variable,
                "code": attribute.code,
                "datatype": attribute.datatype,
                "required": attribute.required,
                "datatype_description": attribute.datatype_description,
                "order": order,
                "description": attribute.description,
                **(
                    {"values": [{"key": v.key, "name": v.name} for v in attribute.values]}
                    if attribute.values
                    else {}
                ),
            }
            for order, attribute in enumerate(service.attributes, start=1)
        ],
    }


def _time(at: datetime | None) -> str | None:
    return at.isoformat() if at is not None else None


def request_json(ticket: Ticket | TicketRow, address: str) -> dict[str, Any]:
    """A ticket as a GeoReport request: nothing of who filed it or what they wrote."""
    kind = TicketKind(ticket.kind)
    service = SERVICE_OF_KIND[kind].service
    return {
        "service_request_id": ticket.ticket_id,
        "status": "closed" if is_final(kind, ticket.state) else "open",
        "status_notes": state_label(kind, ticket.state),
        "service_name": service.service_name,
        "service_code": service.service_code,
        "agency_responsible": "",
        "service_notice": "",
        "requested_datetime": _time(ticket.opened_at),
        "updated_datetime": _time(ticket.updated_at),
        "expected_datetime": _time(ticket.due_at),
        "address": address,
        "address_id": ticket.elevator_code,
        "zipcode": "",
    }


# --- XML: each list a root of its own, each item an element, each field a child -----------------

_XML_ROOTS = {"service": "services", "request": "service_requests", "error": "errors"}


def xml_document(item_tag: str, items: Sequence[Mapping[str, Any]]) -> bytes:
    root = ElementTree.Element(_XML_ROOTS.get(item_tag, f"{item_tag}s"))
    for item in items:
        _append(root, item_tag, item)
    return _bytes(root)


def xml_element(tag: str, document: Mapping[str, Any]) -> bytes:
    """One document (a service definition) as its own root element."""
    holder = ElementTree.Element("holder")
    _append(holder, tag, document)
    return _bytes(holder[0])


def _bytes(root: ElementTree.Element) -> bytes:
    document: bytes = ElementTree.tostring(root, encoding="utf-8", xml_declaration=True)
    return document


def _append(parent: ElementTree.Element, tag: str, value: Any) -> None:
    element = ElementTree.SubElement(parent, tag)
    if isinstance(value, Mapping):
        for key, child in value.items():
            if isinstance(child, list):
                holder = ElementTree.SubElement(element, key)
                for entry in child:
                    _append(holder, key.removesuffix("s"), entry)
            else:
                _append(element, key, child)
    elif isinstance(value, bool):
        element.text = "true" if value else "false"
    elif value is not None:
        element.text = str(value)
