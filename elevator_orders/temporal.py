"""Temporal clients, always with the one data converter: pydantic payloads, encrypted."""

from __future__ import annotations

import dataclasses

from opentelemetry.trace import Tracer
from temporalio.client import Client
from temporalio.contrib.opentelemetry import TracingInterceptor
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.converter import DataConverter, DefaultFailureConverterWithEncodedAttributes

from elevator_orders.metrics import telemetry_runtime
from elevator_orders.payload_codec import EncryptionCodec
from elevator_orders.payload_converter import SharedCachePayloadConverter
from elevator_orders.settings import Settings


def data_converter(settings: Settings) -> DataConverter:
    """The converter of every client, worker and replayer: a payload is encrypted before it leaves us."""
    return dataclasses.replace(
        pydantic_data_converter,
        payload_converter_class=SharedCachePayloadConverter,
        payload_codec=EncryptionCodec(settings.payload_encryption_keys),
        # Failure messages and stack traces are encrypted too: a failed activity's message can quote its
        # input (a database error lists the statement's parameters: a complainant's name and phone).
        # Failure types (InvalidInput, ActionNotPermitted, ...) stay readable.
        failure_converter_class=DefaultFailureConverterWithEncodedAttributes,
    )


async def connect_client(settings: Settings, *, lazy: bool = False, tracer: Tracer | None = None) -> Client:
    """The client of a process; with a `tracer`, it and the workers built on it trace what they do."""
    # A lazy client lets the API start (and answer 503) while the Temporal server is still down.
    return await Client.connect(
        settings.effective_temporal_address,
        namespace=settings.temporal_namespace,
        data_converter=data_converter(settings),
        lazy=lazy,
        runtime=telemetry_runtime(settings.sdk_metrics_port) if settings.sdk_metrics_port else None,
        interceptors=[TracingInterceptor(tracer)] if tracer is not None else [],
    )
