"""文号 allocation: each authority numbers its documents from 1 every year, one serial per document."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from store.database import Database
from store.models import DocumentNumber, Organisation

# The first key of PostgreSQL's two-key advisory locks that allocations take, one per authority and year.
_POSTGRES_LOCK_SPACE = 0x7768  # "wh", 文号


# The document's own form of the number, from the authority's abbreviation, the year and the serial.
FormatNumber = Callable[[str, int, int], str]


@dataclass(frozen=True)
class AllocatedNumber:
    serial: int
    number: str


class UnknownAuthority(LookupError):
    """The issuing organisation is not in the registry."""


class DocumentNumbers:
    def __init__(self, database: Database) -> None:
        self._database = database

    async def allocate(
        self, ticket_id: str, authority_id: str, year: int, issued_at: datetime, format_number: FormatNumber
    ) -> AllocatedNumber:
        """The document's number: the authority's next serial of the year, or the one it already has.

        Allocations of one authority and year take turns (SQLite's write lock; an advisory lock on
        PostgreSQL), and the primary key (authority, year, serial) refuses a second document on a
        serial should anything let two through.
        """

        def allocate(session: Session) -> AllocatedNumber:
            _take_turns(session, authority_id, year)
            held = session.execute(
                select(DocumentNumber.serial, DocumentNumber.number).where(
                    DocumentNumber.ticket_id == ticket_id
                )
            ).first()
            if held is not None:
                return AllocatedNumber(serial=held.serial, number=held.number)
            abbreviation = session.execute(
                select(Organisation.document_abbreviation, Organisation.name).where(
                    Organisation.id == authority_id
                )
            ).first()
            if abbreviation is None:
                raise UnknownAuthority(f"no organisation {authority_id!r} to issue a document number")
            last = session.execute(
                select(func.coalesce(func.max(DocumentNumber.serial), 0)).where(
                    DocumentNumber.authority_id == authority_id, DocumentNumber.year == year
                )
            ).scalar_one()
            serial = int(last) + 1
            # An authority without an abbreviation on record is named in full rather than not at all.
            number = format_number(abbreviation.document_abbreviation or abbreviation.name, year, serial)
            session.add(
                DocumentNumber(
                    authority_id=authority_id,
                    year=year,
                    serial=serial,
                    ticket_id=ticket_id,
                    number=number,
                    issued_at=issued_at,
                )
            )
            session.flush()
            return AllocatedNumber(serial=serial, number=number)

        return await self._database.write(allocate)

    async def issued(self, authority_id: str, year: int) -> list[DocumentNumber]:
        """The authority's numbers of the year, in serial order."""
        query = (
            select(DocumentNumber)
            .where(DocumentNumber.authority_id == authority_id, DocumentNumber.year == year)
            .order_by(DocumentNumber.serial)
        )
        return await self._database.read(lambda session: list(session.scalars(query)))


def _take_turns(session: Session, authority_id: str, year: int) -> None:
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        session.execute(
            text("SELECT pg_advisory_xact_lock(:space, hashtext(:key))"),
            {"space": _POSTGRES_LOCK_SPACE, "key": f"{authority_id}/{year}"},
        )
    elif dialect != "sqlite":
        # SQLite: `Database.write` begins IMMEDIATE, so the transaction holds the write lock already.
        raise NotImplementedError(f"no allocation lock for the {dialect} database")
