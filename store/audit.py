"""The audit trail (审计日志): one row per action, appended only, each row's hash sealing the row before.

Regulation art. 14: no one, the platform operator included, may forge or alter information. The database
refuses UPDATE and DELETE on the table (migration 0005); whoever gets past that (a superuser, someone
with the database files) still cannot alter, insert or remove a row without `verify` naming where.

Row hash: SHA-256 of the canonical JSON (keys sorted, no spaces, UTF-8) of every column but `row_hash`
itself, `seq` and `prev_hash` included; the first row's `prev_hash` is 64 zeros. What the chain alone
cannot show is a removed *tail*, or a chain rewritten from some row on: keep the head (`Verification`'s
`head_hash` and `rows`) somewhere the database's administrators cannot write, and compare it with
`Verification.misses` (`elevator-orders audit verify --kept-head N:HASH`).
"""

from __future__ import annotations

import asyncio
import hashlib
import json
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from datetime import UTC
from enum import StrEnum
from functools import partial
from typing import Any

from sqlalchemy import insert, select, text
from sqlalchemy.orm import Session

from elevator_orders.clock import Clock, system_clock
from store.database import Database, Run
from store.models import AuditRecord

GENESIS_HASH = "0" * 64
# Any constant the rest of the application does not use as an advisory lock key ("audit" in ASCII).
_POSTGRES_LOCK_KEY = 0x6175646974
_PAGE = 1000
_LAST_ROW = select(AuditRecord.seq, AuditRecord.row_hash).order_by(AuditRecord.seq.desc()).limit(1)
_INSERT = insert(AuditRecord)
_POSTGRES_APPEND_LOCK = text("SELECT pg_advisory_xact_lock(:key)")
_COLUMNS = tuple(column.key for column in AuditRecord.__table__.columns)


class Outcome(StrEnum):
    OK = "ok"
    DENIED = "denied"
    FAILED = "failed"


@dataclass(frozen=True)
class AuditEntry:
    """What the caller knows of one action; the log adds the time, the sequence number and the hashes."""

    actor: str
    organisation_id: str
    role: str
    source_address: str
    action: str
    outcome: Outcome
    ticket_id: str | None = None
    target: str | None = None
    payload_digest: str | None = None


@dataclass(frozen=True)
class ChainBreak:
    """The first row that does not hold, and why."""

    seq: int
    reason: str


@dataclass(frozen=True)
class Verification:
    rows: int
    head_hash: str
    broken: ChainBreak | None
    # The hash of each row `verify` was asked to watch, as the walk found it.
    hashes_at: Mapping[int, str] = field(default_factory=dict)

    @property
    def intact(self) -> bool:
        return self.broken is None

    @property
    def kept_head(self) -> KeptHead:
        return KeptHead(self.rows, self.head_hash)

    def misses(self, kept: KeptHead) -> str | None:
        """Why this chain does not pass through `kept` (a row `verify` watched); None when it does.

        Rows are only ever appended, so every head kept earlier stays on the chain: a tail removed since
        leaves the chain shorter than the head, and a chain rewritten at or before it ends elsewhere.
        """
        if kept.rows > self.rows:
            return (
                f"the trail has {self.rows} rows, the kept head {kept.rows}: "
                f"rows {self.rows + 1} to {kept.rows} were removed"
            )
        at_head = self.hashes_at.get(kept.rows) if kept.rows else GENESIS_HASH
        if at_head != kept.head_hash:
            return (
                f"row {kept.rows} is not the kept head: the trail was rewritten at or before row {kept.rows}"
            )
        return None


@dataclass(frozen=True)
class KeptHead:
    """A head an earlier verification printed, kept outside the database: `rows` rows, the last `head_hash`."""

    rows: int
    head_hash: str

    def __str__(self) -> str:
        return f"{self.rows}:{self.head_hash}"

    @classmethod
    def parse(cls, text: str) -> KeptHead:
        """`N:HASH`, as `str()` writes it; ValueError for anything else."""
        rows, _, head_hash = text.strip().partition(":")
        if not rows.isdigit() or len(head_hash) != 64 or any(c not in "0123456789abcdef" for c in head_hash):
            raise ValueError(f"not a kept head (N:HASH, HASH 64 hex digits): {text!r}")
        return cls(int(rows), head_hash)


def canonical_json(value: Any) -> bytes:
    """One byte string per value: keys sorted, no whitespace, UTF-8; what digests and hashes are taken of."""
    return json.dumps(
        value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    ).encode()


def payload_digest(payload: Any) -> str:
    """SHA-256 of a request payload's canonical JSON: proves what was sent without keeping it."""
    return hashlib.sha256(canonical_json(payload)).hexdigest()


def row_hash(record: AuditRecord) -> str:
    """The hash a row must carry: over all its other columns, its seq and the previous row's hash."""
    sealed = {
        "seq": record.seq,
        "at": record.at.astimezone(UTC).isoformat(timespec="microseconds"),
        "actor": record.actor,
        "organisation_id": record.organisation_id,
        "role": record.role,
        "source_address": record.source_address,
        "ticket_id": record.ticket_id,
        "target": record.target,
        "action": record.action,
        "outcome": record.outcome,
        "payload_digest": record.payload_digest,
        "prev_hash": record.prev_hash,
    }
    return hashlib.sha256(canonical_json(sealed)).hexdigest()


