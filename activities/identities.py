"""Keeping a reporter's or complainant's identity apart from the ticket."""

from __future__ import annotations

from temporalio import activity

from activities.contracts import KEEP_REPORTER_IDENTITY, KeepIdentityInput
from store.identities import IdentityRepository


class IdentityActivities:
    def __init__(self, repository: IdentityRepository) -> None:
        self._repository = repository

    @activity.defn(name=KEEP_REPORTER_IDENTITY)
    async def keep_reporter_identity(self, input: KeepIdentityInput) -> None:
        await self._repository.keep(input.ticket_id, input.name, input.phone, input.email)
