"""China's official working-day calendar, from the `chinesecalendar` package, and the operator's fallback.

Shared by the worker (deadline activities) and the API (proposed dates), so it lives beside the settings
rather than in either: the API must not reach into `activities/`.
"""

from __future__ import annotations

import logging
from datetime import date
from pathlib import Path

import chinese_calendar

from domain.calendar import FallbackDays, NotCovered, WorkingDayCalendar, parse_fallback_days

logger = logging.getLogger(__name__)


def official_working_day(day: date) -> bool:
    try:
        return bool(chinese_calendar.is_workday(day))
    except NotImplementedError as error:
        # The package covers the years whose State Council notice it has seen, and says so this way.
        raise NotCovered(str(error)) from error


def load_working_day_calendar(fallback_file: Path | None) -> WorkingDayCalendar:
    fallback = FallbackDays()
    if fallback_file is not None:
        fallback = parse_fallback_days(fallback_file.read_text(encoding="utf-8"))
        logger.info(
            "working-day fallback from %s: %d holidays, %d make-up working days",
            fallback_file,
            len(fallback.holidays),
            len(fallback.makeup_working_days),
        )
    return WorkingDayCalendar(official_working_day, fallback)
