"""Outside development the API and the worker refuse the secrets published in this repository."""

from __future__ import annotations

import base64
import os

import pytest
from pydantic import SecretStr, ValidationError
from temporalio.client import Client
from temporalio.testing import WorkflowEnvironment

from api.app import create_app
from elevator_orders.settings import DEVELOPMENT_PAYLOAD_ENCRYPTION_KEY, InsecureSettings, Settings
from tests.support.ports import free_port
from worker.main import running_worker

REAL_JWT_SECRET = SecretStr(base64.b64encode(os.urandom(32)).decode())
REAL_PAYLOAD_KEY = SecretStr(base64.b64encode(os.urandom(32)).decode())
DEVELOPMENT_KEY = SecretStr(DEVELOPMENT_PAYLOAD_ENCRYPTION_KEY)


def _production(settings: Settings, **secrets: SecretStr) -> Settings:
    return settings.model_copy(update={"environment": "production", **secrets})


def test_the_api_refuses_the_development_payload_key_in_production(settings: Settings) -> None:
    with pytest.raises(InsecureSettings, match="PAYLOAD_ENCRYPTION_KEY"):
        create_app(_production(settings, jwt_secret=REAL_JWT_SECRET, payload_encryption_key=DEVELOPMENT_KEY))


def test_the_api_refuses_the_development_key_even_as_a_retired_key(settings: Settings) -> None:
    production = _production(
        settings,
        jwt_secret=REAL_JWT_SECRET,
        payload_encryption_key=REAL_PAYLOAD_KEY,
    ).model_copy(update={"payload_encryption_retired_keys": [DEVELOPMENT_KEY]})
    with pytest.raises(InsecureSettings, match="PAYLOAD_ENCRYPTION_RETIRED_KEYS"):
        create_app(production)


def test_the_api_starts_in_production_with_keys_of_its_own(settings: Settings) -> None:
    create_app(_production(settings, jwt_secret=REAL_JWT_SECRET, payload_encryption_key=REAL_PAYLOAD_KEY))


async def test_the_worker_refuses_the_development_payload_key_in_production(settings: Settings) -> None:
    # Refused before it connects: nothing listens at this address.
    client = await Client.connect(f"127.0.0.1:{free_port()}", lazy=True)
    production = _production(settings, jwt_secret=REAL_JWT_SECRET, payload_encryption_key=DEVELOPMENT_KEY)
    with pytest.raises(InsecureSettings, match="PAYLOAD_ENCRYPTION_KEY"):
        async with running_worker(client, production):
            pass


async def test_the_worker_starts_in_production_with_keys_of_its_own(
    dev_server: WorkflowEnvironment, settings: Settings
) -> None:
    production = _production(settings, jwt_secret=REAL_JWT_SECRET, payload_encryption_key=REAL_PAYLOAD_KEY)
    async with running_worker(dev_server.client, production) as worker:
        assert worker.task_queue == settings.temporal_task_queue


def test_a_payload_key_that_is_not_32_bytes_is_refused_without_echoing_it() -> None:
    short_key = base64.b64encode(b"sixteen byte key").decode()
    with pytest.raises(ValidationError) as failure:
        Settings(_env_file=None, payload_encryption_key=SecretStr(short_key))
    assert "payload_encryption_key" in str(failure.value)
    assert "32 bytes" in str(failure.value)
    assert short_key not in str(failure.value)


def test_a_retired_key_that_is_not_base64_is_refused() -> None:
    with pytest.raises(ValidationError, match="payload_encryption_retired_keys"):
        Settings(_env_file=None, payload_encryption_retired_keys=[SecretStr("not base64!")])
