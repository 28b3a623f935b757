"""The pydantic payload converter, with one cache of type adapters for the whole process."""

from __future__ import annotations

import functools
from typing import Any

from pydantic import TypeAdapter
from temporalio.contrib.pydantic import PydanticJSONPlainPayloadConverter
from temporalio.converter import (
    CompositePayloadConverter,
    DefaultPayloadConverter,
    EncodingPayloadConverter,
    JSONPlainPayloadConverter,
)

# The worker builds a fresh payload converter for every workflow run it loads, so the SDK's per-instance
# cache started empty each time: building the adapters again took 13.5% of the worker's GIL time while
# hazards were opened. Type adapters are pure and the types are module-level classes, so one bounded
# cache serves every converter.
_TYPE_ADAPTERS = functools.lru_cache(maxsize=1024)(TypeAdapter)


class SharedCacheJSONPayloadConverter(PydanticJSONPlainPayloadConverter):
    """Pydantic JSON conversion whose type adapters outlive the converter instance."""

    def __init__(self) -> None:
        super().__init__(max_cached_type_adapters=0)
        self._type_adapter: Any = _TYPE_ADAPTERS


class SharedCachePayloadConverter(CompositePayloadConverter):
    """The SDK's pydantic composite (binary, protobuf, JSON) with the shared-cache JSON converter."""

    def __init__(self) -> None:
        # Built twice per workflow activation (the SDK copies its data converter to bind a context), so
        # the parts are built once: they hold no state of their own.
        super().__init__(*_encoding_converters())


@functools.cache
def _encoding_converters() -> tuple[EncodingPayloadConverter, ...]:
    """The SDK's default list, as PydanticPayloadConverter composes it, with the shared-cache JSON converter."""
    return tuple(
        SharedCacheJSONPayloadConverter() if isinstance(c, JSONPlainPayloadConverter) else c
        for c in DefaultPayloadConverter.default_encoding_payload_converters
    )
