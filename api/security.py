"""Credentials: argon2 password hashes, short-lived JWT access tokens with refresh, and API keys."""

import functools
import hashlib
import hmac
import secrets
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from types import MappingProxyType
from typing import Any, Literal

import jwt
from pwdlib import PasswordHash

from elevator_orders.clock import system_clock
from elevator_orders.settings import Settings

ALGORITHM = "HS256"
# "session": the staff pages' cookie (api/pages/session.py), never accepted as a bearer token.
TokenType = Literal["access", "refresh", "session"]
# API keys read `eo_<id>_<secret>`: the id finds the row, the secret is checked against its hash.
API_KEY_PREFIX = "eo"

_PASSWORDS = PasswordHash.recommended()
# Verifying against this when a user does not exist keeps sign-in time the same either way.
_DUMMY_HASH = _PASSWORDS.hash(secrets.token_urlsafe(16))


def hash_password(password: str) -> str:
    return _PASSWORDS.hash(password)


def verify_password(password: str, password_hash: str | None) -> bool:
    if password_hash is None:
        _PASSWORDS.verify(password, _DUMMY_HASH)
        return False
    return _PASSWORDS.verify(password, password_hash)


@dataclass(frozen=True)
class IssuedToken:
    token: str
    jti: str
    expires_at: datetime


@dataclass(frozen=True)
class TokenClaims:
    user_id: str
    jti: str
    token_type: TokenType


class InvalidToken(Exception):
    """Expired, tampered with, of the wrong type, or not a token at all."""


def issue_token(
    settings: Settings, user_id: str, token_type: TokenType, now: datetime | None = None
) -> IssuedToken:
    issued_at = now or system_clock()
    lifetimes = {
        "access": timedelta(minutes=settings.access_token_minutes),
        "refresh": timedelta(days=settings.refresh_token_days),
        "session": timedelta(hours=settings.session_hours),
    }
    lifetime = lifetimes[token_type]
    jti = uuid.uuid4().hex
    expires_at = issued_at + lifetime
    token = jwt.encode(
        {"sub": user_id, "typ": token_type, "jti": jti, "iat": issued_at, "exp": expires_at},
        settings.jwt_secret.get_secret_value(),
        algorithm=ALGORITHM,
    )
    return IssuedToken(token=token, jti=jti, expires_at=expires_at)


def read_token(
    settings: Settings, token: str, expected: TokenType, now: datetime | None = None
) -> TokenClaims:
    try:
        claims = _signed_claims(settings.jwt_secret.get_secret_value(), token)
    except jwt.PyJWTError as error:
        raise InvalidToken(str(error)) from error
    # Checked on every use, on the app's clock: a token's signature holds for good, its lifetime does not.
    at = (now or system_clock()).timestamp()
    if claims["exp"] <= at:
        raise InvalidToken("Signature has expired")
    if claims["iat"] > at:
        raise InvalidToken("The token is not yet valid (iat)")
    if claims["typ"] != expected:
        raise InvalidToken(f"a {claims['typ']} token where an {expected} token is needed")
    return TokenClaims(user_id=str(claims["sub"]), jti=str(claims["jti"]), token_type=expected)


# A signed-in user sends the same token with every request; checking its signature (PyJWT) was 6% of
# the API's CPU per action. The whole token, signature included, is the key, so a changed or forged
# token never matches one verified before; a token that fails is not kept.
@functools.lru_cache(maxsize=4096)
def _signed_claims(secret: str, token: str) -> Mapping[str, Any]:
    """The claims of a well-formed token signed with `secret`; its times are left to the caller's clock."""
    claims = jwt.decode(
        token,
        secret,
        algorithms=[ALGORITHM],
        options={"require": ["sub", "typ", "jti", "exp", "iat"], "verify_exp": False, "verify_iat": False},
    )
    return MappingProxyType(claims)


@dataclass(frozen=True)
class NewApiKey:
    key_id: str
    secret_hash: str
    # Shown to its owner once; only the hash is stored.
    plaintext: str


def new_api_key() -> NewApiKey:
    key_id = secrets.token_hex(8)
    secret = secrets.token_urlsafe(32)
    return NewApiKey(
        key_id=key_id, secret_hash=_digest(secret), plaintext=f"{API_KEY_PREFIX}_{key_id}_{secret}"
    )


def split_api_key(plaintext: str) -> tuple[str, str] | None:
    """(key id, secret) of a well-formed key, else None."""
    prefix, _, rest = plaintext.partition("_")
    key_id, _, secret = rest.partition("_")
    if prefix != API_KEY_PREFIX or not key_id or not secret:
        return None
    return key_id, secret


def api_key_matches(secret: str, secret_hash: str) -> bool:
    return hmac.compare_digest(_digest(secret), secret_hash)


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()
