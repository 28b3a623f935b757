"""A month of real tickets on the time-skipping server, graded: every figure, the points, the grades."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import pytest
from temporalio.client import Client, WorkflowHandle
from temporalio.testing import WorkflowEnvironment

from domain.credit import FORMULA_VERSION, INSUFFICIENT_SAMPLE
from domain.credit_model import SHANGHAI, Period
from domain.roles import Actor, Role
from elevator_orders.settings import Settings
from store.credit_grades import CreditStore
from store.database import Database
from store.models import CreditGrade
from tests.support.clues import clue_raised_by, decline_clue
from tests.support.fault_repair import OTHER_MAINTAINER, close, new_fault, open_repair
from tests.support.hazard import INSPECTOR, Hazards, new_hazard, withdraw
from tests.support.rescue import RESCUER, SAFETY_MANAGER, STATION_RESCUER, new_report, open_dispatched
from tests.support.smtp import MailCatcher
from worker.main import running_worker
from workflows.credit_grading import CreditGradingInput, CreditGradingWorkflow
from workflows.fault_repair import FaultRepairWorkflow
from workflows.fault_repair_models import FixInput, StepInput
from workflows.rescue import RescueWorkflow
from workflows.rescue_models import AcceptInput, ArriveInput, ConfirmInput, ReleaseInput

PUDONG_A, PUDONG_B, XUHUI = "31011500001", "31011500002", "31010400001"
XUHUI_SAFETY_MANAGER = Actor("u-safety-xujiahui", "周经理", "uu-xujiahui", Role.SAFETY_MANAGER)
# The faults of mu-pujiang's five repairs: all different, so none repeats.
PUJIANG_FAULTS = ("door_open_fault", "door_close_fault", "brake_fault", "overspeed", "safety_circuit")
# Time the tickets take on the server's clock: a month that ends sooner is left for the next.
TICKETS_TAKE = timedelta(hours=3)


async def _month_ahead(env: WorkflowEnvironment) -> Period:
    """The month the tickets will fall in: this one, unless it ends before they are done."""
    now = await env.get_current_time()
    period = Period.of(now.astimezone(SHANGHAI).strftime("%Y-%m"))
    if period.end - now < TICKETS_TAKE:
        await env.sleep(period.end - now + timedelta(minutes=1))
        period = Period.of((await env.get_current_time()).astimezone(SHANGHAI).strftime("%Y-%m"))
    return period


async def _rescue_to_close(handle: WorkflowHandle[Any, Any], rescuer: Actor) -> None:
    await handle.execute_update(RescueWorkflow.arrive, ArriveInput(actor=rescuer))
    await handle.execute_update(
        RescueWorkflow.release, ReleaseInput(actor=rescuer, people_freed=1, handler_name="李师傅")
    )
    await handle.execute_update(RescueWorkflow.confirm, ConfirmInput(actor=SAFETY_MANAGER))
    assert (await handle.result()).state == "closed"


async def _shenda_rescues(env: WorkflowEnvironment, settings: Settings) -> None:
    """Accepted in 2 minutes and on site in 20; accepted in 4 and on site in 35; unanswered, the station in 16."""
    client = env.client
    _, first = await open_dispatched(client, settings, new_report(uuid.uuid4().hex, elevator=PUDONG_A))
    second_id, second = await open_dispatched(
        client, settings, new_report(uuid.uuid4().hex, elevator=PUDONG_B)
    )
    await env.sleep(timedelta(minutes=2))
    await first.execute_update(RescueWorkflow.accept, AcceptInput(actor=RESCUER))
    await env.sleep(timedelta(minutes=2))
    await second.execute_update(RescueWorkflow.accept, AcceptInput(actor=RESCUER))
    await env.sleep(timedelta(minutes=16))
    await _rescue_to_close(first, RESCUER)
    await env.sleep(timedelta(minutes=15))
    await _rescue_to_close(second, RESCUER)
    clue, _ = await clue_raised_by(settings.effective_database_url, second_id)
    await decline_clue(client, clue)

    _, third = await open_dispatched(client, settings, new_report(uuid.uuid4().hex, elevator=PUDONG_A))
    await env.sleep(timedelta(minutes=6))
    await third.execute_update(RescueWorkflow.accept, AcceptInput(actor=STATION_RESCUER))
    await env.sleep(timedelta(minutes=10))
    await _rescue_to_close(third, STATION_RESCUER)


async def _shenda_repeat_faults(client: Client, settings: Settings) -> None:
    for _ in range(3):
        _, handle = await open_repair(
            client, settings, new_fault(elevator=PUDONG_A, fault_type="door_lock_circuit")
        )
        await close(handle, "reported")


async def _pujiang_repairs(client: Client, settings: Settings) -> None:
    for fault in PUJIANG_FAULTS:
        _, handle = await open_repair(client, settings, new_fault(elevator=XUHUI, fault_type=fault))
        await handle.execute_update(FaultRepairWorkflow.accept, StepInput(actor=OTHER_MAINTAINER))
        await handle.execute_update(FaultRepairWorkflow.arrive, StepInput(actor=OTHER_MAINTAINER))
        await handle.execute_update(
            FaultRepairWorkflow.fix,
            FixInput(actor=OTHER_MAINTAINER, fault_type=fault, handler_name="林工", description="已修复"),
        )
        await handle.execute_update(FaultRepairWorkflow.confirm, StepInput(actor=XUHUI_SAFETY_MANAGER))
        assert (await handle.result()).state == "closed"


async def _grade(client: Client, settings: Settings, month: str) -> None:
    await client.execute_workflow(
        CreditGradingWorkflow.run,
        CreditGradingInput(month=month),
        id=f"credit-grading-{month}-{uuid.uuid4().hex}",
        task_queue=settings.temporal_task_queue,
    )


def _by_unit(grades: list[CreditGrade]) -> dict[str, CreditGrade]:
    return {f"{grade.role}:{grade.unit_id}": grade for grade in grades}


def _figure(grade: CreditGrade, name: str) -> Any:
    return grade.figures[name]["value"]


def _snapshot(grades: list[CreditGrade]) -> list[dict[str, Any]]:
    return [
        {column.name: getattr(grade, column.name) for column in CreditGrade.__table__.columns}
        for grade in grades
    ]


async def test_a_month_of_tickets_grades_each_unit_and_grading_it_again_changes_nothing(
    time_skipping_server: WorkflowEnvironment,
    settings: Settings,
    database: Database,
    mail_catcher: MailCatcher,
) -> None:
    env = time_skipping_server
    hazards = Hazards(env.client, settings)
    async with running_worker(env.client, settings):
        period = await _month_ahead(env)
        await _shenda_rescues(env, settings)
        await _shenda_repeat_faults(env.client, settings)
        await _pujiang_repairs(env.client, settings)
        _, hazard = await hazards.open(new_hazard(reporter=INSPECTOR))
        await withdraw(hazard, reporter=INSPECTOR)

        await _grade(env.client, settings, period.month)
        first = await CreditStore(database).grades(period.month)
        await _grade(env.client, settings, period.month)
        again = await CreditStore(database).grades(period.month)

    assert _snapshot(again) == _snapshot(first)
    # Each district with tickets got its digest once, though the month was graded twice.
    digests = sorted(str(m["Subject"]) for m in mail_catcher.messages if "月报" in str(m["Subject"]))
    year, month = period.month.split("-")
    assert digests == sorted(
        f"{name}电梯工单月报（{year}年{int(month)}月）" for name in ("浦东新区", "徐汇区")
    )
    grades = _by_unit(first)
    assert set(grades) == {
        "maintenance_unit:mu-shenda",
        "maintenance_unit:mu-pujiang",
        "use_unit:uu-lujiazui",
        "inspection_agency:insp-sh",
    }
    assert {grade.formula_version for grade in first} == {FORMULA_VERSION}

    shenda = grades["maintenance_unit:mu-shenda"]
    assert (shenda.grade, shenda.points, shenda.sample, shenda.vetoed) == ("B", 25, 6, False)
    assert _figure(shenda, "rescues") == 3
    assert _figure(shenda, "rescues_accepted_within_3_min") == 1
    assert _figure(shenda, "rescue_accept_within_3_min_rate") == pytest.approx(0.333)
    assert _figure(shenda, "rescue_arrive_within_30_min_share") == pytest.approx(0.667)
    assert _figure(shenda, "rescue_arrival_median_minutes") == pytest.approx(20, abs=0.2)
    assert _figure(shenda, "rescue_arrival_p90_minutes") == pytest.approx(35, abs=0.2)
    assert _figure(shenda, "fault_repairs") == 3
    assert _figure(shenda, "fault_repairs_per_elevator") == 1.5
    points = {line["indicator"]: (line["occurrences"], line["points"]) for line in shenda.explanation}
    assert points["rescue_late_arrivals"] == (1, 10)
    assert points["rescue_dispatches_unanswered"] == (1, 5)
    assert points["fault_repair_repeats"] == (1, 10)
    assert points["rescue_accidents"] == (0, 0)
    repeat = next(line for line in shenda.explanation if line["indicator"] == "fault_repair_repeats")
    assert len(repeat["tickets"]) == 3
    assert set(repeat["tickets"]) == set(shenda.figures["fault_repairs"]["tickets"])

    pujiang = grades["maintenance_unit:mu-pujiang"]
    assert (pujiang.grade, pujiang.points, pujiang.sample) == ("A", 0, 5)
    assert _figure(pujiang, "fault_repairs_per_elevator") == 2.5
    assert _figure(pujiang, "fault_repair_repeats") == 0

    for unit in ("use_unit:uu-lujiazui", "inspection_agency:insp-sh"):
        assert (grades[unit].grade, grades[unit].sample) == (INSUFFICIENT_SAMPLE, 1)
    assert _figure(grades["inspection_agency:insp-sh"], "hazards_filed_by_agency") == 1
    assert _figure(grades["use_unit:uu-lujiazui"], "hazards_unrectified_by_date") == 0
