"""Goal 5: the ticket list endpoint at scale, against the very SQL it runs, on PostgreSQL.

Every request also pays a fixed floor that is not the listing's: HTTP, middleware, authentication and
serialisation. It is measured beside the listings on the same app: a bare route (no dependency, no
query) and `GET /auth/me` (a bearer token checked against its account). A listing is then judged by what
it adds above that floor, `(listing p99 - floor p99) / SQL p99`, as issue 17 asks; its floor is a
`GET /auth/me` sent right after each of its requests, so that a slower stretch of the machine weighs on
both alike.

Tickets are generated straight into the store (one INSERT ... SELECT over generate_series, seeded, so
every run gets the same table), never through workflows. Each list request goes through the FastAPI app
(httpx ASGITransport, a real bearer token); the statements the repository emits for it are captured
at the driver and replayed with asyncpg on their own connection right after, so both sides see the
same parameters and the same buffer cache. EXPLAIN of each replayed statement must show no sequential
scan on tickets.
"""

from __future__ import annotations

import asyncio
import gc
import json
import random
import statistics
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import httpx
from common import Bench, GoalResult, Report
from sqlalchemy import event
from sqlalchemy.engine import make_url

from api.app import create_app
from domain.catalog import CATALOG
from domain.districts import DISTRICTS_ZH
from elevator_orders.settings import Settings
from elevator_orders.startup_heap import freeze_startup_objects, space_out_full_collections
from store.database import Database
from store.db import make_engine, make_sessionmaker
from store.migrate import upgrade_to_head_async
from store.seed import seed_demo_data
from tests.support.auth import bearer
from tests.support.postgres import fresh_database, throwaway_postgres

FULL_TICKETS = 1_000_000
SHORT_TICKETS = 100_000
# A p99 of 100 is the second slowest request: too few to tell a listing from the machine's noise.
FULL_REQUESTS = 1000
SHORT_REQUESTS = 1000
WARMUP_REQUESTS = 10
PAGE_SIZE = 50
DEEP_PAGE = 50
TARGET_RATIO = 2.0
BARE_ROUTE = "/bench/bare"

CITY_REGULATOR = "u-regulator-city"
DISTRICT_REGULATOR = "u-regulator-pudong"
DISTRICT_REGULATOR_DISTRICT = "pudong"

# Shares of the ticket kinds over a year: a fortnightly maintenance record per car dominates.
KIND_SHARES = {
    "maintenance_record": 0.45,
    "fault_repair": 0.20,
    "rescue": 0.10,
    "hazard": 0.08,
    "feedback": 0.07,
    "complaint": 0.04,
    "report": 0.02,
    "violation_clue": 0.02,
    "directive": 0.02,
}
# Pudong holds about a fifth of the city's cars; the rest spread by rough size.
DISTRICT_WEIGHTS = {
    "pudong": 20,
    "minhang": 10,
    "baoshan": 7,
    "xuhui": 7,
    "jingan": 7,
    "putuo": 6,
    "changning": 5,
    "yangpu": 6,
    "hongkou": 5,
    "huangpu": 6,
    "jiading": 5,
    "songjiang": 5,
    "qingpu": 3,
    "fengxian": 3,
    "jinshan": 2,
    "chongming": 1,
    "lingang": 2,
}
OPEN_SHARE = 0.15
OVERDUE_SHARE_OF_OPEN = 0.2
OVERDUE_SHARE_OF_CLOSED = 0.03
# About one car per three tickets a year, as in a city of 300,000 cars with 1,000,000 tickets.
TICKETS_PER_ELEVATOR = 3
SEED = 0.42


@dataclass(frozen=True)
class ListCase:
    """One listing the pages make, with a parameter draw per request."""

    name: str
    user: str
    params: Callable[[random.Random], dict[str, str | int]]


