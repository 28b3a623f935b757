"""Numbering directives: the 文号 each one carries, allocated in the database."""

from __future__ import annotations

from temporalio import activity
from temporalio.exceptions import ApplicationError

from activities.kind_activities import KindActivityContext
from domain.directive import document_number
from store.document_numbers import DocumentNumbers, UnknownAuthority
from workflows.directive_models import (
    ALLOCATE_DOCUMENT_NUMBER,
    AllocateDocumentNumberInput,
    DocumentNumberOut,
)


class DocumentNumberActivities:
    def __init__(self, numbers: DocumentNumbers) -> None:
        self._numbers = numbers

    @activity.defn(name=ALLOCATE_DOCUMENT_NUMBER)
    async def allocate_document_number(self, input: AllocateDocumentNumberInput) -> DocumentNumberOut:
        # Idempotent: a retry, or a second worker running it after a crash, gets the directive's own number.
        try:
            allocated = await self._numbers.allocate(
                input.ticket_id, input.authority_id, input.year, input.issued_at, document_number
            )
        except UnknownAuthority as error:
            raise ApplicationError(str(error), type="UnknownAuthority", non_retryable=True) from error
        return DocumentNumberOut(serial=allocated.serial, number=allocated.number)


def kind_activities(context: KindActivityContext) -> list[object]:
    return [DocumentNumberActivities(DocumentNumbers(context.database))]