class AuditLog:
    """The trail's rows; appends that arrive while one is being written go into the next transaction together.

    Every append is one row and returns once its row is committed, as before; what is shared is the
    transaction. Under an alarm storm's 200 requests in flight each append took a turn of its own at the
    database's write lock, the one place every request of every process queues.
    """

    def __init__(self, database: Database, clock: Clock = system_clock) -> None:
        self._database = database
        self._clock = clock
        self._pending: list[tuple[AuditEntry, asyncio.Future[AuditRecord]]] = []
        self._writer: asyncio.Task[None] | None = None

    async def append(self, entry: AuditEntry) -> AuditRecord:
        """Append one row after the current last one; appends of all processes take turns."""
        loop = asyncio.get_running_loop()
        written: asyncio.Future[AuditRecord] = loop.create_future()
        self._pending.append((entry, written))
        if self._writer is None or self._writer.done():
            self._writer = loop.create_task(self._write_pending(), name="audit appends")
        return await written

    async def _write_pending(self) -> None:
        while self._pending:
            batch, self._pending = self._pending, []
            try:
                records = await self._database.write_statements(
                    partial(self._append_after_last, [e for e, _ in batch])
                )
            except BaseException as error:
                # Nothing of the batch was committed: every caller hears so, and none waits forever.
                for _, written in batch:
                    if not written.done():
                        written.set_exception(error)
                if not isinstance(error, Exception):
                    raise
            else:
                for (_, written), record in zip(batch, records, strict=True):
                    # A caller that gave up (its request was cancelled) still has its row: it happened.
                    if not written.done():
                        written.set_result(record)

    def _append_after_last(self, entries: list[AuditEntry], run: Run) -> list[AuditRecord]:
        _take_append_lock(self._database.dialect, run)
        # Statements, not the ORM: its unit of work around a row never read again cost more than the
        # insert, and on SQLite an append through the session 810 us of CPU (the API's profile).
        last = run(_LAST_ROW, [{}])
        seq, prev_hash = (last[0][0], last[0][1]) if last else (0, GENESIS_HASH)
        records = []
        for entry in entries:
            seq += 1
            record = AuditRecord(
                seq=seq,
                # Taken under the lock, so times never run backwards along the chain.
                at=self._clock(),
                actor=entry.actor,
                organisation_id=entry.organisation_id,
                role=entry.role,
                source_address=entry.source_address,
                ticket_id=entry.ticket_id,
                target=entry.target,
                action=entry.action,
                outcome=entry.outcome.value,
                payload_digest=entry.payload_digest,
                prev_hash=prev_hash,
            )
            record.row_hash = prev_hash = row_hash(record)
            records.append(record)
        run(_INSERT, [{column: getattr(record, column) for column in _COLUMNS} for record in records])
        return records

    async def rows(self, ticket_id: str | None = None) -> list[AuditRecord]:
        """Rows in order, all of them or one ticket's."""
        query = select(AuditRecord).order_by(AuditRecord.seq)
        if ticket_id is not None:
            query = query.where(AuditRecord.ticket_id == ticket_id)
        return await self._database.read(lambda session: list(session.scalars(query)))

    async def verify(self, watch: Collection[int] = ()) -> Verification:
        """Walk the chain from the first row; the first row that was altered, inserted or follows a gap.

        The hashes of the rows in `watch` are noted on the way, for `Verification.misses`.
        """
        return await self._database.read(lambda session: _verify(session, watch))


def _verify(session: Session, watch: Collection[int]) -> Verification:
    expected_seq, prev_hash = 1, GENESIS_HASH
    hashes_at: dict[int, str] = {}
    while True:
        page = list(
            session.scalars(
                select(AuditRecord)
                .where(AuditRecord.seq >= expected_seq)
                .order_by(AuditRecord.seq)
                .limit(_PAGE)
            )
        )
        for record in page:
            broken = _check(record, expected_seq, prev_hash)
            if broken is not None:
                return Verification(
                    rows=expected_seq - 1, head_hash=prev_hash, broken=broken, hashes_at=hashes_at
                )
            if record.seq in watch:
                hashes_at[record.seq] = record.row_hash
            expected_seq, prev_hash = expected_seq + 1, record.row_hash
        if len(page) < _PAGE:
            return Verification(rows=expected_seq - 1, head_hash=prev_hash, broken=None, hashes_at=hashes_at)


def _check(record: AuditRecord, expected_seq: int, prev_hash: str) -> ChainBreak | None:
    if record.seq != expected_seq:
        missing = (
            f"row {expected_seq} is missing"
            if record.seq == expected_seq + 1
            else f"rows {expected_seq} to {record.seq - 1} are missing"
        )
        return ChainBreak(
            record.seq, f"{missing}: the chain jumps from row {expected_seq - 1} to {record.seq}"
        )
    if record.row_hash != row_hash(record):
        return ChainBreak(record.seq, "its hash does not match its contents: the row was altered or forged")
    if record.prev_hash != prev_hash:
        before = f"row {record.seq - 1}" if record.seq > 1 else "the start of the chain"
        return ChainBreak(
            record.seq,
            f"it does not seal {before}: {before} was altered, replaced or inserted after this row was written",
        )
    return None


def _take_append_lock(dialect: str, run: Run) -> None:
    """Hold, until the transaction ends, the lock that makes appends of every process take turns."""
    if dialect == "postgresql":
        run(_POSTGRES_APPEND_LOCK, [{"key": _POSTGRES_LOCK_KEY}])
    elif dialect == "sqlite":
        # Every transaction `Database.write_statements` runs on SQLite begins IMMEDIATE: it holds the database's
        # write lock before it reads the last row, so two appends never read the same one.
        pass
    else:
        raise NotImplementedError(f"no append lock for the {dialect} database")
