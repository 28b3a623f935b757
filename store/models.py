"""SQLAlchemy models of the read model and the registry."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint, true
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from domain.ticket_numbers import ticket_number
from store.db import UTCDateTime

JsonType = JSON().with_variant(JSONB(), "postgresql")


class Base(DeclarativeBase):
    pass


class Organisation(Base):
    __tablename__ = "organisations"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(40))
    district: Mapped[str] = mapped_column(String(40), default="")
    email: Mapped[str] = mapped_column(String(200), default="")
    # What an authority puts at the head of its 文号 (浦市监); empty for organisations that issue none.
    document_abbreviation: Mapped[str] = mapped_column(String(40), default="", server_default="")
    # Where the abbreviation comes from (a document of the authority), or that it is a placeholder.
    document_abbreviation_source: Mapped[str] = mapped_column(String(300), default="", server_default="")


class User(Base):
    __tablename__ = "users"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    organisation_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"))
    # argon2; None: the user cannot sign in with a password (e.g. not yet enrolled).
    password_hash: Mapped[str | None] = mapped_column(String(200), nullable=True)
    # A deactivated user's tokens stop working at once: every request loads the user.
    active: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())


class UserRole(Base):
    """A user holds one or more roles within its one organisation."""

    __tablename__ = "user_roles"

    user_id: Mapped[str] = mapped_column(ForeignKey("users.id"), primary_key=True)
    role: Mapped[str] = mapped_column(String(40), primary_key=True)


class RefreshToken(Base):
    """Issued refresh tokens by id: a used, signed-out or revoked one is refused."""

    __tablename__ = "refresh_tokens"

    jti: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id"), index=True)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class ApiKey(Base):
    """A machine client's key (e.g. a remote-monitoring platform): scoped, stored as a hash, revocable."""

    __tablename__ = "api_keys"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    organisation_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"))
    name: Mapped[str] = mapped_column(String(100))
    scopes: Mapped[list[str]] = mapped_column(JsonType, default=list)
    # SHA-256 of the secret: keys are long random strings, so a fast hash does not weaken them.
    secret_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    # The key this one rotated out, if any.
    replaces: Mapped[str | None] = mapped_column(String(32), nullable=True)


class TicketParty(Base):
    """An organisation a ticket involves, and how: what decides who may see the ticket."""

    __tablename__ = "ticket_parties"
    __table_args__ = (Index("ix_ticket_parties_organisation", "organisation_id", "relation"),)

    ticket_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    organisation_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    relation: Mapped[str] = mapped_column(String(40), primary_key=True)


