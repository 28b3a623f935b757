"""Who acts on a ticket: roles, organisation kinds, and the acting user carried with every action."""

from dataclasses import dataclass
from enum import StrEnum


class OrganisationKind(StrEnum):
    MAINTENANCE_UNIT = "maintenance_unit"
    USE_UNIT = "use_unit"
    RESCUE_STATION = "rescue_station"
    INSPECTION_AGENCY = "inspection_agency"
    DISTRICT_REGULATOR = "district_regulator"
    CITY_REGULATOR = "city_regulator"
    PLATFORM_OPERATOR = "platform_operator"
    EMERGENCY_PLATFORM = "emergency_platform"


class Role(StrEnum):
    DISPATCHER = "dispatcher"
    RESCUER = "rescuer"
    MAINTAINER = "maintainer"
    INSPECTOR = "inspector"
    SAFETY_MANAGER = "safety_manager"
    REGULATOR = "regulator"
    # Heads a regulator (局领导): sees what its bureau sees; approves what needs approval.
    BUREAU_HEAD = "bureau_head"
    # The platform operator's account administrator: manages users and keys, never ticket content.
    OPERATOR_ADMIN = "operator_admin"
    # Machine and public sources of a ticket; they never act on one after creating it.
    MONITORING_SYSTEM = "monitoring_system"
    PUBLIC = "public"

    @property
    def label_zh(self) -> str:
        return ROLE_LABELS_ZH[self]


ROLE_LABELS_ZH: dict[Role, str] = {
    Role.DISPATCHER: "调度员",
    Role.RESCUER: "救援人员",
    Role.MAINTAINER: "维保人员",
    Role.INSPECTOR: "检验人员",
    Role.SAFETY_MANAGER: "安全管理员",
    Role.REGULATOR: "监管人员",
    Role.BUREAU_HEAD: "局领导",
    Role.OPERATOR_ADMIN: "平台运维管理员",
    Role.MONITORING_SYSTEM: "远程监测系统",
    Role.PUBLIC: "公众",
}


@dataclass(frozen=True)
class Actor:
    """The user behind an action; the API resolves it from the signed-in user, never from the payload."""

    user_id: str
    name: str
    organisation_id: str
    role: Role


PUBLIC_ACTOR = Actor(user_id="public", name="公众", organisation_id="public", role=Role.PUBLIC)
