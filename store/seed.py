"""Demo data for `make run`: every district regulator, a few units, elevators and users. Idempotent."""

from __future__ import annotations

from datetime import date
from functools import lru_cache

from pwdlib import PasswordHash
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from domain.districts import (
    ABBREVIATION_PLACEHOLDER_SOURCE,
    CITY_REGULATOR_ABBREVIATION,
    DISTRICTS_ZH,
    REGULATOR_ABBREVIATIONS,
)
from domain.roles import OrganisationKind, Role
from store.models import Elevator, Organisation, User, UserRole

_MAIL_DOMAIN = "demo.elevator-orders.example"
# Every demo user signs in with this password (make run); real accounts get their own.
DEMO_PASSWORD = "demo-2026"


def _organisations() -> list[Organisation]:
    orgs = [
        Organisation(
            id=f"reg-{code}",
            name=f"{name}市场监督管理局",
            kind=OrganisationKind.DISTRICT_REGULATOR.value,
            district=code,
            email=f"reg-{code}@{_MAIL_DOMAIN}",
            document_abbreviation=REGULATOR_ABBREVIATIONS[code],
            document_abbreviation_source=ABBREVIATION_PLACEHOLDER_SOURCE,
        )
        for code, name in DISTRICTS_ZH.items()
    ]
    orgs += [
        Organisation(
            id="city-regulator",
            name="上海市市场监督管理局",
            kind=OrganisationKind.CITY_REGULATOR.value,
            document_abbreviation=CITY_REGULATOR_ABBREVIATION,
            document_abbreviation_source=ABBREVIATION_PLACEHOLDER_SOURCE,
        ),
        Organisation(
            id="platform-operator",
            name="上海智慧电梯平台运维中心",
            kind=OrganisationKind.PLATFORM_OPERATOR.value,
        ),
        Organisation(
            id="emergency-110",
            name="上海市电梯应急救援平台（110）",
            kind=OrganisationKind.EMERGENCY_PLATFORM.value,
        ),
        Organisation(
            id="mu-shenda", name="上海申达电梯维保有限公司", kind=OrganisationKind.MAINTENANCE_UNIT.value
        ),
        Organisation(
            id="mu-pujiang", name="上海浦江电梯工程有限公司", kind=OrganisationKind.MAINTENANCE_UNIT.value
        ),
        Organisation(
            id="rs-pudong",
            name="浦东新区电梯应急救援站",
            kind=OrganisationKind.RESCUE_STATION.value,
            district="pudong",
        ),
        Organisation(
            id="rs-xuhui",
            name="徐汇区电梯应急救援站",
            kind=OrganisationKind.RESCUE_STATION.value,
            district="xuhui",
        ),
        Organisation(
            id="insp-sh",
            name="上海市特种设备监督检验技术研究院",
            kind=OrganisationKind.INSPECTION_AGENCY.value,
        ),
        Organisation(
            id="uu-lujiazui",
            name="陆家嘴花园物业管理处",
            kind=OrganisationKind.USE_UNIT.value,
            district="pudong",
        ),
        Organisation(
            id="uu-xujiahui",
            name="徐家汇商城物业管理处",
            kind=OrganisationKind.USE_UNIT.value,
            district="xuhui",
        ),
        Organisation(
            id="uu-jingan",
            name="静安寺小区物业服务中心",
            kind=OrganisationKind.USE_UNIT.value,
            district="jingan",
        ),
    ]
    for org in orgs:
        if not org.email:
            org.email = f"{org.id}@{_MAIL_DOMAIN}"
        if org.district is None:
            org.district = ""
    return orgs


# The building each demo car is in, and the day its inspection certificate holds until (下次检验日期).
_BUILDINGS: dict[str, tuple[str, date]] = {
    "31011500001": ("陆家嘴花园 1 号楼", date(2027, 3, 31)),
    "31011500002": ("陆家嘴花园 1 号楼", date(2027, 3, 31)),
    "31010400001": ("徐家汇商城", date(2027, 6, 30)),
    "31010600001": ("静安寺小区 3 号楼", date(2027, 1, 15)),
}