class Elevator(Base):
    __tablename__ = "elevators"

    code: Mapped[str] = mapped_column(String(64), primary_key=True)
    registration_code: Mapped[str] = mapped_column(String(64))
    equipment_code: Mapped[str] = mapped_column(String(64))
    address: Mapped[str] = mapped_column(String(300))
    district: Mapped[str] = mapped_column(String(40), index=True)
    use_unit_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"))
    maintenance_unit_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"))
    rescue_station_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"))
    # The building the car is in (e.g. 陆家嘴花园 1 号楼): one printed sheet of QR codes per building.
    building: Mapped[str] = mapped_column(String(200), default="", server_default="", index=True)
    # 下次检验日期: the periodic inspection's certificate holds until this day; None until one is on record.
    inspection_valid_until: Mapped[date | None] = mapped_column(Date, nullable=True)
    # What the car is doing instead of carrying passengers (检修, 消防, 停电...), as its monitoring device
    # last said, and since when; None until a device has said anything.
    service_mode: Mapped[str | None] = mapped_column(String(20), nullable=True)
    service_mode_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class Ticket(Base):
    __tablename__ = "tickets"
    __table_args__ = (
        Index("ix_tickets_district_state_overdue", "district", "state", "overdue"),
        Index("ix_tickets_kind_opened_at", "kind", "opened_at"),
        Index("ix_tickets_elevator_opened_at", "elevator_code", "opened_at"),
        Index("ix_tickets_opened_at", "opened_at"),
        # Two tickets never share a number; the projection finds the next serial of a prefix by this index.
        UniqueConstraint("number_prefix", "number_serial", name="uq_tickets_number"),
    )

    ticket_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    kind: Mapped[str] = mapped_column(String(40))
    state: Mapped[str] = mapped_column(String(40))
    seq: Mapped[int] = mapped_column(Integer)
    workflow_id: Mapped[str] = mapped_column(String(200))
    run_id: Mapped[str] = mapped_column(String(64))
    elevator_code: Mapped[str] = mapped_column(String(64))
    district: Mapped[str] = mapped_column(String(40))
    use_unit_id: Mapped[str] = mapped_column(String(64))
    maintenance_unit_id: Mapped[str] = mapped_column(String(64))
    assigned_unit_id: Mapped[str] = mapped_column(String(64))
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    overdue: Mapped[bool] = mapped_column(Boolean, default=False)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    deadlines: Mapped[dict[str, Any]] = mapped_column(JsonType, default=dict)
    provisional_deadlines: Mapped[list[str]] = mapped_column(JsonType, default=list)
    flags: Mapped[list[str]] = mapped_column(JsonType, default=list)
    details: Mapped[dict[str, Any]] = mapped_column(JsonType, default=dict)
    spawned_from: Mapped[str | None] = mapped_column(String(200), nullable=True, index=True)
    # Every ticket this one carries as evidence (a 违法线索's 指令书 and the 隐患 behind it).
    linked_tickets: Mapped[list[str]] = mapped_column(JsonType, default=list)
    # SHA-256 of the token a member of the public follows the ticket with; the token itself is not kept.
    tracking_digest: Mapped[str | None] = mapped_column(String(64), nullable=True, unique=True)
    # 工单编号 (domain/ticket_numbers.py): given as the ticket is first stored, never changed. None for
    # rows a benchmark generated straight into the table.
    number_prefix: Mapped[str | None] = mapped_column(String(40), nullable=True)
    number_serial: Mapped[int | None] = mapped_column(Integer, nullable=True)

    @property
    def number(self) -> str | None:
        return ticket_number(self.number_prefix, self.number_serial)


class ReporterIdentity(Base):
    """Who filed a 举报 (举报人) or 投诉, kept apart from the ticket: regulators only may read it."""

    __tablename__ = "reporter_identities"

    ticket_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    phone: Mapped[str] = mapped_column(String(40), default="")
    email: Mapped[str] = mapped_column(String(200), default="")
    stored_at: Mapped[datetime] = mapped_column(UTCDateTime())


class TicketEvent(Base):
    __tablename__ = "ticket_events"

    ticket_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    action: Mapped[str] = mapped_column(String(60))
    state: Mapped[str] = mapped_column(String(40))
    actor_user_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    actor_name: Mapped[str | None] = mapped_column(String(100), nullable=True)
    actor_organisation_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    actor_role: Mapped[str | None] = mapped_column(String(40), nullable=True)
    note: Mapped[str] = mapped_column(Text, default="")
    data: Mapped[dict[str, Any]] = mapped_column(JsonType, default=dict)


class TicketReport(Base):
    """A source report (alarm, 110 call, QR scan); one (source, ref) belongs to one ticket forever."""

    __tablename__ = "ticket_reports"

    source: Mapped[str] = mapped_column(String(40), primary_key=True)
    ref: Mapped[str] = mapped_column(String(200), primary_key=True)
    ticket_id: Mapped[str] = mapped_column(String(200), index=True)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime())


class SentMail(Base):
    """Mails handed to the SMTP server, by idempotency key, so a retried activity does not resend."""

    __tablename__ = "sent_mails"

    idempotency_key: Mapped[str] = mapped_column(String(300), primary_key=True)
    recipient: Mapped[str] = mapped_column(String(200))
    subject: Mapped[str] = mapped_column(String(300))
    ticket_id: Mapped[str] = mapped_column(String(200), index=True)
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime())


