"""The worker: builds the activity classes from settings and runs every workflow of the engine."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from temporalio.client import Client
from temporalio.worker import Worker

from activities.channel_delivery import ChannelDeliveryLoop
from activities.credit import CreditActivities
from activities.deadlines import DeadlineActivities
from activities.district_digests import DistrictDigests
from activities.identities import IdentityActivities
from activities.kind_activities import KindActivityContext, kind_activities
from activities.notify import NotificationActivities
from activities.opening import OpeningActivities
from activities.outbox_delivery import OutboxDelivery
from activities.projection import ProjectionActivities
from activities.registry import RegistryActivities
from activities.ticket_opening import TicketOpening
from domain.calendar import WorkingDayCalendar
from domain.policies import policy_rules
from elevator_orders.clock import Clock, system_clock
from elevator_orders.official_calendar import load_working_day_calendar
from elevator_orders.settings import Settings
from notifications.channel_messages import ChannelMessages
from notifications.district_digest import DigestRenderer
from notifications.render import MailRenderer
from notifications.sender import MailSender, SmtpConfig
from store.channels import ChannelStore
from store.credit_grades import CreditStore
from store.database import Database
from store.db import make_engine
from store.identities import IdentityRepository
from store.mail_log import MailLog
from store.outbox import MailOutbox
from store.registry import RegistryRepository
from store.ticket_numbers import TicketNumbers
from store.tickets import TicketRepository
from worker.search_attributes import ensure_search_attributes
from worker.workflow_runner import WorkerSandboxRunner
from workflows.credit_grading import CreditGradingWorkflow
from workflows.kind_modules import kind_workflows
from workflows.mail_delivery import MailDeliveryWorkflow

# Every kind's workflows, as its module declares them, the mail delivery all kinds share, and the
# monthly credit grading.
WORKFLOWS = [*kind_workflows(), MailDeliveryWorkflow, CreditGradingWorkflow]


def mail_sender(settings: Settings, clock: Clock = system_clock) -> MailSender:
    return MailSender(
        SmtpConfig(
            host=settings.smtp_host or "127.0.0.1",
            port=settings.smtp_port,
            username=settings.smtp_username,
            password=settings.smtp_password,
            use_tls=settings.smtp_use_tls,
            timeout_seconds=settings.smtp_timeout_seconds,
        ),
        mail_from=settings.mail_from,
        clock=clock,
    )


def outbox_delivery(settings: Settings, database: Database, clock: Clock = system_clock) -> OutboxDelivery:
    """The loop that sends what projections put in the mail outbox."""
    return OutboxDelivery(
        MailOutbox(database),
        MailRenderer(policies=policy_rules(settings.policy_overrides)),
        mail_sender(settings, clock),
        # Mails link to where people reach the platform, never to the address the API listens on.
        settings.effective_public_base_url,
        now=clock,
        numbers=TicketNumbers(database),
    )


def channel_delivery(
    settings: Settings, database: Database, clock: Clock = system_clock
) -> ChannelDeliveryLoop:
    """The loop that sends what projections queued for webhooks and WeCom robots."""
    return ChannelDeliveryLoop(
        ChannelStore(database),
        ChannelMessages(settings.effective_public_base_url),
        TicketNumbers(database),
        MailRenderer(policies=policy_rules(settings.policy_overrides)),
        mail_sender(settings, clock),
        RegistryRepository(database),
        now=clock,
    )


def build_activities(
    settings: Settings,
    database: Database,
    client: Client,
    task_queue: str,
    delivery: OutboxDelivery | None = None,
    working_days: WorkingDayCalendar | None = None,
    clock: Clock = system_clock,
) -> list[object]:
    """`working_days` replaces the official calendar and its fallback (a test's calendar of its own)."""
    sender = mail_sender(settings, clock)
    registry = RegistryActivities(RegistryRepository(database))
    deadlines = DeadlineActivities(
        policy_rules(settings.policy_overrides),
        working_days or load_working_day_calendar(settings.working_day_fallback_file),
    )
    activity_objects = [
        registry,
        deadlines,
        OpeningActivities(registry, deadlines),
        ProjectionActivities(TicketRepository(database), delivery, clock),
        # Sends the mails of runs started before the outbox, one activity each, as they were recorded.
        NotificationActivities(
            MailRenderer(policies=policy_rules(settings.policy_overrides)),
            sender,
            MailLog(database),
            settings.effective_public_base_url,
            clock,
            TicketNumbers(database),
        ),
        IdentityActivities(IdentityRepository(database, clock)),
        TicketOpening(client, task_queue),
        CreditActivities(CreditStore(database), clock),
        DistrictDigests(database, DigestRenderer(), sender, settings.chromium_path, clock),
        *kind_activities(KindActivityContext(client, task_queue, settings, clock, database)),
    ]
    return activity_objects


def activity_callables(activity_objects: list[object]) -> list[object]:
    return [
        getattr(obj, name)
        for obj in activity_objects
        for name in dir(obj)
        if not name.startswith("_") and hasattr(getattr(obj, name), "__temporal_activity_definition")
    ]


@asynccontextmanager
async def running_worker(
    client: Client,
    settings: Settings,
    *,
    task_queue: str | None = None,
    working_days: WorkingDayCalendar | None = None,
    clock: Clock = system_clock,
) -> AsyncIterator[Worker]:
    """A worker polling until the block exits; the database engine lives as long as it does.

    Payloads are encrypted by the client's data converter (`elevator_orders.temporal.data_converter`).
    """
    settings.require_safe_secrets()
    await ensure_search_attributes(client, client.namespace)
    engine = make_engine(settings.effective_database_url)
    database = Database(engine)
    queue = task_queue or settings.temporal_task_queue
    delivery = outbox_delivery(settings, database, clock)
    channels = channel_delivery(settings, database, clock)
    try:
        worker = Worker(
            client,
            task_queue=queue,
            workflows=WORKFLOWS,
            max_cached_workflows=settings.worker_max_cached_workflows,
            # No payload goes to external storage here, yet the SDK walks every activation and completion
            # for it a second time, with a task per payload when more than one may run at once (3 by
            # default): one at a time, the walk creates none (`make bench`, cpu-per-lifecycle).
            max_workflow_task_external_storage_concurrency=1,
            workflow_runner=WorkerSandboxRunner(client.data_converter),
            activities=activity_callables(
                build_activities(settings, database, client, queue, delivery, working_days, clock)
            ),  # type: ignore[arg-type]
        )
        async with delivery.running(), channels.running(), worker:
            yield worker
    finally:
        await database.dispose()
        await engine.dispose()
