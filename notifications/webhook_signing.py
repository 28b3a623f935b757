"""Webhook signatures: HMAC-SHA256 over the timestamp and the exact body, with the subscription's secret.

A receiver recomputes `v1` from the `X-Elevator-Timestamp` header and the raw body, compares in constant
time, and refuses a timestamp far from its clock (a replayed request). The delivery id in
`X-Elevator-Delivery` stays the same on every retry of one delivery: receivers keep it to drop repeats.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

SIGNATURE_HEADER = "X-Elevator-Signature"
TIMESTAMP_HEADER = "X-Elevator-Timestamp"
DELIVERY_HEADER = "X-Elevator-Delivery"
EVENT_HEADER = "X-Elevator-Event"
# How far a receiver should let the timestamp be from its own clock.
TOLERANCE_SECONDS = 300


def new_secret() -> str:
    return "whsec_" + secrets.token_urlsafe(32)


def signature(secret: str, timestamp: int, body: bytes) -> str:
    """The signature header's value: `v1=<hex>`."""
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"v1={digest}"


def verify(secret: str, timestamp: int, body: bytes, header: str, now: int) -> bool:
    """What a receiver does: the signature matches and the timestamp is recent."""
    if abs(now - timestamp) > TOLERANCE_SECONDS:
        return False
    return hmac.compare_digest(signature(secret, timestamp, body), header)
