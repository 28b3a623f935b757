"""Helpers of the staff journeys: the running stack's JSON API, and checks of a page on a phone.

A journey drives one person through the pages; the alarm that opens a rescue, or the steps someone
else takes before and after, go through the JSON API with that user's own access token.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import httpx
from playwright.async_api import Page

from store.seed import DEMO_PASSWORD

MONITORING = "u-monitoring"
# The city regulator reads every ticket.
READER = "u-regulator-city"
_POLL_SECONDS = 0.25
PHONE_WIDTH = 375


async def fits_the_phone(page: Page) -> None:
    """Nothing sticks out sideways: the page never scrolls horizontally on a 375 px screen."""
    width = await page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE_WIDTH, f"{page.url} is {width} px wide"


class StackApi:
    def __init__(self, client: httpx.AsyncClient) -> None:
        self._client = client
        self._tokens: dict[str, str] = {}

    async def _headers(self, user: str) -> dict[str, str]:
        if user not in self._tokens:
            signed = await self._client.post(
                "/auth/token", data={"username": user, "password": DEMO_PASSWORD}
            )
            assert signed.status_code == 200, signed.text
            self._tokens[user] = signed.json()["access_token"]
        return {"Authorization": f"Bearer {self._tokens[user]}"}

    async def post(self, user: str, path: str, body: dict[str, Any]) -> httpx.Response:
        return await self._client.post(path, json=body, headers=await self._headers(user))

    async def ticket(self, ticket_id: str, user: str = READER) -> dict[str, Any]:
        response = await self._client.get(f"/tickets/{ticket_id}", headers=await self._headers(user))
        assert response.status_code == 200, response.text
        ticket: dict[str, Any] = response.json()
        return ticket

    async def listing(self, user: str, **params: str) -> list[dict[str, Any]]:
        response = await self._client.get("/tickets", params=params, headers=await self._headers(user))
        assert response.status_code == 200, response.text
        items: list[dict[str, Any]] = response.json()["items"]
        return items

    async def act(self, user: str, ticket_id: str, action: str, body: dict[str, Any] | None = None) -> None:
        response = await self.post(user, f"/tickets/{ticket_id}/{action}", body or {})
        assert response.status_code == 200, response.text

    async def alarm(self, elevator_code: str) -> str:
        """A monitoring platform's entrapment alarm: a new rescue on the elevator; its ticket id."""
        response = await self.post(
            MONITORING,
            "/tickets/rescue",
            {
                "elevator_code": elevator_code,
                "source": "alarm",
                "ref": f"alarm-{uuid.uuid4().hex}",
                "alarm_type": "用户报警",
            },
        )
        assert response.status_code == 201, response.text
        # A rescue still open on the elevator would be joined instead: each journey needs its own.
        assert not response.json()["joined_existing"], response.text
        ticket_id: str = response.json()["ticket_id"]
        return ticket_id

    async def fault_alarm(self, elevator_code: str) -> str:
        """A monitoring platform's fault alarm: a new fault repair on the elevator; its ticket id."""
        response = await self.post(
            MONITORING,
            "/tickets/fault-repair",
            {
                "elevator_code": elevator_code,
                "source": "alarm",
                "ref": f"fault-{uuid.uuid4().hex}",
                "fault_type": "door_open_fault",
                "description": "开门故障报警",
            },
        )
        assert response.status_code == 201, response.text
        ticket_id: str = response.json()["ticket_id"]
        return ticket_id

    async def ticket_when(
        self, ticket_id: str, predicate: Callable[[dict[str, Any]], bool], within_seconds: float = 20.0
    ) -> dict[str, Any]:
        """Poll the ticket until `predicate` holds; fail with how it stands."""
        deadline = time.monotonic() + within_seconds
        while True:
            ticket = await self.ticket(ticket_id)
            if predicate(ticket):
                return ticket
            if time.monotonic() > deadline:
                raise AssertionError(
                    f"{ticket_id} did not get there in {within_seconds} s: state={ticket['state']} "
                    f"overdue={ticket['overdue']} flags={ticket['flags']}"
                )
            await asyncio.sleep(_POLL_SECONDS)


@asynccontextmanager
async def stack_api(base_url: str) -> AsyncIterator[StackApi]:
    async with httpx.AsyncClient(base_url=base_url, trust_env=False, timeout=30.0) as client:
        yield StackApi(client)
