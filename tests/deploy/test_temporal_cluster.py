"""The app on Temporal's production server: PostgreSQL persistence and SQL visibility, as deploy/temporal/ sets it up.

The server is the release `make temporal-server` builds; its databases are set up by the same script the
compose schema job runs, and it reads the same config file.
"""

from __future__ import annotations

import uuid

import asyncpg
import pytest

from elevator_orders.settings import Settings
from elevator_orders.temporal import connect_client
from tests.support.rescue import RESCUER, SAFETY_MANAGER, new_report, open_dispatched, ticket_when
from tests.support.smtp import MailCatcher
from tests.support.temporal_cluster import Databases, RunningCluster, server_build, setup_schema
from worker.main import running_worker
from workflows.rescue import RescueWorkflow
from workflows.rescue_models import AcceptInput, ArriveInput, ConfirmInput, ReleaseInput


async def _schema_versions(databases: Databases) -> dict[str, str]:
    versions = {}
    for name in (databases.persistence, databases.visibility):
        connection = await asyncpg.connect(databases.dsn(name))
        try:
            versions[name] = await connection.fetchval("SELECT curr_version FROM schema_version")
        finally:
            await connection.close()
    return versions


async def test_the_schema_script_sets_up_both_databases_and_a_second_run_changes_nothing(
    databases: Databases,
) -> None:
    build = server_build()
    setup_schema(build, databases)
    first = await _schema_versions(databases)
    assert set(first) == {databases.persistence, databases.visibility}
    # Each database at the newest version of its own schema directory (persistence and visibility differ).
    for name, directory in ((databases.persistence, "temporal"), (databases.visibility, "visibility")):
        newest = max(
            (path.name.removeprefix("v") for path in (build.schema_dir / directory / "versioned").iterdir()),
            key=lambda version: tuple(int(part) for part in version.split(".")),
        )
        assert first[name] == newest

    setup_schema(build, databases)
    assert await _schema_versions(databases) == first


@pytest.mark.parametrize("database_backend", ["postgresql"], indirect=True)
async def test_a_rescue_runs_through_on_the_production_server_with_the_read_model_on_postgresql(
    cluster: RunningCluster, settings: Settings, mail_catcher: MailCatcher
) -> None:
    settings = settings.model_copy(update={"temporal_address": cluster.address})
    client = await connect_client(settings)
    async with running_worker(client, settings):
        ticket_id, handle = await open_dispatched(client, settings, new_report(uuid.uuid4().hex))
        await handle.execute_update(RescueWorkflow.accept, AcceptInput(actor=RESCUER))
        await handle.execute_update(RescueWorkflow.arrive, ArriveInput(actor=RESCUER))
        await handle.execute_update(
            RescueWorkflow.release, ReleaseInput(actor=RESCUER, people_freed=1, handler_name="李师傅")
        )
        await handle.execute_update(RescueWorkflow.confirm, ConfirmInput(actor=SAFETY_MANAGER))
        assert (await handle.result()).state == "closed"
        closed, events = await ticket_when(
            settings.effective_database_url, ticket_id, lambda t: t.state == "closed"
        )
        # Dispatch, notice to the use unit, the release and the two closing mails: each once.
        messages = await mail_catcher.wait_for(lambda ms: len(ms) >= 5, timeout=30)
    assert settings.effective_database_url.startswith("postgresql")
    assert closed.closed_at is not None
    assert [event.action for event in events][-4:] == ["accept", "arrive", "release", "confirm"]
    keys = [str(message["X-Idempotency-Key"]).strip() for message in messages]
    assert len(keys) == len(set(keys))
