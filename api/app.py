"""The FastAPI application factory.

CSRF: the JSON API authenticates with bearer tokens (Authorization header) and API keys (X-API-Key)
only, never cookies, so a browser never attaches credentials to it on its own. The staff pages sign in
with a session cookie (api/pages/session.py): SameSite=Lax, and a CSRF token in every form they POST.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from opentelemetry.trace import Tracer
from temporalio.client import Client

from api.audit import AuditTrail
from api.body_limit import BodyLimitMiddleware
from api.deps import AppResources
from api.errors import install_error_handlers
from api.kind_routers import kind_routers
from api.pages import credit as credit_page
from api.pages import inbox as inbox_page
from api.pages import maintenance as maintenance_page
from api.pages import public as public_pages
from api.pages import regulator as regulator_page
from api.pages import rescuer as rescuer_page
from api.pages import session as staff_session
from api.pages import staff_home
from api.pages.public_common import install_public_page_errors
from api.pages.rendering import STATIC_DIR
from api.pages.session import install_page_errors
from api.rate_limit import install_public_rate_limit
from api.request_ids import RequestIdMiddleware
from api.request_spans import RequestSpans
from api.routers import (
    actions,
    alarms,
    api_keys,
    auth,
    channels,
    credit,
    credit_exports,
    elevators,
    exports,
    health,
    metrics,
    open311,
    reporter_identity,
    tickets,
    tracking,
)
from elevator_orders.clock import Clock, system_clock
from elevator_orders.official_calendar import load_working_day_calendar
from elevator_orders.settings import Settings, get_settings
from elevator_orders.temporal import connect_client
from store.accounts import AccountRepository
from store.audit import AuditLog
from store.database import Database
from store.db import make_engine
from store.identities import IdentityRepository
from store.registry import RegistryRepository
from store.ticket_numbers import TicketNumbers
from store.tickets import TicketRepository


def create_app(
    settings: Settings | None = None,
    temporal: Client | None = None,
    clock: Clock = system_clock,
    tracer: Tracer | None = None,
) -> FastAPI:
    """Build the app; resources open with the app's lifespan, never at import.

    With a `tracer` (tracing on) each request gets a span, and the client made here carries the interceptor.
    """
    settings = settings or get_settings()
    settings.require_safe_secrets()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        engine = make_engine(settings.effective_database_url)
        database = Database(engine)
        app.state.resources = AppResources(
            settings=settings,
            database=database,
            tickets=TicketRepository(database),
            registry=RegistryRepository(database),
            temporal=temporal or await connect_client(settings, lazy=True, tracer=tracer),
            identities=IdentityRepository(database),
            accounts=AccountRepository(database),
            audit=AuditLog(database),
            working_days=load_working_day_calendar(settings.working_day_fallback_file),
            ticket_numbers=TicketNumbers(database),
            clock=clock,
        )
        try:
            yield
        finally:
            await database.dispose()
            await engine.dispose()

    app = FastAPI(
        title="elevator-orders",
        summary="上海智慧电梯平台 工单引擎 - work orders of Shanghai's smart-elevator platform",
        version="0.1.0",
        lifespan=lifespan,
    )
    install_error_handlers(app)
    install_public_rate_limit(app, settings)
    app.add_middleware(BodyLimitMiddleware, max_body_bytes=settings.max_request_body_bytes)
    # One audit row per action and per refusal, before the answer leaves.
    app.add_middleware(AuditTrail)
    if tracer is not None:
        app.add_middleware(RequestSpans, tracer=tracer)
    # Outermost: every answer, a refusal by the middlewares above included, carries its request's id.
    app.add_middleware(RequestIdMiddleware)
    app.include_router(auth.router)
    app.include_router(api_keys.router)
    # Routes are matched in order, one pattern at a time: the reads every page asks for come before the
    # forty-odd other routes under /tickets (0.12 ms of a listing went to matching them). No other GET
    # route under /tickets has a single segment, so none is shadowed.
    app.include_router(tickets.router)
    # Then the calls of the action path (every action on a ticket, every alarm), ahead of the thirty-odd
    # routers after them: matching those took 0.1 ms of every action (`make bench`, cpu-per-lifecycle).
    # Their paths (/tickets/{ticket_id}/<action>, POST only; /alarms) shadow no route below.
    app.include_router(alarms.router)
    app.include_router(actions.router)
    # Each kind's own routes (opening its tickets), then what several kinds share.
    for router in kind_routers():
        app.include_router(router)
    app.include_router(reporter_identity.router)
    app.include_router(tracking.router)
    app.include_router(elevators.router)
    app.include_router(open311.router)
    app.include_router(channels.router)
    app.include_router(credit.router)
    app.include_router(credit_exports.router)
    open311.install_open311_errors(app)
    app.include_router(exports.router)
    # The pages people use (issue 7) share the JSON API's services; their assets are served from here.
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    app.include_router(public_pages.public_router())
    # Staff pages: signed in with a session cookie; every form POST carries its CSRF token.
    install_page_errors(app)
    install_public_page_errors(app)
    app.include_router(staff_session.router)
    app.include_router(staff_home.router)
    app.include_router(rescuer_page.router)
    app.include_router(inbox_page.router)
    app.include_router(maintenance_page.router)
    app.include_router(regulator_page.router)
    app.include_router(credit_page.router)
    app.include_router(health.router)
    app.include_router(metrics.router)

    return app
