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
    # Hears of a district regulator's own missed clocks; None only in histories from before it was looked up.
    city_regulator: OrganisationRef | None = None

    @property
    def oversight(self) -> OrganisationRef:
        """Who hears of a missed clock that the district regulator itself was to keep."""
        return self.city_regulator or self.district_regulator
