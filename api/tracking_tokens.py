"""Tracking tokens: what a member of the public follows a filing with.

The token is handed out once, at creation; the ticket keeps only its SHA-256 digest, so neither the
store nor the workflow history can give it away.
"""

import hashlib
import secrets


def new_tracking_token() -> tuple[str, str]:
    """A fresh unguessable token and the digest the ticket keeps of it."""
    token = secrets.token_urlsafe(24)
    return token, tracking_digest(token)


def tracking_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
