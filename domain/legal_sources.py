"""The legal sources policy rows of several kinds cite."""

from datetime import date

from domain.deadline_policy import DeadlinePolicy

COMPLAINT_ORDER_20 = "市场监督管理投诉举报处理暂行办法 (SAMR Order 20, 2019/2022)"
COMPLAINT_ORDER_121 = "市场监督管理投诉举报处理办法 (SAMR Order 121)"
# Order 121 replaced Order 20 on this day: what is filed from then follows it.
ORDER_121_IN_FORCE = date(2026, 4, 15)
PENALTY_PROCEDURE = "市场监督管理行政处罚程序规定"
INSPECTION_ORDER_57 = "特种设备安全监督检查办法 (SAMR Order 57, 2022)"


def under_order_121(row: DeadlinePolicy) -> DeadlinePolicy:
    """The Order 20 row as it applies to filings from 2026-04-15: Order 121's, not checked against its text.

    Order 121's articles were not at hand when these rows were written, so each keeps Order 20's limit
    and says so; a deployment that has checked them sets the limit by the row's key (`POLICY_OVERRIDES`).
    """
    return row.succeeded_by(
        f"{COMPLAINT_ORDER_121}, in force {ORDER_121_IN_FORCE.isoformat()}: the article was not checked "
        f"against its text; the limit is Order 20's until it is ({row.source})",
        ORDER_121_IN_FORCE,
        checked=False,
    )