class OutboxMail(Base):
    """A mail to send, written in the same transaction as the projection step that asked for it.

    A worker's delivery loop claims due rows for a lease (pushing `due_at` past it), sends them, stamps `sent_at`
    (and a `sent_mails` row); a worker that dies mid-way lets its lease run out and another sends.
    """

    __tablename__ = "outbox_mails"

    idempotency_key: Mapped[str] = mapped_column(String(300), primary_key=True)
    ticket_id: Mapped[str] = mapped_column(String(200), index=True)
    template: Mapped[str] = mapped_column(String(100))
    # The notification as the workflow built it (activities.contracts.NotificationInput, as JSON).
    notification: Mapped[dict[str, Any]] = mapped_column(JsonType)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # When the row may be claimed next: now for a new mail, later after a failure or while leased.
    due_at: Mapped[datetime] = mapped_column(UTCDateTime())
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    # A permanent failure (an unknown template): never retried, kept with its reason for an operator.
    failed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)

    __table_args__ = (
        # The delivery loop's one query: unsent, unfailed rows by due time.
        Index("ix_outbox_mails_pending", "sent_at", "failed_at", "due_at"),
    )


class AuditRecord(Base):
    """One action in the audit trail (审计日志): appended only, each row sealing the one before it.

    `row_hash` is SHA-256 over every other column (see store/audit.py), `prev_hash` the row before's;
    the request's payload is kept as a digest only, as it may hold personal data.
    """

    __tablename__ = "audit_log"

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    # A user id, `api-key:<id>`, `public`, or the identity a refused credential claimed.
    actor: Mapped[str] = mapped_column(String(100))
    organisation_id: Mapped[str] = mapped_column(String(64))
    role: Mapped[str] = mapped_column(String(200))
    source_address: Mapped[str] = mapped_column(String(64))
    ticket_id: Mapped[str | None] = mapped_column(String(200), nullable=True, index=True)
    # What else the action was on, e.g. `key_id=...` for an API key; never a secret such as a token.
    target: Mapped[str | None] = mapped_column(String(200), nullable=True)
    action: Mapped[str] = mapped_column(String(200))
    outcome: Mapped[str] = mapped_column(String(10))
    payload_digest: Mapped[str | None] = mapped_column(String(64), nullable=True)
    prev_hash: Mapped[str] = mapped_column(String(64))
    row_hash: Mapped[str] = mapped_column(String(64))


class DocumentNumber(Base):
    """A 文号 an authority issued: one serial per authority and year, from 1, never two documents on one."""

    __tablename__ = "document_numbers"
    __table_args__ = (UniqueConstraint("ticket_id", name="uq_document_numbers_ticket_id"),)

    authority_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    serial: Mapped[int] = mapped_column(Integer, primary_key=True)
    # The document that carries it: asking again for the same ticket gives the same number.
    ticket_id: Mapped[str] = mapped_column(String(200))
    number: Mapped[str] = mapped_column(String(100))
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Alarm(Base):
    """An alarm a remote-monitoring platform posted, and what it did: a repeat of it is answered the same."""

    __tablename__ = "alarms"
    __table_args__ = (Index("ix_alarms_platform_outcome", "platform_id", "outcome"),)

    platform_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    alarm_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    elevator_code: Mapped[str] = mapped_column(String(64))
    event_code: Mapped[str] = mapped_column(String(32))
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime())
    received_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # created, joined, status, noted (nothing to do), unknown_code, rejected
    outcome: Mapped[str] = mapped_column(String(16))
    ticket_id: Mapped[str | None] = mapped_column(String(200), nullable=True)
    note: Mapped[str] = mapped_column(String(200), default="")


