"""How failures of the workflow layer reach HTTP clients: clear statuses, never a stack trace."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

import asyncpg
import sqlalchemy.exc
from fastapi import FastAPI, Request, status
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from temporalio.client import WorkflowUpdateFailedError, WorkflowUpdateRPCTimeoutOrCancelledError
from temporalio.exceptions import ApplicationError
from temporalio.service import RPCError, RPCStatusCode

logger = logging.getLogger(__name__)


def field_error(field: str, message: str) -> RequestValidationError:
    """A 422 naming a body field, for checks that need the store (unknown elevator, unknown code)."""
    return RequestValidationError(
        [{"type": "value_error", "loc": ("body", field), "msg": message, "input": None}]
    )


class TemporalUnavailable(Exception):
    """The Temporal server cannot be reached."""


class TicketNotActionable(Exception):
    """The action does not apply to the ticket: its workflow has finished, or its kind has no such action."""

    def __init__(
        self, ticket_id: str, state: str, *, action: str = "", allowed: list[str] | None = None
    ) -> None:
        self.ticket_id = ticket_id
        self.state = state
        self.allowed = allowed or []
        what = f"cannot {action} ticket {ticket_id}" if action else f"ticket {ticket_id} takes no action"
        super().__init__(f"{what} in state {state}; allowed actions: {', '.join(self.allowed) or 'none'}")


def _details(error: ApplicationError) -> dict[str, Any]:
    details: Sequence[Any] = error.details
    first = details[0] if details else {}
    return first if isinstance(first, dict) else {}


async def _update_failed(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, WorkflowUpdateFailedError)
    cause = exc.cause
    if isinstance(cause, ApplicationError):
        if cause.type == "InvalidTransition":
            details = _details(cause)
            return JSONResponse(
                status_code=status.HTTP_409_CONFLICT,
                content={
                    "detail": {
                        "message": cause.message,
                        "state": details.get("state"),
                        "allowed_actions": details.get("allowed_actions", []),
                    }
                },
            )
        if cause.type == "ActionNotPermitted":
            return JSONResponse(status_code=status.HTTP_403_FORBIDDEN, content={"detail": cause.message})
        if cause.type == "InvalidInput":
            return JSONResponse(
                status_code=status.HTTP_422_UNPROCESSABLE_CONTENT, content={"detail": cause.message}
            )
    logger.error("update failed unexpectedly: %s", exc, exc_info=exc)
    return JSONResponse(status_code=status.HTTP_409_CONFLICT, content={"detail": f"action failed: {cause}"})


async def _not_actionable(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, TicketNotActionable)
    return JSONResponse(
        status_code=status.HTTP_409_CONFLICT,
        content={"detail": {"message": str(exc), "state": exc.state, "allowed_actions": exc.allowed}},
    )


# The error detail the server attaches when a workflow cannot take an Update until its next task.
_WORKFLOW_NOT_READY = b"WorkflowNotReadyFailure"


async def _rpc_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RPCError)
    if exc.status in (RPCStatusCode.UNAVAILABLE, RPCStatusCode.DEADLINE_EXCEEDED, RPCStatusCode.CANCELLED):
        return _unavailable()
    if exc.status is RPCStatusCode.FAILED_PRECONDITION and _WORKFLOW_NOT_READY in exc.raw_grpc_status:
        # Its last workflow task failed (a worker died holding it, a store call timed out): the server
        # takes no Update until a worker has run the next one, moments later.
        logger.warning("ticket's workflow not ready for an Update: %s", exc.message)
        return JSONResponse(
            status_code=status.HTTP_503_SERVICE_UNAVAILABLE,
            content={"detail": "the ticket's workflow is recovering from a failed task; try again shortly"},
            headers={"Retry-After": "2"},
        )
    logger.error("Temporal call failed: %s", exc, exc_info=exc)
    return JSONResponse(
        status_code=status.HTTP_502_BAD_GATEWAY, content={"detail": f"workflow service error: {exc.message}"}
    )


async def _timeout(_request: Request, _exc: Exception) -> JSONResponse:
    return _unavailable()


def _unavailable() -> JSONResponse:
    return JSONResponse(
        status_code=status.HTTP_503_SERVICE_UNAVAILABLE,
        content={"detail": "workflow service (Temporal) is unavailable; try again shortly"},
        headers={"Retry-After": "5"},
    )


# Errors of the connection, not of a statement: the read model's database is away or restarting.
_CONNECTION_ERRORS: tuple[type[BaseException], ...] = (
    ConnectionError,
    asyncpg.PostgresConnectionError,
    asyncpg.CannotConnectNowError,
    asyncpg.InterfaceError,
    sqlalchemy.exc.OperationalError,
    sqlalchemy.exc.InterfaceError,
)
# What a handler is installed for; each is answered 503 only when `store_unavailable` says so.
STORE_UNAVAILABLE: tuple[type[Exception], ...] = (
    ConnectionError,
    asyncpg.PostgresError,
    asyncpg.InterfaceError,
    sqlalchemy.exc.DBAPIError,
)


def store_unavailable(error: BaseException) -> bool:
    """Whether a database error is the connection's (the database away or restarting), not the statement's."""
    seen: BaseException | None = error
    for _ in range(8):
        if seen is None:
            return False
        if isinstance(seen, _CONNECTION_ERRORS):
            return True
        if isinstance(seen, sqlalchemy.exc.DBAPIError):
            if seen.connection_invalidated:
                return True
            seen = seen.orig
            continue
        seen = seen.__cause__ or seen.__context__
    return False


async def _store_error(_request: Request, exc: Exception) -> JSONResponse:
    if not store_unavailable(exc):
        logger.error("database error", exc_info=exc)
        return JSONResponse(
            status_code=status.HTTP_500_INTERNAL_SERVER_ERROR, content={"detail": "internal error"}
        )
    logger.warning("read model unavailable: %s", exc)
    return JSONResponse(
        status_code=status.HTTP_503_SERVICE_UNAVAILABLE,
        content={"detail": "the read model (database) is unavailable; try again shortly"},
        headers={"Retry-After": "5"},
    )


def install_error_handlers(app: FastAPI) -> None:
    for error in STORE_UNAVAILABLE:
        app.add_exception_handler(error, _store_error)
    app.add_exception_handler(WorkflowUpdateFailedError, _update_failed)
    app.add_exception_handler(TicketNotActionable, _not_actionable)
    app.add_exception_handler(RPCError, _rpc_error)
    app.add_exception_handler(WorkflowUpdateRPCTimeoutOrCancelledError, _timeout)
    app.add_exception_handler(TemporalUnavailable, _timeout)
