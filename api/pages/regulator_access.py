"""Who the regulator's pages are for: the dashboard's and its kinds' parts alike."""

from fastapi import status

from api.pages.session import PageRefused, StaffSession
from domain.roles import OrganisationKind, Role


def require_regulator(session: StaffSession) -> None:
    principal = session.principal
    regulator_org = principal.organisation_kind in (
        OrganisationKind.DISTRICT_REGULATOR,
        OrganisationKind.CITY_REGULATOR,
    )
    if not regulator_org or not principal.roles & {Role.REGULATOR, Role.BUREAU_HEAD}:
        raise PageRefused(status.HTTP_403_FORBIDDEN, "此页面供市场监管部门使用，请从首页进入您的工作台")
