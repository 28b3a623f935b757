"""The payload converter of every client and worker: pydantic JSON, with type adapters built once per process."""

from __future__ import annotations

from datetime import UTC, datetime

from elevator_orders.payload_converter import SharedCacheJSONPayloadConverter
from elevator_orders.settings import Settings
from elevator_orders.temporal import data_converter
from tests.support.rescue import RESCUER
from workflows.hazard_models import HazardInput
from workflows.rescue_models import ArriveInput


def test_payloads_round_trip_through_the_converter_a_workflow_run_builds() -> None:
    converter = data_converter(Settings(_env_file=None))
    arrive = ArriveInput(actor=RESCUER, arrived_at=datetime(2026, 12, 3, 8, 30, tzinfo=UTC))

    payloads = converter.payload_converter.to_payloads([arrive])
    (decoded,) = converter._new_payload_converter().from_payloads(payloads, [ArriveInput])

    assert decoded == arrive


def test_a_new_converter_reuses_the_type_adapters_of_earlier_ones() -> None:
    # The worker builds a converter for every workflow run it loads; each used to rebuild every adapter.
    first, second = SharedCacheJSONPayloadConverter(), SharedCacheJSONPayloadConverter()

    assert first._type_adapter(HazardInput) is second._type_adapter(HazardInput)
