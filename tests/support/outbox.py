"""Reading the mail outbox the way an operator would: the rows of one ticket, straight from the store."""

from __future__ import annotations

from sqlalchemy import select

from store.db import make_engine, make_sessionmaker
from store.models import OutboxMail


async def outbox_rows(database_url: str, ticket_id: str) -> list[OutboxMail]:
    engine = make_engine(database_url)
    try:
        async with make_sessionmaker(engine)() as session:
            rows = await session.scalars(select(OutboxMail).where(OutboxMail.ticket_id == ticket_id))
            return list(rows)
    finally:
        await engine.dispose()
