"""Temporal clients, always with the pydantic data converter."""

from __future__ import annotations

from temporalio.client import Client
from temporalio.contrib.pydantic import pydantic_data_converter

from elevator_orders.settings import Settings


async def connect_client(settings: Settings, *, lazy: bool = False) -> Client:
    # A lazy client lets the API start (and answer 503) while the Temporal server is still down.
    return await Client.connect(
        settings.effective_temporal_address,
        namespace=settings.temporal_namespace,
        data_converter=pydantic_data_converter,
        lazy=lazy,
    )
