"""The monthly district digests: built from the read model and the month's grades, printed, mailed once."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session
from temporalio import activity

from activities.contracts import MAIL_DISTRICT_DIGESTS, DistrictDigestsInput, DistrictDigestsResult
from domain.catalog import is_final
from domain.credit_model import Period, UnitRole, overdue_steps_zh
from domain.districts import DISTRICTS_ZH
from domain.kinds import TicketKind
from domain.roles import OrganisationKind
from elevator_orders.clock import Clock, system_clock
from notifications.district_digest import DigestRenderer, DistrictDigest, KindCount, LateTicket, UnitGrade
from notifications.mime import Attachment
from notifications.pdf import html_to_pdf
from notifications.render import RenderedMail
from notifications.sender import MailSender
from store.credit_grades import CreditStore
from store.database import Database
from store.mail_log import MailLog
from store.models import CreditGrade, Organisation, Ticket
from store.month_tickets import MonthTicket, arrival_minutes, month_tickets


def build_digest(
    district: str,
    period: Period,
    tickets: Sequence[MonthTicket],
    grades: Sequence[CreditGrade],
    names: dict[str, str],
) -> DistrictDigest:
    by_kind: dict[str, list[MonthTicket]] = {}
    for ticket in tickets:
        by_kind.setdefault(ticket.kind, []).append(ticket)
    counts = [
        KindCount(
            TicketKind(kind).label_zh,
            opened=len(group),
            closed=sum(1 for t in group if t.closed_at is not None and is_final(TicketKind(kind), t.state)),
            overdue=sum(1 for t in group if t.overdue_steps),
        )
        for kind, group in by_kind.items()
    ]
    served = {unit for ticket in tickets for unit in (ticket.use_unit_id, ticket.maintenance_unit_id)}
    units = [
        UnitGrade(
            names.get(grade.unit_id, grade.unit_id),
            UnitRole(grade.role).label_zh,
            grade.grade,
            grade.points,
            grade.sample,
        )
        for grade in grades
        if grade.unit_id in served
    ]
    late = [
        LateTicket(
            ticket.number or ticket.ticket_id,
            TicketKind(ticket.kind).label_zh,
            overdue_steps_zh(ticket.overdue_steps),
        )
        for ticket in tickets
        if ticket.overdue_steps
    ]
    name = DISTRICTS_ZH.get(district, district)
    return DistrictDigest(district, name, period.month, counts, arrival_minutes(tickets), units, late)


class DistrictDigests:
    def __init__(
        self,
        database: Database,
        renderer: DigestRenderer,
        sender: MailSender,
        chromium: str,
        now: Clock = system_clock,
    ) -> None:
        self._database = database
        self._renderer = renderer
        self._sender = sender
        self._chromium = chromium
        self._sent = MailLog(database)
        self._now = now

    @activity.defn(name=MAIL_DISTRICT_DIGESTS)
    async def mail_district_digests(self, input: DistrictDigestsInput) -> DistrictDigestsResult:
        # Once per district and month: a retry, or the month graded again, finds it in the sent log.
        sent = []
        period = Period.of(input.month)
        credit = CreditStore(self._database)
        # The month's grades and the units' names serve every district's digest: read once.
        grades, names = await credit.grades(input.month), await credit.organisation_names()
        for district, regulator in await self._districts(period):
            key = f"district-digest:{district}:{input.month}"
            if await self._sent.was_sent(key):
                continue
            tickets = await month_tickets(self._database, period, district)
            digest = build_digest(district, period, tickets, grades, names)
            html = self._renderer.html(digest)
            pdf = await html_to_pdf(html, self._chromium)
            mail = RenderedMail(
                subject=digest.title,
                text=f"{regulator.name}：\n\n附件为{digest.title}，请查阅。\n\n上海智慧电梯平台\n",
                html=html,
                attachments=(Attachment(f"{digest.title}.pdf", "application/pdf", pdf),),
            )
            await self._sender.send(to=regulator.email, mail=mail, idempotency_key=key)
            await self._sent.record_sent(
                idempotency_key=key,
                recipient=regulator.email,
                subject=digest.title,
                ticket_id="",
                sent_at=self._now(),
            )
            sent.append(district)
            activity.heartbeat(district)
        return DistrictDigestsResult(sent=sent)

    async def _districts(self, period: Period) -> list[tuple[str, Organisation]]:
        """Districts with tickets in the month, each with its regulator (one with an e-mail address)."""

        def work(session: Session) -> list[tuple[str, Organisation]]:
            districts = session.scalars(
                select(Ticket.district)
                .where(Ticket.opened_at >= period.start, Ticket.opened_at < period.end, Ticket.district != "")
                .distinct()
            ).all()
            regulators = session.scalars(
                select(Organisation)
                .where(
                    Organisation.kind == OrganisationKind.DISTRICT_REGULATOR.value,
                    Organisation.district.in_(districts),
                    Organisation.email != "",
                )
                .order_by(Organisation.id)
            ).all()
            first: dict[str, Organisation] = {}
            for regulator in regulators:
                first.setdefault(regulator.district, regulator)
            return sorted(first.items())

        return await self._database.read(work)
