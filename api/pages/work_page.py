"""A staff work page: a queue at /app/<name>, and the action forms on it posting to /app/<name>/<id>/<action>.

The rescuer's, the use unit's, the maintenance unit's and the regulator's pages differ in what they
list and which actions they offer, not in how a form becomes an action: each declares a `WorkPage`,
and `add_work_page` gives it the same two routes.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Protocol

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import BaseModel

from api.deps import AppResources, Resources
from api.pages.session import CheckedSession, StaffSession, StaffSessionDep
from api.pages.staff_actions import act_and_return
from api.pages.staff_views import notice


class RenderPage(Protocol):
    """Renders the page as it stands now, with a refusal's sentence or an action's notice on it."""

    async def __call__(
        self,
        request: Request,
        resources: AppResources,
        session: StaffSession,
        *,
        status_code: int = 200,
        error: str | None = None,
        notice_text: str | None = None,
    ) -> HTMLResponse: ...


@dataclass(frozen=True)
class WorkPage:
    # The page's path under /app, and the name its actions are audited under.
    name: str
    # Raises PageRefused for a signed-in user the page is not for.
    require: Callable[[StaffSession], None]
    render: RenderPage
    # The actions its forms take, each with the body its form makes.
    actions: Mapping[str, type[BaseModel]]


def add_work_page(router: APIRouter, page: WorkPage) -> None:
    """GET "": the page, with the notice of the action just taken; POST "/{ticket_id}/{action}": one action."""

    async def show(
        request: Request, resources: Resources, session: StaffSessionDep, done: str | None = None
    ) -> HTMLResponse:
        page.require(session)
        return await page.render(request, resources, session, notice_text=notice(done))

    async def act(
        ticket_id: str, action: str, request: Request, resources: Resources, session: CheckedSession
    ) -> Response:
        page.require(session)
        return await act_and_return(
            request,
            resources,
            session,
            ticket_id,
            action,
            page=page.name,
            actions=page.actions,
            show_refusal=lambda refusal: page.render(
                request, resources, session, status_code=refusal.status_code, error=refusal.message
            ),
        )

    router.add_api_route("", show, methods=["GET"], response_class=HTMLResponse, name=f"{page.name}_page")
    router.add_api_route("/{ticket_id}/{action}", act, methods=["POST"], name=f"{page.name}_action")
