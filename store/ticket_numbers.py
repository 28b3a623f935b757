"""Each ticket's 工单编号 by its id, for what people read about it (mails); see domain/ticket_numbers.py."""

from __future__ import annotations

from collections import OrderedDict

from sqlalchemy import bindparam, select

from domain.ticket_numbers import ticket_number
from store.database import Database
from store.models import Ticket

_NUMBER = select(Ticket.number_prefix, Ticket.number_serial).where(Ticket.ticket_id == bindparam("ticket_id"))
# A number never changes once given, so the numbers read are kept: a ticket's mails follow one another.
_KEPT = 4096


class TicketNumbers:
    def __init__(self, database: Database) -> None:
        self._database = database
        self._known: OrderedDict[str, str] = OrderedDict()

    async def of(self, ticket_id: str) -> str | None:
        """The ticket's number; None when it has none (not stored yet, or stored before numbers were given)."""
        known = self._known.get(ticket_id)
        if known is not None:
            return known
        (rows,) = await self._database.lookup(_NUMBER, values={"ticket_id": ticket_id})
        number = ticket_number(*rows[0]) if rows else None
        if number is not None:
            self._known[ticket_id] = number
            if len(self._known) > _KEPT:
                self._known.popitem(last=False)
        return number