def _elevators() -> list[Elevator]:
    rows = [
        (
            "31011500001",
            "pudong",
            "浦东新区陆家嘴环路 1000 号 1 号楼 A 梯",
            "uu-lujiazui",
            "mu-shenda",
            "rs-pudong",
        ),
        (
            "31011500002",
            "pudong",
            "浦东新区陆家嘴环路 1000 号 1 号楼 B 梯",
            "uu-lujiazui",
            "mu-shenda",
            "rs-pudong",
        ),
        ("31010400001", "xuhui", "徐汇区虹桥路 1 号 商场东侧客梯", "uu-xujiahui", "mu-pujiang", "rs-xuhui"),
        ("31010600001", "jingan", "静安区南京西路 1700 弄 3 号楼", "uu-jingan", "mu-pujiang", "rs-xuhui"),
    ]
    return [
        Elevator(
            code=code,
            registration_code=f"梯11沪{code[-6:]}",
            equipment_code=f"3110{code}",
            address=address,
            district=district,
            use_unit_id=use_unit,
            maintenance_unit_id=maintenance_unit,
            rescue_station_id=station,
            building=_BUILDINGS[code][0],
            inspection_valid_until=_BUILDINGS[code][1],
        )
        for code, district, address, use_unit, maintenance_unit, station in rows
    ]


def _users() -> list[tuple[str, str, str, Role]]:
    rows = [
        ("u-dispatcher", "王调度", "emergency-110", Role.DISPATCHER),
        ("u-rescuer-shenda", "李师傅", "mu-shenda", Role.RESCUER),
        ("u-rescuer-pujiang", "张师傅", "mu-pujiang", Role.RESCUER),
        ("u-maintainer-shenda", "黄工", "mu-shenda", Role.MAINTAINER),
        ("u-maintainer-pujiang", "林工", "mu-pujiang", Role.MAINTAINER),
        ("u-rescuer-rs-pudong", "陈队长", "rs-pudong", Role.RESCUER),
        ("u-rescuer-rs-xuhui", "赵队长", "rs-xuhui", Role.RESCUER),
        ("u-safety-lujiazui", "刘经理", "uu-lujiazui", Role.SAFETY_MANAGER),
        ("u-safety-xujiahui", "周经理", "uu-xujiahui", Role.SAFETY_MANAGER),
        ("u-safety-jingan", "吴经理", "uu-jingan", Role.SAFETY_MANAGER),
        ("u-regulator-pudong", "孙科长", "reg-pudong", Role.REGULATOR),
        ("u-regulator-xuhui", "郑科长", "reg-xuhui", Role.REGULATOR),
        ("u-regulator-city", "钱处长", "city-regulator", Role.REGULATOR),
        ("u-inspector", "徐检验师", "insp-sh", Role.INSPECTOR),
        ("u-monitoring", "远程监测平台", "emergency-110", Role.MONITORING_SYSTEM),
        ("u-operator-admin", "运维管理员", "platform-operator", Role.OPERATOR_ADMIN),
        ("u-bureau-head-pudong", "冯局长", "reg-pudong", Role.BUREAU_HEAD),
        ("u-bureau-head-xuhui", "韩局长", "reg-xuhui", Role.BUREAU_HEAD),
    ]
    return [(uid, name, org, role) for uid, name, org, role in rows]


# Users who hold more than one role (a bureau head who also handles cases).
_EXTRA_ROLES: tuple[tuple[str, Role], ...] = (("u-bureau-head-pudong", Role.REGULATOR),)


@lru_cache
def _demo_password_hash() -> str:
    # One argon2 hash for every demo user: hashing is slow by design, and seeding runs for every test.
    return PasswordHash.recommended().hash(DEMO_PASSWORD)


async def seed_demo_data(sessions: async_sessionmaker[AsyncSession]) -> int:
    """Insert or refresh the demo rows; returns how many rows were written."""
    users = _users()
    async with sessions.begin() as session:
        # Organisations first: elevators and users refer to them.
        for organisation in _organisations():
            await session.merge(organisation)
        await session.flush()
        for elevator in _elevators():
            await session.merge(elevator)
        for uid, name, org, role in users:
            user = await session.get(User, uid)
            if user is None:
                session.add(User(id=uid, name=name, organisation_id=org, password_hash=_demo_password_hash()))
            else:
                # A password someone set since is theirs: the demo data does not reset it.
                user.name, user.organisation_id = name, org
            await session.flush()
            await session.merge(UserRole(user_id=uid, role=role.value))
        for uid, role in _EXTRA_ROLES:
            await session.merge(UserRole(user_id=uid, role=role.value))
    return len(_organisations()) + len(_elevators()) + len(users)
