"""Credit grades on the staff pages: the regulator's list with its charts, and each unit's own page.

A regulator sees every unit's grade for a month, filters them by role and grade, and may grade the month
under way now; a unit's staff see their own unit's page only.
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Form, HTTPException, Query, Request, status
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from api.credit_service import grade_month_now
from api.deps import Resources
from api.pages.charts import bucket_chart, month_chart
from api.pages.regulator_access import require_regulator
from api.pages.session import CheckedSession, PageRefused, StaffSession, StaffSessionDep, staff_page
from api.routers.credit_exports import Format, grade_download, ticket_download
from domain.credit import FIGURE_LABELS, FORMULA_VERSION
from domain.credit_model import SHANGHAI, Period, UnitRole
from domain.districts import DISTRICTS_ZH
from domain.permissions import is_regulator
from domain.roles import OrganisationKind
from notifications.district_digest import arrival_buckets
from store.credit_grades import CreditStore
from store.models import CreditGrade
from store.month_tickets import arrival_minutes, month_tickets

router = APIRouter(prefix="/app/credit", include_in_schema=False)

TREND_MONTHS = 6
_MONTH = r"^20\d{2}-(0[1-9]|1[0-2])$"
MonthQuery = Annotated[str | None, Query(pattern=_MONTH)]


def _months_back(month: str, count: int) -> list[str]:
    """`count` months ending with `month`, oldest first."""
    months = [month]
    while len(months) < count:
        months.insert(0, Period.before(Period.of(months[0]).start).month)
    return months


def _current(resources: Resources) -> str:
    return resources.clock().astimezone(SHANGHAI).strftime("%Y-%m")


def _rows(grades: list[CreditGrade], names: dict[str, str]) -> list[dict[str, object]]:
    return [
        {
            "unit_id": grade.unit_id,
            "name": names.get(grade.unit_id, grade.unit_id),
            "role": UnitRole(grade.role).label_zh,
            "grade": grade.grade,
            "points": grade.points,
            "sample": grade.sample,
        }
        for grade in grades
    ]


@router.get("", response_class=HTMLResponse)
async def credit_list(
    request: Request,
    resources: Resources,
    session: StaffSessionDep,
    month: MonthQuery = None,
    role: str = "",
    grade: str = "",
    district: str = "",
    notice: str = "",
) -> Response:
    if not is_regulator(session.principal):
        return RedirectResponse(f"/app/credit/{session.principal.organisation_id}", status.HTTP_303_SEE_OTHER)
    require_regulator(session)
    month = month or Period.before(resources.clock()).month
    store = CreditStore(resources.database)
    names = await store.organisation_names()
    # The trend's last month is the one shown: one query for all six.
    history = await store.grades_by_month(_months_back(month, TREND_MONTHS))
    grades = history[month]
    principal = session.principal
    # A district regulator sees its district; the city regulator any one district, or the whole city.
    if principal.organisation_kind is OrganisationKind.DISTRICT_REGULATOR:
        district = principal.district
    scope = district if district in DISTRICTS_ZH else None
    tickets = await month_tickets(resources.database, Period.of(month), scope)
    # In one district: the units that served its tickets this month.
    served = {unit for t in tickets for unit in (t.use_unit_id, t.maintenance_unit_id, t.assigned_unit_id)}
    shown = [
        g
        for g in grades
        if (not role or g.role == role)
        and (not grade or g.grade == grade)
        and (scope is None or g.unit_id in served)
    ]
    buckets = [
        (label, float(count), late) for label, count, late in arrival_buckets(arrival_minutes(tickets))
    ]
    trend = [(past, float(sum(1 for g in found if g.grade in ("C", "D")))) for past, found in history.items()]
    return staff_page(
        request,
        "credit/list.html",
        session,
        title="信用评价",
        month=month,
        current=_current(resources),
        role=role,
        grade=grade,
        roles=[(r.value, r.label_zh) for r in UnitRole],
        district=scope or "",
        district_label=DISTRICTS_ZH.get(scope or "", ""),
        districts=list(DISTRICTS_ZH.items()),
        city=principal.organisation_kind is OrganisationKind.CITY_REGULATOR,
        grades=_rows(shown, names),
        formula_version=FORMULA_VERSION,
        arrival_chart=bucket_chart(buckets, " 分钟"),
        trend_chart=month_chart(trend, "C、D 级单位"),
        notice="已按目前的工单计算本月信用评价" if notice == "computed" else None,
    )


@router.post("/compute")
async def compute(
    resources: Resources, session: CheckedSession, month: Annotated[str, Form()] = ""
) -> Response:
    """Grade the month under way now, with the steps recorded so far."""
    require_regulator(session)
    month = month if month == _current(resources) else _current(resources)
    await grade_month_now(resources, month)
    return RedirectResponse(f"/app/credit?month={month}&notice=computed", status.HTTP_303_SEE_OTHER)


@router.get("/sheets/{name}.{format}")
async def sheet(
    name: Literal["tickets", "grades"],
    format: Format,
    resources: Resources,
    session: StaffSessionDep,
    month: Annotated[str, Query(pattern=_MONTH)],
) -> Response:
    """The API's sheets, for a signed-in page: the same content and the same rules on who gets what."""
    download = ticket_download if name == "tickets" else grade_download
    try:
        return await download(resources, session.principal, month, format)
    except HTTPException as refusal:
        raise PageRefused(refusal.status_code, "此表格仅监管部门可下载") from refusal


@router.get("/{unit_id}", response_class=HTMLResponse)
async def unit_page(
    unit_id: str, request: Request, resources: Resources, session: StaffSessionDep, month: MonthQuery = None
) -> HTMLResponse:
    _may_see(session, unit_id)
    month = month or Period.before(resources.clock()).month
    store = CreditStore(resources.database)
    names = await store.organisation_names()
    # The trend's last month is the one shown: one query for all six.
    history = await store.grades_by_month(_months_back(month, TREND_MONTHS), unit_id)
    grades = history[month]
    roles = []
    for grade in grades:
        trend = [
            (past, float(next((g.points for g in found if g.role == grade.role), 0)))
            for past, found in history.items()
        ]
        roles.append(
            {
                "role": UnitRole(grade.role).label_zh,
                "grade": grade,
                "lines": grade.explanation,
                "figures": sorted(
                    grade.figures.items(), key=lambda item: FIGURE_LABELS.get(item[0], item[0])
                ),
                "trend_chart": month_chart(trend, "扣分"),
            }
        )
    return staff_page(
        request,
        "credit/unit.html",
        session,
        title=f"信用评价 · {names.get(unit_id, unit_id)}",
        unit_name=names.get(unit_id, unit_id),
        unit_id=unit_id,
        month=month,
        previous=Period.before(Period.of(month).start).month,
        roles=roles,
        regulator=is_regulator(session.principal),
    )


def _may_see(session: StaffSession, unit_id: str) -> None:
    principal = session.principal
    if is_regulator(principal) or principal.organisation_id == unit_id:
        return
    raise PageRefused(status.HTTP_403_FORBIDDEN, "信用评价仅本单位和监管部门可见")
