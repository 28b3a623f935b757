"""The legal sources policy rows of several kinds cite."""

COMPLAINT_ORDER_20 = "市场监督管理投诉举报处理暂行办法 (SAMR Order 20, 2019/2022; replaced by Order 121 from 2026-04-15, unverified)"
PENALTY_PROCEDURE = "市场监督管理行政处罚程序规定"
INSPECTION_ORDER_57 = "特种设备安全监督检查办法 (SAMR Order 57, 2022)"
