"""AES-256-GCM encryption of every Temporal payload: the Temporal server and its Web UI see ciphertext only.

Workflow inputs, Update arguments and activity inputs carry personal data (complainants' and
whistleblowers' names and phones, rescue call-back phones); encrypted on the client and the worker,
they never reach the Temporal server in clear.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable, Sequence

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from temporalio.api.common.v1 import Payload
from temporalio.converter import PayloadCodec

ENCRYPTED_ENCODING = b"binary/encrypted"
KEY_ID_METADATA = "encryption-key-id"
KEY_BYTES = 32
NONCE_BYTES = 12


class PayloadDecryptionError(ValueError):
    """An encrypted payload this codec cannot open: a key that is not configured, or altered ciphertext."""


def key_id_of(key: bytes) -> str:
    """A public name of a key, derived from it: the payload says which key to open it with."""
    return hashlib.sha256(b"elevator-orders payload key\x00" + key).hexdigest()[:16]


class EncryptionCodec(PayloadCodec):
    """Encrypts with the first key; decrypts with whichever configured key a payload names (rotation)."""

    def __init__(self, keys: Sequence[bytes]) -> None:
        if not keys:
            raise ValueError("at least one payload encryption key is required")
        if any(len(key) != KEY_BYTES for key in keys):
            raise ValueError(f"every payload encryption key must be {KEY_BYTES} bytes (AES-256)")
        self._ciphers = {key_id_of(key): AESGCM(key) for key in keys}
        self.current_key_id = key_id_of(keys[0])

    async def encode(self, payloads: Iterable[Payload]) -> list[Payload]:
        return [self._encrypt(payload) for payload in payloads]

    async def decode(self, payloads: Iterable[Payload]) -> list[Payload]:
        # Payloads written before encryption was introduced (saved histories, old runs) pass unchanged.
        return [
            self._decrypt(payload) if payload.metadata.get("encoding") == ENCRYPTED_ENCODING else payload
            for payload in payloads
        ]

    def _encrypt(self, payload: Payload) -> Payload:
        key_id = self.current_key_id
        nonce = os.urandom(NONCE_BYTES)
        # The key id is authenticated data: a payload relabelled with another key id fails to open.
        ciphertext = self._ciphers[key_id].encrypt(nonce, payload.SerializeToString(), key_id.encode())
        return Payload(
            metadata={"encoding": ENCRYPTED_ENCODING, KEY_ID_METADATA: key_id.encode()},
            data=nonce + ciphertext,
        )

    def _decrypt(self, payload: Payload) -> Payload:
        key_id = payload.metadata.get(KEY_ID_METADATA, b"").decode()
        cipher = self._ciphers.get(key_id)
        if cipher is None:
            raise PayloadDecryptionError(
                f"payload encrypted with key id {key_id!r}, which is not configured "
                f"(configured: {', '.join(sorted(self._ciphers))}); "
                "add the key it was written with to PAYLOAD_ENCRYPTION_RETIRED_KEYS"
            )
        nonce, ciphertext = payload.data[:NONCE_BYTES], payload.data[NONCE_BYTES:]
        try:
            plaintext = cipher.decrypt(nonce, ciphertext, key_id.encode())
        except InvalidTag as failure:
            raise PayloadDecryptionError(
                f"payload encrypted with key id {key_id!r} failed authentication: altered or corrupt"
            ) from failure
        return Payload.FromString(plaintext)
