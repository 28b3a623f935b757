"""One overdue hazard followed all the way up the ladder, through the HTTP API, on the time-skipping server.

hazard -> overdue -> the district regulator's queue -> a directive issued from it -> the rectification
fails the re-check -> a new deadline -> overdue again -> a violation clue -> a case -> a penalty recorded;
and every link between those tickets as the read model shows it.
"""

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import datetime, timedelta
from typing import Any

import httpx
from temporalio.testing import WorkflowEnvironment

from api.app import create_app
from domain.calendar import CHINA_TIME
from elevator_orders.official_calendar import load_working_day_calendar
from elevator_orders.settings import Settings
from tests.support.auth import signed_in_as_named_user
from tests.support.clues import CITY_REGULATOR_MAIL
from tests.support.rescue import REGULATOR_MAIL, USE_UNIT_MAIL, mails_to, template_of
from tests.support.smtp import MailCatcher
from worker.main import running_worker

ELEVATOR = "31011500001"
MAINTAINER = "u-maintainer-shenda"
SAFETY_MANAGER = "u-safety-lujiazui"
REGULATOR = "u-regulator-pudong"
CITY_READER = "u-regulator-city"


class Client:
    """The API as each party calls it, with a few checks every call of this journey shares."""

    def __init__(self, http: httpx.AsyncClient) -> None:
        self.http = http

    async def post(self, path: str, user: str, body: dict[str, Any], expect: int = 200) -> dict[str, Any]:
        response = await self.http.post(path, json=body, headers={"X-User-Id": user})
        assert response.status_code == expect, response.text
        result: dict[str, Any] = response.json()
        return result

    async def get(self, path: str, user: str = CITY_READER, **params: Any) -> Any:
        response = await self.http.get(path, params=params, headers={"X-User-Id": user})
        assert response.status_code == 200, response.text
        return response.json()

    async def ticket_when(
        self, ticket_id: str, predicate: Callable[[dict[str, Any]], bool], within_seconds: float = 15.0
    ) -> dict[str, Any]:
        """Poll GET /tickets/{id} until `predicate` holds; the read model follows the workflow closely."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + within_seconds
        while True:
            response = await self.http.get(f"/tickets/{ticket_id}", headers={"X-User-Id": CITY_READER})
            if response.status_code == 200 and predicate(response.json()):
                body: dict[str, Any] = response.json()
                return body
            if loop.time() > deadline:
                raise AssertionError(
                    f"{ticket_id} never matched: {response.status_code} {response.text[:500]}"
                )
            await asyncio.sleep(0.05)


@asynccontextmanager
async def api_on(env: WorkflowEnvironment, settings: Settings) -> AsyncIterator[Client]:
    app = create_app(settings, env.client)
    async with (
        running_worker(env.client, settings),
        app.router.lifespan_context(app),
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app),
            base_url="http://test",
            event_hooks={"request": [signed_in_as_named_user(settings)]},
        ) as http,
    ):
        yield Client(http)


async def test_an_overdue_hazard_climbs_to_a_directive_a_clue_and_a_penalty(
    time_skipping_server: WorkflowEnvironment, settings: Settings, mail_catcher: MailCatcher
) -> None:
    env = time_skipping_server
    calendar = load_working_day_calendar(None)
    async with api_on(env, settings) as api:
        # 1. A maintenance unit reports a serious hazard; the use unit has 5 working days to rectify it.
        hazard = await api.post(
            "/tickets/hazard",
            MAINTAINER,
            {
                "elevator_code": ELEVATOR,
                "ref": f"YH-{(await env.get_current_time()).timestamp():.0f}",
                "hazard_type": "brake_abnormal",
                "severity": "serious",
                "description": "制动器制动力不足",
            },
            expect=201,
        )
        hazard_id = hazard["ticket_id"]
        stored = await api.ticket_when(hazard_id, lambda t: t["due_at"] is not None)
        assert _at(stored["due_at"]) == calendar.add_working_days(_at(stored["opened_at"]), 5).due_at

        # 2. Nobody rectifies: overdue, escalated, in the district regulator's queue (and a clue of its own).
        await env.sleep(_at(stored["due_at"]) - await env.get_current_time() + timedelta(minutes=1))
        hazard_now = await api.ticket_when(hazard_id, lambda t: t["overdue"] and "clue_opened" in t["flags"])
        assert {"escalated", "rectify_overdue"} <= set(hazard_now["flags"])
        queue = await api.get("/tickets", REGULATOR, district="pudong", overdue="true", kind="hazard")
        assert hazard_id in [item["ticket_id"] for item in queue["items"]]
        hazard_clue_id = next(e for e in hazard_now["timeline"] if e["action"] == "clue_opened")["data"][
            "clue_ticket_id"
        ]

        # 3. The regulator issues a directive from the escalated hazard, prefilled from it.
        draft = await api.get(f"/tickets/{hazard_id}/directive-draft", REGULATOR)
        assert (draft["from_ticket_id"], draft["addressee"]) == (hazard_id, "use_unit")
        first_date = (await env.get_current_time()).astimezone(CHINA_TIME).date() + timedelta(days=10)
        directive = await api.post(
            "/tickets/directive",
            REGULATOR,
            {
                "elevator_code": ELEVATOR,
                "addressee": draft["addressee"],
                "problems": draft["problems"],
                "article_violated": draft["article_violated"],
                "legal_basis": draft["legal_basis"],
                "rectify_by": first_date.isoformat(),
                "from_ticket_id": hazard_id,
            },
            expect=201,
        )
        directive_id = directive["ticket_id"]
        await api.ticket_when(directive_id, lambda t: t["state"] == "awaiting_signature")

        # 4. The use unit signs and reports its rectification; the re-check fails with a new date.
        await api.post(f"/tickets/{directive_id}/sign", SAFETY_MANAGER, {"note": "已签收"})
        await api.post(
            f"/tickets/{directive_id}/submit_rectification", SAFETY_MANAGER, {"evidence": "已调整制动器间隙"}
        )
        await api.ticket_when(directive_id, lambda t: t["state"] == "rechecking")
        second_date = first_date + timedelta(days=7)
        failed = await api.post(
            f"/tickets/{directive_id}/verify_fail",
            REGULATOR,
            {"reason": "制动力仍不达标", "rectify_by": second_date.isoformat()},
        )
        assert failed["state"] == "rectifying"
        rectifying = await api.ticket_when(directive_id, lambda t: t["due_at"] is not None)
        second_due = _at(rectifying["due_at"])
        assert second_due.astimezone(CHINA_TIME).date() == second_date + timedelta(days=1), (
            "the end of that day"
        )

        # 5. The new date passes: overdue again, and the directive becomes a violation clue.
        await env.sleep(second_due - await env.get_current_time() + timedelta(minutes=1))
        overdue_directive = await api.ticket_when(
            directive_id, lambda t: "rectify_overdue" in t["flags"] and t["spawned_tickets"]
        )
        clue_id = overdue_directive["spawned_tickets"][0]
        clue = await api.ticket_when(clue_id, lambda t: t["state"] == "verifying")
        assert clue["kind"] == "violation_clue"
        assert clue["details"]["suspect_unit_id"] == "uu-lujiazui"

        # 6. Verified: a case is opened (立案) and decided with a penalty (行政处罚信息).
        await api.post(f"/tickets/{clue_id}/open_case", REGULATOR, {"note": "拒不执行安全监察指令"})
        penalised = await api.post(
            f"/tickets/{clue_id}/record_penalty",
            REGULATOR,
            {
                "decision_number": "沪市监浦处〔2026〕88号",
                "legal_basis": "《特种设备安全监督检查办法》第三十六条",
                "amount_yuan": "20000.00",
            },
        )
        assert penalised["state"] == "penalised"

        # 7. Every link, as the read model shows it.
        hazard_now = await api.ticket_when(hazard_id, lambda t: directive_id in t["spawned_tickets"])
        assert set(hazard_now["spawned_tickets"]) == {hazard_clue_id, directive_id}
        directive_now = await api.get(f"/tickets/{directive_id}")
        assert directive_now["spawned_from"] == hazard_id
        assert directive_now["linked_tickets"] == [hazard_id]
        assert directive_now["spawned_tickets"] == [clue_id]
        clue = await api.get(f"/tickets/{clue_id}")
        assert clue["spawned_from"] == directive_id
        assert clue["linked_tickets"] == [directive_id, hazard_id]
        assert clue["details"]["decision_number"] == "沪市监浦处〔2026〕88号"
        assert clue["details"]["amount_yuan"] == "20000.00"
        assert [e["action"] for e in clue["timeline"]] == ["raise", "open_case", "record_penalty"]
        assert [e["action"] for e in directive_now["timeline"]].count("verify_fail") == 1
        hazard_clue = await api.get(f"/tickets/{hazard_clue_id}")
        assert (hazard_clue["spawned_from"], hazard_clue["details"]["reason"]) == (
            hazard_id,
            "hazard.rectify",
        )

        # Who heard of it: the use unit was served the directive; the regulator saw both breaches.
        messages = await mail_catcher.wait_for(
            lambda ms: "directive_issued" in [template_of(m) for m in mails_to(ms, USE_UNIT_MAIL)]
        )
        assert [template_of(m) for m in mails_to(messages, REGULATOR_MAIL)].count("work_order_escalated") >= 2
        assert mails_to(messages, CITY_REGULATOR_MAIL) == [], "the regulator kept its own clocks"

        # Leave nothing waiting on the shared test server: the work is finally done, the other clue settled.
        await api.post(
            f"/tickets/{directive_id}/submit_rectification", SAFETY_MANAGER, {"evidence": "更换制动器闸瓦"}
        )
        await api.post(f"/tickets/{directive_id}/verify_pass", REGULATOR, {"remark": "复查合格"})
        await api.post(
            f"/tickets/{hazard_id}/submit_rectification", SAFETY_MANAGER, {"evidence": "更换制动器闸瓦"}
        )
        await api.post(f"/tickets/{hazard_id}/verify_pass", MAINTAINER, {"remark": "验证通过"})
        await api.post(
            f"/tickets/{hazard_clue_id}/decline_case", REGULATOR, {"reason": "已并入指令书案件处理"}
        )
        for ticket_id in (directive_id, hazard_id, hazard_clue_id, clue_id):
            final = await api.ticket_when(ticket_id, lambda t: t["closed_at"] is not None)
            run = env.client.get_workflow_handle(final["workflow_id"], run_id=final["run_id"])
            await run.result()


def _at(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))
