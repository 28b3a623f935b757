"""The payload encryption key of the tests: fixed, so histories recorded with it replay later."""

from __future__ import annotations

from pydantic import SecretStr
from temporalio.converter import DataConverter

from elevator_orders.settings import Settings
from elevator_orders.temporal import data_converter

# base64 of b"elevator-orders-tests-only-key!!": not the development default, so a client or worker
# that forgot the configured key cannot read what the tests write.
TEST_PAYLOAD_ENCRYPTION_KEY = SecretStr("ZWxldmF0b3Itb3JkZXJzLXRlc3RzLW9ubHkta2V5ISE=")


def encrypting_data_converter() -> DataConverter:
    """The application's converter with the tests' key (the `settings` fixture carries the same key)."""
    return data_converter(Settings(_env_file=None, payload_encryption_key=TEST_PAYLOAD_ENCRYPTION_KEY))