@dataclass
class CaseFigures:
    name: str
    api_ms: list[float] = field(default_factory=list)
    sql_ms: list[float] = field(default_factory=list)
    # Server-side times of the warm-up's statements (EXPLAIN ANALYZE), and the part of them spent counting.
    analysed_ms: float = 0.0
    analysed_count_ms: float = 0.0
    # GET /auth/me by the same user right after each listing: the floor under the same conditions.
    floor_ms: list[float] = field(default_factory=list)
    uses_index: bool = True
    plans: list[str] = field(default_factory=list)

    @property
    def api_p99(self) -> float:
        return _p99(self.api_ms)

    @property
    def sql_p99(self) -> float:
        return _p99(self.sql_ms)

    @property
    def p99_ratio(self) -> float:
        return self.api_p99 / self.sql_p99

    @property
    def floor_p99(self) -> float:
        return _p99(self.floor_ms)

    @property
    def above_floor(self) -> float:
        """What the listing adds above the fixed floor, in multiples of its own SQL (p99s)."""
        return max(self.api_p99 - self.floor_p99, 0.0) / self.sql_p99


def _p99(values: list[float]) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[98] if len(values) > 1 else values[0]


def _districts() -> list[str]:
    return list(DISTRICTS_ZH)


def elevator_code(district: str, number: int) -> str:
    """A synthetic registry code: 31, the district's index, then the car's number in the district."""
    return f"31{_districts().index(district):02d}{number:06d}"


