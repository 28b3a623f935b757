"""Registering the tickets' search attributes in the namespace, once, when a worker starts."""

from __future__ import annotations

import logging

from temporalio.api.enums.v1 import IndexedValueType
from temporalio.api.operatorservice.v1 import AddSearchAttributesRequest, ListSearchAttributesRequest
from temporalio.client import Client
from temporalio.service import RPCError, RPCStatusCode

from workflows.search_attributes import TICKET_SEARCH_ATTRIBUTES

logger = logging.getLogger(__name__)


async def ensure_search_attributes(client: Client, namespace: str) -> None:
    """Add those the namespace lacks; raise if it has one of another type or refuses to add them.

    A namespace whose operator API this client may not use (Temporal Cloud) has them registered by the
    operator beforehand: then nothing is missing and nothing is asked.
    """
    wanted = {
        key.name: IndexedValueType.ValueType(int(key.indexed_value_type)) for key in TICKET_SEARCH_ATTRIBUTES
    }
    try:
        listed = await client.operator_service.list_search_attributes(
            ListSearchAttributesRequest(namespace=namespace)
        )
    except RPCError as error:
        if error.status is not RPCStatusCode.UNIMPLEMENTED:
            raise
        # Temporal's time-skipping test server cannot list them, but adds them (and says which it has).
        present: dict[str, IndexedValueType.ValueType] = {}
    else:
        present = dict(listed.custom_attributes)
    missing: dict[str, IndexedValueType.ValueType] = {}
    for name, value_type in wanted.items():
        if name not in present:
            missing[name] = value_type
        elif present[name] != value_type:
            raise RuntimeError(
                f"search attribute {name} is registered in {namespace} as another type; tickets need "
                f"{IndexedValueType.Name(value_type)}"
            )
    for name, value_type in missing.items():
        try:
            await client.operator_service.add_search_attributes(
                AddSearchAttributesRequest(namespace=namespace, search_attributes={name: value_type})
            )
        except RPCError as error:
            # Another worker starting at the same time added it first, or a server that cannot list had it.
            if error.status is not RPCStatusCode.ALREADY_EXISTS:
                raise
    if missing:
        logger.info("search attributes %s registered in %s", ", ".join(sorted(missing)), namespace)