class MonitoringDevice(Base):
    """A car's remote-monitoring device, as its heartbeats and alarms show it alive, and its offline 隐患."""

    __tablename__ = "monitoring_devices"

    elevator_code: Mapped[str] = mapped_column(String(64), primary_key=True)
    platform_id: Mapped[str] = mapped_column(String(64))
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    # The ticket its silence opened, while it stands; None while the device is heard from.
    offline_ticket_id: Mapped[str | None] = mapped_column(String(200), nullable=True)
    offline_since: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class ChannelSubscription(Base):
    """An organisation's webhook or WeCom robot, told of the steps of tickets it may see (domain/channels.py)."""

    __tablename__ = "channel_subscriptions"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    organisation_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"), index=True)
    # Whose tickets it hears of: `org:<id>`, `district:<name>` or `city` (the projection fans out by it).
    audience: Mapped[str] = mapped_column(String(120), index=True)
    channel: Mapped[str] = mapped_column(String(20))
    name: Mapped[str] = mapped_column(String(100))
    # A WeCom robot's URL carries its key: like the webhook secret, never shown again after creation.
    url: Mapped[str] = mapped_column(String(1000))
    secret: Mapped[str] = mapped_column(String(200), default="")
    # Told when the subscription is paused; the organisation's own address when none was given.
    owner_email: Mapped[str] = mapped_column(String(200))
    state: Mapped[str] = mapped_column(String(20))
    consecutive_failures: Mapped[int] = mapped_column(Integer, default=0)
    paused_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    pause_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    # None while a pause has not been mailed to the owner yet.
    owner_told_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    created_by: Mapped[str] = mapped_column(String(64))


class ChannelSubscriptionEvent(Base):
    """One event filter of a subscription: a kind and a step, either of them `*`."""

    __tablename__ = "channel_subscription_events"

    subscription_id: Mapped[str] = mapped_column(ForeignKey("channel_subscriptions.id"), primary_key=True)
    kind: Mapped[str] = mapped_column(String(40), primary_key=True)
    step: Mapped[str] = mapped_column(String(60), primary_key=True)


class ChannelDelivery(Base):
    """One step of one ticket to one subscription, queued in the projection's transaction, sent once."""

    __tablename__ = "channel_deliveries"
    __table_args__ = (
        Index("ix_channel_deliveries_pending", "sent_at", "failed_at", "due_at"),
        Index("ix_channel_deliveries_subscription", "subscription_id", "created_at"),
    )

    # `<subscription>:<ticket>:<step seq>`: the same on every retry and every repeated projection.
    delivery_id: Mapped[str] = mapped_column(String(300), primary_key=True)
    subscription_id: Mapped[str] = mapped_column(String(32))
    ticket_id: Mapped[str] = mapped_column(String(200))
    event_seq: Mapped[int] = mapped_column(Integer)
    # `<kind>.<step>`
    event: Mapped[str] = mapped_column(String(120))
    # What every channel tells of the step (no personal data): domain/channels.py.
    envelope: Mapped[dict[str, Any]] = mapped_column(JsonType)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    due_at: Mapped[datetime] = mapped_column(UTCDateTime())
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_status: Mapped[int | None] = mapped_column(Integer, nullable=True)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    failed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class CreditGrade(Base):
    """A unit's credit grade for a month under one formula version, with what moved it (domain/credit.py)."""

    __tablename__ = "credit_grades"

    unit_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    role: Mapped[str] = mapped_column(String(40), primary_key=True)
    month: Mapped[str] = mapped_column(String(7), primary_key=True, index=True)
    formula_version: Mapped[str] = mapped_column(String(40), primary_key=True)
    # A, B, C, D, or 样本不足 below the minimum sample.
    grade: Mapped[str] = mapped_column(String(16))
    points: Mapped[int] = mapped_column(Integer)
    sample: Mapped[int] = mapped_column(Integer)
    vetoed: Mapped[bool] = mapped_column(Boolean)
    # Each rule as it applied: occurrences, points, source and the tickets behind it.
    explanation: Mapped[list[dict[str, Any]]] = mapped_column(JsonType)
    # Every figure of the month, each with its tickets.
    figures: Mapped[dict[str, Any]] = mapped_column(JsonType)
    # When it was first computed; computing the month again leaves it, and everything else, as it was.
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime())