def elevators_per_district(tickets: int) -> dict[str, int]:
    total_weight = sum(DISTRICT_WEIGHTS.values())
    cars = max(tickets // TICKETS_PER_ELEVATOR, len(DISTRICT_WEIGHTS))
    return {d: max(1, cars * w // total_weight) for d, w in DISTRICT_WEIGHTS.items()}


def _cases(tickets: int) -> list[ListCase]:
    cars = elevators_per_district(tickets)
    districts = list(DISTRICT_WEIGHTS)
    open_states = sorted(
        {
            m.value
            for entry in CATALOG.values()
            for e in entry.states
            for m in e
            if m.value not in entry.finals
        }
    )
    year_start = _year_end() - timedelta(days=365)

    def district_state_overdue(district: str | None) -> Callable[[random.Random], dict[str, str | int]]:
        return lambda r: {
            "district": district or r.choice(districts),
            "state": r.choice(open_states),
            "overdue": "true",
        }

    def elevator(district: str | None) -> Callable[[random.Random], dict[str, str | int]]:
        def draw(r: random.Random) -> dict[str, str | int]:
            d = district or r.choice(districts)
            return {"elevator_code": elevator_code(d, r.randrange(cars[d]))}

        return draw

    def kind_dates(r: random.Random) -> dict[str, str | int]:
        start = year_start + timedelta(days=r.randrange(335))
        return {
            "kind": r.choice(list(KIND_SHARES)),
            "opened_from": start.isoformat(),
            "opened_to": (start + timedelta(days=30)).isoformat(),
        }

    def deep_page(r: random.Random) -> dict[str, str | int]:
        return {"offset": PAGE_SIZE * DEEP_PAGE}

    own = DISTRICT_REGULATOR_DISTRICT
    return [
        ListCase("city district+state+overdue", CITY_REGULATOR, district_state_overdue(None)),
        ListCase("city elevator", CITY_REGULATOR, elevator(None)),
        ListCase("city kind+30-day range", CITY_REGULATOR, kind_dates),
        ListCase("city page 50 deep", CITY_REGULATOR, deep_page),
        ListCase("district district+state+overdue", DISTRICT_REGULATOR, district_state_overdue(own)),
        ListCase("district elevator", DISTRICT_REGULATOR, elevator(own)),
        ListCase("district kind+30-day range", DISTRICT_REGULATOR, kind_dates),
        ListCase("district page 50 deep", DISTRICT_REGULATOR, deep_page),
    ]


def _year_end() -> datetime:
    return datetime(2026, 11, 1, tzinfo=UTC)


def _asyncpg_dsn(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


async def generate_tickets(dsn: str, tickets: int) -> float:
    """Fill tickets and ticket_parties with `tickets` generated rows; returns the seconds it took."""
    started = time.perf_counter()
    connection = await asyncpg.connect(dsn)
    try:
        kinds = []
        low = 0.0
        for kind, share in KIND_SHARES.items():
            entry = CATALOG[next(k for k in CATALOG if k.value == kind)]
            states = [m.value for e in entry.states for m in e]
            kinds.append(
                (
                    kind,
                    low,
                    low + share,
                    [s for s in states if s not in entry.finals],
                    sorted(entry.finals),
                )
            )
            low += share
        cars = elevators_per_district(tickets)
        district_rows = []
        low = 0.0
        total_weight = sum(DISTRICT_WEIGHTS.values())
        for district, weight in DISTRICT_WEIGHTS.items():
            share = weight / total_weight
            district_rows.append((district, _districts().index(district), low, low + share, cars[district]))
            low += share
        await connection.execute(
            "CREATE TEMP TABLE bench_kinds (kind text, lo float8, hi float8, open text[], final text[])"
        )
        await connection.executemany("INSERT INTO bench_kinds VALUES ($1, $2, $3, $4, $5)", kinds)
        await connection.execute(
            "CREATE TEMP TABLE bench_districts (district text, idx int, lo float8, hi float8, cars int)"
        )
        await connection.executemany("INSERT INTO bench_districts VALUES ($1, $2, $3, $4, $5)", district_rows)
        await connection.execute("SELECT setseed($1)", SEED)
        # The last draw of each range is widened so that a random() of 0.99999... always finds its row.
        await connection.execute("UPDATE bench_kinds SET hi = 2 WHERE hi = (SELECT max(hi) FROM bench_kinds)")
        await connection.execute(
            "UPDATE bench_districts SET hi = 2 WHERE hi = (SELECT max(hi) FROM bench_districts)"
        )
        await connection.execute(
            _GENERATE_TICKETS,
            tickets,
            _year_end(),
            OPEN_SHARE,
            OVERDUE_SHARE_OF_OPEN,
            OVERDUE_SHARE_OF_CLOSED,
        )
        await connection.execute(_GENERATE_PARTIES)
        await connection.execute("VACUUM ANALYZE tickets")
        await connection.execute("VACUUM ANALYZE ticket_parties")
    finally:
        await connection.close()
    return time.perf_counter() - started


_GENERATE_TICKETS = """
INSERT INTO tickets (
    ticket_id, kind, state, seq, workflow_id, run_id, elevator_code, district, use_unit_id,
    maintenance_unit_id, assigned_unit_id, opened_at, updated_at, due_at, overdue, closed_at,
    deadlines, provisional_deadlines, flags, details, spawned_from, linked_tickets, tracking_digest
)
SELECT
    t.ticket_id, t.kind, t.state, 3, t.ticket_id, md5(t.g::text), t.elevator, t.district,
    'uu-' || (t.car % 5000), 'mu-' || (t.car % 300), 'mu-' || (t.car % 300),
    t.opened_at, t.opened_at + interval '2 days', t.opened_at + interval '15 days', t.overdue,
    CASE WHEN t.is_open THEN NULL ELSE t.opened_at + interval '3 days' END,
    jsonb_build_object('main', to_char(t.opened_at + interval '15 days', 'YYYY-MM-DD"T"HH24:MI:SS"+00:00"')),
    '[]'::jsonb, '[]'::jsonb,
    jsonb_build_object('description', '电梯运行异常，需现场处置', 'reporter_unit_id', 'mu-' || (t.car % 300)),
    NULL, '[]'::jsonb, NULL
FROM (
    SELECT
        x.g, x.kind, x.district, x.car, x.elevator,
        x.kind || '-' || x.elevator || '-' || lpad(x.g::text, 8, '0') AS ticket_id,
        x.r_open < $3 AS is_open,
        CASE WHEN x.r_open < $3
            THEN x.open[1 + floor(x.r_state * array_length(x.open, 1))::int]
            ELSE x.final[1 + floor(x.r_state * array_length(x.final, 1))::int]
        END AS state,
        CASE WHEN x.r_open < $3 THEN x.r_overdue < $4 ELSE x.r_overdue < $5 END AS overdue,
        $2::timestamptz - (x.r_time * interval '365 days') AS opened_at
    FROM (
        SELECT
            s.*, k.kind, k.open, k.final, d.district,
            floor(s.r_car * d.cars)::int AS car,
            '31' || lpad(d.idx::text, 2, '0') || lpad(floor(s.r_car * d.cars)::int::text, 6, '0') AS elevator
        FROM (
            SELECT g, random() AS r_kind, random() AS r_district, random() AS r_car, random() AS r_open,
                   random() AS r_state, random() AS r_overdue, random() AS r_time
            FROM generate_series(1, $1) AS g
        ) AS s
        JOIN bench_kinds AS k ON s.r_kind >= k.lo AND s.r_kind < k.hi
        JOIN bench_districts AS d ON s.r_district >= d.lo AND s.r_district < d.hi
    ) AS x
) AS t
"""

_GENERATE_PARTIES = """
INSERT INTO ticket_parties (ticket_id, organisation_id, relation)
SELECT ticket_id, use_unit_id, 'use_unit' FROM tickets
UNION ALL SELECT ticket_id, maintenance_unit_id, 'maintenance_unit' FROM tickets
UNION ALL SELECT ticket_id, assigned_unit_id, 'assigned' FROM tickets
"""


class StatementCapture:
    """The statements on tickets the app sends, with their arguments as the driver gets them.

    Caught at the driver (asyncpg's query logger on every connection the reads run on): the hot
    listings run their statements on the driver itself, past SQLAlchemy's events.
    """

    def __init__(self) -> None:
        self.statements: list[tuple[str, tuple[Any, ...]]] = []
        self._drivers: list[Any] = []

    def _log(self, record: Any) -> None:
        if "FROM tickets" in record.query:
            self.statements.append((record.query, tuple(record.args or ())))

    def _checkout(self, dbapi_connection: Any, _record: Any, _proxy: Any) -> None:
        driver = dbapi_connection.driver_connection
        driver.add_query_logger(self._log)
        self._drivers.append(driver)

    async def settled(self) -> list[tuple[str, tuple[Any, ...]]]:
        """The statements caught so far: the driver hands each to its loggers on the loop's next turn."""
        await asyncio.sleep(0)
        return list(self.statements)

    @contextmanager
    def on(self, database: Database) -> Iterator[None]:
        # The reads' own connections made so far, and any connection the engine's pool hands out later
        # (the reads make theirs through it).
        for driver in database.read_connections():
            driver.add_query_logger(self._log)
            self._drivers.append(driver)
        pool = database.sync_engine.pool
        event.listen(pool, "checkout", self._checkout)
        try:
            yield
        finally:
            event.remove(pool, "checkout", self._checkout)
            for driver in self._drivers:
                driver.remove_query_logger(self._log)


def _seq_scans_on_tickets(plan: Any) -> int:
    found = 0
    if isinstance(plan, dict):
        if plan.get("Node Type") == "Seq Scan" and plan.get("Relation Name") == "tickets":
            found += 1
        for value in plan.values():
            found += _seq_scans_on_tickets(value)
    elif isinstance(plan, list):
        found += sum(_seq_scans_on_tickets(item) for item in plan)
    return found


def _plan_outline(plan: Any, depth: int = 0) -> list[str]:
    lines = []
    if isinstance(plan, dict) and "Node Type" in plan:
        name = plan["Node Type"]
        detail = plan.get("Index Name") or plan.get("Relation Name") or ""
        lines.append("  " * depth + f"{name} {detail}".rstrip())
        for child in plan.get("Plans", []):
            lines += _plan_outline(child, depth + 1)
    return lines


async def _measure_case(
    case: ListCase,
    http: httpx.AsyncClient,
    headers: dict[str, str],
    capture: StatementCapture,
    raw: asyncpg.Connection,
    requests: int,
) -> CaseFigures:
    figures = CaseFigures(case.name)
    draws = random.Random(case.name)
    for index in range(WARMUP_REQUESTS + requests):
        params = {"limit": PAGE_SIZE, **case.params(draws)}
        # Built before the clock starts: encoding the query string is the bench client's work, not the API's.
        listing = http.build_request("GET", "/tickets", params=params, headers=headers)
        me = http.build_request("GET", "/auth/me", headers=headers)
        capture.statements.clear()
        started = time.perf_counter()
        response = await http.send(listing)
        api_ms = (time.perf_counter() - started) * 1000
        if response.status_code != 200:
            raise RuntimeError(f"{case.name}: {response.status_code} {response.text}")
        statements = await capture.settled()
        started = time.perf_counter()
        floor = await http.send(me)
        floor_ms = (time.perf_counter() - started) * 1000
        if floor.status_code != 200:
            raise RuntimeError(f"/auth/me: {floor.status_code} {floor.text}")
        # The same statements, replayed at once on a bare connection: the floor the endpoint adds to.
        sql_ms = 0.0
        for statement, args in statements:
            started = time.perf_counter()
            await raw.fetch(statement, *args)
            sql_ms += (time.perf_counter() - started) * 1000
        if index < WARMUP_REQUESTS:
            for statement, args in statements:
                # The warm-up's statements, run once more with the server's own timings: how much of
                # each goes to the total (the page's count subquery, or a count on its own).
                [analysed] = json.loads(
                    await raw.fetchval("EXPLAIN (ANALYZE, FORMAT JSON) " + statement, *args)
                )
                figures.analysed_ms += analysed["Execution Time"]
                figures.analysed_count_ms += _count_ms(analysed["Plan"])
                if index == 0:
                    if _seq_scans_on_tickets(analysed):
                        figures.uses_index = False
                    figures.plans.append(" / ".join(_plan_outline(analysed["Plan"])))
            continue
        figures.api_ms.append(api_ms)
        figures.floor_ms.append(floor_ms)
        figures.sql_ms.append(sql_ms)
    return figures


def _count_ms(plan: dict[str, Any]) -> float:
    """The time a plan spends counting: a count's whole plan, or the page's subquery that counts."""
    if plan.get("Node Type") == "Aggregate" and plan.get("Parent Relationship") in (None, "InitPlan"):
        return float(plan["Actual Total Time"]) * int(plan.get("Actual Loops", 1))
    return sum(_count_ms(child) for child in plan.get("Plans", []))


@dataclass
class Floor:
    """The fixed cost of one request: a route that does nothing, and one that only authenticates."""

    bare_ms: list[float] = field(default_factory=list)
    auth_ms: list[float] = field(default_factory=list)

    @property
    def p99(self) -> float:
        return _p99(self.auth_ms)


async def _measure_floor(http: httpx.AsyncClient, headers: dict[str, str], requests: int) -> Floor:
    floor = Floor()
    for index in range(WARMUP_REQUESTS + requests):
        for path, auth, times in (
            (BARE_ROUTE, {}, floor.bare_ms),
            ("/auth/me", headers, floor.auth_ms),
        ):
            request = http.build_request("GET", path, headers=auth)
            started = time.perf_counter()
            response = await http.send(request)
            elapsed = (time.perf_counter() - started) * 1000
            if response.status_code != 200:
                raise RuntimeError(f"{path}: {response.status_code} {response.text}")
            if index >= WARMUP_REQUESTS:
                times.append(elapsed)
    return floor


async def measure(server_url: str, tickets: int, requests: int) -> tuple[list[CaseFigures], Floor, float]:
    async with fresh_database(server_url) as url:
        await upgrade_to_head_async(url)
        engine = make_engine(url)
        try:
            await seed_demo_data(make_sessionmaker(engine))
        finally:
            await engine.dispose()
        dsn = _asyncpg_dsn(url)
        seconds = await generate_tickets(dsn, tickets)
        settings = Settings(database_url=url, var_dir=Settings().var_dir)
        app = create_app(settings)
        # The same app, middleware and server, with nothing behind the route: the floor of any request.
        app.add_api_route(BARE_ROUTE, lambda: {"ok": True}, methods=["GET"])
        capture = StatementCapture()
        raw = await asyncpg.connect(dsn)
        thresholds = gc.get_threshold()
        try:
            async with app.router.lifespan_context(app):
                # As `elevator-orders api` does once its app is built: startup objects leave the collector,
                # and full collections come seldom (this process's own, until the goal ends).
                freeze_startup_objects()
                space_out_full_collections()
                database = app.state.resources.tickets._database
                transport = httpx.ASGITransport(app=app)
                async with httpx.AsyncClient(transport=transport, base_url="http://bench") as http:
                    floor = await _measure_floor(http, bearer(settings, CITY_REGULATOR), requests)
                    results = []
                    with capture.on(database):
                        for case in _cases(tickets):
                            results.append(
                                await _measure_case(
                                    case, http, bearer(settings, case.user), capture, raw, requests
                                )
                            )
        finally:
            await raw.close()
            gc.set_threshold(*thresholds)
        return results, floor, seconds


async def run(bench: Bench) -> list[GoalResult]:
    tickets = FULL_TICKETS if bench.full else SHORT_TICKETS
    requests = FULL_REQUESTS if bench.full else SHORT_REQUESTS
    return await run_at(tickets, requests, bench.report)


async def run_at(tickets: int, requests: int, report: Report | None = None) -> list[GoalResult]:
    with throwaway_postgres() as server_url:
        results, floor, generate_seconds = await measure(server_url, tickets, requests)
    header = [
        "listing",
        "API p50",
        "API p99",
        "SQL p50",
        "SQL p99",
        "p99 ratio",
        "floor p99",
        "above floor",
        "count share",
        "plan",
    ]
    rows = []
    for figures in results:
        count_share = figures.analysed_count_ms / max(figures.analysed_ms, 1e-9)
        rows.append(
            [
                figures.name,
                statistics.median(figures.api_ms),
                figures.api_p99,
                statistics.median(figures.sql_ms),
                figures.sql_p99,
                figures.p99_ratio,
                figures.floor_p99,
                figures.above_floor,
                f"{count_share:.0%}",
                " ; ".join(figures.plans),
            ]
        )
    print(
        f"read model at {tickets:,} tickets (generated in {generate_seconds:.0f} s), {requests} requests each, ms:"
    )
    for row in rows:
        print("  " + " | ".join(f"{v:.2f}" if isinstance(v, float) else str(v) for v in row))
    floor_rows = [
        ["bare route (no dependency, no query)", statistics.median(floor.bare_ms), _p99(floor.bare_ms)],
        ["GET /auth/me (bearer token, account read)", statistics.median(floor.auth_ms), floor.p99],
    ]
    for row in floor_rows:
        print(f"  floor: {row[0]}: p50 {row[1]:.2f} ms, p99 {row[2]:.2f} ms")
    if report is not None:
        report.section(
            f"Read model at scale ({tickets:,} tickets in PostgreSQL)",
            f"Generated straight into the store in {generate_seconds:.0f} s; {requests} requests per listing "
            "through the app (httpx ASGITransport, bearer token) against the same statements replayed with "
            "asyncpg. Times in ms; count share: part of the server's execution time spent on the `total` (EXPLAIN "
            "ANALYZE of the warm-up requests).\n\n"
            + report.table(header, rows)
            + "\nAbove floor = (API p99 - floor p99) / SQL p99, the floor being `GET /auth/me` by the same "
            "user, sent right after each listing request so that both meet the same machine. The floor "
            "every request pays, on the same app, measured before the listings:\n\n"
            + report.table(["request", "p50", "p99"], floor_rows),
        )
    indexed = sum(1 for f in results if f.uses_index)
    slowest = max(results, key=lambda f: f.p99_ratio)
    slowest_above = max(results, key=lambda f: f.above_floor)
    return [
        _ratio_goal(
            "read-model-p99-ratio", slowest.p99_ratio, f"worst listing: {slowest.name}; {tickets:,} tickets"
        ),
        _ratio_goal(
            "read-model-above-floor-ratio",
            slowest_above.above_floor,
            f"worst listing: {slowest_above.name}; its floor p99 {slowest_above.floor_p99:.2f} ms (/auth/me)",
        ),
        GoalResult(
            name="read-model-index",
            measured=round(indexed / len(results), 2),
            target=1.0,
            met=indexed == len(results),
            note=f"{indexed}/{len(results)} listings without a sequential scan on tickets",
        ),
    ]


def _ratio_goal(name: str, worst: float, note: str) -> GoalResult:
    """A listing goal met when its worst ratio is within TARGET_RATIO."""
    return GoalResult(
        name=name, measured=round(worst, 2), target=TARGET_RATIO, met=worst <= TARGET_RATIO, note=note
    )
