"""Cars registered beside the seeded ones, served by the seeded pudong units: for harnesses that need many."""

from __future__ import annotations

from datetime import date

from store.models import Elevator


def pudong_car(code: str, *, registration_code: str, address: str, building: str) -> Elevator:
    """A car of uu-lujiazui, maintained by mu-shenda, rescue station rs-pudong, inspected until 2027-03-31."""
    return Elevator(
        code=code,
        registration_code=registration_code,
        equipment_code=f"3110{code}",
        address=address,
        district="pudong",
        use_unit_id="uu-lujiazui",
        maintenance_unit_id="mu-shenda",
        rescue_station_id="rs-pudong",
        building=building,
        inspection_valid_until=date(2027, 3, 31),
    )
