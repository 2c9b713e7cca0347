"""Working days in North Rhine-Westphalia, as day-indexed numpy tables for the generator.

Offices are closed on weekends and NRW public holidays, so in-person receipts and all
completions fall on working days; online receipts arrive any day. The generator works with
integer day indices (days since the window's first day) and looks things up in these tables.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

import numpy as np

logger = logging.getLogger(__name__)


def easter_sunday(year: int) -> dt.date:
    """Gregorian Easter Sunday (anonymous Gregorian algorithm)."""
    a, b, c = year % 19, year // 100, year % 100
    d, e = b // 4, b % 4
    g = (8 * b + 13) // 25
    h = (19 * a + b - d - g + 15) % 30
    i, k = c // 4, c % 4
    l_ = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 19 * l_) // 433
    month = (h + l_ - 7 * m + 90) // 25
    day = (h + l_ - 7 * m + 33 * month + 19) % 32
    return dt.date(year, month, day)


def nrw_holidays(year: int) -> set[dt.date]:
    """Public holidays in NRW (including Fronleichnam and Allerheiligen)."""
    easter = easter_sunday(year)
    movable = (-2, 1, 39, 50, 60)  # Karfreitag, Ostermontag, Himmelfahrt, Pfingstmontag, Fronl.
    fixed = ((1, 1), (5, 1), (10, 3), (11, 1), (12, 25), (12, 26))
    return {easter + dt.timedelta(days=o) for o in movable} | {
        dt.date(year, m, d) for m, d in fixed
    }


@dataclass(frozen=True)
class DayTable:
    """Day-indexed calendar from ``first`` for ``n_days`` days (window plus a run-out)."""

    first: dt.date
    weekday: np.ndarray  # 0 = Monday
    workday: np.ndarray  # bool
    next_workday: np.ndarray  # index of the first working day >= i


def day_table(first: dt.date, n_days: int) -> DayTable:
    days = [first + dt.timedelta(days=i) for i in range(n_days)]
    holidays: set[dt.date] = set()
    for year in range(first.year, days[-1].year + 1):
        holidays |= nrw_holidays(year)
    weekday = np.array([d.weekday() for d in days], dtype=np.int8)
    workday = (weekday < 5) & np.array([d not in holidays for d in days])
    # next working day: walk backwards; the tail past the last working day points to itself
    next_wd = np.empty(n_days, dtype=np.int64)
    nxt = n_days - 1
    for i in range(n_days - 1, -1, -1):
        if workday[i]:
            nxt = i
        next_wd[i] = nxt
    return DayTable(first=first, weekday=weekday, workday=workday, next_workday=next_wd)
