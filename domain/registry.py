"""What the elevator registry tells a ticket: which organisations serve an elevator."""

from dataclasses import dataclass


@dataclass(frozen=True)
class OrganisationRef:
    id: str
    name: str
    email: str


@dataclass(frozen=True)
class ElevatorRegistration:
    code: str
    address: str
    district: str
    use_unit: OrganisationRef
    maintenance_unit: OrganisationRef
    rescue_station: OrganisationRef
    district_regulator: OrganisationRef
