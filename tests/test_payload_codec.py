"""Personal data in Temporal payloads is encrypted: the Temporal server (its Web UI, `temporal workflow show`)
holds ciphertext only, and our own clients and workers read it back with the configured keys."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator

import pytest
from temporalio.api.common.v1 import Payload
from temporalio.api.failure.v1 import Failure
from temporalio.client import Client
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.exceptions import ApplicationError
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Replayer

from elevator_orders.payload_codec import (
    ENCRYPTED_ENCODING,
    KEY_ID_METADATA,
    EncryptionCodec,
    PayloadDecryptionError,
    key_id_of,
)
from elevator_orders.settings import Settings
from elevator_orders.temporal import data_converter
from tests.support.clues import PUDONG_REGULATOR
from tests.support.complaint import COMPLAINANT_NAME, COMPLAINANT_PHONE, Complaints
from tests.support.rescue import ticket_when
from worker.main import running_worker
from workflows.complaint import ComplaintWorkflow
from workflows.complaint_models import ComplaintInput, ReasonInput

OLD_KEY = os.urandom(32)
NEW_KEY = os.urandom(32)


@pytest.fixture
async def dev_complaints(dev_server: WorkflowEnvironment, settings: Settings) -> AsyncIterator[Complaints]:
    complaints = Complaints(dev_server.client, settings)
    try:
        yield complaints
    finally:
        await complaints.end_unfinished()


def _plain(name: str, phone: str) -> Payload:
    return pydantic_data_converter.payload_converter.to_payloads([{"name": name, "phone": phone}])[0]


async def test_a_payload_round_trips_and_is_unreadable_on_the_way() -> None:
    codec = EncryptionCodec([NEW_KEY])
    plain = _plain(COMPLAINANT_NAME, COMPLAINANT_PHONE)
    [encrypted] = await codec.encode([plain])
    assert encrypted.metadata["encoding"] == ENCRYPTED_ENCODING
    assert encrypted.metadata[KEY_ID_METADATA] == key_id_of(NEW_KEY).encode()
    assert COMPLAINANT_NAME.encode() not in encrypted.SerializeToString()
    assert COMPLAINANT_PHONE.encode() not in encrypted.SerializeToString()
    assert await codec.decode([encrypted]) == [plain]


async def test_the_same_payload_encrypts_differently_each_time() -> None:
    codec = EncryptionCodec([NEW_KEY])
    plain = _plain(COMPLAINANT_NAME, COMPLAINANT_PHONE)
    first, second = await codec.encode([plain, plain])
    assert first.data != second.data


async def test_altered_ciphertext_is_refused() -> None:
    codec = EncryptionCodec([NEW_KEY])
    [encrypted] = await codec.encode([_plain(COMPLAINANT_NAME, COMPLAINANT_PHONE)])
    altered = Payload(metadata=encrypted.metadata, data=encrypted.data[:-1] + bytes([encrypted.data[-1] ^ 1]))
    with pytest.raises(PayloadDecryptionError, match="failed authentication"):
        await codec.decode([altered])


async def test_a_payload_relabelled_with_another_configured_key_is_refused() -> None:
    codec = EncryptionCodec([NEW_KEY, OLD_KEY])
    [encrypted] = await codec.encode([_plain(COMPLAINANT_NAME, COMPLAINANT_PHONE)])
    relabelled = Payload(
        metadata={**encrypted.metadata, KEY_ID_METADATA: key_id_of(OLD_KEY).encode()}, data=encrypted.data
    )
    with pytest.raises(PayloadDecryptionError, match="failed authentication"):
        await codec.decode([relabelled])


async def test_a_rotated_key_still_decrypts_what_it_wrote_and_no_longer_encrypts() -> None:
    plain = _plain(COMPLAINANT_NAME, COMPLAINANT_PHONE)
    [written_before] = await EncryptionCodec([OLD_KEY]).encode([plain])
    rotated = EncryptionCodec([NEW_KEY, OLD_KEY])
    assert await rotated.decode([written_before]) == [plain]
    [written_after] = await rotated.encode([plain])
    assert written_after.metadata[KEY_ID_METADATA] == key_id_of(NEW_KEY).encode()


async def test_a_payload_of_a_key_no_longer_configured_fails_naming_the_key() -> None:
    [encrypted] = await EncryptionCodec([OLD_KEY]).encode([_plain(COMPLAINANT_NAME, COMPLAINANT_PHONE)])
    with pytest.raises(PayloadDecryptionError) as failure:
        await EncryptionCodec([NEW_KEY]).decode([encrypted])
    assert key_id_of(OLD_KEY) in str(failure.value)
    assert "PAYLOAD_ENCRYPTION_RETIRED_KEYS" in str(failure.value)


async def test_a_payload_written_before_encryption_passes_through_decode() -> None:
    plain = _plain(COMPLAINANT_NAME, COMPLAINANT_PHONE)
    assert await EncryptionCodec([NEW_KEY]).decode([plain]) == [plain]


def test_a_key_must_be_32_bytes() -> None:
    with pytest.raises(ValueError, match="32 bytes"):
        EncryptionCodec([b"too short"])


async def test_a_failure_message_is_encrypted_and_its_type_stays_readable(settings: Settings) -> None:
    converter = data_converter(settings)
    failure = Failure()
    message = f"[parameters: ('{COMPLAINANT_NAME}', '{COMPLAINANT_PHONE}')]"
    await converter.encode_failure(ApplicationError(message, type="OperationalError"), failure)
    assert COMPLAINANT_NAME.encode() not in failure.SerializeToString()
    assert COMPLAINANT_PHONE.encode() not in failure.SerializeToString()
    assert failure.application_failure_info.type == "OperationalError"
    decoded = await converter.decode_failure(failure)
    assert isinstance(decoded, ApplicationError)
    assert (decoded.message, decoded.type) == (message, "OperationalError")


async def test_the_temporal_server_holds_no_name_or_phone_of_a_complainant(
    dev_server: WorkflowEnvironment, settings: Settings, dev_complaints: Complaints
) -> None:
    async with running_worker(dev_server.client, settings):
        receipt, handle = await dev_complaints.file()
        await ticket_when(settings.effective_database_url, receipt.ticket_id, lambda t: t.state == "received")
        await handle.execute_update(
            ComplaintWorkflow.reject, ReasonInput(actor=PUDONG_REGULATOR, reason="投诉事项已超过三年")
        )
        assert (await handle.result()).state == "rejected"

    # What the Web UI and `temporal workflow show` read: the same server, a client without our keys.
    without_keys = Client(
        dev_server.client.service_client,
        namespace=dev_server.client.namespace,
        data_converter=pydantic_data_converter,
    )
    history = await without_keys.get_workflow_handle(receipt.ticket_id).fetch_history()
    stored = history.to_json().encode() + b"".join(e.SerializeToString() for e in history.events)
    assert COMPLAINANT_NAME.encode() not in stored
    assert COMPLAINANT_PHONE.encode() not in stored
    started = history.events[0].workflow_execution_started_event_attributes
    assert [p.metadata["encoding"] for p in started.input.payloads] == [ENCRYPTED_ENCODING]
    with pytest.raises(Exception, match="binary/encrypted"):
        await pydantic_data_converter.decode(started.input.payloads, [ComplaintInput])

    # Our own client, with the key, reads the complainant back.
    [complaint] = await dev_server.client.data_converter.decode(started.input.payloads, [ComplaintInput])
    assert isinstance(complaint, ComplaintInput)
    assert (complaint.complainant_name, complaint.complainant_phone) == (COMPLAINANT_NAME, COMPLAINANT_PHONE)
    # An encrypted history replays with the key (the replay test's saved histories are plain ones).
    replayer = Replayer(workflows=[ComplaintWorkflow], data_converter=dev_server.client.data_converter)
    assert (await replayer.replay_workflow(history, raise_on_replay_failure=False)).replay_failure is None
