"""Accounts: users with their roles and password hashes, refresh tokens, and machine clients' API keys."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Update, bindparam, select, update

from domain.permissions import Principal
from domain.roles import OrganisationKind, Role
from store.database import Database
from store.models import ApiKey, Organisation, RefreshToken, User, UserRole


@dataclass(frozen=True)
class Account:
    """A user as sign-in sees it: who, in which organisation, with which roles, and the password hash."""

    principal: Principal
    password_hash: str | None
    active: bool


# A user with the organisation and one of the roles in each row (none: a user without roles).
_ACCOUNT = (
    select(
        User.id,
        User.name,
        User.password_hash,
        User.active,
        Organisation.id,
        Organisation.kind,
        Organisation.district,
        UserRole.role,
    )
    .join(Organisation, User.organisation_id == Organisation.id)
    .outerjoin(UserRole, UserRole.user_id == User.id)
    .where(User.id == bindparam("user_id"))
)


class AccountRepository:
    def __init__(self, database: Database) -> None:
        self._database = database

    async def account(self, user_id: str) -> Account | None:
        # One statement, not two: every authenticated request loads its account (a deactivation holds at
        # once); read as plain rows, in half the time of loading the ORM's objects (0.28 vs 0.53 ms).
        [rows] = await self._database.lookup(_ACCOUNT, values={"user_id": user_id})
        if not rows:
            return None
        user_id, name, password_hash, active, organisation_id, kind, district, _ = rows[0]
        principal = Principal(
            user_id=user_id,
            name=name,
            organisation_id=organisation_id,
            organisation_kind=OrganisationKind(kind),
            district=district,
            roles=frozenset(Role(row[-1]) for row in rows if row[-1] is not None),
        )
        return Account(principal=principal, password_hash=password_hash, active=active)

    async def set_password_hash(self, user_id: str, password_hash: str) -> None:
        await self._changed(update(User).where(User.id == user_id).values(password_hash=password_hash))

    async def set_active(self, user_id: str, active: bool) -> None:
        await self._changed(update(User).where(User.id == user_id).values(active=active))

    # --- Refresh tokens --------------------------------------------------------------------------

    async def keep_refresh_token(self, jti: str, user_id: str, expires_at: datetime) -> None:
        await self._database.write(
            lambda session: session.add(RefreshToken(jti=jti, user_id=user_id, expires_at=expires_at))
        )

    async def use_refresh_token(self, jti: str, user_id: str, at: datetime) -> bool:
        """Revoke the token for good; True only if it was live, so each refresh token works once."""
        return await self._changed(
            update(RefreshToken)
            .where(
                RefreshToken.jti == jti,
                RefreshToken.user_id == user_id,
                RefreshToken.revoked_at.is_(None),
                RefreshToken.expires_at > at,
            )
            .values(revoked_at=at)
        )

    async def revoke_refresh_tokens(self, user_id: str, at: datetime) -> None:
        await self._changed(
            update(RefreshToken)
            .where(RefreshToken.user_id == user_id, RefreshToken.revoked_at.is_(None))
            .values(revoked_at=at)
        )

    # --- Page sessions -----------------------------------------------------------------------------
    # A staff page session (the /login cookie) is kept like a refresh token, by id: signing out ends it
    # at once, and /auth/logout, revoking every refresh token of the user, ends its page sessions too.

    async def session_live(self, jti: str, user_id: str, at: datetime) -> bool:
        found = await self._database.read(
            lambda session: session.scalar(
                select(RefreshToken.jti).where(
                    RefreshToken.jti == jti,
                    RefreshToken.user_id == user_id,
                    RefreshToken.revoked_at.is_(None),
                    RefreshToken.expires_at > at,
                )
            )
        )
        return found is not None

    async def end_session(self, jti: str, at: datetime) -> None:
        await self._changed(
            update(RefreshToken)
            .where(RefreshToken.jti == jti, RefreshToken.revoked_at.is_(None))
            .values(revoked_at=at)
        )

    # --- API keys --------------------------------------------------------------------------------

    async def add_api_key(self, key: ApiKey) -> None:
        await self._database.write(lambda session: session.add(key))

    async def api_key(self, key_id: str) -> tuple[ApiKey, Organisation] | None:
        found = await self._database.read(
            lambda session: session.execute(
                select(ApiKey, Organisation)
                .join(Organisation, ApiKey.organisation_id == Organisation.id)
                .where(ApiKey.id == key_id)
            ).first()
        )
        return (found[0], found[1]) if found else None

    async def api_keys(self) -> list[ApiKey]:
        return await self._database.read(
            lambda session: list(session.scalars(select(ApiKey).order_by(ApiKey.created_at)))
        )

    async def revoke_api_key(self, key_id: str, at: datetime) -> bool:
        return await self._changed(
            update(ApiKey).where(ApiKey.id == key_id, ApiKey.revoked_at.is_(None)).values(revoked_at=at)
        )

    async def _changed(self, statement: Update) -> bool:
        """Run an UPDATE in a transaction of its own; whether it changed any row."""
        return await self._database.write(
            lambda session: bool(session.execute(statement).rowcount)  # type: ignore[attr-defined]
        )
