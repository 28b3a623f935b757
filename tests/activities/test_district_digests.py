"""The monthly district digest mailed to the district's regulator: once, with its PDF attached."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.message import EmailMessage

from temporalio.testing import ActivityEnvironment

from activities.contracts import DistrictDigestsInput
from activities.district_digests import DistrictDigests
from domain.tickets import TimelineEvent
from elevator_orders.settings import Settings
from notifications.district_digest import DigestRenderer
from notifications.sender import MailSender, SmtpConfig
from store.database import Database
from store.tickets import TicketRepository
from tests.support.smtp import MailCatcher
from tests.support.snapshots import rescue_snapshot

OPENED = datetime(2026, 11, 10, 2, 0, tzinfo=UTC)


async def _rescue(database: Database) -> None:
    snapshot = rescue_snapshot(
        "rescue-31011500001-digest", OPENED, state="closed", closed_at=OPENED + timedelta(hours=1)
    )
    arrived = TimelineEvent(seq=1, at=OPENED + timedelta(minutes=12), action="arrive", state="on_site")
    await TicketRepository(database).apply_projection(snapshot, [arrived], queued_at=OPENED)


async def test_each_district_with_tickets_gets_its_digest_once(
    database: Database, mail_catcher: MailCatcher
) -> None:
    await _rescue(database)
    sender = MailSender(
        SmtpConfig(host=mail_catcher.host, port=mail_catcher.port, timeout_seconds=10), "平台 <n@e.cn>"
    )
    digests = DistrictDigests(database, DigestRenderer(), sender, Settings(_env_file=None).chromium_path)
    env = ActivityEnvironment()

    first = await env.run(digests.mail_district_digests, DistrictDigestsInput("2026-11"))
    # The month graded again (or the activity retried): nothing goes out twice.
    again = await env.run(digests.mail_district_digests, DistrictDigestsInput("2026-11"))

    assert (first.sent, again.sent) == (["pudong"], [])
    [mail] = await mail_catcher.wait_for(lambda mails: len(mails) >= 1)
    assert str(mail["To"]).endswith("reg-pudong@demo.elevator-orders.example")
    assert "浦东新区电梯工单月报（2026年11月）" in str(mail["Subject"])
    [attachment] = list(mail.iter_attachments())
    assert isinstance(attachment, EmailMessage)
    assert attachment.get_content_type() == "application/pdf"
    assert attachment.get_filename() == "浦东新区电梯工单月报（2026年11月）.pdf"
    pdf = attachment.get_content()
    assert isinstance(pdf, bytes)
    assert pdf.startswith(b"%PDF-")
    assert len(mail_catcher.messages) == 1
